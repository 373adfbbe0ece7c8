package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static dev.resnetc.runtime.Tensors.assertClose;
import static dev.resnetc.runtime.Tensors.random;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tests for the {@link Conv2d} geometry and {@link Kernels#conv2d} against a naive loop. */
class Conv2dTest {
  private static final int[] SIZES = {1, 7, 8, 9, 15, 16, 17};

  /** Direct transcription of PyTorch's conv2d definition, one output element at a time, in double. */
  private static double[] naiveConv(Conv2d c, int batch, float[] in, float[] w, float[] bias) {
    int cin = c.inChannels(), cout = c.outChannels(), h = c.inHeight(), wd = c.inWidth();
    int k = c.kernel(), s = c.stride(), p = c.padding(), d = c.dilation(), g = c.groups();
    int oh = (h + 2 * p - d * (k - 1) - 1) / s + 1;
    int ow = (wd + 2 * p - d * (k - 1) - 1) / s + 1;
    int cinG = cin / g, coutG = cout / g;
    double[] out = new double[batch * cout * oh * ow];
    for (int n = 0; n < batch; n++) {
      for (int oc = 0; oc < cout; oc++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            double sum = bias == null ? 0 : bias[oc];
            for (int j = 0; j < cinG; j++) {
              int ic = (oc / coutG) * cinG + j;
              for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                  int iy = oy * s - p + ky * d, ix = ox * s - p + kx * d;
                  if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                    sum += (double) in[((n * cin + ic) * h + iy) * wd + ix]
                        * w[((oc * cinG + j) * k + ky) * k + kx];
                  }
                }
              }
            }
            out[((n * cout + oc) * oh + oy) * ow + ox] = sum;
          }
        }
      }
    }
    return out;
  }

  /** Runs the kernel on random data into a NaN-prefilled, oversized buffer and compares. */
  private static void checkAgainstNaive(Conv2d c, int batch, boolean withBias, Random random) {
    float[] in = random(random, batch * c.inSize());
    float[] w = random(random, c.weightSize());
    float[] bias = withBias ? random(random, c.outChannels()) : null;
    int outLength = batch * c.outSize();
    float[] out = Tensors.filled(outLength + 3, Float.NaN);
    Kernels.conv2d(c, batch, in, 0, w, bias, null, 0, false, out, 0);
    assertClose(c + " batch " + batch, naiveConv(c, batch, in, w, bias), out);
    for (int i = outLength; i < out.length; i++) {
      assertThat(out[i]).isNaN(); // nothing written past the batch
    }
  }

  @Test
  void outputSizeFollowsPyTorchFormula() {
    Conv2d stem = new Conv2d(3, 224, 224, 64, 7, 2, 3, 1, 1);
    assertThat(stem.outHeight()).isEqualTo(112);
    assertThat(stem.outWidth()).isEqualTo(112);
    assertThat(stem.inSize()).isEqualTo(3 * 224 * 224);
    assertThat(stem.outSize()).isEqualTo(64 * 112 * 112);
    assertThat(stem.weightSize()).isEqualTo(64 * 3 * 7 * 7);

    Conv2d dilated = new Conv2d(4, 9, 10, 6, 3, 1, 0, 2, 2);
    assertThat(dilated.outHeight()).isEqualTo(5);
    assertThat(dilated.outWidth()).isEqualTo(6);
    assertThat(dilated.weightSize()).isEqualTo(6 * 2 * 3 * 3);

    assertThat(new Conv2d(64, 56, 55, 128, 1, 2, 0, 1, 1).outWidth()).isEqualTo(28);
    assertThat(new Conv2d(1, 1, 1, 1, 3, 2, 1, 1, 1).outHeight()).isEqualTo(1);
  }

  @Test
  void constructorRejectsInvalidArgumentsNamingTheValues() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 8, 4, 0, 1, 0, 1, 1));
    assertThat(e).hasMessageThat().contains("kernel must be > 0, got 0");
    e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 8, 4, 3, 1, -1, 1, 1));
    assertThat(e).hasMessageThat().contains("padding must be >= 0, got -1");
    e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(6, 8, 8, 4, 3, 1, 1, 1, 4));
    assertThat(e).hasMessageThat().contains("inChannels (6) and outChannels (4)");
    assertThat(e).hasMessageThat().contains("groups (4)");
    e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 4, 8, 4, 3, 1, 0, 2, 1));
    assertThat(e).hasMessageThat().contains("output size would be < 1");
    assertThat(e).hasMessageThat().contains("4x8");
    for (int bad : new int[] {0, -2}) {
      assertThrows(IllegalArgumentException.class, () -> new Conv2d(bad, 8, 8, 4, 3, 1, 0, 1, 1));
      assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 8, 4, 3, bad, 0, 1, 1));
      assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 8, 4, 3, 1, 0, bad, 1));
      assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 8, 4, 3, 1, 0, 1, bad));
    }
  }

  @Test
  void constructorRejectsSizesThatOverflowAnInt() {
    assertThrows(ArithmeticException.class, () -> new Conv2d(65536, 65536, 2, 1, 1, 1, 0, 1, 1));
    assertThrows(ArithmeticException.class, () -> new Conv2d(1, 1, 1, 65536, 1, 1, 65536, 1, 1));
  }

  @Test
  void convWithGroupsAndDilationMatchesNaiveLoop() {
    checkAgainstNaive(new Conv2d(8, 9, 9, 16, 3, 1, 2, 2, 2), 3, true, new Random(1));
    checkAgainstNaive(new Conv2d(16, 17, 15, 8, 3, 2, 3, 2, 2), 1, true, new Random(2));
  }

  @Test
  void depthwiseConvMatchesNaiveLoop() {
    checkAgainstNaive(new Conv2d(16, 17, 17, 16, 3, 2, 1, 1, 16), 3, true, new Random(3));
    checkAgainstNaive(new Conv2d(7, 8, 9, 14, 5, 1, 2, 1, 7), 1, false, new Random(4)); // multiplier 2
  }

  @Test
  void resNetStemAndProjectionConvsMatchNaiveLoop() {
    checkAgainstNaive(new Conv2d(3, 17, 16, 8, 7, 2, 3, 1, 1), 3, false, new Random(5));
    checkAgainstNaive(new Conv2d(9, 15, 15, 17, 1, 2, 0, 1, 1), 1, false, new Random(6));
  }

  @Test
  void convWithoutBiasMatchesNaiveLoop() {
    checkAgainstNaive(new Conv2d(7, 8, 8, 9, 3, 1, 1, 1, 1), 1, false, new Random(7));
  }

  @Test
  void randomConvConfigurationsMatchNaiveLoop() {
    Random random = new Random(42);
    int checked = 0;
    while (checked < 250) {
      int h = SIZES[random.nextInt(SIZES.length)], w = SIZES[random.nextInt(SIZES.length)];
      int k = 1 + 2 * random.nextInt(3), s = 1 + random.nextInt(2), d = 1 + random.nextInt(2);
      int p = random.nextInt(4);
      int cin, cout, g;
      switch (random.nextInt(4)) {
        case 0, 1 -> {
          g = 1;
          cin = SIZES[random.nextInt(SIZES.length)];
          cout = SIZES[random.nextInt(SIZES.length)];
        }
        case 2 -> {
          g = 2;
          cin = 2 * (1 + random.nextInt(9));
          cout = 2 * (1 + random.nextInt(9));
        }
        default -> {
          g = SIZES[random.nextInt(SIZES.length)];
          cin = g;
          cout = g * (1 + random.nextInt(2));
        }
      }
      if (h + 2 * p < d * (k - 1) + 1 || w + 2 * p < d * (k - 1) + 1) {
        continue;
      }
      Conv2d c = new Conv2d(cin, h, w, cout, k, s, p, d, g);
      checkAgainstNaive(c, random.nextBoolean() ? 1 : 3, random.nextBoolean(), random);
      checked++;
    }
  }

  @Test
  void convRejectsShortBuffersNamingTheArgument() {
    Conv2d c = new Conv2d(2, 4, 4, 3, 3, 1, 1, 1, 1);
    float[] in = new float[2 * c.inSize()];
    float[] w = new float[c.weightSize()];
    IllegalArgumentException e = assertThrows(
        IllegalArgumentException.class,
        () -> Kernels.conv2d(c, 2, in, 0, w, null, null, 0, false, new float[c.outSize()], 0));
    assertThat(e).hasMessageThat().isEqualTo("out has 48 floats; expected at least 96");
    e = assertThrows(
        IllegalArgumentException.class,
        () -> Kernels.conv2d(c, 2, in, 0, w, new float[2], null, 0, false,
            new float[2 * c.outSize()], 0));
    assertThat(e).hasMessageThat().startsWith("bias has 2 floats");
  }
}
