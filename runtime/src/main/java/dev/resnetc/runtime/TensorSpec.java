package dev.resnetc.runtime;

import java.util.Arrays;
import java.util.Objects;

/** The name and shape of one tensor a generated network expects in its weights. */
public record TensorSpec(String name, int[] shape) {

  public TensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(shape, "shape");
    shape = shape.clone();
    for (int dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException(
            "tensor " + name + " has a negative dimension: " + Arrays.toString(shape));
      }
    }
  }

  /** Returns a copy of the shape, so callers cannot change this spec. */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Number of values, the product of the dimensions. */
  public long size() {
    long size = 1;
    for (int dim : shape) {
      size = Math.multiplyExact(size, dim);
    }
    return size;
  }

  /** The shape formatted like {@code [64, 3, 7, 7]}. */
  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec other && name.equals(other.name) && Arrays.equals(shape, other.shape);
  }

  @Override
  public int hashCode() {
    return 31 * name.hashCode() + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return "TensorSpec[name=" + name + ", shape=" + shapeString() + "]";
  }
}
