package dev.resnetc.dsl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Collects diagnostics from every stage instead of throwing on the first problem. Passes never print:
 * the CLI and the build plugin decide how diagnostics are shown.
 */
public final class Diagnostics {
  /** Past this many errors a file is hopeless, and a longer list only hides the first problem. */
  public static final int MAX_ERRORS = 100;

  private final List<Diagnostic> all = new ArrayList<>();
  private int errors;
  private boolean truncated;

  public void error(ErrorCode code, SourcePos pos, String message) {
    report(new Diagnostic(code, pos, message, ""));
  }

  public void error(ErrorCode code, SourcePos pos, String message, String hint) {
    report(new Diagnostic(code, pos, message, hint));
  }

  public void note(ErrorCode code, SourcePos pos, String message) {
    report(new Diagnostic(code, pos, message, ""));
  }

  public void report(Diagnostic d) {
    if (d.severity() == Severity.ERROR) {
      if (errors == MAX_ERRORS) {
        if (!truncated) {
          truncated = true;
          all.add(new Diagnostic(ErrorCode.TOO_MANY_ERRORS, d.pos(),
              "too many errors; stopped after " + MAX_ERRORS, ""));
        }
        return;
      }
      errors++;
    }
    all.add(d);
  }

  public boolean hasErrors() {
    return errors > 0;
  }

  public int errorCount() {
    return errors;
  }

  public List<Diagnostic> all() {
    return Collections.unmodifiableList(all);
  }

  public List<Diagnostic> errors() {
    return all.stream().filter(d -> d.severity() == Severity.ERROR).toList();
  }
}
