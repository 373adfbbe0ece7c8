package dev.resnetc.cli;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.dsl.Diagnostic;
import dev.resnetc.dsl.DiagnosticPrinter;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.Severity;
import dev.resnetc.dsl.SourceFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import picocli.CommandLine.Model.CommandSpec;

/** Runs the compiler's analysis on a file named on the command line and prints its diagnostics. */
final class Frontend {
  private Frontend() {}

  /**
   * Analyzes {@code file}, exactly as the user typed it, and prints every diagnostic to {@code err}.
   * Returns the compilation if there were no errors; a file that cannot be read is a
   * {@link CliException}.
   */
  static Optional<Compilation> analyze(String file, PrintWriter err) {
    return analyze(file, err, true);
  }

  /** As {@link #analyze(String, PrintWriter)}, printing notes only if {@code notes} is set. */
  static Optional<Compilation> analyze(String file, PrintWriter err, boolean notes) {
    Path path = toPath(file);
    if (Files.isDirectory(path)) {
      throw new CliException("cannot read '" + file + "': is a directory");
    }
    Diagnostics diagnostics = new Diagnostics();
    Optional<Compilation> result;
    try {
      result = Resnetc.analyze(path, file, diagnostics);
    } catch (IOException e) {
      throw new CliException("cannot read '" + file + "': " + describe(e));
    }
    print(diagnostics, err, notes);
    return diagnostics.hasErrors() ? Optional.empty() : result;
  }

  /**
   * Analyzes {@code file} and, if it has no errors, prints {@code report} of it to the command's
   * output; returns the exit code.
   */
  static int report(String file, CommandSpec spec, BiConsumer<Compilation, PrintWriter> report) {
    Optional<Compilation> compilation = analyze(file, spec.commandLine().getErr());
    if (compilation.isEmpty()) {
      return Main.EXIT_SOURCE_ERRORS;
    }
    PrintWriter out = spec.commandLine().getOut();
    report.accept(compilation.get(), out);
    out.flush();
    return Main.EXIT_OK;
  }

  static Path toPath(String file) {
    try {
      return Path.of(file);
    } catch (InvalidPathException e) {
      throw new CliException("invalid path '" + file + "': " + e.getReason());
    }
  }

  /** A short reason for an I/O failure, without the path the caller already shows. */
  static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    String reason = e.getMessage();
    return reason == null || reason.isBlank() ? e.getClass().getSimpleName() : reason;
  }

  /** Prints each diagnostic with its source line and caret, then a count of the errors. */
  static void print(Diagnostics diagnostics, PrintWriter err, boolean notes) {
    DiagnosticPrinter printer = new DiagnosticPrinter();
    Set<String> files = new LinkedHashSet<>();
    for (Diagnostic d : diagnostics.all()) {
      files.add(d.pos().file());
    }
    for (String name : files) {
      quotable(name).ifPresent(printer::withSource);
    }
    for (Diagnostic d : diagnostics.all()) {
      if (notes || d.severity() != Severity.NOTE) {
        err.print(printer.format(d));
      }
    }
    int errors = (int) diagnostics.all().stream()
        .filter(d -> d.severity() == Severity.ERROR).count();
    if (errors > 0) {
      err.println(errors == 1 ? "1 error" : errors + " errors");
    }
    err.flush();
  }

  /**
   * The text of a file a diagnostic names, which is relative to the working directory as the user
   * typed it; empty if it cannot be read, in which case the diagnostic is shown without its line.
   */
  private static Optional<SourceFile> quotable(String name) {
    try {
      Path path = Path.of(name);
      if (!Files.isRegularFile(path) || Files.size(path) > SourceFile.MAX_BYTES) {
        return Optional.empty();
      }
      String text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
      return Optional.of(SourceFile.of(name, text.startsWith("\uFEFF") ? text.substring(1) : text));
    } catch (IOException | InvalidPathException e) {
      return Optional.empty();
    }
  }
}
