package dev.resnetc.runtime;

/** Geometry of a square 2-D max or average pooling window over one NCHW image, floor mode as in PyTorch. */
public record Pool2d(int channels, int inHeight, int inWidth, int kernel, int stride, int padding) {

  public Pool2d {
    Shapes.requirePositive("channels", channels);
    Shapes.requirePositive("inHeight", inHeight);
    Shapes.requirePositive("inWidth", inWidth);
    Shapes.requirePositive("kernel", kernel);
    Shapes.requirePositive("stride", stride);
    if (padding < 0 || padding > kernel / 2) {
      throw new IllegalArgumentException(
          "padding must be between 0 and kernel/2 (" + kernel / 2 + ") for kernel " + kernel
              + ", got " + padding);
    }
    long paddedH = (long) inHeight + 2L * padding;
    long paddedW = (long) inWidth + 2L * padding;
    if (paddedH < kernel || paddedW < kernel) {
      throw new IllegalArgumentException(
          "output size would be < 1: input " + inHeight + "x" + inWidth + " with padding " + padding
              + " is smaller than kernel " + kernel);
    }
    Math.multiplyExact(Math.multiplyExact(channels, inHeight), inWidth);
    Math.multiplyExact(
        Math.multiplyExact(channels, Shapes.outDim(inHeight, kernel, stride, padding, 1)),
        Shapes.outDim(inWidth, kernel, stride, padding, 1));
  }

  /** Output height: {@code (inHeight + 2*padding - kernel) / stride + 1}. */
  public int outHeight() {
    return Shapes.outDim(inHeight, kernel, stride, padding, 1);
  }

  /** Output width: {@code (inWidth + 2*padding - kernel) / stride + 1}. */
  public int outWidth() {
    return Shapes.outDim(inWidth, kernel, stride, padding, 1);
  }

  /** Number of floats in one input image, {@code channels * inHeight * inWidth}. */
  public int inSize() {
    return Math.multiplyExact(Math.multiplyExact(channels, inHeight), inWidth);
  }

  /** Number of floats in one output image, {@code channels * outHeight * outWidth}. */
  public int outSize() {
    return Math.multiplyExact(Math.multiplyExact(channels, outHeight()), outWidth());
  }
}
