package dev.resnetc.compiler.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One named weight tensor a node needs, such as {@code layer1.0.bn1.running_var}. Trainable
 * parameters count towards a network's size; BatchNorm's running statistics are buffers, as in
 * PyTorch.
 */
public record Param(String name, int[] shape, boolean trainable, Node owner) {
  public Param {
    shape = shape.clone();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  public long size() {
    long n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Param p && p.name.equals(name) && Arrays.equals(p.shape, shape)
        && p.trainable == trainable;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }

  /** The tensors {@code node} reads, in the order PyTorch's state_dict lists them. */
  public static List<Param> of(Node node, Shapes shapes) {
    List<Param> out = new ArrayList<>();
    String p = node.name() + ".";
    if (node instanceof Node.Conv c) {
      int cin = shapes.inputOf(c).channels();
      out.add(new Param(p + "weight",
          new int[] {c.outChannels(), cin / c.groups(), c.kernel(), c.kernel()}, true, node));
      if (c.bias()) {
        out.add(new Param(p + "bias", new int[] {c.outChannels()}, true, node));
      }
      c.epilogue().batchNorm().ifPresent(bn -> batchNorm(bn, c.outChannels(), node, out));
    } else if (node instanceof Node.BatchNorm) {
      batchNorm(node.name(), shapes.inputOf(node).channels(), node, out);
    } else if (node instanceof Node.Dense d) {
      int in = shapes.inputOf(d).channels();
      out.add(new Param(p + "weight", new int[] {d.units(), in}, true, node));
      if (d.bias()) {
        out.add(new Param(p + "bias", new int[] {d.units()}, true, node));
      }
      d.epilogue().batchNorm().ifPresent(bn -> batchNorm(bn, d.units(), node, out));
    }
    return out;
  }

  /** A BatchNorm's affine parameters and running statistics (buffers). */
  private static void batchNorm(String name, int channels, Node owner, List<Param> out) {
    int[] ch = {channels};
    out.add(new Param(name + ".weight", ch, true, owner));
    out.add(new Param(name + ".bias", ch, true, owner));
    out.add(new Param(name + ".running_mean", ch, false, owner));
    out.add(new Param(name + ".running_var", ch, false, owner));
  }

  /** Every tensor of the graph, in node order. */
  public static List<Param> of(Graph graph, Shapes shapes) {
    List<Param> out = new ArrayList<>();
    for (Node n : graph.nodes()) {
      out.addAll(of(n, shapes));
    }
    return out;
  }
}
