package dev.resnetc.runtime;

import static dev.resnetc.runtime.Shapes.requireLength;
import static dev.resnetc.runtime.Shapes.requirePositive;

import java.util.Arrays;

/**
 * Scalar float32 kernels over NCHW tensors (batch first) that generated networks call; callers own
 * every buffer, so no kernel allocates.
 */
public final class Kernels {
  private Kernels() {}

  /**
   * 2-D convolution with zero padding, stride, dilation and groups, as PyTorch's {@code conv2d}.
   * {@code in} and {@code out} must not overlap.
   */
  public static void conv2d(
      Conv2d c,
      int batch,
      float[] in, // [batch, inChannels, inHeight, inWidth]
      float[] weight, // [outChannels, inChannels/groups, kernel, kernel]
      float[] bias, // [outChannels] or null
      float[] out) { // [batch, outChannels, outHeight, outWidth]
    requirePositive("batch", batch);
    requireLength("in", in, (long) batch * c.inSize());
    requireLength("weight", weight, c.weightSize());
    if (bias != null) {
      requireLength("bias", bias, c.outChannels());
    }
    requireLength("out", out, (long) batch * c.outSize());
    int h = c.inHeight(), w = c.inWidth(), k = c.kernel();
    int s = c.stride(), p = c.padding(), d = c.dilation();
    int oh = c.outHeight(), ow = c.outWidth();
    int cin = c.inChannels(), cout = c.outChannels();
    int cinG = cin / c.groups(), coutG = cout / c.groups();
    int inPlane = h * w, outPlane = oh * ow, kk = k * k;
    for (int n = 0; n < batch; n++) {
      for (int oc = 0; oc < cout; oc++) {
        int outBase = (n * cout + oc) * outPlane;
        int inFirst = (n * cin + (oc / coutG) * cinG) * inPlane;
        Arrays.fill(out, outBase, outBase + outPlane, bias == null ? 0f : bias[oc]);
        for (int ic = 0; ic < cinG; ic++) {
          int inBase = inFirst + ic * inPlane;
          int wBase = (oc * cinG + ic) * kk;
          for (int ky = 0; ky < k; ky++) {
            int yOff = ky * d - p;
            int oyLo = firstValid(yOff, s), oyHi = endValid(yOff, s, h, oh);
            for (int kx = 0; kx < k; kx++) {
              float wv = weight[wBase + ky * k + kx];
              int xOff = kx * d - p;
              int oxLo = firstValid(xOff, s), oxHi = endValid(xOff, s, w, ow);
              for (int oy = oyLo; oy < oyHi; oy++) {
                int inRow = inBase + (oy * s + yOff) * w + xOff;
                int outRow = outBase + oy * ow;
                for (int ox = oxLo; ox < oxHi; ox++) {
                  out[outRow + ox] += wv * in[inRow + ox * s];
                }
              }
            }
          }
        }
      }
    }
  }

  /**
   * Inference batch normalization {@code y = (x - mean) / sqrt(var + eps) * gamma + beta} per
   * channel; use {@code spatial = 1} for {@code [n, c]} tensors. {@code in == out} is allowed.
   */
  public static void batchNorm(
      int batch,
      int channels,
      int spatial,
      float[] in, // [batch, channels, spatial]
      float[] gamma, // [channels]
      float[] beta, // [channels]
      float[] mean, // [channels]
      float[] var, // [channels]
      float eps,
      float[] out) { // [batch, channels, spatial]
    requirePositive("batch", batch);
    requirePositive("channels", channels);
    requirePositive("spatial", spatial);
    long size = (long) batch * channels * spatial;
    requireLength("in", in, size);
    requireLength("gamma", gamma, channels);
    requireLength("beta", beta, channels);
    requireLength("mean", mean, channels);
    requireLength("var", var, channels);
    requireLength("out", out, size);
    for (int ch = 0; ch < channels; ch++) {
      double scaleD = gamma[ch] / Math.sqrt((double) var[ch] + eps);
      float scale = (float) scaleD;
      float shift = (float) (beta[ch] - mean[ch] * scaleD);
      for (int n = 0; n < batch; n++) {
        int base = (n * channels + ch) * spatial;
        for (int i = base; i < base + spatial; i++) {
          out[i] = in[i] * scale + shift;
        }
      }
    }
  }

