package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static dev.resnetc.runtime.Tensors.assertClose;
import static dev.resnetc.runtime.Tensors.random;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tests for the non-convolution, non-pooling kernels. */
class KernelsTest {
  private static final int[] SIZES = {1, 7, 8, 9, 15, 16, 17};

  private static double[] naiveBatchNorm(
      int batch, int channels, int spatial, float[] x, float[] gamma, float[] beta, float[] mean,
      float[] var, float eps) {
    double[] y = new double[batch * channels * spatial];
    for (int n = 0; n < batch; n++) {
      for (int c = 0; c < channels; c++) {
        for (int i = 0; i < spatial; i++) {
          int at = (n * channels + c) * spatial + i;
          y[at] = (x[at] - (double) mean[c]) / Math.sqrt((double) var[c] + eps) * gamma[c] + beta[c];
        }
      }
    }
    return y;
  }

  private static void checkBatchNorm(int batch, int channels, int spatial, boolean inPlace, Random r) {
    float[] x = random(r, batch * channels * spatial);
    float[] gamma = random(r, channels), beta = random(r, channels), mean = random(r, channels);
    float[] var = random(r, channels);
    for (int c = 0; c < channels; c++) {
      var[c] = Math.abs(var[c]) + 0.01f;
    }
    double[] expected = naiveBatchNorm(batch, channels, spatial, x, gamma, beta, mean, var, 1e-5f);
    float[] out = inPlace ? x : Tensors.filled(x.length, Float.NaN);
    Kernels.batchNorm(batch, channels, spatial, x, 0, gamma, beta, mean, var, 1e-5f, false, out, 0);
    assertClose("batchNorm " + batch + "x" + channels + "x" + spatial, expected, out);
  }

  @Test
  void batchNormWithSpatialOneMatchesFormula() {
    Random r = new Random(20);
    for (int channels : SIZES) {
      checkBatchNorm(1, channels, 1, false, r);
      checkBatchNorm(3, channels, 1, false, r);
    }
  }

  @Test
  void batchNormOverPlanesMatchesFormulaAlsoInPlace() {
    Random r = new Random(21);
    for (int spatial : SIZES) {
      checkBatchNorm(3, 9, spatial * spatial, false, r);
      checkBatchNorm(1, 16, spatial * 3, true, r);
    }
  }

  @Test
  void reluClampsNegativesInPlaceAndPropagatesNaN() {
    float[] x = {-2f, -0f, 0f, 3.5f, Float.NaN, Float.NEGATIVE_INFINITY, 7f};
    Kernels.relu(x, 0, 6, x, 0);
    assertThat(x).usingExactEquality().containsExactly(0f, 0f, 0f, 3.5f, Float.NaN, 0f, 7f).inOrder();
  }

  @Test
  void reluWritesToASeparateOutput() {
    float[] x = random(new Random(22), 17);
    float[] out = new float[17];
    Kernels.relu(x, 0, 17, out, 0);
    for (int i = 0; i < 17; i++) {
      assertThat(out[i]).isEqualTo(Math.max(0f, x[i]));
    }
  }

  @Test
  void addAllowsOutputToAliasEitherInput() {
    Random r = new Random(23);
    float[] a = random(r, 16), b = random(r, 16);
    float[] expected = new float[16];
    for (int i = 0; i < 16; i++) {
      expected[i] = a[i] + b[i];
    }
    float[] a1 = a.clone(), b2 = b.clone(), out = new float[16];
    Kernels.add(a, 0, b, 0, 16, false, out, 0);
    Kernels.add(a1, 0, b, 0, 16, false, a1, 0);
    Kernels.add(a, 0, b2, 0, 16, false, b2, 0);
    assertThat(out).usingExactEquality().containsExactly(expected).inOrder();
    assertThat(a1).usingExactEquality().containsExactly(expected).inOrder();
    assertThat(b2).usingExactEquality().containsExactly(expected).inOrder();
  }

  @Test
  void globalAvgPoolMatchesMeanOfEachPlane() {
    Random r = new Random(24);
    for (int spatial : new int[] {1, 49, 64, 17}) {
      int batch = 3, channels = 9;
      float[] in = random(r, batch * channels * spatial);
      double[] expected = new double[batch * channels];
      for (int plane = 0; plane < batch * channels; plane++) {
        for (int i = 0; i < spatial; i++) {
          expected[plane] += in[plane * spatial + i] / (double) spatial;
        }
      }
      float[] out = Tensors.filled(batch * channels, Float.NaN);
      Kernels.globalAvgPool(batch, channels, spatial, in, 0, out, 0);
      assertClose("globalAvgPool spatial " + spatial, expected, out);
    }
  }

  @Test
  void denseMatchesNaiveLoopWithAndWithoutBias() {
    Random r = new Random(25);
    for (int in : SIZES) {
      for (int outF : new int[] {1, 8, 17}) {
        for (int batch : new int[] {1, 3}) {
          float[] x = random(r, batch * in), w = random(r, outF * in);
          float[] bias = r.nextBoolean() ? random(r, outF) : null;
          double[] expected = new double[batch * outF];
          for (int n = 0; n < batch; n++) {
            for (int o = 0; o < outF; o++) {
              double sum = bias == null ? 0 : bias[o];
              for (int i = 0; i < in; i++) {
                sum += (double) x[n * in + i] * w[o * in + i];
              }
              expected[n * outF + o] = sum;
            }
          }
          float[] y = Tensors.filled(batch * outF, Float.NaN);
          Kernels.dense(batch, in, outF, x, 0, w, bias, null, 0, false, y, 0);
          assertClose("dense " + batch + "x" + in + "->" + outF, expected, y);
        }
      }
    }
  }

