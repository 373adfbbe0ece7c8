package dev.resnetc.compiler.report;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table whose columns are padded to their widest cell, numbers aligned right. */
final class TextTable {
  private static final String GAP = "  ";

  private final List<String> headers;
  private final boolean[] rightAligned;
  private final List<List<String>> rows = new ArrayList<>();

  TextTable(List<String> headers, boolean... rightAligned) {
    if (rightAligned.length != headers.size()) {
      throw new IllegalArgumentException("one alignment per column");
    }
    this.headers = List.copyOf(headers);
    this.rightAligned = rightAligned.clone();
  }

  TextTable add(List<String> cells) {
    if (cells.size() != headers.size()) {
      throw new IllegalArgumentException("expected " + headers.size() + " cells: " + cells);
    }
    rows.add(List.copyOf(cells));
    return this;
  }

  /** Total width of a rendered line, used to draw rules that match the table. */
  int width() {
    int[] widths = widths();
    int total = GAP.length() * (widths.length - 1);
    for (int w : widths) {
      total += w;
    }
    return total;
  }

  void print(PrintWriter out) {
    int[] widths = widths();
    line(out, headers, widths);
    out.println("-".repeat(width()));
    for (List<String> row : rows) {
      line(out, row, widths);
    }
  }

  @Override
  public String toString() {
    return Reports.render(this::print);
  }

  private int[] widths() {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = headers.get(i).length();
    }
    for (List<String> row : rows) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    return widths;
  }

  private void line(PrintWriter out, List<String> cells, int[] widths) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        b.append(GAP);
      }
      String cell = cells.get(i);
      String pad = " ".repeat(widths[i] - cell.length());
      b.append(rightAligned[i] ? pad + cell : cell + pad);
    }
    out.println(stripTrailing(b));
  }

  private static String stripTrailing(StringBuilder b) {
    int end = b.length();
    while (end > 0 && b.charAt(end - 1) == ' ') {
      end--;
    }
    return b.substring(0, end);
  }
}
