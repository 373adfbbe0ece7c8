package dev.resnetc.compiler.report;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;
import java.util.function.Consumer;

/** Number formatting shared by the reports, independent of the default locale. */
public final class Reports {
  private Reports() {}

  /** {@code 11689512 -> "11,689,512"}. */
  public static String grouped(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Two decimals and an SI prefix, {@code 1814073344 -> "1.81 G"}; below 1000, exact. */
  public static String metric(long n) {
    if (Math.abs(n) < 1000) {
      return Long.toString(n);
    }
    String[] units = {"K", "M", "G", "T", "P", "E"};
    double value = n;
    int unit = -1;
    // 999.995 and up would print as "1000.00", so it moves to the next unit.
    do {
      value /= 1000;
      unit++;
    } while (unit < units.length - 1 && Math.abs(value) >= 999.995);
    return String.format(Locale.ROOT, "%.2f %s", value, units[unit]);
  }

  static String render(Consumer<PrintWriter> printer) {
    StringWriter s = new StringWriter();
    PrintWriter out = new PrintWriter(s);
    printer.accept(out);
    out.flush();
    return s.toString().replace(System.lineSeparator(), "\n");
  }
}
