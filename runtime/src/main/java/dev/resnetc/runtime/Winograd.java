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

  /** Values of one position written at once: a cache line of floats. */
  private static final int RUN = 16;

  /** Transformed positions per tile: {@code (m+2)^2}. */
  static int positions(int m) {
    return (m + 2) * (m + 2);
  }

  /**
   * {@code U = G g G^T} for every (output, input) channel pair, computed in double and packed for
   * the micro-kernel as {@code [xi][out / MR][input channel][MR]}.
   */
  static float[] transformWeights(Conv2d c, float[] w, int m) {
    return transformWeights(c, w, m, VectorKernels.MR, false);
  }

  /**
   * {@code U = G g G^T} packed in panels of {@code mr} output channels,
   * {@code [xi][out / mr][input channel][mr]}, the panels' missing channels zero; or, with
   * {@code byPanel}, {@code [out / mr][xi][input channel][mr]}, so that the panels of one group
   * of output channels lie together.
   *
   * <p>One flat loop in the packed order, so that the JIT, which meets this loop while the
   * weights load, compiles it once: as four nested loops C2 compiled it three or four times
   * (on-stack replacement at each loop, then whole), 60-120 ms of its time ahead of the kernels
   * in a fresh JVM; now 40-60 ms. Each position's values go out {@link #RUN} at a time: written
   * one by one, the 36 positions' streams, a layer's {@code perXi} floats apart (256 KB for 256
   * channels), fell into the same cache sets, and a 256-channel layer took 14-16 ms instead of
   * 9-13.
   */
  static float[] transformWeights(Conv2d c, float[] w, int m, int mr, boolean byPanel) {
    int n = m + 2;
    int cout = c.outChannels();
    int cin = c.inChannels();
    int perXi = (cout + mr - 1) / mr * cin * mr;
    int panel = cin * mr;
    float[] packed = new float[n * n * perXi];
    double[] t = new double[n * 3]; // G g
    double[] u = new double[n]; // a row of G g G^T
    float[] run = new float[n * n * RUN]; // RUN consecutive values of each position
    for (int at0 = 0; at0 < perXi; at0 += RUN) { // at = (oc / mr * cin + ic) * mr + oc % mr
      int count = Math.min(RUN, perXi - at0);
      for (int r = 0; r < count; r++) {
        int at = at0 + r;
        int oc = at / (mr * cin) * mr + at % mr;
        if (oc < cout) {
          transform(m, w, (oc * cin + at / mr % cin) * 9, t, u, run, r, RUN);
        } else {
          for (int xi = 0; xi < n * n; xi++) {
            run[xi * RUN + r] = 0;
          }
        }
      }
      for (int xi = 0; xi < n * n; xi++) {
        int to = byPanel ? (at0 / panel * n * n + xi) * panel + at0 % panel : xi * perXi + at0;
        System.arraycopy(run, xi * RUN, packed, to, count);
      }
    }
    return packed;
  }

  /**
   * {@code G g G^T} of the 3x3 kernel at {@code w[kernel]}, its values {@code stride} apart from
   * {@code out[at]}: {@code G} is interpolation at F(m x m)'s points, applied to the kernel's
   * three columns, then to the rows of the result.
   */
  private static void transform(int m, float[] w, int kernel, double[] t, double[] u, float[] out,
      int at, int stride) {
    int n = m + 2;
    for (int j = 0; j < 3; j++) {
      interpolate(m, w[kernel + j], w[kernel + 3 + j], w[kernel + 6 + j], t, j, 3);
    }
    for (int i = 0; i < n; i++) {
      interpolate(m, t[i * 3], t[i * 3 + 1], t[i * 3 + 2], u, 0, 1);
      for (int j = 0; j < n; j++) {
        out[at + (i * n + j) * stride] = (float) u[j];
      }
    }
  }

  /**
   * {@code G (a, b, c)^T} into {@code v[at + i * step]}: the polynomial {@code a + b x + c x^2}
   * at F(2x2)'s points 0, 1, -1 and infinity or F(4x4)'s 0, 1, -1, 2, -2 and infinity, scaled as
   * Lavin and Gray's {@code G} scales them.
   */
  private static void interpolate(int m, double a, double b, double c, double[] v, int at,
      int step) {
    if (m == 2) {
      v[at] = a;
      v[at + step] = (a + b + c) * 0.5;
      v[at + 2 * step] = (a - b + c) * 0.5;
      v[at + 3 * step] = c;
    } else {
      v[at] = a * 0.25;
      v[at + step] = (a + b + c) * (-1 / 6.0);
      v[at + 2 * step] = (a - b + c) * (-1 / 6.0);
      v[at + 3 * step] = a * (1 / 24.0) + b * (1 / 12.0) + c * (1 / 6.0);
      v[at + 4 * step] = a * (1 / 24.0) - b * (1 / 12.0) + c * (1 / 6.0);
      v[at + 5 * step] = c;
    }
  }
}
