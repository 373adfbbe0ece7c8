package dev.resnetc.runtime;

import java.util.HashMap;
import java.util.Map;

/**
 * Weights that passed {@link Weights}' checks, as a generated constructor consumes them:
 * {@link #take} hands an array out and forgets it, so that an array the constructor replaces (a
 * folded or packed copy) can be garbage collected while the rest are still being prepared, and
 * loading needs little more heap than the weights themselves; {@link #get} keeps it, for the
 * BatchNorm tensors that folding reads twice.
 */
public final class CheckedWeights {
  private final Map<String, float[]> arrays;

  private CheckedWeights(Map<String, float[]> arrays) {
    this.arrays = new HashMap<>(arrays);
  }

  /** Wraps the result of {@link Weights#require} or {@link Weights#requireTensors}. */
  public static CheckedWeights of(Map<String, float[]> checked) {
    return new CheckedWeights(checked);
  }

  public float[] take(String name) {
    return found(name, arrays.remove(name));
  }

  public float[] get(String name) {
    return found(name, arrays.get(name));
  }

  private static float[] found(String name, float[] a) {
    if (a == null) {
      throw new IllegalStateException("tensor " + name + " was not checked or was already taken");
    }
    return a;
  }
}
