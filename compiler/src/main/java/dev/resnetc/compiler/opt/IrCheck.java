package dev.resnetc.compiler.opt;

import dev.resnetc.compiler.ir.Epilogue;
import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Param;
import dev.resnetc.compiler.ir.Shapes;
import dev.resnetc.compiler.pass.InferShapes;
import dev.resnetc.dsl.Diagnostics;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The invariants every optimized graph keeps, checked after each pass: nodes in dependency order
 * (the {@link Graph} constructor), every shape still valid, each fused residual shaped like the
 * layer's output, no unresolved residuals, and exactly the original weight tensors.
 */
public final class IrCheck {
  private IrCheck() {}

  /** The graph's shapes; throws {@link IllegalStateException} naming the broken invariant. */
  public static Shapes check(Graph graph, List<Param> params, String after) {
    Diagnostics diagnostics = new Diagnostics();
    Shapes shapes = InferShapes.run(graph, diagnostics).orElseThrow(() -> new IllegalStateException(
        "after " + after + ": shapes no longer check: " + diagnostics.all()));
    for (Node n : graph.nodes()) {
      if (n instanceof Node.Residual) {
        throw new IllegalStateException("after " + after + ": unresolved residual " + n.name());
      }
      Epilogue e = Epilogue.of(n).orElse(Epilogue.NONE);
      if (e.hasResidual() && !shapes.of(e.residual()).equals(shapes.of(n))) {
        throw new IllegalStateException("after " + after + ": " + n.name() + " adds a residual of"
            + " shape " + shapes.of(e.residual()) + " to its output " + shapes.of(n));
      }
    }
    Set<Param> now = new HashSet<>(Param.of(graph, shapes));
    if (!now.equals(new HashSet<>(params))) {
      Set<Param> lost = new HashSet<>(params);
      lost.removeAll(now);
      Set<Param> gained = new HashSet<>(now);
      gained.removeAll(params);
      throw new IllegalStateException("after " + after + ": weight tensors changed; lost " + lost
          + ", gained " + gained);
    }
    return shapes;
  }
}
