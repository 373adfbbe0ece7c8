package dev.resnetc.compiler.opt;

import dev.resnetc.compiler.ir.Epilogue;
import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Fuses the residual add and the ReLUs into the convolution or dense layer that produces their
 * input, so the sum is written once: {@code relu(conv2(x) + shortcut)} becomes one kernel call.
 * For an add, the main path (the left operand) is preferred; the fused layer moves to the add's
 * place, after both operands. A ReLU directly after a convolution is fused the same way.
 */
public final class FuseResidualEpilogue implements Pass {
  @Override
  public String name() {
    return "FuseResidualEpilogue";
  }

  @Override
  public Graph run(Graph graph, OptimizationStats stats) {
    GraphEditor edit = new GraphEditor(graph);
    for (Node n : graph.nodes()) {
      if (n instanceof Node.Add add && fuseAdd(add, edit)) {
        stats.fusedResidualAdds++;
      } else if (n instanceof Node.Relu relu && fuseRelu(relu, edit)) {
        stats.fusedRelus++;
      } else {
        edit.emit(edit.rewired(n));
      }
    }
    return edit.build();
  }

  private static boolean fuseAdd(Node.Add add, GraphEditor edit) {
    for (int[] operands : List.of(new int[] {add.left(), add.right()},
        new int[] {add.right(), add.left()})) {
      if (edit.uses(operands[0]) != 1) {
        continue;
      }
      Optional<Node> fused = withEpilogue(edit.current(operands[0]),
          e -> !e.hasResidual() && !e.relu(), e -> e.withResidual(edit.resolve(operands[1])));
      if (fused.isPresent()) {
        edit.replaceAtEnd(fused.get());
        edit.redirect(add, fused.get().id());
        return true;
      }
    }
    return false;
  }

  private static boolean fuseRelu(Node.Relu relu, GraphEditor edit) {
    if (edit.uses(relu.input()) != 1) {
      return false;
    }
    Optional<Node> fused = withEpilogue(edit.current(relu.input()), e -> !e.relu(),
        Epilogue::withRelu);
    fused.ifPresent(f -> {
      edit.replace(f);
      edit.redirect(relu, f.id());
    });
    return fused.isPresent();
  }

  /** The conv or dense layer {@code n} with its epilogue changed, if it has one that may be. */
  private static Optional<Node> withEpilogue(Node n, Predicate<Epilogue> ok,
      UnaryOperator<Epilogue> change) {
    return Epilogue.of(n).filter(ok).map(e -> Epilogue.with(n, change.apply(e)));
  }
}
