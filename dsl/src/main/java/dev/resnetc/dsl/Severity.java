package dev.resnetc.dsl;

/** How bad a diagnostic is; only errors stop the compiler. */
public enum Severity {
  ERROR("error"),
  WARNING("warning"),
  NOTE("note");

  private final String label;

  Severity(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
