package dev.resnetc.compiler;

import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Param;
import dev.resnetc.compiler.ir.Shape;
import dev.resnetc.compiler.ir.Shapes;
import dev.resnetc.dsl.SourceFile;
import java.util.List;

/** A checked network: its graph after all passes, every value's shape, and its weight tensors. */
public record Compilation(SourceFile source, Graph graph, Shapes shapes, List<Param> params) {
  public Compilation {
    params = List.copyOf(params);
  }

  public Shape outputShape() {
    return shapes.of(graph.output());
  }

  /** Trainable parameters, counted as PyTorch's {@code sum(p.numel() for p in parameters())}. */
  public long parameterCount() {
    return params.stream().filter(Param::trainable).mapToLong(Param::size).sum();
  }

  /** Multiply-adds for one image, counted for convolutions and dense layers as torchvision does. */
  public long multiplyAdds() {
    return graph.nodes().stream().mapToLong(this::multiplyAdds).sum();
  }

  public long multiplyAdds(Node n) {
    if (n instanceof Node.Conv c) {
      Shape in = shapes.inputOf(c);
      Shape out = shapes.of(c);
      return out.size() * (in.channels() / c.groups()) * c.kernel() * c.kernel();
    }
    if (n instanceof Node.Dense d) {
      return (long) shapes.inputOf(d).channels() * d.units();
    }
    return 0;
  }
}
