package dev.resnetc.compiler.report;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.ir.Node;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** The output shape of every layer of a checked network, as an aligned plain-text table. */
public final class ShapeTable {
  /** One line of the table. */
  public record Row(String name, String type, String shape) {}

  private final String network;
  private final List<Row> rows;

  private ShapeTable(String network, List<Row> rows) {
    this.network = network;
    this.rows = List.copyOf(rows);
  }

  public static ShapeTable of(Compilation compilation) {
    List<Row> rows = new ArrayList<>();
    for (Node n : compilation.graph().nodes()) {
      rows.add(new Row(n.name(), LayerTypes.of(n), compilation.shapes().of(n).toString()));
    }
    return new ShapeTable(compilation.graph().name(), rows);
  }

  public List<Row> rows() {
    return rows;
  }

  public void print(PrintWriter out) {
    TextTable table = new TextTable(List.of("Layer", "Type", "Output shape"), false, false, false);
    for (Row r : rows) {
      table.add(List.of(r.name(), r.type(), r.shape()));
    }
    out.println(network);
    table.print(out);
  }

  /** The rendered table, lines ending in {@code \n}. */
  public String render() {
    return Reports.render(this::print);
  }

  @Override
  public String toString() {
    return render();
  }
}
