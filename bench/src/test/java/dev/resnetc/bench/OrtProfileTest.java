package dev.resnetc.bench;

import static com.google.common.truth.Truth.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import org.junit.jupiter.api.Test;

/**
 * Reading ONNX Runtime's profile: {@code ort/resnet18-excerpt.json} holds, unchanged, the first
 * four runs' events of the stem, the max pooling and the first two 3x3 convolutions from a
 * profile of torchvision's ResNet-18 (ONNX Runtime 1.23.2, one thread).
 */
class OrtProfileTest {
  private static OrtProfile.Summary excerpt(int skip) throws IOException {
    try (Reader r = new InputStreamReader(
        OrtProfileTest.class.getResourceAsStream("/ort/resnet18-excerpt.json"), UTF_8)) {
      return OrtProfile.summarize(r, skip);
    }
  }

  @Test
  void namesConvolutionsAsConvBenchDoesAndTakesMediansAfterTheWarmUp() throws IOException {
    String table = OrtProfile.format(excerpt(1));
    // stem: 5174 (warm-up), then 2731, 3012, 3580 us
    assertThat(table).contains("| stem 7x7/2 3->64 @224 | 1 | 3.012 | 3.012 |\n");
    // two nodes: medians 2728 (2835, 2514, 2728) and 2713 (2663, 2722, 2713)
    assertThat(table).contains("| 3x3 64 @56 | 2 | 2.721 | 5.441 |\n");
    assertThat(table).contains("| MaxPool | 1 | 0.324 | 0.324 |\n");
    assertThat(table).contains(
        "convolutions: 8.453 ms; all nodes: 8.777 ms; median run: 45.331 ms\n");
    assertThat(table.indexOf("stem")).isLessThan(table.indexOf("3x3 64"));
    assertThat(table.indexOf("3x3 64")).isLessThan(table.indexOf("MaxPool"));
  }

  @Test
  void withoutAWarmUpEveryRunCounts() throws IOException {
    // stem: 5174, 2731, 3012, 3580 us; sorted, the middle two are 3012 and 3580.
    assertThat(OrtProfile.format(excerpt(0)))
        .contains("| stem 7x7/2 3->64 @224 | 1 | 3.296 | 3.296 |\n");
  }

  @Test
  void aMissingModelIsAUsageErrorThatSaysWhereModelsComeFrom() {
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cli = new picocli.CommandLine(new OrtProfile(
        new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, UTF_8)));
    cli.setErr(new java.io.PrintWriter(err, true));
    assertThat(cli.execute("--model", "no/such/model.onnx")).isEqualTo(2);
    assertThat(err.toString()).contains("no model file no/such/model.onnx (bench/run.sh writes");
  }
}
