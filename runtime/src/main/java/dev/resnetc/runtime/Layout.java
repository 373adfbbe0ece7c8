package dev.resnetc.runtime;

/**
 * Where a network's activations lie in their arrays. {@link #NCHW} is PyTorch's order, batch
 * first. In {@link #BLOCKED}, a tensor whose channel count is a multiple of {@link #BLOCK} is
 * blocked by channels: each image is {@code [C/16][H][W][16]}, so that the 16 channels of one
 * position are one AVX-512 vector; every other tensor stays NCHW. Which layout a tensor has
 * therefore follows from the network's layout and the tensor's channel count, and every kernel
 * that takes channels knows it. A tensor of {@code [N, C]} (or {@code H = W = 1}) is the same in
 * both. Generated networks run in {@link #preferred()}; the scalar kernels, the tests' oracle,
 * only take NCHW.
 */
public enum Layout {
  NCHW,
  BLOCKED;

  /** Channels per block: one AVX-512 vector of floats. */
  public static final int BLOCK = 16;

  private static final Layout PREFERRED = Kernels.VECTORIZED && VectorKernels.SIXTEEN_LANES
      && !Boolean.getBoolean("resnetc.nchw") ? BLOCKED : NCHW;

  /**
   * {@link #BLOCKED} on the Vector API path where vectors hold 16 floats (AVX-512), unless
   * {@code -Dresnetc.nchw=true}; else {@link #NCHW}.
   */
  public static Layout preferred() {
    return PREFERRED;
  }

  /** Whether tensors of {@code channels} channels are blocked in this layout. */
  public boolean blocks(int channels) {
    return this == BLOCKED && channels % BLOCK == 0;
  }

  /** Throws unless this JVM runs this layout's kernels: the blocked ones need AVX-512. */
  void requireAvailable() {
    if (this == BLOCKED && !(Kernels.VECTORIZED && VectorKernels.SIXTEEN_LANES)) {
      throw new IllegalStateException("the blocked layout needs the Vector API with 16-float"
          + " vectors (--add-modules jdk.incubator.vector on an AVX-512 CPU)");
    }
  }

  /** The offset of value {@code (n, ch, p)} ({@code p} a position in the plane), blocked. */
  static int blockedIndex(int channels, int plane, int n, int ch, int p) {
    return (n * channels + ch / BLOCK * BLOCK) * plane + p * BLOCK + ch % BLOCK;
  }

  /**
   * Copies {@code batch} NCHW images of {@code channels x plane} in this layout: blocked if it
   * blocks {@code channels}, else as they are. {@code in} must not overlap {@code out}.
   */
  public void fromNchw(int batch, int channels, int plane, float[] in, int inOff, float[] out,
      int outOff) {
    Shapes.requireRange("in", in, inOff, (long) batch * channels * plane);
    Shapes.requireRange("out", out, outOff, (long) batch * channels * plane);
    if (!blocks(channels)) {
      System.arraycopy(in, inOff, out, outOff, batch * channels * plane);
      return;
    }
    for (int n = 0; n < batch; n++) {
      for (int ch = 0; ch < channels; ch++) {
        int from = inOff + (n * channels + ch) * plane;
        int to = outOff + blockedIndex(channels, plane, n, ch, 0);
        for (int p = 0; p < plane; p++) {
          out[to + p * BLOCK] = in[from + p];
        }
      }
    }
  }

  /** The inverse of {@link #fromNchw}. */
  public void toNchw(int batch, int channels, int plane, float[] in, int inOff, float[] out,
      int outOff) {
    Shapes.requireRange("in", in, inOff, (long) batch * channels * plane);
    Shapes.requireRange("out", out, outOff, (long) batch * channels * plane);
    if (!blocks(channels)) {
      System.arraycopy(in, inOff, out, outOff, batch * channels * plane);
      return;
    }
    for (int n = 0; n < batch; n++) {
      for (int ch = 0; ch < channels; ch++) {
        int from = inOff + blockedIndex(channels, plane, n, ch, 0);
        int to = outOff + (n * channels + ch) * plane;
        for (int p = 0; p < plane; p++) {
          out[to + p] = in[from + p * BLOCK];
        }
      }
    }
  }

  /** Per-thread NCHW copies for kernels that have no blocked form, grown as needed. */
  static final class Scratch {
    static final int IN = 0;
    static final int RESIDUAL = 1;
    static final int OUT = 2;
    private final float[][] arrays = {new float[0], new float[0], new float[0]};

    /** Copy {@code which} ({@link #IN}, {@link #RESIDUAL} or {@link #OUT}), of {@code floats}. */
    float[] get(int which, long floats) {
      if (arrays[which].length < floats) {
        arrays[which] = new float[Math.toIntExact(floats)];
      }
      return arrays[which];
    }
  }

  static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
