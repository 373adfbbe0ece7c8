package dev.resnetc.cli;

import static com.google.common.truth.Truth.assertThat;
import static dev.resnetc.cli.TestFiles.run;

import dev.resnetc.runtime.Npy;
import dev.resnetc.cli.TestFiles.Result;
import dev.resnetc.runtime.Tensor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code resnetc run} on real weight, .npy and image files, with outputs computed by hand. */
class RunCommandTest {
  /** y = W x + b with W = [[1, 0, 0, 0], [0, 2, 0, 0], [1, 1, 1, 1]] and b = [0, 0, -10]. */
  private static final String LINEAR = """
      network Linear(input: [4]) {
        fc: dense(3)
      }
      """;
  /** The mean of each channel, to check preprocessing. */
  private static final String MEANS = """
      network Means(input: [3, 8, 8]) {
        global_avgpool
        flatten
      }
      """;
  private static final float[] W = {1, 0, 0, 0, 0, 2, 0, 0, 1, 1, 1, 1};
  private static final float[] B = {0, 0, -10};

  @TempDir
  Path dir;
  private Path net;

  @BeforeEach
  void writeNetwork() throws IOException {
    net = Files.writeString(dir.resolve("linear.resnet"), LINEAR);
  }

  private Path safetensors(String name, Map<String, Tensor> tensors) throws IOException {
    return TestFiles.safetensors(dir.resolve(name), tensors);
  }

  private Path linearWeights(String prefix) throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put(prefix + "fc.weight", new Tensor(new int[] {3, 4}, W));
    t.put(prefix + "fc.bias", new Tensor(new int[] {3}, B));
    return safetensors("linear.safetensors", t);
  }

  private Path npy(String name, int[] shape, float... values) throws IOException {
    Path p = dir.resolve(name);
    Npy.write(p, new Tensor(shape, values));
    return p;
  }

  @Test
  void runWritesTheOutputBatchAndPrintsTheTopClasses() throws IOException {
    Path weights = linearWeights("");
    Path x = npy("x.npy", new int[] {2, 4}, 3, 1, 0, 0, 1, 1, 1, 20);
    Path y = dir.resolve("y.npy");
    Result r = run("run", net.toString(), "--weights", weights.toString(), "--input",
        x.toString(), "--output", y.toString(), "--top", "2");
    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isEqualTo(0);
    Tensor out = Npy.read(y);
    assertThat(out.shape()).asList().containsExactly(2, 3).inOrder();
    assertThat(out.data()).usingExactEquality().containsExactly(3f, 2f, -6f, 1f, 2f, 13f).inOrder();
    assertThat(r.out()).contains("output [2, 3] -> " + y);
    String[] lines = r.out().split("\n");
    assertThat(lines[2]).contains("0  score     3.0000");
    assertThat(lines[3]).contains("1  score     2.0000");
    assertThat(lines[5]).contains("2  score    13.0000");
  }

  @Test
  void aSingleSampleWithoutBatchDimensionIsABatchOfOne() throws IOException {
    Result r = run("run", net.toString(), "--weights", linearWeights("").toString(),
        "--input", npy("x.npy", new int[] {4}, 1, 2, 3, 4).toString(), "--top", "1");
    assertThat(r.status()).isEqualTo(0);
    assertThat(r.out()).contains("output [1, 3]");
    assertThat(r.out()).contains("1  score     4.0000");
  }

  @Test
  void prefixFromDataParallelIsStripped() throws IOException {
    Result r = run("run", net.toString(), "--weights", linearWeights("module.").toString(),
        "--strip-prefix", "module.", "--input", npy("x.npy", new int[] {4}, 1, 2, 3, 4)
            .toString());
    assertThat(r.status()).isEqualTo(0);
  }

  @Test
  void everyMissingUnexpectedAndMisShapedTensorIsListedAtOnce() throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("fc.weight", new Tensor(new int[] {4, 3}, W));
    t.put("fc.extra", new Tensor(new int[] {1}, new float[1]));
    Path weights = safetensors("bad.safetensors", t);
    Result r = run("run", net.toString(), "--weights", weights.toString(), "--input",
        npy("x.npy", new int[] {4}, 1, 2, 3, 4).toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("missing: fc.bias, expected shape [3]");
    assertThat(r.err()).contains("fc.weight: expected shape [3, 4], got [4, 3]");
    assertThat(r.err()).contains("unexpected: fc.extra");
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void truncatedWeightFileIsAPlainError() throws IOException {
    Path good = linearWeights("");
    byte[] bytes = Files.readAllBytes(good);
    Path cut = Files.write(dir.resolve("cut.safetensors"),
        Arrays.copyOf(bytes, bytes.length - 5));
    Result r = run("run", net.toString(), "--weights", cut.toString(), "--input",
        npy("x.npy", new int[] {4}, 1, 2, 3, 4).toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).startsWith("resnetc: error: cannot load weights '" + cut + "'");
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void missingWeightFileIsExitCode2() throws IOException {
    Result r = run("run", net.toString(), "--weights", dir.resolve("nope.safetensors").toString(),
        "--input", npy("x.npy", new int[] {4}, 1, 2, 3, 4).toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("no such file");
  }

  @Test
  void inputOfTheWrongShapeNamesExpectedAndActualShapes() throws IOException {
    Result r = run("run", net.toString(), "--weights", linearWeights("").toString(),
        "--input", npy("x.npy", new int[] {2, 5}, new float[10]).toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("has shape [2, 5]; the network expects [N, 4]");
  }

  @Test
  void imagesArePreprocessedAsTorchvisionDoesForImageNet() throws IOException {
    Path source = Files.writeString(dir.resolve("means.resnet"), MEANS);
    BufferedImage image = new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(new Color(255, 128, 0));
    g.fillRect(0, 0, 30, 20);
    g.dispose();
    Path png = dir.resolve("orange.png");
    ImageIO.write(image, "png", png.toFile());
    Path weights = safetensors("none.safetensors", Map.of());
    Path y = dir.resolve("y.npy");
    Result r = run("run", source.toString(), "--weights", weights.toString(), "--input",
        png.toString(), png.toString(), "--preprocess", "imagenet", "--output", y.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isEqualTo(0);
    float[] means = Npy.read(y).data();
    float[] expected = {(1f - 0.485f) / 0.229f, (128 / 255f - 0.456f) / 0.224f,
        (0f - 0.406f) / 0.225f};
    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 3; c++) {
        assertThat(means[n * 3 + c]).isWithin(1e-5f).of(expected[c]);
      }
    }
  }

  @Test
  void aFileThatIsNotAnImageIsAPlainError() throws IOException {
    Path source = Files.writeString(dir.resolve("means.resnet"), MEANS);
    Path notImage = Files.writeString(dir.resolve("x.png"), "not an image");
    Result r = run("run", source.toString(), "--weights",
        safetensors("none.safetensors", Map.of()).toString(), "--input", notImage.toString(),
        "--preprocess", "imagenet");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("cannot read input '" + notImage + "': not a PNG, JPEG");
  }

  @Test
  void imagenetPreprocessingNeedsAThreeChannelImageInput() throws IOException {
    Path png = dir.resolve("x.png");
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
    Result r = run("run", net.toString(), "--weights", linearWeights("").toString(),
        "--input", png.toString(), "--preprocess", "imagenet");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--preprocess imagenet needs a network with input [3, H, W]");
  }
}
