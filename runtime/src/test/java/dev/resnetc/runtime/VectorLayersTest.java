package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.resnetc.runtime.Tensors.random;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API pooling, dense layer and softmax ({@link VectorLayers}) against the scalar
 * kernels, at sizes around the vector length (tails), with strides 1 to 3, kernels 1 to 3,
 * paddings 0 and 1, batches 1 and 3, tensors at offsets, and 1 and 2 threads, including shapes
 * large enough to be split into several tasks. Tolerances:
 *
 * <ul>
 *   <li>max pooling: exact (same bits; NaN propagates as in {@link Math#max});
 *   <li>average pooling: {@code k * k * 2^-23} for inputs in [-1, 1], twice the rounding error of
 *       adding {@code k * k} values in float, in either order, then dividing;
 *   <li>global average pooling: {@code (spatial / L + L + 1) * 2^-24 * mean |x|} plus one unit in
 *       the last place (the vectors sum in float, the scalar kernel in double);
 *   <li>dense: {@code 1e-5 * (sum |x_i w_i| + |bias| + |residual|)} (float sums in other orders);
 *   <li>softmax: {@code 1e-6} (only the normalization differs: a product by the reciprocal).
 * </ul>
 */
class VectorLayersTest {
  private static final int L = VectorKernels.L;
  /** Widths and feature counts around the vector length. */
  private static final int[] AROUND_L = {L - 1, L, L + 1, 2 * L + 1, 3 * L - 1, 4 * L + 3};

  private final Random random = new Random(17);

  @Test
  void vectorPathIsTheOneUnderTest() {
    assertThat(Kernels.VECTORIZED).isTrue();
  }

  /** Runs the scalar and the vector pooling on the same input; returns [scalar, vector]. */
  private float[][] pool(Pool2d p, boolean max, int batch, int threads, float[] in) {
    int size = batch * p.outSize();
    float[] expected = new float[size];
    float[] actual = Tensors.filled(size + 9, Float.NaN);
    if (max) {
      Kernels.maxPool2d(p, batch, in, 5, expected, 0);
      Kernels.maxPool2d(Parallel.of(threads), p, batch, in, 5, actual, 7);
    } else {
      Kernels.avgPool2d(p, batch, in, 5, expected, 0);
      Kernels.avgPool2d(Parallel.of(threads), p, batch, in, 5, actual, 7);
    }
    for (int i = 0; i < 7; i++) {
      assertWithMessage("%s wrote before its output", p).that(actual[i]).isNaN();
    }
    assertWithMessage("%s wrote after its output", p).that(actual[size + 7]).isNaN();
    assertWithMessage("%s wrote after its output", p).that(actual[size + 8]).isNaN();
    return new float[][] {expected, Arrays.copyOfRange(actual, 7, size + 7)};
  }

  private void checkPool(Pool2d p, int batch, int threads) {
    float[] in = random(random, 5 + batch * p.inSize());
    float[][] max = pool(p, true, batch, threads, in);
    assertExact(p + " batch " + batch + " max", max[0], max[1]);
    float[][] avg = pool(p, false, batch, threads, in);
    float tolerance = p.kernel() * p.kernel() * 0x1p-23f;
    for (int i = 0; i < avg[0].length; i++) {
      if (!(Math.abs(avg[1][i] - avg[0][i]) <= tolerance)) {
        assertWithMessage("%s batch %s avg at %s", p, batch, i).that(avg[1][i])
            .isWithin(tolerance).of(avg[0][i]);
      }
    }
  }

  /** Equal as {@link Float#equals}: the same bits, except that every NaN equals every NaN. */
  private static void assertExact(String what, float[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      if (Float.compare(actual[i], expected[i]) != 0) {
        assertWithMessage("%s at %s", what, i).that(actual[i]).isEqualTo(expected[i]);
      }
    }
  }

  @Test
  void poolingMatchesScalarOnOddImagesWithEveryKernelStrideAndPadding() {
    for (int k = 1; k <= 3; k++) {
      for (int s = 1; s <= 3; s++) {
        for (int pad = 0; pad <= Math.min(1, k / 2); pad++) {
          for (int w = 1; w <= 15; w += 2) {
            for (int h : new int[] {1, 2, 5, 15}) {
              if (h + 2 * pad < k || w + 2 * pad < k) {
                continue;
              }
              Pool2d p = new Pool2d(2, h, w, k, s, pad);
              checkPool(p, 1, 1);
              checkPool(p, 3, 2);
            }
          }
        }
      }
    }
  }

  @Test
  void poolingMatchesScalarOnRowsAroundTheVectorLength() {
    for (int s = 1; s <= 3; s++) {
      for (int ow : AROUND_L) {
        for (int k = 1; k <= 3; k++) {
          for (int pad = 0; pad <= Math.min(1, k / 2); pad++) {
            // the width whose output row has ow outputs, and the next one (a partial window)
            int w = (ow - 1) * s + k - 2 * pad;
            for (int width : new int[] {w, w + 1}) {
              Pool2d p = new Pool2d(3, 4, width, k, s, pad);
              assertThat(p.outWidth()).isAtLeast(ow);
              checkPool(p, 1, 2);
              checkPool(p, 3, 1);
            }
          }
        }
      }
    }
  }

  @Test
  void poolingMatchesScalarWhenSplitIntoTasks() {
    Pool2d stem = new Pool2d(64, 112, 112, 3, 2, 1);
    assertThat(VectorLayers.tasks(Parallel.of(2), 64, stem.inSize())).isEqualTo(16);
    checkPool(stem, 1, 2);
    Pool2d odd = new Pool2d(13, 23, 37, 3, 1, 1);
    assertThat(VectorLayers.tasks(Parallel.of(2), 3 * 13, 3L * odd.inSize())).isGreaterThan(1);
    checkPool(odd, 3, 2);
    checkPool(new Pool2d(7, 40, 41, 2, 3, 1), 3, 2);
  }

  @Test
  void maxPoolingPropagatesNaNAndOrdersZerosAsMathMax() {
    Pool2d p = new Pool2d(4, 9, 2 * L + 5, 3, 2, 1);
    float[] in = random(random, 5 + 2 * p.inSize());
    for (int i = 5; i < in.length; i++) {
      float u = random.nextFloat();
      in[i] = u < 0.01f ? Float.NaN : u < 0.3f ? -0f : u < 0.6f ? 0f : -1 - u;
    }
    float[][] max = pool(p, true, 2, 2, in);
    assertExact("max with NaN and signed zeros", max[0], max[1]);
    int nans = 0;
    int positiveZeros = 0;
    for (float v : max[1]) {
      nans += Float.isNaN(v) ? 1 : 0;
      positiveZeros += Float.floatToRawIntBits(v) == 0 ? 1 : 0;
    }
    assertThat(nans).isGreaterThan(0);
    assertThat(positiveZeros).isGreaterThan(0);
  }

  @Test
  void globalAvgPoolMatchesScalarWithinFloatRoundoff() {
    int[] spatials = {1, L - 1, L, L + 1, 2 * L + 1, 49, 64, 3136};
    for (int spatial : spatials) {
      for (int batch : new int[] {1, 3}) {
        for (int threads = 1; threads <= 2; threads++) {
          checkGlobalAvgPool(batch, 5, spatial, threads);
        }
      }
    }
    assertThat(VectorLayers.tasks(Parallel.of(2), 2048, 2048 * 49)).isGreaterThan(1);
    checkGlobalAvgPool(1, 2048, 49, 2);
  }

  private void checkGlobalAvgPool(int batch, int channels, int spatial, int threads) {
    int planes = batch * channels;
    float[] in = random(random, 5 + planes * spatial);
    float[] expected = new float[planes];
    Kernels.globalAvgPool(batch, channels, spatial, in, 5, expected, 0);
    float[] actual = Tensors.filled(planes + 8, Float.NaN);
    Kernels.globalAvgPool(Parallel.of(threads), batch, channels, spatial, in, 5, actual, 7);
    assertThat(actual[6]).isNaN();
    assertThat(actual[planes + 7]).isNaN();
    for (int i = 0; i < planes; i++) {
      double magnitude = 0;
      for (int j = 0; j < spatial; j++) {
        magnitude += Math.abs(in[5 + i * spatial + j]) / spatial;
      }
      float tolerance = (float) ((spatial / L + L + 1) * 0x1p-24 * magnitude)
          + Math.ulp(expected[i]);
      assertWithMessage("spatial %s plane %s", spatial, i).that(actual[i + 7])
          .isWithin(tolerance).of(expected[i]);
    }
  }

  private void checkDense(int batch, int in, int out, boolean bias, boolean residual,
      boolean relu, int threads) {
    float[] x = random(random, 3 + batch * in);
    float[] w = random(random, out * in);
    float[] b = bias ? random(random, out) : null;
    float[] res = residual ? random(random, 2 + batch * out) : null;
    float[] expected = new float[batch * out];
    Kernels.dense(batch, in, out, x, 3, w, b, res, 2, relu, expected, 0);
    float[] actual = Tensors.filled(batch * out + 8, Float.NaN);
    Kernels.dense(Parallel.of(threads), batch, in, out, x, 3, w, b, res, 2, relu, actual, 7);
    assertThat(actual[6]).isNaN();
    assertThat(actual[batch * out + 7]).isNaN();
    for (int n = 0; n < batch; n++) {
      for (int o = 0; o < out; o++) {
        double magnitude = (b == null ? 0 : Math.abs(b[o]))
            + (res == null ? 0 : Math.abs(res[2 + n * out + o]));
        for (int i = 0; i < in; i++) {
          magnitude += Math.abs(x[3 + n * in + i] * w[o * in + i]);
        }
        int at = n * out + o;
        assertWithMessage("dense %sx%s->%s at %s", batch, in, out, at).that(actual[at + 7])
            .isWithin((float) (1e-5 * magnitude)).of(expected[at]);
      }
    }
  }

  @Test
  void denseMatchesScalarAroundTheVectorLengthAndTheGroupOfFourRows() {
    int combo = 0;
    for (int in : new int[] {1, L - 1, L, L + 1, 2 * L + 1, 4 * L + 3, 512}) {
      for (int out : new int[] {1, 3, 4, 5, 9, 13}) {
        for (int batch : new int[] {1, 3}) {
          combo++;
          checkDense(batch, in, out, (combo & 1) != 0, (combo & 2) != 0, (combo & 4) != 0,
              1 + combo % 2);
        }
      }
    }
  }

  @Test
  void denseMatchesScalarWithEveryEpilogue() {
    for (int e = 0; e < 8; e++) {
      checkDense(2, 3 * L + 2, 7, (e & 1) != 0, (e & 2) != 0, (e & 4) != 0, 2);
    }
  }

  @Test
  void denseMatchesScalarWhenSplitIntoTasks() {
    assertThat(VectorLayers.tasks(Parallel.of(2), 250, 512 * 1000)).isEqualTo(16);
    checkDense(1, 512, 1000, true, false, false, 2);
    checkDense(3, 2048, 1001, true, true, true, 2);
  }

  @Test
  void denseResidualMayBeTheOutputItself() {
    int in = 2 * L + 3;
    int out = 6;
    float[] x = random(random, 2 * in);
    float[] w = random(random, out * in);
    float[] b = random(random, out);
    float[] res = random(random, 2 * out);
    float[] expected = new float[2 * out];
    Kernels.dense(2, in, out, x, 0, w, b, res, 0, true, expected, 0);
    float[] inPlace = res.clone();
    Kernels.dense(Parallel.of(2), 2, in, out, x, 0, w, b, inPlace, 0, true, inPlace, 0);
    for (int i = 0; i < expected.length; i++) {
      assertThat(inPlace[i]).isWithin(1e-5f).of(expected[i]);
    }
  }

  private void checkSoftmax(int batch, int features, int threads, boolean inPlace) {
    float[] x = random(random, 4 + batch * features);
    for (int i = 0; i < x.length; i++) {
      x[i] *= 30;
    }
    float[] expected = new float[batch * features];
    Kernels.softmax(batch, features, x, 4, expected, 0);
    float[] actual;
    int off;
    if (inPlace) {
      actual = x;
      off = 4;
    } else {
      actual = Tensors.filled(batch * features + 8, Float.NaN);
      off = 7;
    }
    Kernels.softmax(Parallel.of(threads), batch, features, x, 4, actual, off);
    if (!inPlace) {
      assertThat(actual[6]).isNaN();
      assertThat(actual[batch * features + 7]).isNaN();
    }
    for (int i = 0; i < expected.length; i++) {
      assertWithMessage("softmax %sx%s at %s", batch, features, i).that(actual[i + off])
          .isWithin(1e-6f).of(expected[i]);
    }
  }

  @Test
  void softmaxMatchesScalarAroundTheVectorLength() {
    for (int features : new int[] {1, 2, L - 1, L, L + 1, 2 * L + 1, 4 * L + 3, 1000}) {
      for (int batch : new int[] {1, 3}) {
        for (int threads = 1; threads <= 2; threads++) {
          checkSoftmax(batch, features, threads, false);
          checkSoftmax(batch, features, threads, true);
        }
      }
    }
  }

  @Test
  void softmaxMatchesScalarWhenSplitIntoTasks() {
    assertThat(VectorLayers.tasks(Parallel.of(2), 8, 8L * 1000 * VectorLayers.EXP_WORK))
        .isGreaterThan(1);
    checkSoftmax(8, 1000, 2, false);
    checkSoftmax(8, 1000, 2, true);
  }

  @Test
  void softmaxOfARowWithNaNIsNaNAsInTheScalarKernel() {
    int features = 2 * L + 1;
    float[] x = random(random, 2 * features);
    x[features + L + 1] = Float.NaN;
    float[] y = new float[x.length];
    Kernels.softmax(Parallel.of(1), 2, features, x, 0, y, 0);
    float[] expected = new float[x.length];
    Kernels.softmax(2, features, x, 0, expected, 0);
    for (int i = 0; i < features; i++) {
      assertThat(y[i]).isWithin(1e-6f).of(expected[i]);
      assertThat(y[features + i]).isNaN();
      assertThat(expected[features + i]).isNaN();
    }
  }

  /**
   * Once the JIT has compiled them, the kernels allocate nothing on the calling thread (the
   * workers run the same code). Some rounds may still run code that C2 has not finished
   * replacing, so the test asks that one round of {@code calls} calls of each allocates nothing.
   */
  @Test
  void callsAllocateNothingOnceCompiled() {
    Parallel two = Parallel.of(2);
    Pool2d[] pools = {new Pool2d(16, 40, 40, 3, 2, 1), new Pool2d(16, 40, 40, 3, 1, 1),
        new Pool2d(16, 40, 40, 3, 3, 1)};
    assertThat(VectorLayers.tasks(two, 3 * 16, 3 * pools[0].inSize())).isGreaterThan(1);
    float[] in = random(random, 3 * pools[0].inSize());
    float[] out = new float[in.length];
    float[] w = random(random, 301 * 64);
    float[] bias = random(random, 301);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 40 && least > 0; round++) {
      long before = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 100; i++) {
        for (Pool2d p : pools) {
          Kernels.maxPool2d(two, p, 3, in, 0, out, 0);
          Kernels.avgPool2d(two, p, 3, in, 0, out, 0);
        }
        Kernels.globalAvgPool(two, 3, 512, 49, in, 0, out, 0);
        Kernels.dense(two, 3, 64, 301, in, 0, w, bias, out, 0, true, out, 0);
        Kernels.softmax(two, 3, 1000, in, 0, out, 0);
      }
      least = Math.min(least, threads.getThreadAllocatedBytes(tid) - before);
    }
    assertThat(least).isEqualTo(0L);
  }
}
