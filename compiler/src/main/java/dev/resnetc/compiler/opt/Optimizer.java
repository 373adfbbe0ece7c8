package dev.resnetc.compiler.opt;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.ir.Graph;
import java.util.List;
import java.util.function.BiConsumer;

/** Runs the optimization passes of a level in order, checking the IR after each. */
public final class Optimizer {
  /** {@code -O0}: the graph as written, for debugging and as the oracle of the others. */
  public static final List<Pass> O0 = List.of();

  /** {@code -O1}, the default. */
  public static final List<Pass> O1 =
      List.of(new RemoveNoOps(), new FoldBatchNorm(), new FuseResidualEpilogue());

  private Optimizer() {}

  /** The passes of {@code -O<level>}. */
  public static List<Pass> level(int level) {
    if (level < 0 || level > 1) {
      throw new IllegalArgumentException("optimization level must be 0 or 1, got " + level);
    }
    return level == 0 ? O0 : O1;
  }

  /**
   * Applies {@code passes} to {@code c}; {@code afterEach} sees each pass and the graph it made.
   * The result keeps {@code c}'s weight tensors, in {@code c}'s order.
   */
  public static Compilation run(Compilation c, List<Pass> passes, OptimizationStats stats,
      BiConsumer<Pass, Compilation> afterEach) {
    Compilation current = c;
    for (Pass pass : passes) {
      Graph graph = pass.run(current.graph(), stats);
      current = new Compilation(c.source(), graph, IrCheck.check(graph, c.params(), pass.name()),
          c.params());
      afterEach.accept(pass, current);
    }
    return current;
  }
}