  @Test
  void softmaxIsStableForLargeLogitsAndWorksInPlace() {
    float[] x = {1000f, 1001f, 1002f, -1000f, 0f, 1f};
    Kernels.softmax(2, 3, x, 0, x, 0);
    double z1 = Math.exp(-2) + Math.exp(-1) + 1; // logits shifted by their max, 1002
    double z2 = Math.exp(-1001) + Math.exp(-1) + 1; // shifted by 1
    double[] expected = {
      Math.exp(-2) / z1, Math.exp(-1) / z1, 1 / z1, Math.exp(-1001) / z2, Math.exp(-1) / z2, 1 / z2
    };
    assertClose("softmax", expected, x);
  }

  @Test
  void softmaxRowsSumToOneAndMatchNaiveFormula() {
    Random r = new Random(26);
    for (int features : SIZES) {
      float[] x = random(r, 3 * features);
      for (int i = 0; i < x.length; i++) {
        x[i] *= 20;
      }
      float[] y = new float[x.length];
      Kernels.softmax(3, features, x, 0, y, 0);
      for (int n = 0; n < 3; n++) {
        double denominator = 0, sum = 0;
        for (int i = 0; i < features; i++) {
          denominator += Math.exp(x[n * features + i]);
          sum += y[n * features + i];
        }
        double[] expected = new double[features];
        float[] row = new float[features];
        for (int i = 0; i < features; i++) {
          expected[i] = Math.exp(x[n * features + i]) / denominator;
          row[i] = y[n * features + i];
        }
        assertClose("softmax row " + n + " of " + features, expected, row);
        assertThat(sum).isWithin(1e-5).of(1.0);
      }
    }
  }

  @Test
  void padShortcutPlacesSubsampledChannelsAndZerosTheRest() {
    Random r = new Random(27);
    int[][] cases = { // batch, inC, h, w, stride, outC, padFront
      {3, 3, 5, 5, 2, 8, 2}, {1, 16, 16, 16, 2, 32, 8}, {3, 7, 9, 8, 2, 7, 0},
      {1, 1, 1, 1, 2, 3, 2}, {3, 4, 7, 15, 1, 9, 5}, {1, 2, 17, 17, 3, 4, 0}
    };
    for (int[] t : cases) {
      int batch = t[0], inC = t[1], h = t[2], w = t[3], s = t[4], outC = t[5], front = t[6];
      int oh = (h - 1) / s + 1, ow = (w - 1) / s + 1;
      float[] in = random(r, batch * inC * h * w);
      float[] out = Tensors.filled(batch * outC * oh * ow, Float.NaN); // stale data must be overwritten
      Kernels.padShortcut(batch, inC, h, w, s, outC, front, in, 0, out, 0);
      for (int n = 0; n < batch; n++) {
        for (int c = 0; c < outC; c++) {
          for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
              int ic = c - front;
              float expected = ic >= 0 && ic < inC ? in[((n * inC + ic) * h + y * s) * w + x * s] : 0f;
              assertThat(out[((n * outC + c) * oh + y) * ow + x]).isEqualTo(expected);
            }
          }
        }
      }
    }
  }

  @Test
  void padShortcutRejectsChannelsThatDoNotFit() {
    IllegalArgumentException e = assertThrows(
        IllegalArgumentException.class,
        () -> Kernels.padShortcut(1, 16, 4, 4, 2, 32, 17, new float[256], 0, new float[128], 0));
    assertThat(e).hasMessageThat().contains("padFront 17, inChannels 16, outChannels 32");
    assertThrows(
        IllegalArgumentException.class,
        () -> Kernels.padShortcut(1, 16, 4, 4, 2, 32, -1, new float[256], 0, new float[128], 0));
  }

  @Test
  void copyCopiesOnlyThePrefix() {
    float[] in = {1f, 2f, 3f, 4f};
    float[] out = {9f, 9f, 9f, 9f, 9f};
    Kernels.copy(in, 0, 3, out, 0);
    assertThat(out).usingExactEquality().containsExactly(1f, 2f, 3f, 9f, 9f).inOrder();
  }

  @Test
  void kernelsRejectShortOrNullBuffers() {
    assertThrows(IllegalArgumentException.class, () -> Kernels.relu(new float[3], 0, 4, new float[4], 0));
    assertThrows(IllegalArgumentException.class, () -> Kernels.copy(new float[3], 0, -1, new float[4], 0));
    NullPointerException npe =
        assertThrows(NullPointerException.class, () -> Kernels.add(new float[2], 0, null, 0, 2, false, new float[2], 0));
    assertThat(npe).hasMessageThat().isEqualTo("b is null; expected 2 floats");
    assertThrows(
        IllegalArgumentException.class,
        () -> Kernels.dense(1, 4, 2, new float[4], 0, new float[7], null, null, 0, false,
            new float[2], 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> Kernels.softmax(0, 4, new float[4], 0, new float[4], 0));
  }
}
