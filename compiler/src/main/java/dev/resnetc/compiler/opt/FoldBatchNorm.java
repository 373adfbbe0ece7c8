package dev.resnetc.compiler.opt;

import dev.resnetc.compiler.ir.Epilogue;
import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;

/**
 * Folds each BatchNorm that is the only reader of a convolution or dense layer into that layer's
 * epilogue. The generated loader then scales the layer's weights and shifts its bias once, in
 * double precision, and keeps only the folded tensors.
 */
public final class FoldBatchNorm implements Pass {
  @Override
  public String name() {
    return "FoldBatchNorm";
  }

  @Override
  public Graph run(Graph graph, OptimizationStats stats) {
    GraphEditor edit = new GraphEditor(graph);
    for (Node n : graph.nodes()) {
      if (n instanceof Node.BatchNorm bn && edit.uses(bn.input()) == 1) {
        Node producer = edit.current(bn.input());
        if (Epilogue.of(producer).filter(Epilogue.NONE::equals).isPresent()) {
          Node folded = Epilogue.with(producer, Epilogue.NONE.withBatchNorm(bn.name(), bn.eps()));
          edit.replace(folded);
          edit.redirect(bn, folded.id());
          stats.foldedBatchNorms++;
          continue;
        }
      }
      edit.emit(edit.rewired(n));
    }
    return edit.build();
  }
}
