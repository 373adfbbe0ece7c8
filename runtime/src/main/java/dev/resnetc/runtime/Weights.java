package dev.resnetc.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
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
   * Checks tensors read from a weight file against {@code specs} by exact shape and returns an
   * unmodifiable map, in spec order, of their data arrays. The arrays are NOT copied: they are the
   * ones inside the given tensors, normally fresh from {@link TensorFiles}, so callers must not
   * share them with code that changes them.
   *
   * <p>If {@code stripPrefix} is non-empty (for example {@code "module."}, which
   * {@code DataParallel} adds), it is removed from every key that starts with it. Keys ending in
   * {@code num_batches_tracked} are ignored. One {@link WeightsException} lists every missing
   * tensor with its expected shape, every mis-shaped one (as
   * {@code name: expected shape [64, 64, 3, 3], got [64, 64, 1, 1]}), every key that clashes with
   * another once the prefix is stripped, and every unexpected key as it appears in the file.
   */
  public static Map<String, float[]> requireTensors(
      Map<String, Tensor> given, List<TensorSpec> specs, String stripPrefix) {
    Objects.requireNonNull(given, "given tensors map is null");
    Objects.requireNonNull(specs, "specs is null");
    String prefix = stripPrefix == null ? "" : stripPrefix;
    List<String> problems = new ArrayList<>();
    Map<String, Tensor> byName = new LinkedHashMap<>();
    Map<String, String> originalKey = new HashMap<>();
    for (Map.Entry<String, Tensor> e : given.entrySet()) {
      String key = e.getKey();
      if (key == null) {
        continue;
      }
      String name = strip(key, prefix);
      String clash = originalKey.putIfAbsent(name, key);
      if (clash != null) {
        problems.add("duplicate: " + clash + " and " + key + " are both " + name
            + " once the prefix \"" + prefix + "\" is stripped");
        continue;
      }
      byName.put(name, e.getValue());
    }
    Set<String> expected = new HashSet<>();
    Map<String, float[]> result = new LinkedHashMap<>();
    for (TensorSpec spec : specs) {
      String name = spec.name();
      if (!expected.add(name)) {
        throw new IllegalArgumentException("duplicate tensor spec: " + name);
      }
      if (!byName.containsKey(name)) {
        problems.add("missing: " + name + ", expected shape " + spec.shapeString());
        continue;
      }
      Tensor tensor = byName.get(name);
      if (tensor == null) {
        problems.add("null: " + name + ", expected shape " + spec.shapeString());
      } else if (!tensor.hasShape(spec.shape())) {
        problems.add(name + ": expected shape " + spec.shapeString() + ", got "
            + tensor.shapeString());
      } else {
        result.put(name, tensor.data());
      }
    }
    List<String> unexpected = new ArrayList<>();
    for (String key : given.keySet()) {
      if (key == null) {
        unexpected.add("null");
        continue;
      }
      String name = strip(key, prefix);
      if (!expected.contains(name) && !name.endsWith(IGNORED_SUFFIX)
          && key.equals(originalKey.get(name))) {
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

  private static String strip(String key, String prefix) {
    return !prefix.isEmpty() && key.startsWith(prefix) ? key.substring(prefix.length()) : key;
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
    if (input == null) {
      throw new NullPointerException("input is null; " + expected(shape, perImage));
    }
    if (input.length == 0 || input.length % perImage != 0) {
      throw new IllegalArgumentException("input has " + input.length + " floats; "
          + expected(shape, perImage));
    }
    return (int) (input.length / perImage);
  }

  /** The shape a forward call expects, for its messages: built only when one is thrown. */
  private static String expected(int[] shape, long perImage) {
    return "expected shape [N" + (shape.length == 0 ? "" : ", ")
        + shapeString(shape).substring(1) + " = N x " + perImage + " floats";
  }

  /** Formats dimensions like {@code [64, 3, 7, 7]}. */
  public static String shapeString(int... dims) {
    return Arrays.toString(dims);
  }
}