  /** Elementwise {@code max(x, 0)}, propagating NaN; {@code x == out} is allowed. */
  public static void relu(float[] x, int length, float[] out) {
    requireLength("x", x, length);
    requireLength("out", out, length);
    for (int i = 0; i < length; i++) {
      out[i] = Math.max(x[i], 0f);
    }
  }

  /** Elementwise {@code a + b}; {@code out} may alias {@code a} or {@code b}. */
  public static void add(float[] a, float[] b, int length, float[] out) {
    requireLength("a", a, length);
    requireLength("b", b, length);
    requireLength("out", out, length);
    for (int i = 0; i < length; i++) {
      out[i] = a[i] + b[i];
    }
  }

  /** Max pooling with implicit {@code -infinity} padding, as PyTorch's {@code max_pool2d}. */
  public static void maxPool2d(
      Pool2d p,
      int batch,
      float[] in, // [batch, channels, inHeight, inWidth]
      float[] out) { // [batch, channels, outHeight, outWidth]
    pool(p, batch, in, out, true);
  }

  /** Average pooling with zero padding counted in the divisor ({@code count_include_pad=True}). */
  public static void avgPool2d(
      Pool2d p,
      int batch,
      float[] in, // [batch, channels, inHeight, inWidth]
      float[] out) { // [batch, channels, outHeight, outWidth]
    pool(p, batch, in, out, false);
  }

  private static void pool(Pool2d p, int batch, float[] in, float[] out, boolean max) {
    requirePositive("batch", batch);
    requireLength("in", in, (long) batch * p.inSize());
    requireLength("out", out, (long) batch * p.outSize());
    int h = p.inHeight(), w = p.inWidth(), k = p.kernel(), s = p.stride(), pad = p.padding();
    int oh = p.outHeight(), ow = p.outWidth();
    int inPlane = h * w, outPlane = oh * ow;
    float divisor = k * k;
    for (int plane = 0; plane < batch * p.channels(); plane++) {
      int inBase = plane * inPlane, outBase = plane * outPlane;
      Arrays.fill(out, outBase, outBase + outPlane, max ? Float.NEGATIVE_INFINITY : 0f);
      for (int ky = 0; ky < k; ky++) {
        int yOff = ky - pad;
        int oyLo = firstValid(yOff, s), oyHi = endValid(yOff, s, h, oh);
        for (int kx = 0; kx < k; kx++) {
          int xOff = kx - pad;
          int oxLo = firstValid(xOff, s), oxHi = endValid(xOff, s, w, ow);
          for (int oy = oyLo; oy < oyHi; oy++) {
            int inRow = inBase + (oy * s + yOff) * w + xOff;
            int outRow = outBase + oy * ow;
            if (max) {
              for (int ox = oxLo; ox < oxHi; ox++) {
                out[outRow + ox] = Math.max(out[outRow + ox], in[inRow + ox * s]);
              }
            } else {
              for (int ox = oxLo; ox < oxHi; ox++) {
                out[outRow + ox] += in[inRow + ox * s];
              }
            }
          }
        }
      }
      if (!max) {
        for (int i = outBase; i < outBase + outPlane; i++) {
          out[i] /= divisor;
        }
      }
    }
  }

  /** Mean over the spatial positions of each channel, accumulated in double. */
  public static void globalAvgPool(
      int batch,
      int channels,
      int spatial,
      float[] in, // [batch, channels, spatial]
      float[] out) { // [batch, channels]
    requirePositive("batch", batch);
    requirePositive("channels", channels);
    requirePositive("spatial", spatial);
    requireLength("in", in, (long) batch * channels * spatial);
    requireLength("out", out, (long) batch * channels);
    for (int plane = 0; plane < batch * channels; plane++) {
      int base = plane * spatial;
      double sum = 0;
      for (int i = base; i < base + spatial; i++) {
        sum += in[i];
      }
      out[plane] = (float) (sum / spatial);
    }
  }

  /**
   * Fully connected layer {@code y = x w^T + bias}, as PyTorch's {@code linear}; {@code x} and
   * {@code y} must not overlap.
   */
  public static void dense(
      int batch,
      int inFeatures,
      int outFeatures,
      float[] x, // [batch, inFeatures]
      float[] w, // [outFeatures, inFeatures]
      float[] bias, // [outFeatures] or null
      float[] y) { // [batch, outFeatures]
    requirePositive("batch", batch);
    requirePositive("inFeatures", inFeatures);
    requirePositive("outFeatures", outFeatures);
    requireLength("x", x, (long) batch * inFeatures);
    requireLength("w", w, (long) outFeatures * inFeatures);
    if (bias != null) {
      requireLength("bias", bias, outFeatures);
    }
    requireLength("y", y, (long) batch * outFeatures);
    for (int n = 0; n < batch; n++) {
      int xBase = n * inFeatures, yBase = n * outFeatures;
      for (int o = 0; o < outFeatures; o++) {
        int wBase = o * inFeatures;
        float acc = 0f;
        for (int i = 0; i < inFeatures; i++) {
          acc += x[xBase + i] * w[wBase + i];
        }
        y[yBase + o] = bias == null ? acc : acc + bias[o];
      }
    }
  }

