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

  /** {@code G} of F(2x2, 3x3), 4 x 3, row by row. */
  private static final double[] G2 = {1, 0, 0, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0, 0, 1};

  /** {@code G} of F(4x4, 3x3), 6 x 3, row by row (interpolation points 0, 1, -1, 2, -2). */
  private static final double[] G4 = {1 / 4.0, 0, 0, -1 / 6.0, -1 / 6.0, -1 / 6.0,
      -1 / 6.0, 1 / 6.0, -1 / 6.0, 1 / 24.0, 1 / 12.0, 1 / 6.0,
      1 / 24.0, -1 / 12.0, 1 / 6.0, 0, 0, 1};

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
   *
   * <p>One flat loop in the packed order, so that each position's writes run on and the JIT,
   * which meets this loop while the weights load, compiles it once: as four nested loops C2
   * compiled it three or four times (on-stack replacement at each loop, then whole), 60-120 ms of
   * its time ahead of the kernels in a fresh JVM; now 40-60 ms.
   */
  static float[] transformWeights(Conv2d c, float[] w, int m, int mr) {
    double[] g = m == 2 ? G2 : G4;
    int n = g.length / 3;
    int cout = c.outChannels();
    int cin = c.inChannels();
    int perXi = (cout + mr - 1) / mr * cin * mr;
    float[] packed = new float[n * n * perXi];
    double[] t = new double[n * 3]; // G g
    for (int at = 0; at < perXi; at++) { // at = (oc / mr * cin + ic) * mr + oc % mr
      int oc = at / (mr * cin) * mr + at % mr;
      if (oc < cout) {
        transform(g, n, w, (oc * cin + at / mr % cin) * 9, t, packed, at, perXi);
      }
    }
    return packed;
  }

  /**
   * {@code G g G^T} of the 3x3 kernel at {@code w[kernel]}, its positions {@code stride} apart,
   * through {@code G}'s three columns of {@code g} and six (or four) rows of {@code G g}: loops
   * of at most six turns in small methods, which the JIT compiles from their calls instead of
   * once per loop.
   */
  private static void transform(double[] g, int n, float[] w, int kernel, double[] t,
      float[] out, int at, int stride) {
    column(g, n, w[kernel], w[kernel + 3], w[kernel + 6], t, 0);
    column(g, n, w[kernel + 1], w[kernel + 4], w[kernel + 7], t, 1);
    column(g, n, w[kernel + 2], w[kernel + 5], w[kernel + 8], t, 2);
    for (int i = 0; i < n; i++) {
      row(g, n, t[i * 3], t[i * 3 + 1], t[i * 3 + 2], out, at + i * n * stride, stride);
    }
  }

  /** {@code G (a, b, c)^T} into column {@code col} of the n x 3 {@code t}. */
  private static void column(double[] g, int n, double a, double b, double c, double[] t,
      int col) {
    for (int i = 0; i < n; i++) {
      t[i * 3 + col] = g[i * 3] * a + g[i * 3 + 1] * b + g[i * 3 + 2] * c;
    }
  }

  /** {@code (a, b, c) G^T} rounded to floats, {@code stride} apart from {@code at}. */
  private static void row(double[] g, int n, double a, double b, double c, float[] out, int at,
      int stride) {
    for (int j = 0; j < n; j++) {
      out[at + j * stride] = (float) (a * g[j * 3] + b * g[j * 3 + 1] + c * g[j * 3 + 2]);
    }
  }
}
