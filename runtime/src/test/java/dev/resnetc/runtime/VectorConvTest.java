package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.resnetc.runtime.Tensors.abs;
import static dev.resnetc.runtime.Tensors.random;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API convolution against the scalar one, at sizes around the vector length and the
 * 6x16 tile (tails in both directions), with groups, strides, dilation, 1x1 and 7x7 kernels, the
 * fused epilogue, tensors at offsets, and 1 and 2 threads.
 */
class VectorConvTest {
  private final Random random = new Random(11);

  /** Prepares weights (which starts the warm-up), waits for it and says whether it still runs. */
  public static void main(String[] args) throws InterruptedException {
    Kernels.prepare(new Conv2d(1, 1, 1, 1, 1, 1, 0, 1, 1), new float[1]);
    Kernels.awaitWarmUp();
    boolean running = Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("resnetc-warm-up") && t.isAlive());
    System.out.print(running ? "running" : "over");
  }

  @Test
  void awaitWarmUpReturnsOnceTheWarmUpThreadHasEnded() throws Exception {
    // In a new JVM, where the warm-up has just started when the weights are prepared: in this
    // one, earlier tests may have outlived it.
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "--add-modules", "jdk.incubator.vector", "-cp",
        System.getProperty("java.class.path"), VectorConvTest.class.getName())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isEqualTo(0);
    assertThat(out).isEqualTo("over");
  }

  @Test
  void channelsRunOnlyWithSixteenFloatVectorsAndOtherwiseTheNarrowChoice() throws Exception {
    boolean wide = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() == 16;
    assertThat(Kernels.channelsOr(ConvWeights.Algorithm.WINOGRAD_2X2)).isEqualTo(
        wide ? ConvWeights.Algorithm.CHANNELS : ConvWeights.Algorithm.WINOGRAD_2X2);
    // 8-float vectors, as with AVX2, in a JVM of their own
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-XX:MaxVectorSize=32", "--add-modules", "jdk.incubator.vector", "-cp",
        System.getProperty("java.class.path"), ChannelsOrMain.class.getName())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isEqualTo(0);
    assertThat(out).isEqualTo("WINOGRAD_4X4 WINOGRAD_4X4");
  }

  @Test
  void expansionsWithAResidualOnLargeImagesTakeWideSpans() {
    int nr = VectorKernels.NR;
    int wide = VectorKernels.WIDE_SPAN;
    int image = 12 * wide * nr; // 12 spans: 56x56 with AVX2 (with AVX-512, 56x56 holds 6)
    int k = VectorKernels.WIDE_SPAN_MAX_REDUCTION;
    assertThat(VectorKernels.span(false, true, k, true, image, 1, 1)).isEqualTo(wide);
    assertThat(VectorKernels.span(false, true, k, true, image, 1, 2)).isEqualTo(wide);
    assertThat(VectorKernels.span(false, true, k, true, image, 8, 2)).isEqualTo(wide);
    // no residual, a longer reduction, too few spans an image, too few tasks a thread
    assertThat(VectorKernels.span(false, true, k, false, image, 1, 1))
        .isEqualTo(VectorKernels.SPAN);
    assertThat(VectorKernels.span(false, true, k + 1, true, image, 1, 1))
        .isEqualTo(VectorKernels.SPAN);
    int small = VectorKernels.WIDE_SPAN_MIN_TASKS * wide * nr - 1;
    assertThat(VectorKernels.span(false, true, k, true, small, 8, 1))
        .isEqualTo(VectorKernels.SPAN);
    int spans = image / (wide * nr);
    int threads = spans / VectorKernels.WIDE_SPAN_TASKS_PER_THREAD + 1;
    assertThat(VectorKernels.span(false, true, k, true, image, 1, threads))
        .isEqualTo(VectorKernels.SPAN);
    // the other paths
    assertThat(VectorKernels.span(false, true, VectorKernels.POINTWISE_SPAN_MAX_REDUCTION + 1,
        true, image, 1, 1)).isEqualTo(1);
    assertThat(VectorKernels.span(true, false, VectorKernels.SPAN_MAX_REDUCTION, true, image, 1,
        1)).isEqualTo(VectorKernels.SPAN);
    assertThat(VectorKernels.span(true, false, VectorKernels.SPAN_MAX_REDUCTION + 1, true, image,
        1, 1)).isEqualTo(1);
    assertThat(VectorKernels.span(false, false, 9, true, image, 1, 1)).isEqualTo(1);
  }

  private void check(Conv2d c, int batch, boolean bias, boolean residual, boolean relu,
      int threads) {
    check(c, batch, bias, residual, relu, threads, ConvWeights.Algorithm.DIRECT);
  }

  private void check(Conv2d c, int batch, boolean bias, boolean residual, boolean relu,
      int threads, ConvWeights.Algorithm algorithm) {
    float[] in = random(random, 5 + batch * c.inSize());
    float[] w = random(random, c.weightSize());
    float[] b = bias ? random(random, c.outChannels()) : null;
    int size = batch * c.outSize();
    float[] res = residual ? random(random, size + 3) : null;
    float[] expected = new float[size + 7];
    Kernels.conv2d(c, batch, in, 5, w, b, res, 3, relu, expected, 7);
    float[] actual = new float[size + 7];
    Arrays.fill(actual, Float.NaN);
    Kernels.conv2d(Parallel.of(threads), c, batch, in, 5, Kernels.prepare(c, w, algorithm), b,
        res, 3, relu, actual, 7);
    // Winograd adds and subtracts transformed terms several times larger than the products, so
    // its rounding error follows the size of the terms, sum |w x| + |bias| + |residual|, not the
    // result, which can cancel to almost nothing. Over 2000 random shapes (cin 1-64, 3-22 wide,
    // padding 0-2) the largest error was 4.1e-7 times the terms for F(2x2, 3x3) and 1.8e-5 for
    // F(4x4, 3x3), whose transforms have larger entries; the bounds leave room above those.
    float[] terms = null;
    if (algorithm.winograd()) {
      terms = new float[size + 7];
      Kernels.conv2d(c, batch, abs(in), 5, abs(w), b == null ? null : abs(b),
          res == null ? null : abs(res), 3, false, terms, 7);
    }
    for (int i = 7; i < size + 7; i++) {
      float tolerance = terms == null ? 1e-4f * (1 + Math.abs(expected[i]))
          : (algorithm == ConvWeights.Algorithm.WINOGRAD_2X2 ? 2e-6f : 1e-4f) * terms[i] + 1e-6f;
      assertWithMessage("%s batch %s at %s", c, batch, i).that(actual[i])
          .isWithin(tolerance).of(expected[i]);
    }
    assertThat(Float.isNaN(actual[0])).isTrue();
  }

  @Test
  void vectorPathIsTheOneUnderTest() {
    assertThat(Kernels.VECTORIZED).isTrue();
    assertThat(Kernels.prepare(new Conv2d(1, 1, 1, 1, 1, 1, 0, 1, 1), new float[1]).vectorized())
        .isTrue();
  }

  @Test
  void matchesScalarAroundTileSizes() {
    int mr = VectorKernels.MR;
    // last row panels of 1, 5, 6, 7 and 8 rows take the 6- and 8-row kernels with 14-row panels
    for (int cout : new int[] {1, 5, 6, mr - 1, mr, mr + 1, mr + 7, mr + 8, 2 * mr, 2 * mr + 1}) {
      for (int hw : new int[] {1, 3, 4, 5, 9}) {
        check(new Conv2d(3, hw, hw + 1, cout, 3, 1, 1, 1, 1), 2, true, true, true, 1);
      }
    }
  }

  @Test
  void matchesScalarForResNetShapes() {
    check(new Conv2d(3, 23, 23, 8, 7, 2, 3, 1, 1), 1, false, false, true, 2);
    check(new Conv2d(16, 9, 9, 32, 1, 1, 0, 1, 1), 2, true, true, false, 2);
    check(new Conv2d(16, 8, 8, 16, 1, 1, 0, 1, 1), 1, false, true, true, 2);
    check(new Conv2d(16, 9, 9, 32, 1, 2, 0, 1, 1), 2, false, false, false, 2);
    check(new Conv2d(8, 7, 7, 8, 3, 1, 1, 1, 1), 3, true, true, true, 2);
  }

  @Test
  void matchesScalarWhenTheReductionSpansSeveralBlocks() {
    int k = VectorKernels.KC;
    check(new Conv2d(k + 3, 4, 5, 7, 1, 1, 0, 1, 1), 1, true, true, true, 2);
    check(new Conv2d(2 * k / 9 + 1, 6, 6, 13, 3, 1, 1, 1, 1), 2, false, true, true, 1);
    check(new Conv2d(2 * k, 5, 5, 6, 1, 1, 0, 1, 1), 1, true, false, false, 2);
  }

  @Test
  void matchesScalarWhenSmallImagesSplitTheChannelsBetweenThreads() {
    check(new Conv2d(40, 5, 5, 50, 3, 1, 1, 1, 1), 1, true, true, true, 2);
    check(new Conv2d(32, 9, 9, 64, 3, 2, 1, 1, 1), 2, false, false, true, 2);
    check(new Conv2d(300, 3, 3, 96, 1, 1, 0, 1, 1), 1, true, true, false, 3);
  }

  @Test
  void matchesScalarOnWideImagesThatSkipIm2col() {
    int w = VectorKernels.MIN_DIRECT_WIDTH;
    check(new Conv2d(5, 3, w, 7, 3, 1, 1, 1, 1), 2, true, true, true, 2);
    check(new Conv2d(4, 4, w + VectorKernels.NR + 3, 13, 3, 1, 1, 1, 1), 1, false, true, true, 1);
    check(new Conv2d(300, 2, w + 1, 6, 1, 1, 0, 1, 1), 2, true, false, false, 2);
    check(new Conv2d(6, 5, w + 4, 8, 5, 1, 2, 1, 2), 1, true, true, false, 2);
    check(new Conv2d(3, 6, w + 2, 4, 3, 1, 0, 1, 1), 3, false, false, true, 2);
  }

  @Test
  void matchesScalarOnWideStridedImagesReadFromPhasePlanes() {
    // read in place with AVX-512; with AVX2 packed from the planes, blocks that lie in one output
    // row copied as two whole vectors a row of the reduction
    int w = 2 * VectorKernels.MIN_DIRECT_WIDTH;
    check(new Conv2d(3, 11, w + 5, 8, 7, 2, 3, 1, 1), 2, true, false, true, 2);
    check(new Conv2d(5, 6, w, 7, 3, 2, 1, 1, 1), 1, false, true, true, 1);
    check(new Conv2d(6, 4, w + 1, 13, 1, 2, 0, 1, 1), 3, true, true, false, 2);
    check(new Conv2d(4, 7, 3 * VectorKernels.MIN_DIRECT_WIDTH + 2, 5, 3, 3, 1, 1, 1), 1, true,
        false, true, 2);
    check(new Conv2d(8, 5, w + 3, 12, 3, 2, 1, 1, 4), 2, true, true, true, 2);
  }

  @Test
  void matchesScalarOnStridedImagesPackedFromPhasePlanes() {
    int w = VectorKernels.MIN_DIRECT_WIDTH;
    int longer = VectorKernels.SPAN_MAX_REDUCTION / 9 + 1; // input channels of a long reduction
    // narrow images, each block's runs crossing output rows; a stride of 3; groups
    check(new Conv2d(7, 9, 11, 10, 3, 2, 1, 1, 1), 2, true, true, true, 2);
    check(new Conv2d(5, 8, 13, 6, 3, 3, 1, 1, 1), 1, false, false, true, 1);
    check(new Conv2d(12, 9, 9, 16, 3, 2, 1, 1, 4), 3, true, false, true, 2);
    // small images whose packed blocks are shared by channel splits; a reduction over KC
    check(new Conv2d(64, 7, 7, 96, 3, 2, 1, 1, 1), 1, true, true, true, 3);
    check(new Conv2d(VectorKernels.KC / 9 + 2, 5, 6, 7, 3, 2, 1, 1, 1), 2, true, false, false, 2);
    // wide images with a long reduction: packed with AVX2, read in place with AVX-512
    check(new Conv2d(longer, 3, 2 * w + 3, 9, 3, 2, 1, 1, 1), 2, true, true, true, 2);
    check(new Conv2d(longer, 4, 2 * w, 13, 5, 2, 2, 1, 1), 1, false, true, false, 1);
  }

  @Test
  void matchesScalarWhenTasksRunSeveralNeighbouringColumnBlocks() {
    int nr = VectorKernels.NR;
    int span = VectorKernels.SPAN;
    int longest = VectorKernels.POINTWISE_SPAN_MAX_REDUCTION;
    // Pointwise: block counts one short of, equal to and one past a multiple of the span, the
    // last block partial; reductions at the limit and just past it.
    for (int blocks : new int[] {span - 1, span, 2 * span + 1}) {
      check(new Conv2d(longest, 1, blocks * nr - 3, 7, 1, 1, 0, 1, 1), 2, true, true, true, 2);
      check(new Conv2d(longest + 1, 1, blocks * nr, 7, 1, 1, 0, 1, 1), 1, true, false, true, 2);
    }
    longest = VectorKernels.SPAN_MAX_REDUCTION;
    // Direct from phase planes: spans that cross output rows of 2 and 3 blocks.
    int w = VectorKernels.MIN_DIRECT_WIDTH;
    check(new Conv2d(3, 9, 2 * (nr + 5), 10, 3, 2, 1, 1, 1), 2, true, true, true, 2);
    check(new Conv2d(2, 7, 2 * nr + 5, 13, 5, 1, 2, 1, 1), 1, false, true, false, 1);
    check(new Conv2d(3, 8, 2 * w, 64, 7, 2, 3, 1, 1), 3, true, false, true, 2);
  }

  @Test
  void matchesScalarWhenLargeBatchesArePaddedAFewImagesAtATime() {
    // 64 channels x 66 x 130 padded floats: over CHUNK_BYTES per image.
    Conv2d c = new Conv2d(64, 64, 128, 6, 3, 2, 1, 1, 1);
    assertThat(64L * 66 * 130 * Float.BYTES).isGreaterThan(VectorKernels.CHUNK_BYTES);
    check(c, 3, true, true, true, 2);
  }

  @Test
  void matchesScalarForPointwiseConvolutionsReadInPlace() {
    int nr = VectorKernels.NR;
    check(new Conv2d(7, 1, 3 * nr, 13, 1, 1, 0, 1, 1), 2, true, true, true, 2);
    check(new Conv2d(9, 3, nr + 1, 6, 1, 1, 0, 1, 1), 3, false, true, false, 1);
    check(new Conv2d(64, 2, 2 * nr - 1, 100, 1, 1, 0, 1, 1), 1, true, false, true, 2);
    check(new Conv2d(12, 4, nr, 12, 1, 1, 0, 1, 3), 2, true, true, true, 2);
    // Wide spans: a short reduction, a residual, and enough positions for 8 spans, the last
    // one and its last block partial.
    int wide = VectorKernels.WIDE_SPAN_MIN_TASKS * VectorKernels.WIDE_SPAN * nr;
    check(new Conv2d(VectorKernels.WIDE_SPAN_MAX_REDUCTION, 1, wide + 3 * nr + 5, 7, 1, 1, 0, 1, 1),
        2, true, true, true, 2);
    check(new Conv2d(5, 2, wide / 2, 13, 1, 1, 0, 1, 1), 1, false, true, false, 1);
  }

  @Test
  void matchesScalarWithGroupsAndDilation() {
    check(new Conv2d(8, 10, 10, 12, 3, 1, 2, 2, 4), 2, true, false, true, 2);
  }

  private void checkByChannel(Conv2d c, int batch, boolean bias, boolean residual, boolean relu,
      int threads) {
    check(c, batch, bias, residual, relu, threads, ConvWeights.Algorithm.CHANNELS);
  }

  @Test
  void byChannelMatchesScalarAroundTileSizes() {
    int l = VectorKernels.L;
    int nr = VectorKernels.NR;
    // Output channels around the vector and the two-vector block; output rows read in place
    // (multiples of 7, whose blocks are two 7-wide halves: of one row, of two rows, or the last
    // half of an odd number of them) and rows packed by im2col (the others), with tails.
    for (int cout : new int[] {1, l - 1, l, l + 1, nr - 1, nr, nr + 1, 2 * nr + 3}) {
      for (int hw : new int[] {1, 5, 7, 13, 14, 15, 21, 28}) {
        checkByChannel(new Conv2d(3, hw, hw, cout, 3, 1, 1, 1, 1), 2, true, true, true, 1);
      }
    }
    for (int h : new int[] {1, 2, 3, 4}) {
      checkByChannel(new Conv2d(5, h, 7, 9, 3, 1, 1, 1, 1), 1, true, false, true, 1);
      checkByChannel(new Conv2d(5, h, 14, 9, 1, 1, 0, 1, 1), 2, false, true, false, 1);
    }
  }

  @Test
  void byChannelMatchesScalarForResNetShapes() {
    checkByChannel(new Conv2d(16, 14, 14, 40, 3, 1, 1, 1, 1), 2, true, true, true, 2);
    checkByChannel(new Conv2d(16, 14, 14, 40, 3, 2, 1, 1, 1), 1, true, false, true, 2);
    checkByChannel(new Conv2d(16, 28, 28, 40, 3, 2, 1, 1, 1), 3, false, true, true, 2);
    checkByChannel(new Conv2d(24, 7, 7, 70, 1, 1, 0, 1, 1), 2, true, true, true, 2);
    checkByChannel(new Conv2d(24, 14, 14, 70, 1, 2, 0, 1, 1), 3, true, false, false, 2);
    checkByChannel(new Conv2d(24, 13, 13, 70, 1, 2, 0, 1, 1), 1, false, true, true, 2);
    checkByChannel(new Conv2d(3, 28, 28, 16, 7, 2, 3, 1, 1), 2, true, false, true, 2);
  }

  @Test
  void byChannelMatchesScalarWhenABatchIsPaddedAFewImagesAtATime() {
    // With 16-float vectors, 64 channels x 4 phase planes of 29 x 29: two images in
    // CHANNEL_PLANES_BYTES, not three (narrower vectors pack the blocks, 8 MB at a time)
    Conv2d c = new Conv2d(64, 56, 56, 40, 3, 2, 1, 1, 1);
    long perImage = 64L * 4 * 29 * 29 * Float.BYTES;
    assertThat(2 * perImage).isAtMost(VectorKernels.CHANNEL_PLANES_BYTES);
    assertThat(3 * perImage).isGreaterThan(VectorKernels.CHANNEL_PLANES_BYTES);
    checkByChannel(c, 3, true, true, true, 2);
  }

  @Test
  void byChannelMatchesScalarOverLongReductions() {
    // one pass over the whole reduction; with 16-float vectors read in place (7 and 14 wide)
    // or packed (5 wide), with narrower ones packed; the first layer, at batch 2, has more
    // position blocks than CHANNEL_STREAM_BLOCKS, so its weights are not streamed first
    checkByChannel(new Conv2d(57, 14, 14, 20, 3, 1, 1, 1, 1), 2, true, true, false, 2);
    checkByChannel(new Conv2d(259, 7, 7, 33, 1, 1, 0, 1, 1), 2, true, true, true, 2);
    checkByChannel(new Conv2d(57, 14, 14, 20, 3, 1, 1, 1, 1), 1, false, true, true, 1);
    checkByChannel(new Conv2d(768, 5, 5, 17, 1, 1, 0, 1, 1), 3, true, false, false, 2);
    checkByChannel(new Conv2d(300, 7, 7, 40, 3, 1, 1, 1, 1), 1, true, true, true, 2);
  }

  @Test
  void byChannelMatchesScalarWithGroupsAndDilation() {
    checkByChannel(new Conv2d(8, 14, 14, 12, 3, 1, 2, 2, 4), 2, true, true, true, 2);
    checkByChannel(new Conv2d(8, 14, 14, 64, 3, 1, 1, 1, 2), 1, true, false, true, 2);
    checkByChannel(new Conv2d(12, 7, 7, 12, 1, 1, 0, 1, 3), 2, false, true, true, 1);
  }

  @Test
  void epiloguesPassInfinitiesAndNaNsThroughAsTheScalarKernelDoes() {
    // Without ReLU the epilogues take max(v, -infinity), with it max(v, 0): -infinity must
    // survive the first and NaN both.
    float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f};
    for (ConvWeights.Algorithm algorithm : new ConvWeights.Algorithm[] {
        ConvWeights.Algorithm.DIRECT, ConvWeights.Algorithm.CHANNELS}) {
      for (boolean relu : new boolean[] {false, true}) {
        Conv2d c = new Conv2d(3, 7, 14, 33, 1, 1, 0, 1, 1);
        float[] in = random(random, c.inSize());
        float[] w = random(random, c.weightSize());
        float[] b = random(random, c.outChannels());
        float[] res = random(random, c.outSize());
        for (int i = 0; i < res.length; i += 5) {
          res[i] = specials[i / 5 % specials.length];
        }
        float[] expected = new float[c.outSize()];
        Kernels.conv2d(c, 1, in, 0, w, b, res, 0, relu, expected, 0);
        float[] actual = new float[c.outSize()];
        Kernels.conv2d(Parallel.of(1), c, 1, in, 0, Kernels.prepare(c, w, algorithm), b, res, 0,
            relu, actual, 0);
        for (int i = 0; i < actual.length; i++) {
          String where = algorithm + (relu ? " with ReLU" : "") + " at " + i;
          if (Float.isNaN(expected[i]) || Float.isInfinite(expected[i])) {
            assertWithMessage(where).that(actual[i]).isEqualTo(expected[i]);
          } else {
            assertWithMessage(where).that(actual[i]).isWithin(1e-4f).of(expected[i]);
          }
        }
      }
    }
  }

  @Test
  void splitTakesEveryStepthValueOfARowWithZerosBeyondIt() {
    int l = VectorKernels.L;
    for (int w = 1; w <= 4 * l + 3; w++) {
      for (int step = 1; step <= 3; step++) {
        for (int first = -2; first <= 1; first++) {
          int count = (w + 2) / step + 2;
          float[] in = random(random, 5 + w); // the row ends the array: no read may pass it
          float[] dst = new float[count + 3];
          VectorKernels.split(in, 5, w, first, step, count, dst, 2);
          for (int q = 0; q < count; q++) {
            int x = first + q * step;
            assertWithMessage("w=%s step=%s first=%s q=%s", w, step, first, q)
                .that(dst[2 + q]).isEqualTo(x >= 0 && x < w ? in[5 + x] : 0f);
          }
        }
      }
    }
  }

  @Test
  void matchesScalarOnStridedRowsAroundTheVectorLength() {
    // strided rows around two vectors (im2col and subsampling for outputs below 28 wide, phase
    // planes above), and Winograd's rows split into phases of 4
    int l = VectorKernels.L;
    for (int w : new int[] {2 * l - 1, 2 * l, 2 * l + 1, 4 * l + 3, 8 * l + 1}) {
      check(new Conv2d(2, 3, w, 5, 3, 2, 1, 1, 1), 1, true, true, true, 1);
      checkByChannel(new Conv2d(2, 3, w, 5, 3, 2, 1, 1, 1), 1, true, false, true, 1);
      check(new Conv2d(3, 9, w, 4, 3, 1, 1, 1, 1), 1, true, true, true, 1,
          ConvWeights.Algorithm.WINOGRAD_4X4);
      check(new Conv2d(3, 2, w, 6, 1, 2, 0, 1, 1), 2, false, true, false, 1);
    }
  }

  private static final ConvWeights.Algorithm[] WINOGRAD = {
      ConvWeights.Algorithm.WINOGRAD_2X2, ConvWeights.Algorithm.WINOGRAD_4X4};

  @Test
  void winogradMatchesTheDirectConvolutionAtTileAndImageEdges() {
    for (ConvWeights.Algorithm winograd : WINOGRAD) {
      for (int hw : new int[] {1, 2, 3, 4, 5, 7, 8, 9, 14}) {
        for (int cout : new int[] {1, 6, 7, 13}) {
          check(new Conv2d(5, hw, hw + 1, cout, 3, 1, 1, 1, 1), 2, true, true, true, 2,
              winograd);
        }
      }
      check(new Conv2d(64, 7, 7, 64, 3, 1, 0, 1, 1), 1, false, false, false, 1, winograd);
      check(new Conv2d(300, 6, 6, 8, 3, 1, 1, 1, 1), 1, false, true, false, 2, winograd);
    }
  }

  @Test
  void winogradMatchesTheDirectConvolutionOnWideImagesAndBatches() {
    int l = VectorKernels.L;
    for (ConvWeights.Algorithm winograd : WINOGRAD) {
      // Tile rows longer than a vector, ending inside one, and images that end inside a block.
      for (int w : new int[] {2 * l, 2 * l + 1, 4 * l + 3, 6 * l - 2, 8 * l + 5}) {
        check(new Conv2d(6, 5, w, 7, 3, 1, 1, 1, 1), 3, true, true, true, 2, winograd);
      }
      check(new Conv2d(40, 9, 4 * l + 1, 20, 3, 1, 1, 1, 1), 2, true, false, true, 1, winograd);
      check(new Conv2d(3, 10, 3 * l, 70, 3, 1, 2, 1, 1), 1, false, true, false, 2, winograd);
      // Images whose tiles fill whole column blocks, which are transformed one at a time.
      int m = winograd == ConvWeights.Algorithm.WINOGRAD_2X2 ? 2 : 4;
      check(new Conv2d(5, 2 * m, m * VectorKernels.NR / 2, 9, 3, 1, 1, 1, 1), 3, true, true, true,
          2, winograd);
      // More output channels than one group of row panels, ending inside a panel.
      int group = VectorKernels.MR * VectorKernels.WINOGRAD_PANELS;
      check(new Conv2d(6, 9, 9, 2 * group + 7, 3, 1, 1, 1, 1), 2, true, true, true, 1, winograd);
      check(new Conv2d(6, 9, 9, group + 1, 3, 1, 1, 1, 1), 1, true, false, true, 2, winograd);
    }
  }

  @Test
  void winogradWritesWholeNeighbouringTilesTogetherWithEveryEpilogue() {
    // 64 wide: 16 whole 4x4 tiles a row, so every pair of tiles is written by the transposed
    // store; 30 wide (8 tiles, the last partial) and 13 wide (4 tiles) break pairs at row ends.
    for (int w : new int[] {64, 30, 13}) {
      for (int epilogue = 0; epilogue < 8; epilogue++) {
        check(new Conv2d(8, 16, w, 7, 3, 1, 1, 1, 1), 2, (epilogue & 1) != 0,
            (epilogue & 2) != 0, (epilogue & 4) != 0, 2, ConvWeights.Algorithm.WINOGRAD_4X4);
      }
    }
  }

  @Test
  void winogradTakesLargeBatchesAFewImagesAtATime() {
    // 64 channels x 16 x 33 tiles x 16 positions: just over CHUNK_BYTES per image.
    Conv2d c = new Conv2d(64, 32, 66, 6, 3, 1, 1, 1, 1);
    assertThat(Winograd.positions(2) * 64L * 16 * 33 * Float.BYTES).isGreaterThan(
        VectorKernels.CHUNK_BYTES);
    for (ConvWeights.Algorithm winograd : WINOGRAD) {
      check(c, 3, true, true, true, 2, winograd);
    }
  }

  @Test
  void winogradOfTheLargerTileStaysCloseOnResNetSizedReductions() {
    // 512 input channels, as in ResNet's last stage: the error grows with the reduction.
    check(new Conv2d(512, 7, 7, 8, 3, 1, 1, 1, 1), 1, true, true, true, 2,
        ConvWeights.Algorithm.WINOGRAD_4X4);
  }

  @Test
  void winogradRefusesAConvolutionItCannotCompute() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Kernels.prepare(new Conv2d(4, 8, 8, 4, 3, 2, 1, 1, 1), new float[144],
            ConvWeights.Algorithm.WINOGRAD_4X4));
  }

  @Test
  void residualMayBeTheOutputItself() {
    checkInPlace(new Conv2d(4, 6, 6, 4, 3, 1, 1, 1, 1), ConvWeights.Algorithm.DIRECT);
    // whole blocks of 14 positions write two more lanes, which must keep the residual there
    checkInPlace(new Conv2d(6, 7, 7, 20, 3, 1, 1, 1, 1), ConvWeights.Algorithm.CHANNELS);
  }

  private void checkInPlace(Conv2d c, ConvWeights.Algorithm algorithm) {
    float[] in = random(random, c.inSize());
    float[] w = random(random, c.weightSize());
    float[] res = random(random, c.outSize());
    float[] expected = new float[c.outSize()];
    Kernels.conv2d(c, 1, in, 0, w, null, res, 0, true, expected, 0);
    float[] inPlace = res.clone();
    Kernels.conv2d(Parallel.of(2), c, 1, in, 0, Kernels.prepare(c, w, algorithm), null, inPlace,
        0, true, inPlace, 0);
    for (int i = 0; i < expected.length; i++) {
      assertWithMessage("%s at %s", algorithm, i).that(inPlace[i]).isWithin(1e-4f)
          .of(expected[i]);
    }
  }
}
