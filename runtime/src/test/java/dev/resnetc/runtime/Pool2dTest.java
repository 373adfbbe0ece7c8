package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static dev.resnetc.runtime.Tensors.assertClose;
import static dev.resnetc.runtime.Tensors.random;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tests for the {@link Pool2d} geometry and the pooling kernels against naive loops. */
class Pool2dTest {
  private static final int[] SIZES = {1, 7, 8, 9, 15, 16, 17};

  /** PyTorch's max_pool2d / avg_pool2d (floor mode, count_include_pad) one output at a time. */
  private static double[] naivePool(Pool2d p, int batch, float[] in, boolean max) {
    int h = p.inHeight(), w = p.inWidth(), k = p.kernel(), s = p.stride(), pad = p.padding();
    int oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1;
    double[] out = new double[batch * p.channels() * oh * ow];
    for (int plane = 0; plane < batch * p.channels(); plane++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double acc = max ? Double.NEGATIVE_INFINITY : 0;
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              int iy = oy * s - pad + ky, ix = ox * s - pad + kx;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                float v = in[(plane * h + iy) * w + ix];
                acc = max ? Math.max(acc, v) : acc + v;
              }
            }
          }
          out[(plane * oh + oy) * ow + ox] = max ? acc : acc / (k * k);
        }
      }
    }
    return out;
  }

  private static void checkAgainstNaive(Pool2d p, int batch, Random random) {
    float[] in = random(random, batch * p.inSize());
    float[] out = Tensors.filled(batch * p.outSize(), Float.NaN);
    Kernels.maxPool2d(p, batch, in, 0, out, 0);
    assertClose("max " + p, naivePool(p, batch, in, true), out);
    java.util.Arrays.fill(out, Float.NaN);
    Kernels.avgPool2d(p, batch, in, 0, out, 0);
    assertClose("avg " + p, naivePool(p, batch, in, false), out);
  }

  @Test
  void outputSizeUsesFloorMode() {
    Pool2d resnet = new Pool2d(64, 112, 112, 3, 2, 1);
    assertThat(resnet.outHeight()).isEqualTo(56);
    assertThat(resnet.outWidth()).isEqualTo(56);
    assertThat(resnet.inSize()).isEqualTo(64 * 112 * 112);
    assertThat(resnet.outSize()).isEqualTo(64 * 56 * 56);
    Pool2d odd = new Pool2d(1, 7, 8, 2, 2, 0);
    assertThat(odd.outHeight()).isEqualTo(3);
    assertThat(odd.outWidth()).isEqualTo(4);
  }

  @Test
  void constructorRejectsPaddingAboveHalfTheKernel() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Pool2d(4, 8, 8, 3, 2, 2));
    assertThat(e).hasMessageThat().contains("kernel/2 (1) for kernel 3, got 2");
    assertThrows(IllegalArgumentException.class, () -> new Pool2d(4, 8, 8, 2, 2, -1));
  }

  @Test
  void constructorRejectsInvalidSizesNamingTheValues() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Pool2d(0, 8, 8, 2, 2, 0));
    assertThat(e).hasMessageThat().isEqualTo("channels must be > 0, got 0");
    e = assertThrows(IllegalArgumentException.class, () -> new Pool2d(1, 2, 8, 5, 1, 1));
    assertThat(e).hasMessageThat().contains("output size would be < 1");
    assertThrows(IllegalArgumentException.class, () -> new Pool2d(1, 8, 8, 2, 0, 0));
  }

  @Test
  void maxPoolTreatsPaddingAsNegativeInfinity() {
    Pool2d p = new Pool2d(2, 7, 7, 3, 2, 1);
    float[] in = Tensors.filled(p.inSize(), -5f);
    float[] out = new float[p.outSize()];
    Kernels.maxPool2d(p, 1, in, 0, out, 0);
    for (float v : out) {
      assertThat(v).isEqualTo(-5f);
    }
  }

  @Test
  void avgPoolCountsPaddingInTheDivisor() {
    Pool2d p = new Pool2d(1, 4, 4, 3, 1, 1);
    float[] out = new float[p.outSize()];
    Kernels.avgPool2d(p, 1, Tensors.filled(p.inSize(), 1f), 0, out, 0);
    assertThat(out[0]).isWithin(1e-7f).of(4f / 9f); // corner: 4 real values, divisor 9
    assertThat(out[1]).isWithin(1e-7f).of(6f / 9f); // edge
    assertThat(out[5]).isWithin(1e-7f).of(1f); // interior
  }

  @Test
  void resNetMaxPoolMatchesNaiveLoop() {
    checkAgainstNaive(new Pool2d(16, 17, 16, 3, 2, 1), 3, new Random(11));
  }

  @Test
  void randomPoolConfigurationsMatchNaiveLoop() {
    Random random = new Random(43);
    int checked = 0;
    while (checked < 300) {
      int c = SIZES[random.nextInt(SIZES.length)];
      int h = SIZES[random.nextInt(SIZES.length)], w = SIZES[random.nextInt(SIZES.length)];
      int k = 1 + random.nextInt(5), s = 1 + random.nextInt(3), pad = random.nextInt(4);
      if (pad > k / 2 || h + 2 * pad < k || w + 2 * pad < k) {
        continue;
      }
      checkAgainstNaive(new Pool2d(c, h, w, k, s, pad), random.nextBoolean() ? 1 : 3, random);
      checked++;
    }
  }
}
