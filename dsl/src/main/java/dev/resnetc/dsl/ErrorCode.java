package dev.resnetc.dsl;

/**
 * Every diagnostic the compiler can give, with a stable code. Codes are never reused or renumbered:
 * users search for them, and tests pin them.
 */
public enum ErrorCode {
  // Reading and parsing: E1xx.
  SYNTAX("E100", Severity.ERROR),
  NOT_UTF8("E101", Severity.ERROR),
  EMPTY_FILE("E102", Severity.ERROR),
  NESTING_TOO_DEEP("E103", Severity.ERROR),
  TOO_MANY_ERRORS("E104", Severity.ERROR),
  FILE_TOO_LARGE("E105", Severity.ERROR),
  IMPORT_NOT_FOUND("E106", Severity.ERROR),
  IMPORT_CYCLE("E107", Severity.ERROR),

  // Names, arguments and structure: E2xx.
  UNKNOWN_LAYER("E200", Severity.ERROR),
  UNKNOWN_ARGUMENT("E201", Severity.ERROR),
  MISSING_ARGUMENT("E202", Severity.ERROR),
  DUPLICATE_ARGUMENT("E203", Severity.ERROR),
  WRONG_ARGUMENT_TYPE("E204", Severity.ERROR),
  VALUE_OUT_OF_RANGE("E205", Severity.ERROR),
  RECURSIVE_BLOCK("E206", Severity.ERROR),
  BAD_REPEAT_COUNT("E207", Severity.ERROR),
  DUPLICATE_LABEL("E208", Severity.ERROR),
  DUPLICATE_DEFINITION("E209", Severity.ERROR),
  NO_NETWORK("E210", Severity.ERROR),
  NETWORK_TOO_LARGE("E211", Severity.ERROR),
  UNKNOWN_NAME("E212", Severity.ERROR),
  ARITHMETIC("E213", Severity.ERROR),
  POSITIONAL_AFTER_NAMED("E214", Severity.ERROR),
  MISPLACED_LAYER("E215", Severity.ERROR),
  MANY_NETWORKS("E216", Severity.ERROR),

  // Shapes: E3xx.
  KERNEL_TOO_LARGE("E300", Severity.ERROR),
  SPATIAL_COLLAPSE("E301", Severity.ERROR),
  GROUPS_MISMATCH("E302", Severity.ERROR),
  SHORTCUT_MISMATCH("E303", Severity.ERROR),
  WRONG_RANK("E304", Severity.ERROR),
  PAD_SHORTCUT_SHRINKS("E305", Severity.ERROR),
  EMPTY_RESIDUAL("E306", Severity.ERROR),
  TENSOR_TOO_LARGE("E307", Severity.ERROR),

  // Notes: N0xx.
  INSERTED_PROJECTION("N001", Severity.NOTE),
  PADDED_SHORTCUT("N002", Severity.NOTE);

  private final String code;
  private final Severity severity;

  ErrorCode(String code, Severity severity) {
    this.code = code;
    this.severity = severity;
  }

  public String code() {
    return code;
  }

  public Severity severity() {
    return severity;
  }
}
