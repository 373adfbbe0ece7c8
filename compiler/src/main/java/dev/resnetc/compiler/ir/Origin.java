package dev.resnetc.compiler.ir;

import dev.resnetc.dsl.SourcePos;

/**
 * Where an IR node comes from: {@code pos} is where its layer is written (perhaps inside a block),
 * {@code site} the statement in the network that instantiated it. They coincide for layers written
 * directly in the network.
 */
public record Origin(SourcePos pos, SourcePos site) {
  public Origin {
    if (pos == null || site == null) {
      throw new NullPointerException("pos and site are required");
    }
  }

  public static Origin at(SourcePos pos) {
    return new Origin(pos, pos);
  }
}
