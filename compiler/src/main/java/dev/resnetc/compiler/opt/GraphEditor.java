package dev.resnetc.compiler.opt;

import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Rewire;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a rewritten graph in one walk over the old one: nodes are emitted in order, a removed
 * node's value can be redirected to another node's, and an emitted node can be replaced or moved
 * to the end. Every emitted node reads the redirected ids.
 */
final class GraphEditor {
  private final Graph graph;
  private final Map<Integer, Integer> uses = new HashMap<>();
  private final Map<Integer, Integer> redirect = new HashMap<>();
  private final LinkedHashMap<Integer, Node> emitted = new LinkedHashMap<>();

  GraphEditor(Graph graph) {
    this.graph = graph;
    for (Node n : graph.nodes()) {
      for (int in : n.inputs()) {
        uses.merge(in, 1, Integer::sum);
      }
    }
    uses.merge(graph.output().id(), 1, Integer::sum);
  }

  /** How many nodes read value {@code id} in the original graph (the output counts as a use). */
  int uses(int id) {
    return uses.getOrDefault(id, 0);
  }

  /** The id that now holds what {@code id} held. */
  int resolve(int id) {
    Integer to = redirect.get(id);
    return to == null ? id : resolve(to);
  }

  /** {@code n} with its inputs redirected. */
  Node rewired(Node n) {
    return Rewire.inputs(n, this::resolve);
  }

  /** The node emitted so far that holds value {@code id}, after redirection. */
  Node current(int id) {
    return emitted.get(resolve(id));
  }

  void emit(Node n) {
    emitted.put(n.id(), n);
  }

  /** Drops {@code removed}: its readers read {@code replacement} instead. */
  void redirect(Node removed, int replacement) {
    redirect.put(removed.id(), replacement);
  }

  /** Replaces the emitted node with {@code n}'s id by {@code n}, in place. */
  void replace(Node n) {
    emitted.replace(n.id(), n);
  }

  /** Replaces the emitted node with {@code n}'s id by {@code n}, moved to the end. */
  void replaceAtEnd(Node n) {
    emitted.remove(n.id());
    emitted.put(n.id(), n);
  }

  /** The new graph; the old output's value stays the output, so it is moved last if needed. */
  Graph build() {
    List<Node> nodes = new ArrayList<>(emitted.values());
    Node output = emitted.get(resolve(graph.output().id()));
    nodes.remove(output);
    nodes.add(output);
    return graph.withNodes(nodes);
  }
}
