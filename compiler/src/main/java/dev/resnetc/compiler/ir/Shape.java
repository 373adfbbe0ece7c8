package dev.resnetc.compiler.ir;

import java.util.Arrays;

/** The shape of one sample of a tensor, without the batch: {@code [C, H, W]} or {@code [F]}. */
public final class Shape {
  private final int[] dims;

  private Shape(int[] dims) {
    if (dims.length == 0) {
      throw new IllegalArgumentException("a shape has at least one dimension");
    }
    for (int d : dims) {
      if (d < 1) {
        throw new IllegalArgumentException("dimensions must be positive: " + Arrays.toString(dims));
      }
    }
    this.dims = dims;
  }

  public static Shape of(int... dims) {
    return new Shape(dims.clone());
  }

  public static Shape image(int channels, int height, int width) {
    return new Shape(new int[] {channels, height, width});
  }

  public static Shape vector(int features) {
    return new Shape(new int[] {features});
  }

  public int rank() {
    return dims.length;
  }

  public boolean isImage() {
    return dims.length == 3;
  }

  public boolean isVector() {
    return dims.length == 1;
  }

  public int dim(int i) {
    return dims[i];
  }

  public int[] dims() {
    return dims.clone();
  }

  /** Channels of an image, features of a vector. */
  public int channels() {
    return dims[0];
  }

  public int height() {
    return dims[1];
  }

  public int width() {
    return dims[2];
  }

  /** Number of elements per sample, which may exceed what one Java array holds. */
  public long size() {
    long n = 1;
    for (int d : dims) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** {@code [64, 56, 56]}, as torchvision's summaries print shapes. */
  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
