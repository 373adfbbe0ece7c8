package dev.resnetc.runtime;

/** Geometry of a 2-D convolution with a square kernel over one NCHW image, following PyTorch's Conv2d. */
public record Conv2d(
    int inChannels,
    int inHeight,
    int inWidth,
    int outChannels,
    int kernel,
    int stride,
    int padding,
    int dilation,
    int groups) {

  public Conv2d {
    Shapes.requirePositive("inChannels", inChannels);
    Shapes.requirePositive("inHeight", inHeight);
    Shapes.requirePositive("inWidth", inWidth);
    Shapes.requirePositive("outChannels", outChannels);
    Shapes.requirePositive("kernel", kernel);
    Shapes.requirePositive("stride", stride);
    Shapes.requirePositive("dilation", dilation);
    Shapes.requirePositive("groups", groups);
    if (padding < 0) {
      throw new IllegalArgumentException("padding must be >= 0, got " + padding);
    }
    if (inChannels % groups != 0 || outChannels % groups != 0) {
      throw new IllegalArgumentException(
          "inChannels (" + inChannels + ") and outChannels (" + outChannels
              + ") must both be divisible by groups (" + groups + ")");
    }
    long span = (long) dilation * (kernel - 1) + 1; // effective kernel extent
    long paddedH = (long) inHeight + 2L * padding;
    long paddedW = (long) inWidth + 2L * padding;
    if (paddedH < span || paddedW < span) {
      throw new IllegalArgumentException(
          "output size would be < 1: input " + inHeight + "x" + inWidth + " with padding " + padding
              + " is smaller than kernel " + kernel + " with dilation " + dilation
              + " (extent " + span + ")");
    }
    // Fail at construction rather than in a kernel if any buffer size overflows an int.
    Math.multiplyExact(Math.multiplyExact(inChannels, inHeight), inWidth);
    int oh = Shapes.outDim(inHeight, kernel, stride, padding, dilation);
    int ow = Shapes.outDim(inWidth, kernel, stride, padding, dilation);
    Math.multiplyExact(Math.multiplyExact(outChannels, oh), ow);
    Math.multiplyExact(Math.multiplyExact(outChannels, inChannels / groups), Math.multiplyExact(kernel, kernel));
  }

  /** Output height: {@code (inHeight + 2*padding - dilation*(kernel-1) - 1) / stride + 1}. */
  public int outHeight() {
    return Shapes.outDim(inHeight, kernel, stride, padding, dilation);
  }

  /** Output width: {@code (inWidth + 2*padding - dilation*(kernel-1) - 1) / stride + 1}. */
  public int outWidth() {
    return Shapes.outDim(inWidth, kernel, stride, padding, dilation);
  }

  /** Number of floats in one input image, {@code inChannels * inHeight * inWidth}. */
  public int inSize() {
    return Math.multiplyExact(Math.multiplyExact(inChannels, inHeight), inWidth);
  }

  /** Number of floats in one output image, {@code outChannels * outHeight * outWidth}. */
  public int outSize() {
    return Math.multiplyExact(Math.multiplyExact(outChannels, outHeight()), outWidth());
  }

  /** Number of weights, {@code outChannels * inChannels/groups * kernel * kernel}. */
  public int weightSize() {
    return Math.multiplyExact(
        Math.multiplyExact(outChannels, inChannels / groups), Math.multiplyExact(kernel, kernel));
  }
}
