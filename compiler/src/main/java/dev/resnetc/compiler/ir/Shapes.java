package dev.resnetc.compiler.ir;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/** The shape of every value of a graph, as computed by {@code InferShapes}: a side table by node id. */
public final class Shapes {
  private final Map<Integer, Shape> byId;

  public Shapes(Map<Integer, Shape> byId) {
    this.byId = Collections.unmodifiableMap(new HashMap<>(byId));
  }

  public Shape of(int id) {
    Shape s = byId.get(id);
    if (s == null) {
      throw new IllegalArgumentException("no shape for %" + id);
    }
    return s;
  }

  public Shape of(Node node) {
    return of(node.id());
  }

  public Shape inputOf(Node node) {
    return of(node.inputs().get(0));
  }
}
