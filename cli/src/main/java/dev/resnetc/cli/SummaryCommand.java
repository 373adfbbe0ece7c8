package dev.resnetc.cli;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.report.SummaryTable;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code resnetc summary}: per-layer shapes, parameters and multiply-adds, with totals. */
@Command(name = "summary", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Print each layer's output shape, parameters and multiply-adds, and the totals.")
final class SummaryCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The .resnet file to summarize.")
  String file;

  @Override
  public Integer call() {
    Optional<Compilation> compilation = Frontend.analyze(file, spec.commandLine().getErr());
    if (compilation.isEmpty()) {
      return Main.EXIT_SOURCE_ERRORS;
    }
    PrintWriter out = spec.commandLine().getOut();
    SummaryTable.of(compilation.get()).print(out);
    out.flush();
    return Main.EXIT_OK;
  }
}
