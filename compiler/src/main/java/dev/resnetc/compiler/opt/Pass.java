package dev.resnetc.compiler.opt;

import dev.resnetc.compiler.ir.Graph;

/** One optimization: a rewrite of a checked graph into an equivalent one, idempotent. */
public interface Pass {
  /** The name the driver, {@code --dump-ir-after} and the report use. */
  String name();

  /** Returns the rewritten graph (or {@code graph} itself if nothing applies), counting in stats. */
  Graph run(Graph graph, OptimizationStats stats);
}
