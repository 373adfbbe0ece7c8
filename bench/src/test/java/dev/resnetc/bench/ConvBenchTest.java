package dev.resnetc.bench;

import static com.google.common.truth.Truth.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.resnetc.compiler.codegen.KernelPlan;
import dev.resnetc.runtime.Conv2d;
import dev.resnetc.runtime.ConvWeights.Algorithm;
import dev.resnetc.runtime.Kernels;
import dev.resnetc.runtime.Layout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The per-kernel benchmark: one row per algorithm that applies, the one that runs marked. */
class ConvBenchTest {
  @Test
  void timesEveryAlgorithmThatAppliesAndMarksTheOneThatRuns() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = new CommandLine(new ConvBench(new PrintStream(bytes, true, UTF_8)))
        .execute("--only", "3x3 512", "--rounds", "1", "--calls", "1");
    String text = bytes.toString(UTF_8);
    assertThat(status).isEqualTo(0);
    // the compiler's choice, F(2x2); in the blocked layout (AVX-512) the blocked F(2x2) kernel
    Conv2d layer = new Conv2d(512, 7, 7, 512, 3, 1, 1, 1, 1);
    assertThat(KernelPlan.algorithm(layer)).isEqualTo(Algorithm.WINOGRAD_2X2);
    String chosen = Kernels.prepare(layer, new float[layer.weightSize()],
        Algorithm.WINOGRAD_2X2, Layout.preferred()).algorithm().name().toLowerCase(Locale.ROOT);
    assertThat(text).containsMatch("\\| 3x3 512 @7 \\| 1 \\| " + chosen
        + " \\| [0-9.]+ \\| [0-9.]+ \\| [0-9]+% \\| yes \\|\\n");
    for (String algorithm : List.of("direct", "winograd_2x2", "winograd_4x4", "channels")) {
      assertThat(text).containsMatch("\\| 3x3 512 @7 \\| 1 \\| " + algorithm
          + " \\| [0-9.]+ \\| [0-9.]+ \\| [0-9]+% \\| " + (algorithm.equals(chosen) ? "yes" : "")
          + " \\|\\n");
    }
    assertThat(text).doesNotContain("stem");
  }

  @Test
  void stridedConvolutionsHaveNoWinograd() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new CommandLine(new ConvBench(new PrintStream(bytes, true, UTF_8)))
        .execute("--only", "3x3/2 64", "--rounds", "1", "--calls", "1");
    String text = bytes.toString(UTF_8);
    assertThat(text).contains("| 3x3/2 64->128 @56 | 1 | direct |");
    assertThat(text).contains("| 3x3/2 64->128 @56 | 1 | channels |");
    assertThat(text).doesNotContain("winograd");
  }

  @Test
  void theShapesAreEveryConvolutionOfTorchvisionsResNet18And50() {
    assertThat(ConvBench.SHAPES.stream().mapToInt(ConvBench.Shape::resnet18).sum()).isEqualTo(20);
    assertThat(ConvBench.SHAPES.stream().mapToInt(ConvBench.Shape::resnet50).sum()).isEqualTo(53);
  }

  @Test
  void aNetworkCountsItsLayersAndSumsTheChosenAlgorithms() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = new CommandLine(new ConvBench(new PrintStream(bytes, true, UTF_8)))
        .execute("--net", "resnet50", "--only", "1x1 64->", "--rounds", "1", "--calls", "1");
    String text = bytes.toString(UTF_8);
    assertThat(status).isEqualTo(0);
    assertThat(text).contains("| 1x1 64->64 @56 | 1 | direct |");
    assertThat(text).contains("| 1x1 64->256 @56 | 4 | direct |");
    assertThat(text).containsMatch("resnet50 convolutions at the chosen algorithms: [0-9.]+ ms\\n");
    assertThat(text).doesNotContain("3x3");
  }

  @Test
  void anUnknownNetworkIsAUsageError() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CommandLine cli = new CommandLine(new ConvBench(new PrintStream(bytes, true, UTF_8)));
    java.io.StringWriter err = new java.io.StringWriter();
    cli.setErr(new java.io.PrintWriter(err, true));
    assertThat(cli.execute("--net", "resnet34")).isEqualTo(2);
    assertThat(err.toString()).contains("--net must be resnet18 or resnet50, got resnet34");
  }
}
