package dev.resnetc.compiler.lower;

/** The value of an evaluated expression: an integer, a real, a boolean or a bare symbol. */
sealed interface Value {
  String describe();

  record Int(long value) implements Value {
    @Override
    public String describe() {
      return "integer " + value;
    }
  }

  record Real(double value) implements Value {
    @Override
    public String describe() {
      return "number " + value;
    }
  }

  record Bool(boolean value) implements Value {
    @Override
    public String describe() {
      return "boolean " + value;
    }
  }

  /** A name that is not a block parameter, such as {@code same}, {@code auto} or {@code relu}. */
  record Symbol(String name) implements Value {
    @Override
    public String describe() {
      return "name '" + name + "'";
    }
  }
}
