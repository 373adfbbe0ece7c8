package dev.resnetc.samples;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.dsl.Diagnostic;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.Severity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The sample networks in the module's directory, each analysed once with its notes kept. */
final class Samples {
  /** Maven runs tests in the module directory, where the samples live. */
  static final Path DIR = Path.of(".");

  /** One analysed sample and the notes (inserted W_s) the compiler made about it. */
  record Sample(String file, Compilation compilation, List<Diagnostic> notes) {
    @Override
    public String toString() {
      return file;
    }
  }

  private Samples() {}

  static List<String> files() {
    try (Stream<Path> s = Files.list(DIR)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".resnet")).sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Sample load(String file) {
    Diagnostics diagnostics = new Diagnostics();
    try {
      Compilation c = Resnetc.analyze(DIR.resolve(file), file, diagnostics).orElseThrow(
          () -> new AssertionError(file + " has errors:\n" + diagnostics.all().stream()
              .map(Diagnostic::toString).collect(Collectors.joining("\n"))));
      List<Diagnostic> notes = diagnostics.all().stream()
          .filter(d -> d.severity() == Severity.NOTE).toList();
      return new Sample(file, c, notes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
