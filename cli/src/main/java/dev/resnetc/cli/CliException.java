package dev.resnetc.cli;

/** A problem with how resnetc was called or with its files, shown as one line without a trace. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message, null, false, false);
  }
}
