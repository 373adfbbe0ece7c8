package dev.resnetc.bench;

import static com.google.common.truth.Truth.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.resnetc.compiler.Resnetc;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.runtime.Kernels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The two-build comparison, run with the same build on both sides. */
class AgainstTest {
  private static final Path SAMPLES = Path.of("..", "samples");

  @Test
  void timesBothBuildsOfTheSameNetworkAndChecksThatTheyAgree(@TempDir Path dir)
      throws Exception {
    Path source = SAMPLES.resolve("resnet20.resnet");
    Diagnostics diagnostics = new Diagnostics();
    Resnetc.generate(Resnetc.analyze(source, source.toString(), diagnostics).orElseThrow(), "t")
        .writeTo(dir.resolve("src"));
    Path runtime = Path.of(Kernels.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI());
    String[] javac;
    try (Stream<Path> files = Files.walk(dir.resolve("src"))) {
      javac = Stream.concat(Stream.of("-d", dir.resolve("classes").toString(), "-cp",
          runtime.toString()), files.filter(f -> f.toString().endsWith(".java"))
          .map(Path::toString)).toArray(String[]::new);
    }
    assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, javac)).isEqualTo(0);
    String classPath = dir.resolve("classes") + ":" + runtime;

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = new CommandLine(new Against(new PrintStream(bytes, true, UTF_8))).execute(
        "--class", "t.ResNet20", "--weights",
        SAMPLES.resolve("src/test/resources/reference/resnet20/weights.safetensors").toString(),
        "--base", classPath, "--head", classPath, "--threads", "1,2", "--batches", "3",
        "--rounds", "3", "--calls", "1", "--warmup", "1");
    String text = bytes.toString(UTF_8);
    assertThat(status).isEqualTo(0);
    assertThat(text).contains("t.ResNet20, 3 rounds x 1 calls per build");
    // Both sides are the same code on the same input: their outputs are the same.
    assertThat(text).containsMatch("\\| 3 \\| 1 \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\|"
        + " [0-9.]+-[0-9.]+ \\| 0\\.0e\\+00 \\|\\n");
    assertThat(text).containsMatch("\\| 3 \\| 2 \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\|");
  }
}
