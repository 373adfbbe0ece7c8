package dev.resnetc.runtime;

/** Package-private argument checks shared by the shape records and kernels. */
final class Shapes {
  private Shapes() {}

  static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }

  /** PyTorch's floor-mode output extent {@code (in + 2p - d*(k-1) - 1) / s + 1}, computed without overflow. */
  static int outDim(int in, int kernel, int stride, int padding, int dilation) {
    return Math.toIntExact(((long) in + 2L * padding - (long) dilation * (kernel - 1) - 1) / stride + 1);
  }

  /** Throws unless {@code array} is non-null and holds at least {@code needed} floats. */
  static void requireLength(String name, float[] array, long needed) {
    if (needed < 0) {
      throw new IllegalArgumentException("length for " + name + " must be >= 0, got " + needed);
    }
    if (array == null) {
      throw new NullPointerException(name + " is null; expected " + needed + " floats");
    }
    if (array.length < needed) {
      throw new IllegalArgumentException(
          name + " has " + array.length + " floats; expected at least " + needed);
    }
  }

  /** Throws unless {@code array[offset .. offset + needed)} exists. */
  static void requireRange(String name, float[] array, int offset, long needed) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset of " + name + " must be >= 0, got " + offset);
    }
    requireLength(name, array, offset + needed);
  }
}
