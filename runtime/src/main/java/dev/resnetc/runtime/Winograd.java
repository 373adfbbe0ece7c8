package dev.resnetc.runtime;

import java.util.Arrays;

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
    Packing p = new Packing(c, w, m, mr, byPanel);
    for (int at0 = 0; at0 < p.perXi; at0 += RUN) {
      int count = Math.min(RUN, p.perXi - at0);
      if (m == 2) {
        transform2(p, at0, count);
      } else {
        transform4(p, at0, count);
      }
    }
    return p.packed;
  }

  /** A layer's weights on their way into panels, {@link #RUN} values of each position at once. */
  private static final class Packing {
    final float[] w;
    final int cout;
    final int cin;
    final int mr;
    final int positions;
    final int perXi;
    final int panel;
    final boolean byPanel;
    final float[] packed;
    /** RUN consecutive values of each position. */
    final float[] run;
    /** Each value's 3x3 kernel in {@code w}, or -1 for a panel's padding. */
    final int[] kernels = new int[RUN];

    Packing(Conv2d c, float[] w, int m, int mr, boolean byPanel) {
      this.w = w;
      cout = c.outChannels();
      cin = c.inChannels();
      this.mr = mr;
      positions = positions(m);
      perXi = (cout + mr - 1) / mr * cin * mr;
      panel = cin * mr;
      this.byPanel = byPanel;
      packed = new float[positions * perXi];
      run = new float[positions * RUN];
    }

    /** The kernels of values {@code at0 ..}, {@code at = (oc / mr * cin + ic) * mr + oc % mr}. */
    void kernels(int at0, int count) {
      boolean padding = false;
      for (int r = 0; r < count; r++) {
        int at = at0 + r;
        int oc = at / (mr * cin) * mr + at % mr;
        kernels[r] = oc < cout ? (oc * cin + at / mr % cin) * 9 : -1;
        padding |= oc >= cout;
      }
      if (padding) {
        Arrays.fill(run, 0f);
      }
    }

    /** The run of each position into its place. */
    void copy(int at0, int count) {
      for (int xi = 0; xi < positions; xi++) {
        int to = byPanel ? (at0 / panel * positions + xi) * panel + at0 % panel
            : xi * perXi + at0;
        System.arraycopy(run, xi * RUN, packed, to, count);
      }
    }
  }

  /*
   * U = G g G^T of one kernel g, whose rows are (a0, a1, a2), (b0, b1, b2) and (c0, c1, c2):
   * G applied to its columns, then to each row of the result. G evaluates a + b x + c x^2 at the
   * tile's interpolation points, scaled as Lavin and Gray's G scales them: F(2x2) at 0, 1, -1
   * and infinity (halving the middle two), F(4x4) at 0, 1, -1, 2, -2 and infinity (times 1/4,
   * -1/6, -1/6, 1/24, 1/24). A method per tile size, each a whole run, straight-line code over
   * locals: with a branch on the size inside the loop, C2 compiled the loop for F(4x4) alone
   * (ResNet's first layers), and ResNet-18's first F(2x2) layer sent it back to the interpreter
   * (50-80 ms against 18).
   */

  /** F(2x2)'s {@code U} of values {@code at0 .. at0 + count - 1}, packed. */
  private static void transform2(Packing p, int at0, int count) {
    p.kernels(at0, count);
    float[] w = p.w, run = p.run;
    int[] kernels = p.kernels;
    for (int r = 0; r < count; r++) {
      int k = kernels[r];
      if (k >= 0) {
        double a0 = w[k], a1 = w[k + 1], a2 = w[k + 2];
        double b0 = w[k + 3], b1 = w[k + 4], b2 = w[k + 5];
        double c0 = w[k + 6], c1 = w[k + 7], c2 = w[k + 8];
        row2(a0, a1, a2, run, r);
        row2((a0 + b0 + c0) * 0.5, (a1 + b1 + c1) * 0.5, (a2 + b2 + c2) * 0.5, run, 4 * RUN + r);
        row2((a0 - b0 + c0) * 0.5, (a1 - b1 + c1) * 0.5, (a2 - b2 + c2) * 0.5, run, 8 * RUN + r);
        row2(c0, c1, c2, run, 12 * RUN + r);
      }
    }
    p.copy(at0, count);
  }

  /** {@code (a, b, c) G^T} of F(2x2): a row of {@code U}, at {@code run[at + j * RUN]}. */
  private static void row2(double a, double b, double c, float[] run, int at) {
    run[at] = (float) a;
    run[at + RUN] = (float) ((a + b + c) * 0.5);
    run[at + 2 * RUN] = (float) ((a - b + c) * 0.5);
    run[at + 3 * RUN] = (float) c;
  }

  /** F(4x4)'s {@code U} of values {@code at0 .. at0 + count - 1}, packed. */
  private static void transform4(Packing p, int at0, int count) {
    p.kernels(at0, count);
    float[] w = p.w, run = p.run;
    int[] kernels = p.kernels;
    for (int r = 0; r < count; r++) {
      int k = kernels[r];
      if (k >= 0) {
        double a0 = w[k], a1 = w[k + 1], a2 = w[k + 2];
        double b0 = w[k + 3], b1 = w[k + 4], b2 = w[k + 5];
        double c0 = w[k + 6], c1 = w[k + 7], c2 = w[k + 8];
        row4(a0 * 0.25, a1 * 0.25, a2 * 0.25, run, r);
        row4((a0 + b0 + c0) * MINUS_SIXTH, (a1 + b1 + c1) * MINUS_SIXTH,
            (a2 + b2 + c2) * MINUS_SIXTH, run, 6 * RUN + r);
        row4((a0 - b0 + c0) * MINUS_SIXTH, (a1 - b1 + c1) * MINUS_SIXTH,
            (a2 - b2 + c2) * MINUS_SIXTH, run, 12 * RUN + r);
        row4(atPoint2(a0, b0, c0), atPoint2(a1, b1, c1), atPoint2(a2, b2, c2), run,
            18 * RUN + r);
        row4(atPoint2(a0, -b0, c0), atPoint2(a1, -b1, c1), atPoint2(a2, -b2, c2), run,
            24 * RUN + r);
        row4(c0, c1, c2, run, 30 * RUN + r);
      }
    }
    p.copy(at0, count);
  }

  /** {@code (a, b, c) G^T} of F(4x4): a row of {@code U}, at {@code run[at + j * RUN]}. */
  private static void row4(double a, double b, double c, float[] run, int at) {
    run[at] = (float) (a * 0.25);
    run[at + RUN] = (float) ((a + b + c) * MINUS_SIXTH);
    run[at + 2 * RUN] = (float) ((a - b + c) * MINUS_SIXTH);
    run[at + 3 * RUN] = (float) atPoint2(a, b, c);
    run[at + 4 * RUN] = (float) atPoint2(a, -b, c);
    run[at + 5 * RUN] = (float) c;
  }

  /** F(4x4)'s {@code G} at the point 2: {@code (a + 2b + 4c) / 24}. */
  private static double atPoint2(double a, double b, double c) {
    return a * (1 / 24.0) + b * (1 / 12.0) + c * (1 / 6.0);
  }

  private static final double MINUS_SIXTH = -1 / 6.0;
}
