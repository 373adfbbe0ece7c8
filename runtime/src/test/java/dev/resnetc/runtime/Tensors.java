package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Arrays;
import java.util.Random;

/** Test helpers: seeded random tensors and tolerance-based comparison against double references. */
final class Tensors {
  static final double RELATIVE_TOLERANCE = 1e-5;

  private Tensors() {}

  static float[] random(Random random, int length) {
    float[] values = new float[length];
    for (int i = 0; i < length; i++) {
      values[i] = random.nextFloat() * 2 - 1;
    }
    return values;
  }

  static float[] filled(int length, float value) {
    float[] values = new float[length];
    Arrays.fill(values, value);
    return values;
  }

  /** Asserts {@code |actual - expected| <= 1e-5 * max|expected|} element by element over expected.length. */
  static void assertClose(String what, double[] expected, float[] actual) {
    double scale = 1e-30;
    for (double e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    double tolerance = RELATIVE_TOLERANCE * scale;
    for (int i = 0; i < expected.length; i++) {
      // Only build Truth subjects on failure to keep large sweeps fast.
      if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
        assertWithMessage("%s, element %s", what, i)
            .that((double) actual[i])
            .isWithin(tolerance)
            .of(expected[i]);
      }
    }
  }

  /** The absolute values of {@code values}. */
  static float[] abs(float[] values) {
    float[] a = new float[values.length];
    for (int i = 0; i < a.length; i++) {
      a[i] = Math.abs(values[i]);
    }
    return a;
  }

  /** {@code values} after {@code offset} NaNs: nothing may read or write before them. */
  static float[] shifted(int offset, float[] values) {
    float[] s = new float[offset + values.length];
    Arrays.fill(s, 0, offset, Float.NaN);
    System.arraycopy(values, 0, s, offset, values.length);
    return s;
  }

  /** {@code nchw} ({@code batch} images of {@code channels x plane}) in the blocked layout. */
  static float[] blocked(int channels, int plane, int batch, float[] nchw) {
    float[] b = new float[nchw.length];
    Layout.BLOCKED.fromNchw(batch, channels, plane, nchw, 0, b, 0);
    return b;
  }

  /** The inverse of {@link #blocked}. */
  static float[] nchw(int channels, int plane, int batch, float[] blocked) {
    float[] n = new float[blocked.length];
    Layout.BLOCKED.toNchw(batch, channels, plane, blocked, 0, n, 0);
    return n;
  }
}
