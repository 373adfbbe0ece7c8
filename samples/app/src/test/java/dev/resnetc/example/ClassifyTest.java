package dev.resnetc.example;

import static com.google.common.truth.Truth.assertThat;

import dev.resnetc.runtime.Npy;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifyTest {
  /** ResNet-20 with a PyTorch state_dict, an input batch of 2 and PyTorch's float64 output. */
  private static final Path REFERENCE = Path.of("../src/test/resources/reference/resnet20");
  private static final Path WEIGHTS = REFERENCE.resolve("weights.safetensors");
  private static final Path INPUT = REFERENCE.resolve("input.npy");

  /** A {@code w x h} RGB image of one colour. */
  private static BufferedImage canvas(int w, int h, Color colour) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(colour);
    g.fillRect(0, 0, w, h);
    g.dispose();
    return image;
  }

  private static String classify(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Classify.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(code).isEqualTo(0);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void logitsMatchPyTorchWithinOneInTenThousandOfTheLargest() throws IOException {
    Classifier classifier = Classifier.load(WEIGHTS);
    float[] y = classifier.logits(Inputs.read(INPUT, Classifier.inputShape()));
    float[] expected = Npy.read(REFERENCE.resolve("expected.npy")).data();

    assertThat(y.length).isEqualTo(expected.length);
    double maxError = 0;
    double maxAbs = 0;
    for (int i = 0; i < y.length; i++) {
      maxError = Math.max(maxError, Math.abs(y[i] - expected[i]));
      maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
    }
    assertThat(maxError / maxAbs).isAtMost(1e-4);
  }

  @Test
  void printsTheTopClassesOfEachSampleAsPyTorchRanksThem() throws IOException {
    String out = classify(WEIGHTS.toString(), INPUT.toString(), "3");

    // PyTorch's ranking of the expected output: classes 6, 9, 4 for both samples.
    List<List<Classifier.Ranked>> expected =
        Classifier.top(Npy.read(REFERENCE.resolve("expected.npy")).data(), 3);
    List<String> lines = out.lines().toList();
    assertThat(lines).hasSize(8);
    for (int n = 0; n < 2; n++) {
      assertThat(lines.get(4 * n)).isEqualTo("sample " + n + ":");
      for (int r = 0; r < 3; r++) {
        Classifier.Ranked want = expected.get(n).get(r);
        assertThat(lines.get(4 * n + 1 + r).trim()).startsWith(want.name() + " ");
        assertThat(lines.get(4 * n + 1 + r)).contains("(class " + want.index() + ",");
      }
    }
    assertThat(lines.get(1).trim()).startsWith("frog ");
  }

  @Test
  void classifiesAnImageFileThroughImageNetPreprocessing(@TempDir Path dir) throws IOException {
    BufferedImage image = canvas(48, 40, Color.ORANGE);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.BLUE);
    g.fillOval(10, 8, 24, 24);
    g.dispose();
    Path png = dir.resolve("ball.png");
    ImageIO.write(image, "png", png.toFile());

    String out = classify(WEIGHTS.toString(), png.toString(), "2");

    assertThat(out.lines().toList()).hasSize(3);
    assertThat(out).startsWith("sample 0:");
  }

  @Test
  void imageNetPreprocessingNormalisesAPlainImageToKnownValues() {
    float[] chw = Inputs.imageNet(canvas(64, 80, new Color(128, 128, 128)), 32, 32);

    assertThat(chw).hasLength(3 * 32 * 32);
    assertThat((double) chw[0]).isWithin(1e-5).of((128 / 255.0 - 0.485) / 0.229);
    assertThat((double) chw[2 * 1024 + 1023]).isWithin(1e-5).of((128 / 255.0 - 0.406) / 0.225);
  }

  @Test
  void imageNetPreprocessingCropsTheCentreOfTheScaledImage() {
    // A wide image whose outer quarters are red: the centre crop sees only the green middle.
    BufferedImage wide = canvas(128, 64, Color.RED);
    Graphics2D g = wide.createGraphics();
    g.setColor(Color.GREEN);
    g.fillRect(32, 0, 64, 64);
    g.dispose();

    float[] chw = Inputs.imageNet(wide, 32, 32);

    for (int i = 0; i < 32 * 32; i++) {
      assertThat((double) chw[i]).isWithin(1e-5).of(-0.485 / 0.229);
      assertThat((double) chw[1024 + i]).isWithin(1e-5).of((1 - 0.456) / 0.224);
    }
  }

  @Test
  void oneLoadedNetworkServesManyThreadsAtOnce() throws Exception {
    Classifier shared = Classifier.load(WEIGHTS);
    float[] batch = Inputs.read(INPUT, Classifier.inputShape());
    float[] sequential = shared.logits(batch);

    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(() -> shared.logits(batch)));
      }
      for (Future<float[]> r : results) {
        assertThat(r.get()).isEqualTo(sequential);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void wrongUsageExitsWithTwo() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Classify.run(new String[] {"only-one"}, System.out,
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: classify");
  }
}
