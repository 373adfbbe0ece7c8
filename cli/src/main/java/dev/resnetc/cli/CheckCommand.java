package dev.resnetc.cli;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.report.ShapeTable;
import java.io.PrintWriter;
import java.util.Optional;
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
    Optional<Compilation> compilation = Frontend.analyze(file, spec.commandLine().getErr());
    if (compilation.isEmpty()) {
      return Main.EXIT_SOURCE_ERRORS;
    }
    PrintWriter out = spec.commandLine().getOut();
    ShapeTable.of(compilation.get()).print(out);
    out.flush();
    return Main.EXIT_OK;
  }
}
