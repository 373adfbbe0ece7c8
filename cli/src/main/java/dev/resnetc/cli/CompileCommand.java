package dev.resnetc.cli;

import com.palantir.javapoet.JavaFile;
import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
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

  @Override
  public Integer call() {
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
    JavaFile javaFile = Resnetc.generate(compilation.get(), packageName);
    Path written;
    try {
      // JavaPoet creates the package's directories but not DIR itself.
      Files.createDirectories(dir);
      written = javaFile.writeToPath(dir);
    } catch (IOException e) {
      throw new CliException("cannot write to '" + output + "': " + Frontend.describe(e));
    }
    spec.commandLine().getOut().println("wrote " + written);
    return Main.EXIT_OK;
  }
}
