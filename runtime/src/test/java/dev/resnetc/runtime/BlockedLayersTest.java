package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.resnetc.runtime.Tensors.blocked;
import static dev.resnetc.runtime.Tensors.nchw;
import static dev.resnetc.runtime.Tensors.random;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The layers around the convolutions on blocked tensors ({@link Layout#BLOCKED}) against the
 * scalar NCHW kernels, through {@link Layout#fromNchw} and {@link Layout#toNchw}: pooling of
 * blocked tensors bit for bit, global average pooling within float roundoff, BatchNorm and the
 * option-A shortcut through their NCHW copies, and channel counts that stay NCHW passed through
 * unchanged.
 */
class BlockedLayersTest {
  private final Random random = new Random(23);

  @BeforeEach
  void needsSixteenFloatVectors() {
    assumeTrue(Layout.preferred() == Layout.BLOCKED, "the blocked layout needs AVX-512");
  }

  @Test
  void maxPoolingOnScalarCodeWhileTheWarmUpRunsGivesTheSameBits() {
    Pool2d[] pools = {new Pool2d(64, 9, 9, 3, 2, 1), new Pool2d(32, 8, 8, 2, 2, 0),
        new Pool2d(16, 7, 5, 3, 1, 1), new Pool2d(48, 1, 1, 1, 1, 0)};
    for (Pool2d p : pools) {
      int batch = 2;
      float[] in = random(random, batch * p.inSize());
      in[7] = Float.NaN;
      float[] expected = new float[batch * p.outSize()];
      Kernels.maxPool2d(p, batch, in, 0, expected, 0);
      float[] blockedIn = blocked(p.channels(), p.inHeight() * p.inWidth(), batch, in);
      for (boolean scalar : new boolean[] {true, false}) {
        float[] actual = new float[expected.length + 3];
        VectorLayers.blockedPool(Parallel.of(2), p, true, scalar, batch, blockedIn, 0, actual, 3);
        float[] back = new float[expected.length];
        Layout.BLOCKED.toNchw(batch, p.channels(), p.outHeight() * p.outWidth(), actual, 3,
            back, 0);
        assertWithMessage("%s scalar %s", p, scalar).that(back).isEqualTo(expected);
      }
    }
  }

  @Test
  void poolingGivesTheScalarKernelsBits() {
    Pool2d[] pools = {new Pool2d(64, 9, 9, 3, 2, 1), new Pool2d(32, 8, 8, 2, 2, 0),
        new Pool2d(16, 7, 5, 3, 1, 1), new Pool2d(48, 1, 1, 1, 1, 0),
        new Pool2d(24, 6, 6, 3, 2, 1)};
    for (Pool2d p : pools) {
      for (boolean max : new boolean[] {true, false}) {
        int batch = 3;
        float[] in = random(random, batch * p.inSize());
        in[7] = Float.NaN;
        float[] expected = new float[batch * p.outSize()];
        float[] actual = new float[expected.length + 2];
        float[] blockedIn = blocked(p.channels(), p.inHeight() * p.inWidth(), batch, in);
        if (max) {
          Kernels.maxPool2d(p, batch, in, 0, expected, 0);
          Kernels.maxPool2d(Parallel.of(2), Layout.BLOCKED, p, batch, blockedIn, 0, actual, 2);
        } else {
          Kernels.avgPool2d(p, batch, in, 0, expected, 0);
          Kernels.avgPool2d(Parallel.of(2), Layout.BLOCKED, p, batch, blockedIn, 0, actual, 2);
        }
        float[] back = new float[expected.length];
        Layout.BLOCKED.toNchw(batch, p.channels(), p.outHeight() * p.outWidth(), actual, 2,
            back, 0);
        if (max || Layout.BLOCKED.blocks(p.channels())) {
          assertWithMessage("%s max %s", p, max).that(back).isEqualTo(expected);
        } else { // the NCHW vector kernel adds a window's values in another order
          for (int i = 0; i < expected.length; i++) {
            if (!Float.isNaN(expected[i]) || !Float.isNaN(back[i])) {
              assertWithMessage("%s at %s", p, i).that(back[i]).isWithin(1e-6f).of(expected[i]);
            }
          }
        }
      }
    }
  }

  @Test
  void globalAveragePoolingWithinRoundoff() {
    for (int[] shape : new int[][] {{512, 49}, {16, 3}, {64, 64}, {24, 10}}) {
      int batch = 2, channels = shape[0], spatial = shape[1];
      float[] in = random(random, batch * channels * spatial);
      float[] expected = new float[batch * channels];
      Kernels.globalAvgPool(batch, channels, spatial, in, 0, expected, 0);
      float[] actual = new float[expected.length + 1];
      Kernels.globalAvgPool(Parallel.of(2), Layout.BLOCKED, batch, channels, spatial,
          blocked(channels, spatial, batch, in), 0, actual, 1);
      for (int i = 0; i < expected.length; i++) {
        assertWithMessage("%s channels, %s positions, at %s", channels, spatial, i)
            .that(actual[i + 1]).isWithin(1e-6f).of(expected[i]);
      }
    }
  }

  @Test
  void batchNormThroughNchwInPlace() {
    for (int channels : new int[] {32, 24}) {
      int batch = 2, spatial = 15;
      float[] in = random(random, batch * channels * spatial);
      float[] gamma = random(random, channels);
      float[] beta = random(random, channels);
      float[] mean = random(random, channels);
      float[] var = new float[channels];
      for (int i = 0; i < channels; i++) {
        var[i] = 0.5f + random.nextFloat();
      }
      float[] expected = new float[in.length];
      Kernels.batchNorm(batch, channels, spatial, in, 0, gamma, beta, mean, var, 1e-5f, true,
          expected, 0);
      float[] y = blocked(channels, spatial, batch, in);
      Kernels.batchNorm(Layout.BLOCKED, batch, channels, spatial, y, 0, gamma, beta, mean, var,
          1e-5f, true, y, 0);
      assertThat(nchw(channels, spatial, batch, y)).isEqualTo(expected);
    }
  }

  @Test
  void optionAShortcutBetweenLayouts() {
    // 16 -> 32 (both blocked), 16 -> 24 (into NCHW), 8 -> 16 (from NCHW)
    for (int[] c : new int[][] {{16, 32, 8}, {16, 24, 4}, {8, 16, 4}}) {
      int batch = 2, h = 7, w = 6, stride = 2;
      int oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1;
      float[] in = random(random, batch * c[0] * h * w);
      float[] expected = new float[batch * c[1] * oh * ow];
      Kernels.padShortcut(batch, c[0], h, w, stride, c[1], c[2], in, 0, expected, 0);
      float[] actual = new float[expected.length];
      Kernels.padShortcut(Layout.BLOCKED, batch, c[0], h, w, stride, c[1], c[2],
          blocked(c[0], h * w, batch, in), 0, actual, 0);
      assertWithMessage("%s -> %s", c[0], c[1]).that(nchw(c[1], oh * ow, batch, actual))
          .isEqualTo(expected);
    }
  }
}
