package dev.resnetc.runtime;

/**
 * Folds an inference BatchNorm into the convolution or dense layer before it, once, at load time,
 * in double precision: with {@code s = gamma / sqrt(var + eps)}, the weights of output channel
 * {@code c} become {@code w[c] * s[c]} and its bias {@code (b[c] - mean[c]) * s[c] + beta[c]}.
 */
public final class Fold {
  private Fold() {}

  /**
   * Scales {@code weight} in place and returns it; it holds {@code gamma.length} output channels
   * of equal size (for a convolution {@code [out, in/groups, k, k]}, for a dense layer
   * {@code [out, in]}). In place, so loading a network needs no second copy of its weights; the
   * generated classes only pass arrays they own.
   */
  public static float[] weight(float[] weight, float[] gamma, float[] var, double eps) {
    int channels = gamma.length;
    requireSame("var", var.length, channels);
    if (weight.length % channels != 0) {
      throw new IllegalArgumentException("weight has " + weight.length
          + " values, not a multiple of " + channels + " channels");
    }
    int per = weight.length / channels;
    for (int c = 0; c < channels; c++) {
      double scale = gamma[c] / Math.sqrt(var[c] + eps);
      for (int i = c * per; i < (c + 1) * per; i++) {
        weight[i] = (float) (weight[i] * scale);
      }
    }
    return weight;
  }

  /** The shifted bias; {@code bias} may be null (a layer without bias). */
  public static float[] bias(float[] bias, float[] gamma, float[] beta, float[] mean, float[] var,
      double eps) {
    int channels = gamma.length;
    requireSame("beta", beta.length, channels);
    requireSame("mean", mean.length, channels);
    requireSame("var", var.length, channels);
    if (bias != null) {
      requireSame("bias", bias.length, channels);
    }
    float[] out = new float[channels];
    for (int c = 0; c < channels; c++) {
      double scale = gamma[c] / Math.sqrt(var[c] + eps);
      double b = bias == null ? 0 : bias[c];
      out[c] = (float) ((b - mean[c]) * scale + beta[c]);
    }
    return out;
  }

  private static void requireSame(String name, int length, int channels) {
    if (length != channels) {
      throw new IllegalArgumentException(name + " has " + length + " values, expected "
          + channels);
    }
  }
}
