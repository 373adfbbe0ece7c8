package dev.resnetc.compiler.report;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Param;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A torchsummary-style overview of a checked network: per layer its output shape, trainable
 * parameters and multiply-adds, then the totals.
 */
public final class SummaryTable {
  /** One layer's line of the table. */
  public record Row(String name, String type, String shape, long params, long multiplyAdds) {}

  private final String network;
  private final List<Row> rows;
  private final long totalParams;
  private final long buffers;
  private final long multiplyAdds;

  private SummaryTable(String network, List<Row> rows, long totalParams, long buffers,
      long multiplyAdds) {
    this.network = network;
    this.rows = List.copyOf(rows);
    this.totalParams = totalParams;
    this.buffers = buffers;
    this.multiplyAdds = multiplyAdds;
  }

  public static SummaryTable of(Compilation compilation) {
    Map<Integer, Long> paramsByNode = new HashMap<>();
    long buffers = 0;
    for (Param p : compilation.params()) {
      if (p.trainable()) {
        paramsByNode.merge(p.owner().id(), p.size(), Long::sum);
      } else {
        buffers += p.size();
      }
    }
    List<Row> rows = new ArrayList<>();
    for (Node n : compilation.graph().nodes()) {
      rows.add(new Row(n.name(), LayerTypes.of(n), compilation.shapes().of(n).toString(),
          paramsByNode.getOrDefault(n.id(), 0L), compilation.multiplyAdds(n)));
    }
    return new SummaryTable(compilation.graph().name(), rows, compilation.parameterCount(),
        buffers, compilation.multiplyAdds());
  }

  public List<Row> rows() {
    return rows;
  }

  /** Trainable parameters, as PyTorch counts {@code parameters()}. */
  public long totalParams() {
    return totalParams;
  }

  /** Elements of non-trainable tensors (BatchNorm running statistics). */
  public long buffers() {
    return buffers;
  }

  public long multiplyAdds() {
    return multiplyAdds;
  }

  public void print(PrintWriter out) {
    TextTable table = new TextTable(List.of("Layer", "Type", "Output shape", "Params",
        "Mult-adds"), false, false, false, true, true);
    for (Row r : rows) {
      table.add(List.of(r.name(), r.type(), r.shape(), count(r.params()),
          count(r.multiplyAdds())));
    }
    out.println(network);
    table.print(out);
    out.println("=".repeat(table.width()));
    out.println("Total params: " + Reports.grouped(totalParams));
    out.println("Trainable params: " + Reports.grouped(totalParams));
    out.println("Non-trainable buffers: " + Reports.grouped(buffers));
    out.println("Multiply-adds: " + Reports.metric(multiplyAdds));
  }

  /** The rendered table, lines ending in {@code \n}. */
  public String render() {
    return Reports.render(this::print);
  }

  @Override
  public String toString() {
    return render();
  }

  private static String count(long n) {
    return n == 0 ? "-" : Reports.grouped(n);
  }
}
