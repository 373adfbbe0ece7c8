package dev.resnetc.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.compiler.codegen.ClassCompiler;
import dev.resnetc.compiler.codegen.KernelPlan;
import dev.resnetc.compiler.codegen.MemoryPlan;
import dev.resnetc.compiler.interp.Interpreter;
import dev.resnetc.compiler.opt.OptimizationStats;
import dev.resnetc.compiler.opt.Optimizer;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The optimizer on the real networks: {@code -O1} code computes what {@code -O0} code computes
 * (within 1e-5 of the largest output), the activation arena never lets two live buffers share
 * memory, ResNet-50's figures meet their targets, and {@code forward} allocates nothing that grows
 * with the network once it has run.
 */
class OptimizedCodeTest {
  static final double TOLERANCE = 1e-5;

  @TestFactory
  Stream<DynamicTest> optimizedCodeEqualsUnoptimizedCode() {
    return Samples.files().stream().map(f -> DynamicTest.dynamicTest(f, () -> {
      Compilation c = Samples.load(f).compilation();
      Map<String, float[]> w = Interpreter.randomWeights(c, 5);
      int batch = c.graph().inputShape().size() > 100_000 ? 1 : 2;
      float[] x = Interpreter.randomInput(c, batch, 6);
      float[] o0 = forward(c, 0, w, x);
      float[] o1 = forward(c, 1, w, x);
      double err = GeneratedCodeTest.relativeError(o1, o0);
      System.out.printf(Locale.ROOT, "%-24s -O1 vs -O0: %.2e%n", f, err);
      assertWithMessage("%s -O1 vs -O0", f).that(err).isAtMost(TOLERANCE);
    }));
  }

  @TestFactory
  Stream<DynamicTest> noTwoLiveBuffersShareMemory() {
    return Samples.files().stream().map(f -> DynamicTest.dynamicTest(f, () -> {
      Compilation c = Optimizer.run(Samples.load(f).compilation(), Optimizer.O1,
          new OptimizationStats(), (p, g) -> {});
      KernelPlan plan = KernelPlan.of(c);
      MemoryPlan memory = MemoryPlan.planned(plan);
      assertNoConflicts(plan, memory);
      assertThat(memory.arena()).isAtLeast(memory.lowerBound());
      assertThat(memory.arena()).isAtMost(memory.unplanned());
    }));
  }

  @Test
  void resnet50MeetsItsOptimizationTargets() {
    Compilation c = Samples.load("resnet50.resnet").compilation();
    Resnetc.Output out = Resnetc.generate(c, "samples.o1", 1, (p, g) -> {});
    assertThat(out.stats().foldedBatchNorms()).isEqualTo(53);
    assertThat(out.stats().fusedResidualAdds()).isEqualTo(16);
    // the stem, conv1 and conv2 of each of the 16 bottlenecks, and the 16 post-add ReLUs
    assertThat(out.stats().fusedRelus()).isEqualTo(49);
    MemoryPlan m = out.memory();
    long bytes = m.arena() * Float.BYTES;
    System.out.printf(Locale.ROOT, "resnet50 arena %,d bytes, lower bound %,d, unplanned %,d,"
        + " kernel calls %d -> %d%n", bytes, m.lowerBound() * 4, m.unplanned() * 4,
        out.kernelCallsBefore(), out.kernelCallsAfter());
    assertThat((double) m.arena()).isAtMost(1.25 * m.lowerBound());
    assertThat(bytes).isLessThan(16L << 20);
    assertThat(out.kernelCallsAfter()).isLessThan(out.kernelCallsBefore());
    assertThat(out.file().toString()).contains("ACTIVATION_BYTES = " + bytes + "L");
    // its Winograd layers may be deferred, and forward's Javadoc says what that means
    assertThat(out.file().toString()).contains(
        "{@code dev.resnetc.runtime.Kernels.awaitWarmUp()} has returned, every call gives");
  }

  @Test
  void forwardAllocatesOnlyItsOutputAfterTheFirstCall() throws Exception {
    Compilation c = Samples.load("resnet20.resnet").compilation();
    Class<?> type = ClassCompiler.compile(Resnetc.generate(c, "samples.alloc"));
    Object net = type.getConstructor(Map.class).newInstance(Interpreter.randomWeights(c, 1));
    Method forward = type.getMethod("forward", float[].class);
    float[] x = Interpreter.randomInput(c, 2, 2);
    for (int i = 0; i < 200; i++) {
      forward.invoke(net, (Object) x);
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    // The JIT may still be compiling (on an AVX-512 machine 200 calls were not always enough), so
    // take the quietest of several windows of calls: code that boxes vectors allocates in each.
    int calls = 100;
    long perCall = Long.MAX_VALUE;
    for (int window = 0; window < 30 && perCall >= 1024; window++) {
      long before = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < calls; i++) {
        forward.invoke(net, (Object) x);
      }
      perCall = Math.min(perCall, (threads.getThreadAllocatedBytes(tid) - before) / calls);
    }
    long arenaBytes = type.getField("ACTIVATION_BYTES").getLong(null) * 2;
    System.out.printf(Locale.ROOT, "resnet20 batch 2: %,d bytes allocated per forward call"
        + " (arena %,d bytes, output %d bytes)%n", perCall, arenaBytes, 2 * 10 * 4);
    // the 80-byte output, its array header, and the reflective call's boxing; never the arena
    assertThat(perCall).isLessThan(1024L);
    assertThat(arenaBytes).isGreaterThan(100_000L);
  }

  private static float[] forward(Compilation c, int level, Map<String, float[]> w, float[] x)
      throws Exception {
    Class<?> type = ClassCompiler.compile(
        Resnetc.generate(c, "samples.o" + level, level, (p, g) -> {}).file());
    Object net = type.getConstructor(Map.class).newInstance(w);
    return (float[]) type.getMethod("forward", float[].class).invoke(net, (Object) x);
  }

  /**
   * Every pair of arena buffers whose lifetimes (from the step that writes one to the last step
   * that reads it) overlap must be disjoint in memory, unless the later one is written in place
   * of the earlier one by a step that may overwrite it and is its last reader.
   */
  private static void assertNoConflicts(KernelPlan plan, MemoryPlan memory) {
    List<KernelPlan.Step> steps = plan.steps();
    int count = plan.buffers().size();
    int[] def = new int[count];
    int[] last = new int[count];
    Arrays.fill(def, -1);
    for (int t = 0; t < steps.size(); t++) {
      def[steps.get(t).out()] = t;
      last[steps.get(t).out()] = Math.max(last[steps.get(t).out()], t);
      for (int b : steps.get(t).reads()) {
        last[b] = Math.max(last[b], t);
      }
    }
    for (int a = 0; a < count; a++) {
      for (int b = a + 1; b < count; b++) {
        int oa = memory.offset(a);
        int ob = memory.offset(b);
        if (oa < 0 || ob < 0 || def[a] < 0 || def[b] < 0) {
          continue;
        }
        boolean live = def[a] <= last[b] && def[b] <= last[a];
        int sa = plan.buffers().get(a).perImage();
        int sb = plan.buffers().get(b).perImage();
        boolean overlap = oa < ob + sb && ob < oa + sa;
        if (live && overlap) {
          KernelPlan.Step writer = steps.get(def[b]);
          boolean inPlace = oa == ob && sa == sb && last[a] == def[b]
              && writer.reads().contains(a) && writer.mayOverwrite(a);
          assertWithMessage("buffers %s and %s are live together and overlap",
              plan.buffers().get(a), plan.buffers().get(b)).that(inPlace).isTrue();
        }
      }
    }
  }
}
