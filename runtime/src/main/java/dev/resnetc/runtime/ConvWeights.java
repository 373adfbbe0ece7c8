package dev.resnetc.runtime;

/**
 * A convolution's weights in the layout of the kernel that will run it, prepared once at load
 * time by {@link Kernels#prepare}: packed panels for the Vector API path, PyTorch's
 * {@code [out, in/groups, k, k]} for the scalar one. Those from {@link Kernels#prepareDeferred}
 * may change once, from the blocked direct kernel's to Winograd's; each set of arrays is
 * immutable.
 */
public final class ConvWeights {
  /** How a convolution is computed on the Vector API path; the compiler chooses per layer. */
  public enum Algorithm {
    /** A packed GEMM over im2col columns. */
    DIRECT(0),
    /** Winograd F(2x2, 3x3) for stride-1 3x3 convolutions without groups or dilation. */
    WINOGRAD_2X2(2),
    /** Winograd F(4x4, 3x3), for the same convolutions: fewer products, more rounding. */
    WINOGRAD_4X4(4),
    /**
     * The packed GEMM turned around, for small images: output channels in the vectors and output
     * positions broadcast, so that no column is padding where an image has few positions (7x7
     * and 14x14) and each weight is read once per call.
     */
    CHANNELS(0),
    /**
     * {@code CHANNELS} over activations blocked by channels ({@link Layout#BLOCKED}): the
     * runtime's choice, whatever the compiler's, for every convolution without groups whose
     * output is blocked.
     */
    BLOCKED(0),
    /**
     * F(4x4, 3x3) over activations blocked by channels ({@link BlockedWinograd}): the runtime's
     * choice, in {@link Layout#BLOCKED}, for the convolutions the compiler gave
     * {@code WINOGRAD_4X4} whose input and output are blocked.
     */
    BLOCKED_WINOGRAD_4X4(4),
    /**
     * F(2x2, 3x3) over activations blocked by channels ({@link BlockedWinograd}): the runtime's
     * choice, in {@link Layout#BLOCKED}, for the convolutions the compiler gave
     * {@code WINOGRAD_2X2} whose input and output are blocked.
     */
    BLOCKED_WINOGRAD_2X2(2);

    private final int tile;

    Algorithm(int tile) {
      this.tile = tile;
    }

    /** Winograd's output tile size {@code m} (F(m x m, 3x3)), or 0 for the direct algorithms. */
    public int tile() {
      return tile;
    }

    /**
     * Values kept per 3x3 kernel once prepared: Winograd's {@code (m+2)^2} transformed positions,
     * or the kernel's own 9.
     */
    public int valuesPerKernel() {
      return tile == 0 ? 9 : Winograd.positions(tile);
    }

    /** Whether this is one of the Winograd algorithms. */
    public boolean winograd() {
      return tile != 0;
    }

    /** Whether this is Winograd over blocked activations ({@link BlockedWinograd}). */
    public boolean blockedWinograd() {
      return this == BLOCKED_WINOGRAD_4X4 || this == BLOCKED_WINOGRAD_2X2;
    }
  }

  final Conv2d geometry;
  final float[] data;
  final boolean packed;
  final Algorithm algorithm;
  final Layout layout;

  ConvWeights(Conv2d geometry, float[] data, boolean packed, Algorithm algorithm, Layout layout) {
    this.geometry = geometry;
    this.data = data;
    this.packed = packed;
    this.algorithm = algorithm;
    this.layout = layout;
  }

  /**
   * For weights made by {@link #replaceable}, those that run now, or null: the blocked direct
   * kernel's until Winograd's are ready ({@link Kernels#prepareDeferred}).
   */
  private volatile ConvWeights replacement;

  /**
   * Weights that run {@code first} until {@link #replaceWith} gives them others. They keep no
   * array of their own, so that {@code first}'s is garbage once replaced; each is immutable, so
   * a call that took {@code first} just before the switch runs it whole.
   */
  static ConvWeights replaceable(ConvWeights first) {
    ConvWeights w = new ConvWeights(first.geometry, null, first.packed, first.algorithm,
        first.layout);
    w.replacement = first;
    return w;
  }

  /** The weights a convolution runs now: these, or what replaced them. */
  ConvWeights current() {
    ConvWeights r = replacement;
    return r == null ? this : r;
  }

  /** From now on, convolutions run {@code w} (a volatile write: they see it whole). */
  void replaceWith(ConvWeights w) {
    replacement = w;
  }

  /** Whether the Vector API kernel runs these weights. */
  public boolean vectorized() {
    return current().packed;
  }

  /**
   * The algorithm that runs these weights now; for weights from {@link Kernels#prepareDeferred},
   * the blocked direct kernel's until Winograd's are ready.
   */
  public Algorithm algorithm() {
    return current().algorithm;
  }

  /** The layout of the activations these weights were prepared for. */
  public Layout layout() {
    return layout;
  }
}
