package dev.resnetc.compiler.report;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.ir.Epilogue;
import dev.resnetc.compiler.ir.Node;
import java.io.PrintWriter;
import java.util.stream.Collectors;

/**
 * The IR as text, one node a line, for {@code resnetc compile --dump-ir-after PASS}:
 * {@code %12 = conv 3x3 layer1.0.conv1(%11) +batchnorm layer1.0.bn1 +relu : [64, 56, 56]}.
 */
public final class IrDump {
  private IrDump() {}

  public static void print(Compilation c, PrintWriter out) {
    out.println("network " + c.graph().name() + " (" + c.graph().nodes().size() + " nodes)");
    for (Node n : c.graph().nodes()) {
      Epilogue e = Epilogue.of(n).orElse(Epilogue.NONE);
      String args = n.inputs().stream().filter(i -> i != e.residual()).map(i -> "%" + i)
          .collect(Collectors.joining(", "));
      out.printf("  %%%d = %s %s(%s)%s : %s%n", n.id(), LayerTypes.of(n), n.name(), args, e,
          c.shapes().of(n));
    }
    out.flush();
  }
}