  /** Numerically stable softmax over the last axis; {@code x == y} is allowed. */
  public static void softmax(
      int batch,
      int features,
      float[] x, // [batch, features]
      float[] y) { // [batch, features]
    requirePositive("batch", batch);
    requirePositive("features", features);
    requireLength("x", x, (long) batch * features);
    requireLength("y", y, (long) batch * features);
    for (int n = 0; n < batch; n++) {
      int base = n * features, end = base + features;
      float max = Float.NEGATIVE_INFINITY;
      for (int i = base; i < end; i++) {
        max = Math.max(max, x[i]);
      }
      double sum = 0;
      for (int i = base; i < end; i++) {
        float e = (float) Math.exp(x[i] - max);
        y[i] = e;
        sum += e;
      }
      for (int i = base; i < end; i++) {
        y[i] = (float) (y[i] / sum);
      }
    }
  }

  /**
   * Option-A residual shortcut of He et al.: subsamples by {@code stride} and places the input
   * channels at {@code padFront}, writing zeros to every other output element.
   */
  public static void padShortcut(
      int batch,
      int inChannels,
      int inHeight,
      int inWidth,
      int stride,
      int outChannels,
      int padFront,
      float[] in, // [batch, inChannels, inHeight, inWidth]
      float[] out) { // [batch, outChannels, (inHeight-1)/stride+1, (inWidth-1)/stride+1]
    requirePositive("batch", batch);
    requirePositive("inChannels", inChannels);
    requirePositive("inHeight", inHeight);
    requirePositive("inWidth", inWidth);
    requirePositive("stride", stride);
    requirePositive("outChannels", outChannels);
    if (padFront < 0 || (long) padFront + inChannels > outChannels) {
      throw new IllegalArgumentException(
          "need 0 <= padFront and padFront + inChannels <= outChannels, got padFront " + padFront
              + ", inChannels " + inChannels + ", outChannels " + outChannels);
    }
    int oh = (inHeight - 1) / stride + 1, ow = (inWidth - 1) / stride + 1;
    int inPlane = Math.multiplyExact(inHeight, inWidth), outPlane = oh * ow;
    requireLength("in", in, (long) batch * inChannels * inPlane);
    requireLength("out", out, (long) batch * outChannels * outPlane);
    for (int n = 0; n < batch; n++) {
      int outImage = n * outChannels * outPlane;
      int copyStart = outImage + padFront * outPlane;
      int copyEnd = copyStart + inChannels * outPlane;
      Arrays.fill(out, outImage, copyStart, 0f);
      Arrays.fill(out, copyEnd, outImage + outChannels * outPlane, 0f);
      for (int ch = 0; ch < inChannels; ch++) {
        int inBase = (n * inChannels + ch) * inPlane;
        int outBase = copyStart + ch * outPlane;
        for (int oy = 0; oy < oh; oy++) {
          int inRow = inBase + oy * stride * inWidth;
          int outRow = outBase + oy * ow;
          for (int ox = 0; ox < ow; ox++) {
            out[outRow + ox] = in[inRow + ox * stride];
          }
        }
      }
    }
  }

  /** Copies the first {@code length} floats of {@code in} to {@code out}. */
  public static void copy(float[] in, int length, float[] out) {
    requireLength("in", in, length);
    requireLength("out", out, length);
    System.arraycopy(in, 0, out, 0, length);
  }

  /** Smallest output index {@code o >= 0} with {@code o*stride + offset >= 0}. */
  private static int firstValid(int offset, int stride) {
    return offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  }

  /** One past the largest output index {@code o < outLen} with {@code o*stride + offset < size}. */
  private static int endValid(int offset, int stride, int size, int outLen) {
    int last = size - 1 - offset;
    return last < 0 ? 0 : Math.min(outLen, last / stride + 1);
  }
}
