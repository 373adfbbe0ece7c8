package dev.resnetc.cli;

import com.palantir.javapoet.JavaFile;
import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.compiler.codegen.KernelPlan;
import dev.resnetc.compiler.opt.Optimizer;
import dev.resnetc.compiler.opt.Pass;
import dev.resnetc.compiler.report.IrDump;
import dev.resnetc.runtime.Conv2d;
import dev.resnetc.runtime.ConvWeights;
import java.io.PrintWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.lang.model.SourceVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code resnetc compile}: checks a network and writes its Java class. */
@Command(name = "compile", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Compile a .resnet network to a Java source file.",
    footer = "%nExample:%n  resnetc compile ResNet50.resnet -o out -p com.example.nets%n"
        + "  (writes out/com/example/nets/ResNet50.java)")
final class CompileCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The .resnet file to compile.")
  String file;

  @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = ".",
      description = "Source root to write into (default: ${DEFAULT-VALUE}); created if missing.")
  String output;

  @Option(names = {"-p", "--package"}, paramLabel = "PACKAGE", defaultValue = "",
      description = "Java package of the generated class (default: the unnamed package).")
  String packageName;

  @Option(names = "-O", paramLabel = "LEVEL", defaultValue = "1",
      description = "Optimization level: 1 (default) folds BatchNorm, fuses residual adds and"
          + " ReLUs into convolutions and plans one activation arena; 0 keeps the graph as"
          + " written.")
  int level;

  @Option(names = "--report", description = "Print what the optimizer did and the activation"
      + " memory.")
  boolean report;

  @Option(names = "--dump-ir-after", paramLabel = "PASS",
      description = "Print the IR after PASS: InsertProjections (before optimizing), RemoveNoOps,"
          + " FoldBatchNorm, FuseResidualEpilogue, or all.")
  String dumpAfter;

  @Override
  public Integer call() {
    if (level < 0 || level > 1) {
      throw new CliException("-O must be 0 or 1, got " + level);
    }
    List<String> passes = Stream.concat(Stream.of("InsertProjections"),
        Optimizer.O1.stream().map(Pass::name)).toList();
    if (dumpAfter != null && !dumpAfter.equals("all") && !passes.contains(dumpAfter)) {
      throw new CliException("unknown pass '" + dumpAfter + "' for --dump-ir-after; passes: "
          + String.join(", ", passes) + ", all");
    }
    if (!packageName.isEmpty() && !SourceVersion.isName(packageName)) {
      throw new CliException("invalid package name '" + packageName + "'");
    }
    Path dir = Frontend.toPath(output);
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new CliException("cannot write to '" + output + "': not a directory");
    }
    Optional<Compilation> compilation = Frontend.analyze(file, spec.commandLine().getErr());
    if (compilation.isEmpty()) {
      return Main.EXIT_SOURCE_ERRORS;
    }
    PrintWriter out = spec.commandLine().getOut();
    if (dumpAfter != null && (dumpAfter.equals("all") || dumpAfter.equals("InsertProjections"))) {
      out.println("== IR after InsertProjections");
      IrDump.print(compilation.get(), out);
    }
    Resnetc.Output generated = Resnetc.generate(compilation.get(), packageName, level,
        (pass, c) -> {
          if (dumpAfter != null && (dumpAfter.equals("all") || dumpAfter.equals(pass.name()))) {
            out.println("== IR after " + pass.name());
            IrDump.print(c, out);
          }
        });
    JavaFile javaFile = generated.file();
    Path written;
    try {
      // JavaPoet creates the package's directories but not DIR itself.
      Files.createDirectories(dir);
      written = javaFile.writeToPath(dir);
    } catch (IOException e) {
      throw new CliException("cannot write to '" + output + "': " + Frontend.describe(e));
    }
    out.println("wrote " + written);
    if (report) {
      printReport(generated, out);
    }
    out.flush();
    return Main.EXIT_OK;
  }

  /** The optimizer's figures, one per line; outside checks read these lines. */
  private static void printReport(Resnetc.Output g, PrintWriter out) {
    out.println("folded batchnorm: " + g.stats().foldedBatchNorms());
    out.println("fused residual add: " + g.stats().fusedResidualAdds());
    out.println("fused relu: " + g.stats().fusedRelus());
    out.println("removed no-ops: " + g.stats().removedNoOps());
    out.println("kernel calls: " + g.kernelCallsBefore() + " -> " + g.kernelCallsAfter());
    out.println("activation memory: " + bytes(g.memory().arena()) + " bytes (lower bound "
        + bytes(g.memory().lowerBound()) + ", unplanned " + bytes(g.memory().unplanned()) + ")");
    out.println("convolutions: " + algorithms(g, KernelPlan::algorithm));
    out.println("convolutions with narrower vectors: "
        + algorithms(g, KernelPlan::narrowAlgorithm));
    out.println("winograd weight memory: +" + bytes(g.plan().winogradExtraFloats())
        + " bytes over the weight file");
    out.println("winograd weight memory with narrower vectors: +"
        + bytes(g.plan().narrowWinogradExtraFloats()) + " bytes");
  }

  /** How many convolutions take each algorithm, as {@code "40 direct, 2 winograd_2x2"}. */
  private static String algorithms(Resnetc.Output g,
      Function<Conv2d, ConvWeights.Algorithm> choice) {
    Map<ConvWeights.Algorithm, Long> counts = g.plan().arrays().stream()
        .flatMap(a -> a.convolution().stream())
        .collect(Collectors.groupingBy(choice, () -> new EnumMap<>(ConvWeights.Algorithm.class),
            Collectors.counting()));
    return counts.entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey().name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
  }

  private static long bytes(long floats) {
    return floats * Float.BYTES;
  }
}
