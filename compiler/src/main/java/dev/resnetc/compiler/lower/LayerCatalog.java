package dev.resnetc.compiler.lower;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in layers and their arguments, in the order positional arguments bind. One table so
 * that lowering, the error messages and the language reference agree.
 */
final class LayerCatalog {
  /** What an argument accepts. */
  enum Type {
    INT, REAL, BOOL, INT_OR_SAME, SYMBOL
  }

  /** One argument; {@code defaultValue} is empty when the argument is required. */
  record Arg(String name, Type type, Optional<Value> defaultValue) {
    static Arg required(String name, Type type) {
      return new Arg(name, type, Optional.empty());
    }

    static Arg optional(String name, Type type, Value value) {
      return new Arg(name, type, Optional.of(value));
    }
  }

  /** A built-in layer's signature. */
  record Layer(String name, List<Arg> args) {
    Optional<Arg> arg(String argName) {
      return args.stream().filter(a -> a.name().equals(argName)).findFirst();
    }
  }

  static final Map<String, Layer> LAYERS = new LinkedHashMap<>();

  private static void define(String name, Arg... args) {
    LAYERS.put(name, new Layer(name, List.of(args)));
  }

  private static Value i(long v) {
    return new Value.Int(v);
  }

  static {
    define("conv",
        Arg.required("out", Type.INT),
        Arg.required("kernel", Type.INT),
        Arg.optional("stride", Type.INT, i(1)),
        Arg.optional("padding", Type.INT_OR_SAME, i(0)),
        Arg.optional("dilation", Type.INT, i(1)),
        Arg.optional("groups", Type.INT, i(1)),
        Arg.optional("bias", Type.BOOL, new Value.Bool(true)));
    define("batchnorm", Arg.optional("eps", Type.REAL, new Value.Real(1e-5)));
    define("relu");
    // maxpool and avgpool default their stride to the kernel, as PyTorch does; lowering fills it.
    define("maxpool",
        Arg.required("kernel", Type.INT),
        Arg.optional("stride", Type.INT, i(0)),
        Arg.optional("padding", Type.INT, i(0)));
    define("avgpool",
        Arg.required("kernel", Type.INT),
        Arg.optional("stride", Type.INT, i(0)),
        Arg.optional("padding", Type.INT, i(0)));
    define("global_avgpool");
    define("flatten");
    define("dense",
        Arg.required("units", Type.INT),
        Arg.optional("bias", Type.BOOL, new Value.Bool(true)));
    define("softmax");
    define("dropout", Arg.optional("p", Type.REAL, new Value.Real(0.5)));
    define("identity");
  }

  /** The arguments of {@code residual(...)}. */
  static final Layer RESIDUAL = new Layer("residual", List.of(
      Arg.optional("shortcut", Type.SYMBOL, new Value.Symbol("auto")),
      Arg.optional("activation", Type.SYMBOL, new Value.Symbol("relu")),
      Arg.optional("projection", Type.SYMBOL, new Value.Symbol("shortcut"))));

  private LayerCatalog() {}
}
