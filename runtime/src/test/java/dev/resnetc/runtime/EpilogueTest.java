package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static dev.resnetc.runtime.Tensors.random;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused epilogues of {@link Kernels#conv2d} and {@link Kernels#dense} equal the separate
 * kernels they replace, also with tensors at offsets inside one arena and with the residual read
 * from the output's own place; and {@link Fold} equals a BatchNorm after the layer.
 */
class EpilogueTest {
  private static final Conv2d CONV = new Conv2d(3, 7, 6, 5, 3, 2, 1, 1, 1);
  private final Random random = new Random(7);

  /** conv, then add, then relu, with the separate kernels and separate arrays. */
  private static float[] unfused(float[] in, float[] w, float[] bias, float[] residual) {
    int size = 2 * CONV.outSize();
    float[] conv = new float[size];
    Kernels.conv2d(CONV, 2, in, 0, w, bias, null, 0, false, conv, 0);
    Kernels.add(conv, 0, residual, 0, size, false, conv, 0);
    Kernels.relu(conv, 0, size, conv, 0);
    return conv;
  }

  @Test
  void convEpilogueAddsResidualAndAppliesReluAtOffsets() {
    float[] in = random(random, 2 * CONV.inSize());
    float[] w = random(random, CONV.weightSize());
    float[] bias = random(random, CONV.outChannels());
    float[] residual = random(random, 2 * CONV.outSize());
    float[] expected = unfused(in, w, bias, residual);

    int size = 2 * CONV.outSize();
    float[] arena = new float[3 + in.length + 5 + size + 2 + size];
    int inOff = 3, resOff = inOff + in.length + 5, outOff = resOff + size + 2;
    System.arraycopy(in, 0, arena, inOff, in.length);
    System.arraycopy(residual, 0, arena, resOff, size);
    Kernels.conv2d(CONV, 2, arena, inOff, w, bias, arena, resOff, true, arena, outOff);
    float[] actual = Arrays.copyOfRange(arena, outOff, outOff + size);
    assertClose(expected, actual);
    assertThat(Arrays.copyOfRange(arena, resOff, resOff + size)).isEqualTo(residual);
  }

  @Test
  void convEpilogueMayReadTheResidualFromItsOwnOutput() {
    float[] in = random(random, 2 * CONV.inSize());
    float[] w = random(random, CONV.weightSize());
    float[] residual = random(random, 2 * CONV.outSize());
    float[] expected = unfused(in, w, null, residual);
    float[] inPlace = residual.clone();
    Kernels.conv2d(CONV, 2, in, 0, w, null, inPlace, 0, true, inPlace, 0);
    assertClose(expected, inPlace);
  }

  @Test
  void denseEpilogueEqualsDenseAddRelu() {
    float[] x = random(random, 2 * 6);
    float[] w = random(random, 4 * 6);
    float[] bias = random(random, 4);
    float[] residual = random(random, 2 * 4);
    float[] expected = new float[8];
    Kernels.dense(2, 6, 4, x, 0, w, bias, null, 0, false, expected, 0);
    Kernels.add(expected, 0, residual, 0, 8, true, expected, 0);
    float[] y = residual.clone();
    Kernels.dense(2, 6, 4, x, 0, w, bias, y, 0, true, y, 0);
    assertClose(expected, y);
  }

  @Test
  void foldedWeightsEqualConvolutionFollowedByBatchNorm() {
    float[] in = random(random, 2 * CONV.inSize());
    float[] w = random(random, CONV.weightSize());
    float[] bias = random(random, CONV.outChannels());
    float[] gamma = random(random, 5);
    float[] beta = random(random, 5);
    float[] mean = random(random, 5);
    float[] var = new float[5];
    for (int i = 0; i < 5; i++) {
      var[i] = 0.5f + random.nextFloat();
    }
    int size = 2 * CONV.outSize();
    float[] expected = new float[size];
    Kernels.conv2d(CONV, 2, in, 0, w, bias, null, 0, false, expected, 0);
    Kernels.batchNorm(2, 5, CONV.outSize() / 5, expected, 0, gamma, beta, mean, var, 1e-3f, false,
        expected, 0);
    float[] folded = new float[size];
    Kernels.conv2d(CONV, 2, in, 0, Fold.weight(w, gamma, var, 1e-3),
        Fold.bias(bias, gamma, beta, mean, var, 1e-3), null, 0, false, folded, 0);
    assertClose(expected, folded);
  }

  @Test
  void foldingWithoutBiasUsesZero() {
    float[] b = Fold.bias(null, new float[] {2f}, new float[] {1f}, new float[] {3f},
        new float[] {3f}, 1.0);
    assertThat(b[0]).isEqualTo(-2f); // (0 - 3) * 2 / sqrt(4) + 1
  }

  @Test
  void arenasAreReusedAndGrownWhenTooSmall() {
    Arenas arenas = new Arenas();
    float[] first = arenas.take(100);
    arenas.give(first);
    assertThat(arenas.take(80)).isSameInstanceAs(first);
    arenas.give(first);
    float[] bigger = arenas.take(200);
    assertThat(bigger.length).isAtLeast(200);
    float[] other = arenas.take(10);
    assertThat(other).isNotSameInstanceAs(bigger);
  }

  private static void assertClose(float[] expected, float[] actual) {
    double[] e = new double[expected.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = expected[i];
    }
    Tensors.assertClose("epilogue", e, actual);
  }
}
