package dev.resnetc.dsl;

/** A 1-based position in a source file, carried by every AST and IR node so later passes can point at it. */
public record SourcePos(String file, int line, int column) {
  public SourcePos {
    if (file == null) {
      throw new NullPointerException("file");
    }
    if (line < 1 || column < 1) {
      throw new IllegalArgumentException("positions are 1-based: " + line + ":" + column);
    }
  }

  /** A position for things that have no place in any file, such as command-line options. */
  public static SourcePos none(String what) {
    return new SourcePos(what, 1, 1);
  }

  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
