package dev.resnetc.runtime;

/**
 * Winograd's minimal filtering F(2x2, 3x3) for stride-1, undilated, ungrouped 3x3 convolutions:
 * each 2x2 block of outputs comes from a 4x4 block of input with 16 multiplications per channel
 * pair instead of 36. With {@code U = G g G^T} (the weights, transformed once at load time),
 * {@code V = B^T d B} (each input tile) and {@code Y = A^T (U . V) A}, the 16 element-wise
 * products summed over input channels are 16 matrix products, which run on the same packed GEMM
 * micro-kernel as the direct convolution ({@link VectorKernels}).
 *
 * <p>The transforms add rounding: the result differs from the direct convolution by a few units
 * in the last place of the largest input-weight products (tested against the direct kernel).
 */
final class Winograd {
  /** Transformed positions per tile. */
  static final int XI = 16;

  private Winograd() {}

  /** Whether F(2x2, 3x3) applies to {@code c}. */
  static boolean applies(Conv2d c) {
    return c.kernel() == 3 && c.stride() == 1 && c.dilation() == 1 && c.groups() == 1;
  }

  /**
   * {@code U = G g G^T} for every (output, input) channel pair, packed for the micro-kernel as
   * {@code [xi][m / MR][input channel][MR]}.
   */
  static float[] transformWeights(Conv2d c, float[] w) {
    int cout = c.outChannels();
    int cin = c.inChannels();
    int blocks = (cout + VectorKernels.MR - 1) / VectorKernels.MR;
    int perXi = blocks * cin * VectorKernels.MR;
    float[] packed = new float[XI * perXi];
    double[] u = new double[XI];
    double[] t = new double[12];
    for (int m = 0; m < cout; m++) {
      for (int ic = 0; ic < cin; ic++) {
        transformKernel(w, (m * cin + ic) * 9, t, u);
        int at = (m / VectorKernels.MR * cin + ic) * VectorKernels.MR + m % VectorKernels.MR;
        for (int xi = 0; xi < XI; xi++) {
          packed[xi * perXi + at] = (float) u[xi];
        }
      }
    }
    return packed;
  }

  /** {@code G g G^T} of one 3x3 kernel, in double, row-major 4x4; {@code t} holds {@code G g}. */
  private static void transformKernel(float[] w, int at, double[] t, double[] u) {
    for (int col = 0; col < 3; col++) {
      double g0 = w[at + col];
      double g1 = w[at + 3 + col];
      double g2 = w[at + 6 + col];
      t[col] = g0;
      t[3 + col] = (g0 + g1 + g2) / 2;
      t[6 + col] = (g0 - g1 + g2) / 2;
      t[9 + col] = g2;
    }
    for (int row = 0; row < 4; row++) {
      double g0 = t[row * 3];
      double g1 = t[row * 3 + 1];
      double g2 = t[row * 3 + 2];
      u[row * 4] = g0;
      u[row * 4 + 1] = (g0 + g1 + g2) / 2;
      u[row * 4 + 2] = (g0 - g1 + g2) / 2;
      u[row * 4 + 3] = g2;
    }
  }
}
