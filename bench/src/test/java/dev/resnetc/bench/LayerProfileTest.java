package dev.resnetc.bench;

import static com.google.common.truth.Truth.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resnetc.runtime.Conv2d;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The per-layer profile of whole forward calls, and its table next to ONNX Runtime's. */
class LayerProfileTest {
  private static final Conv2d STEM = new Conv2d(3, 224, 224, 64, 7, 2, 3, 1, 1);
  private static final Conv2d BLOCK = new Conv2d(64, 56, 56, 64, 3, 1, 1, 1, 1);
  private static final Conv2d ODD = new Conv2d(5, 9, 9, 7, 3, 2, 1, 1, 1);

  private static LayerProfile.Recorder record(long[][] nanos, Conv2d... layers) {
    LayerProfile.Recorder recorder = new LayerProfile.Recorder();
    for (long[] call : nanos) {
      recorder.begin();
      for (int i = 0; i < call.length; i++) {
        recorder.ran(layers[i], 1, call[i]);
      }
    }
    return recorder;
  }

  /** ONNX Runtime's profile of a few ResNet-18 runs, without the first. */
  private static OrtProfile.Summary ortExcerpt() throws IOException {
    try (Reader r = new InputStreamReader(
        LayerProfileTest.class.getResourceAsStream("/ort/resnet18-excerpt.json"), UTF_8)) {
      return OrtProfile.summarize(r, 1);
    }
  }

  @Test
  void takesEachLayersMedianAfterTheWarmUpAndSumsThemPerShape() {
    LayerProfile.Recorder recorder = record(new long[][] {
        {9_000_000, 9_000_000, 9_000_000, 9_000_000}, // warm-up
        {3_000_000, 2_000_000, 2_500_000, 100_000},
        {4_000_000, 2_200_000, 2_700_000, 300_000},
        {3_500_000, 2_100_000, 2_600_000, 200_000}}, STEM, BLOCK, BLOCK, ODD);
    List<LayerProfile.Row> rows = recorder.rows(1);
    assertThat(recorder.layers()).containsExactly(STEM, BLOCK, BLOCK, ODD).inOrder();
    String table = LayerProfile.format(rows, null, 10.0);
    assertThat(table).contains("| stem 7x7/2 3->64 @224 | 1 | 3.500 |  |  |\n");
    // medians 2.1 and 2.6 ms
    assertThat(table).contains("| 3x3 64 @56 | 2 | 4.700 |  |  |\n");
    // not one of ConvBench's shapes: named the same way
    assertThat(table).contains("| 3x3/2 5->7 @9 | 1 | 0.200 |  |  |\n");
    assertThat(table).contains("| all convolutions | 4 | 8.400 |  |  |\n");
    assertThat(table).contains("median forward: resnetc 10.000 ms\n");
  }

  @Test
  void refusesForwardCallsThatRunOtherConvolutions() {
    LayerProfile.Recorder recorder = record(new long[][] {{1, 2}}, STEM, BLOCK);
    recorder.begin();
    recorder.ran(STEM, 1, 1);
    IllegalStateException e = assertThrows(
        IllegalStateException.class, () -> recorder.ran(ODD, 1, 1));
    assertThat(e).hasMessageThat().contains("different convolutions");
  }

  @Test
  void refusesAForwardCallThatRanFewerConvolutions() {
    LayerProfile.Recorder recorder = record(new long[][] {{1, 2}, {1}}, STEM, BLOCK);
    IllegalStateException e = assertThrows(
        IllegalStateException.class, () -> recorder.rows(0));
    assertThat(e).hasMessageThat().contains("ran 1 of the 2 convolutions");
  }

  @Test
  void listsShapesOnlyOnnxRuntimeHasAndCountsThemInItsTotal() throws IOException {
    OrtProfile.Summary ort = ortExcerpt();
    String table = LayerProfile.format(record(new long[][] {{1_000_000}}, ODD).rows(0), ort, 1.0);
    assertThat(table).contains("| 3x3/2 5->7 @9 | 1 | 1.000 |  |  |\n");
    assertThat(table).contains("| stem 7x7/2 3->64 @224 | 1 |  | 3.012 |  |\n");
    assertThat(table).contains("| all convolutions | 1 | 1.000 | 8.453 | 0.118 |\n");
  }

  @Test
  void putsOnnxRuntimesProfileNextToIt() throws IOException {
    OrtProfile.Summary ort = ortExcerpt(); // stem 3.012 ms, two 3x3 64 @56: 5.441 ms
    LayerProfile.Recorder recorder = record(new long[][] {{3_012_000, 2_000_000, 2_000_000}},
        STEM, BLOCK, BLOCK);
    String table = LayerProfile.format(recorder.rows(0), ort, 9.0);
    assertThat(table).contains("| stem 7x7/2 3->64 @224 | 1 | 3.012 | 3.012 | 1.000 |\n");
    assertThat(table).contains("| 3x3 64 @56 | 2 | 4.000 | 5.441 | 0.735 |\n");
    assertThat(table).contains("| all convolutions | 3 | 7.012 | 8.453 | 0.830 |\n");
    assertThat(table).contains(
        "median forward: resnetc 9.000 ms, ONNX Runtime 45.331 ms (model_run)\n");
  }

  @Test
  void profilesEveryConvolutionOfAGeneratedNetworkWithoutOnnxRuntime() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = new CommandLine(new LayerProfile(new PrintStream(bytes, true, UTF_8))).execute(
        "--root", Path.of("..").toString(), "--reference",
        Path.of("..", "samples", "src", "test", "resources", "reference").toString(),
        "--model", "resnet20", "--runs", "3", "--warmup", "1", "--threads", "2");
    String text = bytes.toString(UTF_8);
    assertThat(status).isEqualTo(0);
    assertThat(text).contains("resnet20, 2 thread(s), batch 1, medians of 3 calls after 1");
    assertThat(text).contains("resnetc only");
    // ResNet-20: the stem and 18 convolutions in 9 blocks, option A shortcuts (no projection)
    assertThat(text).containsMatch("\\| 3x3 3->16 @32 \\| 1 \\| [0-9.]+ \\|  \\|  \\|\n");
    assertThat(text).containsMatch("\\| 3x3/2 16->32 @32 \\| 1 \\| [0-9.]+ \\|");
    assertThat(text).containsMatch("\\| all convolutions \\| 19 \\| [0-9.]+ \\|");
  }

  @Test
  void missingReferenceDataIsAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cli = new CommandLine(new LayerProfile(new PrintStream(new ByteArrayOutputStream(),
        true, UTF_8)));
    cli.setErr(new PrintWriter(err, true, UTF_8));
    int status = cli.execute("--root", "..", "--reference", "/nonexistent", "--model", "resnet20");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString(UTF_8)).contains("bench/run.sh writes bench/target/reference/NAME");
  }
}
