package dev.resnetc.dsl;

/** One message for the user about one place in a source file; {@code hint} may be empty. */
public record Diagnostic(ErrorCode code, SourcePos pos, String message, String hint) {
  public Diagnostic {
    if (code == null || pos == null || message == null) {
      throw new NullPointerException("code, pos and message are required");
    }
    hint = hint == null ? "" : hint;
  }

  public Severity severity() {
    return code.severity();
  }

  /** The first line of the GNU form, {@code file:line:col: error: message [E201]}. */
  public String headline() {
    return pos + ": " + severity().label() + ": " + message + " [" + code.code() + "]";
  }

  @Override
  public String toString() {
    return headline();
  }
}
