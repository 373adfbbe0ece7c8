package dev.resnetc.bench;

import static com.google.common.truth.Truth.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The per-kernel benchmark: one row per algorithm that applies, the compiler's choice marked. */
class ConvBenchTest {
  @Test
  void timesEveryAlgorithmThatAppliesAndMarksTheOneTheCompilerChooses() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = new CommandLine(new ConvBench(new PrintStream(bytes, true, UTF_8)))
        .execute("--only", "3x3 512", "--rounds", "1", "--calls", "1");
    String text = bytes.toString(UTF_8);
    assertThat(status).isEqualTo(0);
    assertThat(text).containsMatch("\\| 3x3 512 @7 \\| direct \\| [0-9.]+ \\| [0-9.]+ \\| [0-9]+% \\|"
        + "  \\|\\n");
    assertThat(text).containsMatch("\\| 3x3 512 @7 \\| winograd_2x2 \\| [0-9.]+ \\| [0-9.]+ \\|"
        + " [0-9]+% \\| yes \\|\\n");
    assertThat(text).contains("| 3x3 512 @7 | winograd_4x4 |");
    assertThat(text).doesNotContain("stem");
  }

  @Test
  void stridedConvolutionsHaveOnlyTheDirectKernel() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new CommandLine(new ConvBench(new PrintStream(bytes, true, UTF_8)))
        .execute("--only", "3x3/2 64", "--rounds", "1", "--calls", "1");
    String text = bytes.toString(UTF_8);
    assertThat(text).contains("| 3x3/2 64->128 @56 | direct |");
    assertThat(text).doesNotContain("winograd");
  }
}
