package dev.resnetc.compiler.ir;

import dev.resnetc.dsl.SourcePos;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A network as a list of nodes in dependency order: the first is the {@link Node.Input}, the last
 * produces the output. Immutable; passes return new graphs.
 */
public final class Graph {
  private final String name;
  private final SourcePos pos;
  private final Shape input;
  private final List<Node> nodes;
  private final Map<Integer, Node> byId = new HashMap<>();

  public Graph(String name, SourcePos pos, Shape input, List<Node> nodes) {
    this.name = name;
    this.pos = pos;
    this.input = input;
    this.nodes = List.copyOf(nodes);
    if (this.nodes.isEmpty() || !(this.nodes.get(0) instanceof Node.Input)) {
      throw new IllegalArgumentException("a graph starts with its input node");
    }
    for (Node n : this.nodes) {
      for (int in : n.inputs()) {
        if (!byId.containsKey(in)) {
          throw new IllegalArgumentException(
              "node " + n.id() + " (" + n.name() + ") reads %" + in + " before it is defined");
        }
      }
      if (byId.put(n.id(), n) != null) {
        throw new IllegalArgumentException("duplicate node id " + n.id());
      }
    }
  }

  /** The network's name, which becomes the generated class's name. */
  public String name() {
    return name;
  }

  /** Where the network is declared. */
  public SourcePos pos() {
    return pos;
  }

  public Shape inputShape() {
    return input;
  }

  public List<Node> nodes() {
    return nodes;
  }

  public Node node(int id) {
    Node n = byId.get(id);
    if (n == null) {
      throw new IllegalArgumentException("no node %" + id);
    }
    return n;
  }

  public Node output() {
    return nodes.get(nodes.size() - 1);
  }

  /** A fresh id, larger than any in use. */
  public int nextId() {
    return nodes.stream().mapToInt(Node::id).max().orElse(-1) + 1;
  }

  public Graph withNodes(List<Node> newNodes) {
    return newNodes.equals(nodes) ? this : new Graph(name, pos, input, newNodes);
  }
}
