package dev.resnetc.compiler.opt;

import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;

/** Removes the layers that do nothing at inference: dropout and identity. */
public final class RemoveNoOps implements Pass {
  @Override
  public String name() {
    return "RemoveNoOps";
  }

  @Override
  public Graph run(Graph graph, OptimizationStats stats) {
    GraphEditor edit = new GraphEditor(graph);
    for (Node n : graph.nodes()) {
      if ((n instanceof Node.Dropout || n instanceof Node.Identity)
          && graph.output().id() != n.id()) {
        edit.redirect(n, edit.resolve(n.inputs().get(0)));
        stats.removedNoOps++;
      } else {
        edit.emit(edit.rewired(n));
      }
    }
    return edit.build();
  }
}
