package dev.resnetc.maven;

import dev.resnetc.dsl.Severity;
import java.nio.file.Path;

/**
 * One thing to tell the user about a source file: {@code text} is the GNU headline
 * ({@code file:line:col: error: ...}) followed by the quoted line, caret and hint, one per line.
 */
record Message(Severity severity, Path file, int line, int column, String text) {
  /** The first line of {@link #text}, which IDE markers show. */
  String headline() {
    int end = text.indexOf('\n');
    return end < 0 ? text : text.substring(0, end);
  }
}
