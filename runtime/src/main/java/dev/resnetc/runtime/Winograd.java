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
    for (int m = 0; m < cout; m++) {
      for (int ic = 0; ic < cin; ic++) {
        transformKernel(w, (m * cin + ic) * 9, u);
        int at = (m / VectorKernels.MR * cin + ic) * VectorKernels.MR + m % VectorKernels.MR;
        for (int xi = 0; xi < XI; xi++) {
          packed[xi * perXi + at] = (float) u[xi];
        }
      }
    }
    return packed;
  }

  /** {@code G g G^T} of one 3x3 kernel, in double, row-major 4x4. */
  private static void transformKernel(float[] w, int at, double[] u) {
    double[] t = new double[12]; // G g: 4x3
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

  /**
   * {@code B^T d B} of the 4x4 input tiles whose top-left corners are at ({@code y0 + 2 ty},
   * {@code x0 + 2 tx}) for {@code count} consecutive tiles, one input channel; writes position
   * {@code xi} of tile {@code j} to {@code v[vOff + xi * stride + j]}. Pixels outside the image
   * are zero. {@code d} is 16 floats of scratch.
   */
  static void transformInput(float[] in, int chan, int h, int w, int pad, int tilesX, int tile0,
      int count, float[] v, int vOff, int stride, float[] d) {
    for (int j = 0; j < count; j++) {
      int tile = tile0 + j;
      int y0 = tile / tilesX * 2 - pad;
      int x0 = tile % tilesX * 2 - pad;
      for (int r = 0; r < 4; r++) {
        int y = y0 + r;
        for (int q = 0; q < 4; q++) {
          int x = x0 + q;
          d[r * 4 + q] = y >= 0 && y < h && x >= 0 && x < w ? in[chan + y * w + x] : 0f;
        }
      }
      for (int q = 0; q < 4; q++) { // t = B^T d, column by column
        float d0 = d[q];
        float d1 = d[4 + q];
        float d2 = d[8 + q];
        float d3 = d[12 + q];
        d[q] = d0 - d2;
        d[4 + q] = d1 + d2;
        d[8 + q] = d2 - d1;
        d[12 + q] = d1 - d3;
      }
      for (int r = 0; r < 4; r++) { // V = t B, row by row
        float t0 = d[r * 4];
        float t1 = d[r * 4 + 1];
        float t2 = d[r * 4 + 2];
        float t3 = d[r * 4 + 3];
        int at = vOff + (r * 4) * stride + j;
        v[at] = t0 - t2;
        v[at + stride] = t1 + t2;
        v[at + 2 * stride] = t2 - t1;
        v[at + 3 * stride] = t1 - t3;
      }
    }
  }

  /**
   * {@code A^T M A} of one tile's 16 products {@code m[at + xi * stride]}: the 2x2 outputs,
   * row-major, into {@code y[0..4)} ({@code y} holds 8 floats of scratch).
   */
  static void transformOutput(float[] m, int at, int stride, float[] y) {
    for (int r = 0; r < 4; r++) { // t = M A: 4x2
      float m0 = m[at + (r * 4) * stride];
      float m1 = m[at + (r * 4 + 1) * stride];
      float m2 = m[at + (r * 4 + 2) * stride];
      float m3 = m[at + (r * 4 + 3) * stride];
      y[r * 2] = m0 + m1 + m2;
      y[r * 2 + 1] = m1 - m2 - m3;
    }
    for (int q = 0; q < 2; q++) { // A^T t: 2x2
      float t0 = y[q];
      float t1 = y[2 + q];
      float t2 = y[4 + q];
      float t3 = y[6 + q];
      y[q] = t0 + t1 + t2;
      y[2 + q] = t1 - t2 - t3;
    }
  }
}
