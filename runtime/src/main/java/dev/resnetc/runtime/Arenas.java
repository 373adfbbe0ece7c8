package dev.resnetc.runtime;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The activation arenas of one network instance: each {@code forward} call takes one, large enough
 * for its batch, and gives it back when done. Concurrent calls get different arenas; after the
 * first calls, {@code forward} allocates no arena memory at all.
 */
public final class Arenas {
  private final ConcurrentLinkedQueue<float[]> free = new ConcurrentLinkedQueue<>();

  /** An arena of at least {@code floats} floats, reused if one is free and large enough. */
  public float[] take(long floats) {
    if (floats > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("batch too large: the activations need " + floats
          + " floats, more than one Java array holds");
    }
    float[] arena = free.poll();
    return arena != null && arena.length >= floats ? arena : new float[(int) floats];
  }

  /** Returns an arena taken from this pool. */
  public void give(float[] arena) {
    free.offer(arena);
  }
}
