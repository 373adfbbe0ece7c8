package dev.resnetc.cli;

import dev.resnetc.compiler.report.SummaryTable;
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
    return Frontend.report(file, spec, (c, out) -> SummaryTable.of(c).print(out));
  }
}
