package dev.resnetc.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Strict validation of named weight tensors, like PyTorch's {@code load_state_dict(strict=True)},
 * plus the input checks generated {@code forward} methods use.
 */
public final class Weights {
  static final String IGNORED_SUFFIX = "num_batches_tracked";

  private Weights() {}

  /**
   * Checks {@code given} against {@code specs} and returns an unmodifiable map, in spec order, of
   * copies of the arrays; throws a {@link WeightsException} listing every missing, null, wrongly
   * sized and unexpected tensor. Keys ending in {@code num_batches_tracked} are ignored.
   */
  public static Map<String, float[]> require(Map<String, float[]> given, List<TensorSpec> specs) {
    Objects.requireNonNull(given, "given weights map is null");
    Objects.requireNonNull(specs, "specs is null");
    Set<String> expected = new HashSet<>();
    List<String> problems = new ArrayList<>();
    Map<String, float[]> result = new LinkedHashMap<>();
    for (TensorSpec spec : specs) {
      String name = spec.name();
      if (!expected.add(name)) {
        throw new IllegalArgumentException("duplicate tensor spec: " + name);
      }
      String expectedShape = "expected shape " + spec.shapeString();
      if (!given.containsKey(name)) {
        problems.add("missing: " + name + ", " + expectedShape);
        continue;
      }
      float[] values = given.get(name);
      if (values == null) {
        problems.add("null: " + name + ", " + expectedShape);
      } else if (values.length != spec.size()) {
        problems.add("wrong size: " + name + ", " + expectedShape + " (" + spec.size()
            + " values), got " + values.length + " values");
      } else {
        result.put(name, values.clone());
      }
    }
    List<String> unexpected = new ArrayList<>();
    for (String key : given.keySet()) {
      if (key == null) {
        unexpected.add("null");
      } else if (!expected.contains(key) && !key.endsWith(IGNORED_SUFFIX)) {
        unexpected.add(key);
      }
    }
    Collections.sort(unexpected);
    for (String key : unexpected) {
      problems.add("unexpected: " + key);
    }
    if (!problems.isEmpty()) {
      throw new WeightsException(problems);
    }
    return Collections.unmodifiableMap(result);
  }

  /**
   * Returns the batch size N of an input meant to have shape {@code [N, shape...]}, or throws if
   * its length is not a positive multiple of the per-image size.
   */
  public static int batchOf(float[] input, int[] shape) {
    Objects.requireNonNull(shape, "shape is null");
    long perImage = 1;
    for (int dim : shape) {
      if (dim <= 0) {
        throw new IllegalArgumentException("shape must be positive, got " + shapeString(shape));
      }
      perImage = Math.multiplyExact(perImage, dim);
    }
    String expected = "expected shape [N" + (shape.length == 0 ? "" : ", ")
        + shapeString(shape).substring(1) + " = N x " + perImage + " floats";
    if (input == null) {
      throw new NullPointerException("input is null; " + expected);
    }
    if (input.length == 0 || input.length % perImage != 0) {
      throw new IllegalArgumentException("input has " + input.length + " floats; " + expected);
    }
    return (int) (input.length / perImage);
  }

  /** Formats dimensions like {@code [64, 3, 7, 7]}. */
  public static String shapeString(int... dims) {
    return Arrays.toString(dims);
  }
}
