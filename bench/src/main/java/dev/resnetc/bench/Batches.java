package dev.resnetc.bench;

import java.util.SplittableRandom;

/** Builds input batches (from reference rows, or random) and compares output batches. */
final class Batches {
  private Batches() {}

  /**
   * A batch of {@code batch} samples of {@code rowSize} floats: row {@code i} is row
   * {@code i % rows} of {@code rows}, so a reference input of 2 rows gives a batch of 8.
   */
  static float[] replicate(float[] rows, int rowSize, int batch) {
    if (rowSize <= 0 || rows.length == 0 || rows.length % rowSize != 0) {
      throw new IllegalArgumentException("cannot cut " + rows.length + " floats into rows of "
          + rowSize);
    }
    int n = rows.length / rowSize;
    float[] out = new float[Math.multiplyExact(batch, rowSize)];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(rows, (i % n) * rowSize, out, i * rowSize, rowSize);
    }
    return out;
  }

  /** {@code size} floats drawn uniformly from {@code [-1, 1)}, the same on every call. */
  static float[] random(int size) {
    SplittableRandom random = new SplittableRandom(1);
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) random.nextDouble(-1, 1);
    }
    return x;
  }

  /** {@code max|actual - expected| / max|expected|}; lengths must be equal. */
  static double relativeError(float[] actual, float[] expected) {
    if (actual.length != expected.length) {
      throw new IllegalArgumentException("outputs of " + actual.length + " and "
          + expected.length + " floats");
    }
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < actual.length; i++) {
      diff = Math.max(diff, Math.abs((double) actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs((double) expected[i]));
    }
    if (Double.isNaN(diff) || scale == 0) {
      return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
    }
    return diff / scale;
  }
}
