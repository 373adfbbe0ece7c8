package dev.resnetc.cli;

import dev.resnetc.compiler.report.ShapeTable;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code resnetc check}: reports every problem in a network, or the shape of each layer. */
@Command(name = "check", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {"Check a .resnet network without generating code.",
        "Prints all errors and notes; if there are no errors, the output shape of every layer."})
final class CheckCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The .resnet file to check.")
  String file;

  @Override
  public Integer call() {
    return Frontend.report(file, spec, (c, out) -> ShapeTable.of(c).print(out));
  }
}
