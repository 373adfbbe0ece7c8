package dev.resnetc.compiler.lower;

import dev.resnetc.dsl.Ast;
import java.util.List;

/** The main file and every file it imports, directly or not, each parsed once. */
public record Program(Ast.File main, List<Ast.File> imports) {
  public Program {
    imports = List.copyOf(imports);
  }

  /** Main file first, then imports in the order they were first reached. */
  public List<Ast.File> files() {
    return java.util.stream.Stream.concat(java.util.stream.Stream.of(main), imports.stream())
        .toList();
  }
}
