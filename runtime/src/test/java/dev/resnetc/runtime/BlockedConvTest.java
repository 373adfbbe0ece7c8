package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.resnetc.runtime.Tensors.blocked;
import static dev.resnetc.runtime.Tensors.nchw;
import static dev.resnetc.runtime.Tensors.random;
import static dev.resnetc.runtime.Tensors.shifted;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Convolutions over blocked activations against the scalar NCHW kernel, through
 * {@link Layout#fromNchw} and {@link Layout#toNchw}: 1x1 layers read in place and through the
 * padded copy, 3x3 with strides and dilation, the stem from an NCHW input, output rows around
 * the 7-position halves (a lone one too), channel counts of one and two blocks past each
 * 32-channel panel, the epilogue with a residual (also in place), and the convolutions that go
 * through NCHW copies.
 */
class BlockedConvTest {
  private final Random random = new Random(17);

  @BeforeEach
  void needsSixteenFloatVectors() {
    assumeTrue(Layout.preferred() == Layout.BLOCKED, "the blocked layout needs AVX-512");
  }

  @Test
  void layoutPutsTheSixteenChannelsOfAPositionTogether() {
    int channels = 32, plane = 3;
    float[] nchw = new float[2 * channels * plane];
    for (int i = 0; i < nchw.length; i++) {
      nchw[i] = i;
    }
    float[] blocked = new float[nchw.length + 1];
    Layout.BLOCKED.fromNchw(2, channels, plane, nchw, 0, blocked, 1);
    // image 1, channel 17, position 2: block 1 of image 1, then position 2, then lane 1
    assertThat(blocked[1 + 96 + 48 + 2 * 16 + 1]).isEqualTo(nchw[96 + 17 * 3 + 2]);
    float[] back = new float[nchw.length];
    Layout.BLOCKED.toNchw(2, channels, plane, blocked, 1, back, 0);
    assertThat(back).isEqualTo(nchw);
    // channels that are not a multiple of 16 are NCHW in both layouts
    float[] copy = new float[6];
    Layout.BLOCKED.fromNchw(1, 3, 2, new float[] {1, 2, 3, 4, 5, 6}, 0, copy, 0);
    assertThat(copy).isEqualTo(new float[] {1, 2, 3, 4, 5, 6});
    assertThat(Layout.BLOCKED.blocks(48)).isTrue();
    assertThat(Layout.BLOCKED.blocks(24)).isFalse();
    assertThat(Layout.NCHW.blocks(48)).isFalse();
  }

  @Test
  void pointwiseReadInPlaceAndThroughThePaddedCopy() {
    for (int cin : new int[] {16, 32, 48}) {
      for (int cout : new int[] {16, 32, 48, 64}) {
        for (int[] hw : new int[][] {{7, 7}, {2, 7}, {14, 14}, {5, 5}, {3, 8}, {1, 1}}) {
          check(new Conv2d(cin, hw[0], hw[1], cout, 1, 1, 0, 1, 1), 2, true, true, true, 1);
        }
      }
    }
    check(new Conv2d(64, 14, 14, 128, 1, 2, 0, 1, 1), 1, true, false, false, 1);
    check(new Conv2d(32, 13, 13, 64, 1, 2, 0, 1, 1), 3, true, true, false, 2);
  }

  @Test
  void threeByThreeAtEveryRowWidthAroundTheHalves() {
    for (int w = 1; w <= 16; w++) {
      check(new Conv2d(32, 3, w, 32, 3, 1, 1, 1, 1), 2, true, true, true, 1);
    }
    check(new Conv2d(16, 28, 28, 48, 3, 1, 1, 1, 1), 1, true, false, true, 2);
    check(new Conv2d(48, 9, 9, 16, 3, 1, 0, 1, 1), 3, false, true, false, 2);
  }

  @Test
  void stridesAndDilation() {
    for (int size : new int[] {7, 8, 14, 15}) {
      check(new Conv2d(32, size, size, 64, 3, 2, 1, 1, 1), 2, true, true, true, 2);
    }
    check(new Conv2d(16, 11, 12, 32, 3, 1, 2, 2, 1), 2, true, false, true, 1);
    check(new Conv2d(16, 20, 20, 32, 5, 3, 2, 1, 1), 1, true, true, false, 1);
  }

  @Test
  void stemFromAnNchwInput() {
    check(new Conv2d(3, 30, 30, 64, 7, 2, 3, 1, 1), 2, true, false, true, 2);
    check(new Conv2d(1, 9, 10, 16, 3, 1, 1, 1, 1), 1, true, false, false, 1);
    check(new Conv2d(17, 8, 8, 32, 3, 1, 1, 1, 1), 2, true, true, true, 2);
  }

  @Test
  void lanesPastAnNchwInputsChannelsAreNeverRead() {
    // a padded copy of NaNs first, on the same thread: the stem's copy writes only the lanes
    // of its 3 channels and leaves the other 13 as the last layer left them (a reduction over
    // all 16 lanes, with zero weights past the third, would turn them into NaN outputs)
    Conv2d nan = new Conv2d(16, 40, 40, 16, 3, 2, 1, 1, 1); // a larger copy than the stem's
    float[] nans = new float[nan.inSize()];
    Arrays.fill(nans, Float.NaN);
    Kernels.conv2d(Parallel.of(1), nan, 1, nans, 0,
        Kernels.prepare(nan, new float[nan.weightSize()], ConvWeights.Algorithm.DIRECT,
            Layout.BLOCKED), null, null, 0, false, new float[nan.outSize()], 0);
    check(new Conv2d(3, 30, 30, 32, 7, 2, 3, 1, 1), 1, true, false, true, 1);
  }

  @Test
  void longReductionsOnSmallImages() {
    check(new Conv2d(512, 7, 7, 64, 3, 1, 1, 1, 1), 1, true, true, true, 2);
    check(new Conv2d(1024, 7, 7, 32, 1, 1, 0, 1, 1), 2, true, false, true, 1);
  }

  @Test
  void aLoneHalfAtAnOddNumberOfHalves() {
    // 7x7 at batch 1 and 3: 7 and 21 halves, the last one alone on the 8-row kernel, in place
    // (here at the input array's end, so on the 14-row kernel, which reads no eighth position)
    // and through the padded copy, one, two and three blocks of output channels
    for (int batch : new int[] {1, 3}) {
      for (int cout : new int[] {16, 32, 48}) {
        check(new Conv2d(32, 7, 7, cout, 1, 1, 0, 1, 1), batch, true, true, true, 1);
        check(new Conv2d(16, 7, 7, cout, 3, 1, 1, 1, 1), batch, true, false, true, 2);
        check(new Conv2d(32, 14, 14, cout, 1, 2, 0, 1, 1), batch, false, true, false, 2);
      }
    }
    // one row of 3 positions: a lone half that is not full
    check(new Conv2d(16, 1, 3, 32, 1, 1, 0, 1, 1), 1, true, true, true, 1);
    // in place with NaNs after the input: the 8-row kernel reads them as its eighth position,
    // whose results nothing may store
    Conv2d c = new Conv2d(32, 7, 7, 48, 1, 1, 0, 1, 1);
    float[] in = random(random, c.inSize());
    float[] w = random(random, c.weightSize());
    float[] expected = new float[c.outSize()];
    Kernels.conv2d(c, 1, in, 0, w, null, null, 0, false, expected, 0);
    float[] withNaNs = Arrays.copyOf(blocked(32, 49, 1, in), c.inSize() + 8 * 16);
    Arrays.fill(withNaNs, c.inSize(), withNaNs.length, Float.NaN);
    float[] out = new float[c.outSize()];
    Kernels.conv2d(Parallel.of(1), c, 1, withNaNs, 0,
        Kernels.prepare(c, w, ConvWeights.Algorithm.DIRECT, Layout.BLOCKED), null, null, 0, false,
        out, 0);
    compare(c, 1, expected, 0, nchw(48, 49, 1, out));
  }

  @Test
  void convolutionsWithoutABlockedKernelGoThroughNchw() {
    // groups, and outputs whose channels are not blocked, from blocked and from NCHW inputs
    check(new Conv2d(32, 9, 9, 32, 3, 1, 1, 1, 2), 2, true, true, true, 2);
    check(new Conv2d(32, 9, 9, 24, 3, 1, 1, 1, 1), 2, true, true, true, 1);
    check(new Conv2d(32, 6, 6, 32, 3, 1, 1, 1, 32), 1, true, false, true, 1);
    ConvWeights w = Kernels.prepare(new Conv2d(32, 6, 6, 24, 1, 1, 0, 1, 1), new float[768],
        ConvWeights.Algorithm.DIRECT, Layout.BLOCKED);
    assertThat(w.algorithm()).isEqualTo(ConvWeights.Algorithm.DIRECT);
    assertThat(w.layout()).isEqualTo(Layout.BLOCKED);
  }

  @Test
  void theBlockedKernelTakesEveryConvolutionItCanWhateverTheAlgorithm() {
    Conv2d c = new Conv2d(64, 14, 14, 64, 3, 1, 1, 1, 1);
    float[] w = new float[c.weightSize()];
    // but Winograd, which has blocked kernels of its own (BlockedWinogradTest)
    for (ConvWeights.Algorithm a : new ConvWeights.Algorithm[] {ConvWeights.Algorithm.DIRECT,
        ConvWeights.Algorithm.CHANNELS}) {
      assertThat(Kernels.prepare(c, w, a, Layout.BLOCKED).algorithm())
          .isEqualTo(ConvWeights.Algorithm.BLOCKED);
      assertThat(Kernels.prepare(c, w, a, Layout.NCHW).algorithm()).isEqualTo(a);
    }
  }

  @Test
  void onlyTheRuntimeChoosesTheBlockedKernel() {
    float[] w = new float[16 * 32 * 9];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Kernels.prepare(new Conv2d(16, 5, 5, 32, 3, 1, 1, 1, 1), w,
            ConvWeights.Algorithm.BLOCKED));
    assertThat(e).hasMessageThat().contains("in NCHW");
    assertThrows(IllegalArgumentException.class, () -> Kernels.prepare(
        new Conv2d(32, 5, 5, 32, 3, 1, 1, 1, 2), w, ConvWeights.Algorithm.BLOCKED,
        Layout.BLOCKED));
    assertThat(Kernels.prepare(new Conv2d(16, 5, 5, 32, 3, 1, 1, 1, 1), w,
        ConvWeights.Algorithm.BLOCKED, Layout.BLOCKED).algorithm())
        .isEqualTo(ConvWeights.Algorithm.BLOCKED);
  }

  @Test
  void paddedInputsTooLargeForAnArrayAreRefused() {
    // 3 channels padded to a block of 16, in four phase planes: more floats than an array holds,
    // although input and output fit
    Conv2d c = new Conv2d(3, 11600, 11600, 16, 3, 2, 1, 1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BlockedConv.conv(Parallel.of(1), c, 1, new float[0], 0, new float[0], null, null,
            0, false, new float[0], 0));
    assertThat(e).hasMessageThat().contains("exceeds an array");
  }

  /**
   * Packing in place gives the panels packing into a new array gives, where the panels fill the
   * array; elsewhere it is that new array. Unpacking gives the weights back.
   */
  @Test
  void packingInPlaceMatchesPackingACopy() {
    for (Conv2d c : new Conv2d[] {new Conv2d(3, 9, 9, 64, 7, 2, 3, 1, 1),
        new Conv2d(48, 5, 5, 32, 3, 1, 1, 1, 1), new Conv2d(64, 4, 4, 96, 1, 1, 0, 1, 1),
        new Conv2d(32, 4, 4, 48, 1, 1, 0, 1, 1)}) {
      float[] w = random(random, c.weightSize());
      float[] packed = VectorKernels.packByChannel(c, w);
      float[] handed = w.clone();
      float[] inPlace = VectorKernels.packInPlace(c, handed, true);
      assertThat(inPlace).isEqualTo(packed);
      if (c.outChannels() % 32 == 0) {
        assertThat(inPlace).isSameInstanceAs(handed);
        assertThat(VectorKernels.unpackByChannel(c, inPlace)).isEqualTo(w);
      } else {
        assertThat(inPlace).isNotSameInstanceAs(handed);
        assertThat(handed).isEqualTo(w);
      }
    }
    Conv2d c = new Conv2d(8, 5, 5, 2 * VectorKernels.MR, 3, 1, 1, 1, 1);
    float[] w = random(random, c.weightSize());
    assertThat(VectorKernels.packInPlace(c, w.clone(), false))
        .isEqualTo(VectorKernels.pack(c, w));
  }

  @Test
  void residualMayBeTheOutput() {
    // 48 channels: the last block has no second 16, whose vector the epilogue writes anyway
    for (Conv2d c : new Conv2d[] {new Conv2d(32, 7, 7, 32, 1, 1, 0, 1, 1),
        new Conv2d(32, 8, 8, 32, 3, 1, 1, 1, 1), new Conv2d(32, 8, 8, 32, 3, 1, 1, 1, 2),
        new Conv2d(32, 7, 7, 48, 1, 1, 0, 1, 1), new Conv2d(16, 8, 8, 48, 3, 1, 1, 1, 1)}) {
      int batch = 2;
      float[] in = random(random, batch * c.inSize());
      float[] w = random(random, c.weightSize());
      float[] b = random(random, c.outChannels());
      float[] res = random(random, batch * c.outSize());
      float[] expected = new float[res.length];
      Kernels.conv2d(c, batch, in, 0, w, b, res, 0, true, expected, 0);
      float[] blockedIn = blocked(c.inChannels(), c.inHeight() * c.inWidth(), batch, in);
      float[] y = blocked(c.outChannels(), c.outHeight() * c.outWidth(), batch, res);
      Kernels.conv2d(Parallel.of(2), c, batch, blockedIn, 0,
          Kernels.prepare(c, w, ConvWeights.Algorithm.DIRECT, Layout.BLOCKED), b, y, 0, true, y,
          0);
      compare(c, batch, expected, 0, nchw(c.outChannels(), c.outHeight() * c.outWidth(), batch,
          y));
    }
  }

  @Test
  void theBlockedLayoutNeedsSixteenFloatVectors() throws Exception {
    assertThat(run("--add-modules", "jdk.incubator.vector")).isEqualTo("BLOCKED prepared");
    assertThat(run("--add-modules", "jdk.incubator.vector", "-Dresnetc.nchw=true"))
        .isEqualTo("NCHW prepared");
    String refused = "NCHW the blocked layout needs the Vector API with 16-float vectors"
        + " (--add-modules jdk.incubator.vector on an AVX-512 CPU)";
    assertThat(run("-Dresnetc.scalar=true")).isEqualTo(refused);
    assertThat(run("-XX:MaxVectorSize=32", "--add-modules", "jdk.incubator.vector"))
        .isEqualTo(refused);
  }

  /** What {@link LayoutMain} prints in a JVM started with {@code options}. */
  private static String run(String... options) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(options));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        LayoutMain.class.getName()));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isEqualTo(0);
    return out;
  }

  private void check(Conv2d c, int batch, boolean bias, boolean residual, boolean relu,
      int threads) {
    int plane = c.inHeight() * c.inWidth(), outPlane = c.outHeight() * c.outWidth();
    float[] in = random(random, batch * c.inSize());
    float[] w = random(random, c.weightSize());
    float[] b = bias ? random(random, c.outChannels()) : null;
    int size = batch * c.outSize();
    float[] res = residual ? random(random, size) : null;
    float[] expected = new float[size];
    Kernels.conv2d(c, batch, in, 0, w, b, res, 0, relu, expected, 0);
    // at offsets, NaN around the output: nothing outside it may be written
    float[] blockedIn = shifted(5, blocked(c.inChannels(), plane, batch, in));
    float[] blockedRes = res == null ? null
        : shifted(3, blocked(c.outChannels(), outPlane, batch, res));
    float[] out = new float[size + 7 + 4];
    Arrays.fill(out, Float.NaN);
    ConvWeights prepared = Kernels.prepare(c, w, ConvWeights.Algorithm.DIRECT, Layout.BLOCKED);
    Kernels.conv2d(Parallel.of(threads), c, batch, blockedIn, 5, prepared, b, blockedRes, 3,
        relu, out, 7);
    assertWithMessage("%s before the output", c).that(Float.isNaN(out[6])).isTrue();
    assertWithMessage("%s after the output", c).that(Float.isNaN(out[size + 7])).isTrue();
    float[] actual = new float[size];
    Layout.BLOCKED.toNchw(batch, c.outChannels(), outPlane, out, 7, actual, 0);
    compare(c, batch, expected, 0, actual);
  }

  private static void compare(Conv2d c, int batch, float[] expected, int from, float[] actual) {
    for (int i = from; i < expected.length; i++) {
      if (!(Math.abs(actual[i] - expected[i]) <= 1e-4f * (1 + Math.abs(expected[i])))) {
        assertWithMessage("%s batch %s at %s", c, batch, i).that(actual[i])
            .isWithin(1e-4f * (1 + Math.abs(expected[i]))).of(expected[i]);
      }
    }
  }
}
