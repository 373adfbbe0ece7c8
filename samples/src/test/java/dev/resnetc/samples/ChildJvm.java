package dev.resnetc.samples;

import static com.google.common.truth.Truth.assertThat;

import com.palantir.javapoet.JavaFile;
import dev.resnetc.runtime.Kernels;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.ToolProvider;

/**
 * A generated class and a small main, compiled to disk with the real javac against the runtime
 * alone, then run in a separate JVM with the flags a test chooses.
 */
final class ChildJvm {
  private final Path classes;
  private final String runtime;

  /** Compiles {@code generated} and {@code mainSource}, a class {@code Main} in its package. */
  ChildJvm(Path dir, JavaFile generated, String mainSource) throws IOException, URISyntaxException {
    generated.writeTo(dir);
    Path pkg = dir.resolve(generated.packageName().replace('.', '/'));
    Path main = Files.writeString(pkg.resolve("Main.java"), mainSource);
    runtime = Path.of(Kernels.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
    classes = dir.resolve("classes");
    int javac = ToolProvider.getSystemJavaCompiler().run(null, null, null, "--release", "17",
        "-Xlint:all", "-Werror", "-cp", runtime, "-d", classes.toString(), main.toString(),
        pkg.resolve(generated.typeSpec().name() + ".java").toString());
    assertThat(javac).isEqualTo(0);
  }

  /** The exit code and output (without the JVM's incubator warning) of {@code main}. */
  record Result(int status, String output) {}

  Result run(String mainClass, List<String> jvmFlags, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(classes + File.pathSeparator + runtime);
    command.add(mainClass);
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String kept = String.join("\n", out.lines()
        .filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList());
    return new Result(p.waitFor(), kept);
  }
}
