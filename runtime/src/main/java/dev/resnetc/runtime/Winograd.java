package dev.resnetc.runtime;

/**
 * Winograd's minimal filtering F(m x m, 3x3) for stride-1, undilated, ungrouped 3x3
 * convolutions, with output tiles of {@code m = 2} or {@code m = 4}: each m x m block of outputs
 * comes from an (m+2) x (m+2) block of input with {@code (m+2)^2} multiplications per channel pair
 * instead of {@code 9 m^2} (16 instead of 36, or 36 instead of 144). With {@code U = G g G^T} (the
 * weights, transformed once at load time), {@code V = B^T d B} (each input tile) and
 * {@code Y = A^T (U . V) A}, the element-wise products summed over input channels are
 * {@code (m+2)^2} matrix products, which run on the same packed GEMM micro-kernel as the direct
 * convolution ({@link VectorKernels}, which also holds the vectorized tile transforms).
 *
 * <p>The transforms add rounding, more for the larger tile, whose matrices hold 4, 5 and 8: the
 * result differs from the direct convolution by a few units in the last place of the largest
 * input-weight products (tested against the direct kernel and, through the samples, PyTorch).
 */
final class Winograd {
  private Winograd() {}

  /** Whether Winograd applies to {@code c}. */
  static boolean applies(Conv2d c) {
    return c.kernel() == 3 && c.stride() == 1 && c.dilation() == 1 && c.groups() == 1;
  }

  /** Transformed positions per tile: {@code (m+2)^2}. */
  static int positions(int m) {
    return (m + 2) * (m + 2);
  }

  /** {@code G} of F(2x2, 3x3), 4 x 3. */
  private static final double[][] G2 = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};

  /** {@code G} of F(4x4, 3x3), 6 x 3 (interpolation points 0, 1, -1, 2, -2). */
  private static final double[][] G4 = {{1 / 4.0, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0},
      {-1 / 6.0, 1 / 6.0, -1 / 6.0}, {1 / 24.0, 1 / 12.0, 1 / 6.0},
      {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};

  /**
   * {@code U = G g G^T} for every (output, input) channel pair, computed in double and packed for
   * the micro-kernel as {@code [xi][out / MR][input channel][MR]}.
   */
  static float[] transformWeights(Conv2d c, float[] w, int m) {
    return transformWeights(c, w, m, VectorKernels.MR);
  }

  /**
   * {@code U = G g G^T} packed in panels of {@code mr} output channels,
   * {@code [xi][out / mr][input channel][mr]}, the panels' missing channels zero.
   */
  static float[] transformWeights(Conv2d c, float[] w, int m, int mr) {
    double[][] g = m == 2 ? G2 : G4;
    int n = g.length;
    int xis = n * n;
    int cout = c.outChannels();
    int cin = c.inChannels();
    int perXi = (cout + mr - 1) / mr * cin * mr;
    float[] packed = new float[xis * perXi];
    double[] t = new double[n * 3]; // G g
    for (int oc = 0; oc < cout; oc++) {
      for (int ic = 0; ic < cin; ic++) {
        int kernel = (oc * cin + ic) * 9;
        for (int i = 0; i < n; i++) {
          for (int col = 0; col < 3; col++) {
            t[i * 3 + col] = g[i][0] * w[kernel + col] + g[i][1] * w[kernel + 3 + col]
                + g[i][2] * w[kernel + 6 + col];
          }
        }
        int at = (oc / mr * cin + ic) * mr + oc % mr;
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            double u = t[i * 3] * g[j][0] + t[i * 3 + 1] * g[j][1] + t[i * 3 + 2] * g[j][2];
            packed[(i * n + j) * perXi + at] = (float) u;
          }
        }
      }
    }
    return packed;
  }
}
