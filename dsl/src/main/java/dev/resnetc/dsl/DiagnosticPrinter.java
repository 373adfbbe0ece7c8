package dev.resnetc.dsl;

import java.util.HashMap;
import java.util.Map;

/**
 * Formats diagnostics the way rustc and Elm do: the GNU headline, the offending source line, a caret
 * under the column, and a hint where there is one.
 */
public final class DiagnosticPrinter {
  private final Map<String, String[]> linesByFile = new HashMap<>();

  /** Makes the text of {@code file} available so diagnostics in it can quote their line. */
  public DiagnosticPrinter withSource(SourceFile file) {
    linesByFile.put(file.name(), file.text().split("\r?\n|\r", -1));
    return this;
  }

  public String format(Diagnostic d) {
    StringBuilder out = new StringBuilder(d.headline()).append('\n');
    String[] lines = linesByFile.get(d.pos().file());
    if (lines != null && d.pos().line() <= lines.length) {
      String line = lines[d.pos().line() - 1];
      if (line.length() <= 200) {
        out.append("    ").append(line).append('\n');
        out.append("    ").append(caretPadding(line, d.pos().column() - 1)).append("^\n");
      }
    }
    if (!d.hint().isEmpty()) {
      out.append("  hint: ").append(d.hint()).append('\n');
    }
    return out.toString();
  }

  /** Keeps tabs so the caret lines up under the same column in a terminal. */
  private static String caretPadding(String line, int column) {
    StringBuilder pad = new StringBuilder();
    for (int i = 0; i < column; i++) {
      pad.append(i < line.length() && line.charAt(i) == '\t' ? '\t' : ' ');
    }
    return pad.toString();
  }
}
