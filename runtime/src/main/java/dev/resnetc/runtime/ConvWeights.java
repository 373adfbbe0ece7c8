package dev.resnetc.runtime;

/**
 * A convolution's weights in the layout of the kernel that will run it, prepared once at load
 * time by {@link Kernels#prepare}: packed panels for the Vector API path, PyTorch's
 * {@code [out, in/groups, k, k]} for the scalar one.
 */
public final class ConvWeights {
  final Conv2d geometry;
  final float[] data;
  final boolean packed;

  ConvWeights(Conv2d geometry, float[] data, boolean packed) {
    this.geometry = geometry;
    this.data = data;
    this.packed = packed;
  }

  /** Whether the Vector API kernel will run these weights. */
  public boolean vectorized() {
    return packed;
  }
}
