package dev.resnetc.bench;

import java.util.List;
import java.util.Locale;

/** Formats measured cells as a Markdown table, ready to paste into docs/PERFORMANCE.md. */
final class Table {
  static final String HEADER = "| model | batch | threads | java_ms | ort_ms | java_ms / ort_ms"
      + " | java first result ms | ort first result ms | error vs ORT | error vs PyTorch |";

  private Table() {}

  /** The table of {@code cells}, one row each, in order, with a header and a separator line. */
  static String format(List<Cell> cells) {
    StringBuilder s = new StringBuilder(HEADER).append('\n');
    s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Cell c : cells) {
      s.append(row(c)).append('\n');
    }
    return s.toString();
  }

  /** One row of the table. */
  static String row(Cell c) {
    return String.format(Locale.ROOT,
        "| %s | %d | %d | %.1f | %.1f | %.2f | %.0f | %.0f | %.1e | %.1e |", c.model(), c.batch(),
        c.threads(), c.javaMs(), c.ortMs(), c.ratio(), c.javaFirstMs(), c.ortFirstMs(),
        c.errorVsOrt(), c.errorVsTorch());
  }
}
