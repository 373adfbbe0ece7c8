package dev.resnetc.compiler.codegen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Where each intermediate buffer of a {@link KernelPlan} lives in one activation arena, in floats
 * per image (a batch of N multiplies every offset by N, which keeps the layout valid).
 *
 * <p>Planned ({@link #planned}): a buffer lives from the step that writes it to the last step
 * that reads it. A step whose kernel may overwrite an input that dies at that step writes in that
 * input's place (in-place reuse). The places are then packed greedily, largest first, each at the
 * lowest offset free for its whole lifetime. Unplanned ({@link #unplanned}, {@code -O0}): every
 * buffer has its own place. The network's input and output are the caller's arrays, not in the
 * arena.
 *
 * @param offsets per buffer, its offset in the arena, or -1 for the input and output buffers
 * @param arena the arena's size
 * @param lowerBound the largest total size of buffers live at one step: no plan can use less
 * @param unplanned the sum of all intermediate buffers' sizes
 */
public record MemoryPlan(int[] offsets, long arena, long lowerBound, long unplanned) {
  /** One region of the arena: buffers that share it, one after the other, and its lifetime. */
  private static final class Place {
    final List<Integer> buffers = new ArrayList<>();
    final int size;
    final int start;
    int end;
    long offset = -1;

    Place(int buffer, int size, int start) {
      this.buffers.add(buffer);
      this.size = size;
      this.start = start;
      this.end = start;
    }

    boolean overlapsInTime(Place o) {
      return start <= o.end && o.start <= end;
    }
  }

  public MemoryPlan {
    offsets = offsets.clone();
  }

  @Override
  public int[] offsets() {
    return offsets.clone();
  }

  public int offset(int buffer) {
    return offsets[buffer];
  }

  /** Every intermediate buffer in a place of its own, one after another. */
  public static MemoryPlan unplanned(KernelPlan plan) {
    int[] offsets = new int[plan.buffers().size()];
    Arrays.fill(offsets, -1);
    long next = 0;
    for (KernelPlan.Buffer b : plan.buffers()) {
      if (inArena(plan, b.id())) {
        offsets[b.id()] = Math.toIntExact(next);
        next += b.perImage();
      }
    }
    Place[] places = places(plan, false);
    return new MemoryPlan(offsets, next, lowerBound(plan, places), next);
  }

  /** Liveness-based packing with in-place reuse. */
  public static MemoryPlan planned(KernelPlan plan) {
    Place[] placeOf = places(plan, true);
    List<Place> places = new ArrayList<>();
    for (Place p : placeOf) {
      if (p != null && !places.contains(p)) {
        places.add(p);
      }
    }
    places.sort(Comparator.comparingInt((Place p) -> -p.size).thenComparingInt(p -> p.start));
    List<Place> placed = new ArrayList<>();
    long arena = 0;
    for (Place p : places) {
      List<Place> rivals = placed.stream().filter(p::overlapsInTime)
          .sorted(Comparator.comparingLong(q -> q.offset)).toList();
      long offset = 0;
      for (Place q : rivals) {
        if (offset + p.size <= q.offset) {
          break;
        }
        offset = Math.max(offset, q.offset + q.size);
      }
      p.offset = offset;
      placed.add(p);
      arena = Math.max(arena, offset + p.size);
    }
    int[] offsets = new int[plan.buffers().size()];
    Arrays.fill(offsets, -1);
    for (Place p : places) {
      for (int b : p.buffers) {
        offsets[b] = Math.toIntExact(p.offset);
      }
    }
    long unplanned = plan.buffers().stream().filter(b -> inArena(plan, b.id()))
        .mapToLong(KernelPlan.Buffer::perImage).sum();
    return new MemoryPlan(offsets, arena, lowerBound(plan, placeOf), unplanned);
  }

  private static boolean inArena(KernelPlan plan, int buffer) {
    return buffer != KernelPlan.INPUT && buffer != plan.outputBuffer();
  }

  /**
   * The place of each arena buffer, with lifetimes in step indices. With {@code inPlace}, a step's
   * output joins the place of an input it may overwrite when that input dies at the step and has
   * the same size.
   */
  private static Place[] places(KernelPlan plan, boolean inPlace) {
    int[] lastRead = new int[plan.buffers().size()];
    Arrays.fill(lastRead, -1);
    List<KernelPlan.Step> steps = plan.steps();
    for (int t = 0; t < steps.size(); t++) {
      for (int b : steps.get(t).reads()) {
        lastRead[b] = t;
      }
    }
    Place[] placeOf = new Place[plan.buffers().size()];
    for (int t = 0; t < steps.size(); t++) {
      KernelPlan.Step step = steps.get(t);
      for (int b : step.reads()) {
        if (placeOf[b] != null) {
          placeOf[b].end = Math.max(placeOf[b].end, t);
        }
      }
      int out = step.out();
      if (!inArena(plan, out)) {
        continue;
      }
      int size = plan.buffers().get(out).perImage();
      Place shared = null;
      if (inPlace) {
        for (int b : step.reads()) {
          Place p = placeOf[b];
          if (p != null && lastRead[b] == t && step.mayOverwrite(b) && p.size == size
              && p.buffers.get(p.buffers.size() - 1) == b) {
            shared = p;
            break;
          }
        }
      }
      if (shared != null) {
        shared.buffers.add(out);
        placeOf[out] = shared;
      } else {
        placeOf[out] = new Place(out, size, t);
      }
      placeOf[out].end = Math.max(placeOf[out].end, Math.max(t, lastRead[out]));
    }
    return placeOf;
  }

  /** The largest sum of the sizes of places live at one step. */
  private static long lowerBound(KernelPlan plan, Place[] placeOf) {
    List<Place> places = new ArrayList<>();
    for (Place p : placeOf) {
      if (p != null && !places.contains(p)) {
        places.add(p);
      }
    }
    long best = 0;
    for (int t = 0; t < plan.steps().size(); t++) {
      long live = 0;
      for (Place p : places) {
        if (p.start <= t && t <= p.end) {
          live += p.size;
        }
      }
      best = Math.max(best, live);
    }
    return best;
  }
}
