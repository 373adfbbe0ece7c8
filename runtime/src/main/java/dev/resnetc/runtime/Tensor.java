package dev.resnetc.runtime;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense float tensor in row-major (C) order: a shape and its values.
 *
 * <p>The shape is copied on the way in and out; the data array is neither copied on construction
 * nor by {@link #data()}, so a tensor read from a file hands its freshly allocated array to the
 * caller without an extra copy. A shape of {@code []} is a scalar holding one value.
 *
 * @param shape the dimensions, each {@code >= 0}; the product must equal {@code data.length}
 * @param data the values in C order; not copied
 */
public record Tensor(int[] shape, float[] data) {

  /** Validates that the shape is non-negative and its product equals the data length. */
  public Tensor {
    Objects.requireNonNull(shape, "shape is null");
    Objects.requireNonNull(data, "data is null");
    shape = shape.clone();
    long size = 1;
    for (int dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      size = Math.multiplyExact(size, dim);
    }
    if (size != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size
          + " values but data has " + data.length);
    }
  }

  /** Returns a copy of the shape. */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Returns the data array itself, not a copy; changes to it are visible through this tensor. */
  @Override
  public float[] data() {
    return data;
  }

  /** Number of dimensions; 0 for a scalar. */
  public int rank() {
    return shape.length;
  }

  /** Whether this tensor has exactly the given shape. */
  public boolean hasShape(int... dims) {
    return Arrays.equals(shape, dims);
  }

  /** The shape formatted like {@code [64, 3, 7, 7]}. */
  public String shapeString() {
    return Arrays.toString(shape);
  }

  /** Tensors are equal when their shapes and values are equal (values compared like {@link Arrays#equals(float[], float[])}). */
  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor other && Arrays.equals(shape, other.shape)
        && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  /** Describes the shape only, never the values, which may be millions of floats. */
  @Override
  public String toString() {
    return "Tensor" + shapeString();
  }
}
