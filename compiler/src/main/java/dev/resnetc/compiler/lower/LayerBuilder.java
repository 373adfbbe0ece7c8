package dev.resnetc.compiler.lower;

import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Origin;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.ErrorCode;
import dev.resnetc.dsl.SourcePos;
import java.util.Map;

/** Turns a built-in layer call with type-checked arguments into an IR node, checking ranges. */
final class LayerBuilder {
  private final Diagnostics diagnostics;
  private boolean ok = true;

  LayerBuilder(Diagnostics diagnostics) {
    this.diagnostics = diagnostics;
  }

  /** The node for layer {@code kind}, or null after reporting an out-of-range argument. */
  Node build(String kind, Map<String, Value> args, int id, String name, Origin origin, int input,
      SourcePos pos) {
    Node node = switch (kind) {
      case "conv" -> {
        int kernel = positive(args, "kernel", kind, pos);
        int dilation = positive(args, "dilation", kind, pos);
        yield new Node.Conv(id, name, origin, input, positive(args, "out", kind, pos), kernel,
            positive(args, "stride", kind, pos), padding(args.get("padding"), kernel, dilation, pos),
            dilation, positive(args, "groups", kind, pos), bool(args, "bias"));
      }
      case "batchnorm" -> {
        double eps = real(args, "eps");
        if (!(eps > 0 && eps < 1)) {
          fail(pos, "batchnorm eps must be between 0 and 1 (exclusive), got " + eps);
        }
        yield new Node.BatchNorm(id, name, origin, input, eps);
      }
      case "relu" -> new Node.Relu(id, name, origin, input);
      case "maxpool", "avgpool" -> {
        int kernel = positive(args, "kernel", kind, pos);
        int stride = (int) ((Value.Int) args.get("stride")).value();
        stride = stride == 0 ? kernel : positive(args, "stride", kind, pos);
        int padding = nonNegative(args, "padding", kind, pos);
        if (padding > kernel / 2) {
          fail(pos, kind + " padding " + padding + " is more than half the kernel " + kernel,
              "PyTorch allows at most kernel/2");
        }
        yield kind.equals("maxpool")
            ? new Node.MaxPool(id, name, origin, input, kernel, stride, padding)
            : new Node.AvgPool(id, name, origin, input, kernel, stride, padding);
      }
      case "global_avgpool" -> new Node.GlobalAvgPool(id, name, origin, input);
      case "flatten" -> new Node.Flatten(id, name, origin, input);
      case "dense" -> new Node.Dense(id, name, origin, input, positive(args, "units", kind, pos),
          bool(args, "bias"));
      case "softmax" -> new Node.Softmax(id, name, origin, input);
      case "dropout" -> {
        double p = real(args, "p");
        if (!(p >= 0 && p < 1)) {
          fail(pos, "dropout p must be in [0, 1), got " + p);
        }
        yield new Node.Dropout(id, name, origin, input, p);
      }
      case "identity" -> new Node.Identity(id, name, origin, input);
      default -> throw new IllegalStateException("layer missing from LayerBuilder: " + kind);
    };
    return ok ? node : null;
  }

  private int positive(Map<String, Value> args, String arg, String kind, SourcePos pos) {
    long v = ((Value.Int) args.get(arg)).value();
    if (v < 1 || v > Lower.MAX_INT_ARG) {
      fail(pos, kind + " " + arg + " must be between 1 and " + Lower.MAX_INT_ARG + ", got " + v);
      return 1;
    }
    return (int) v;
  }

  private int nonNegative(Map<String, Value> args, String arg, String kind, SourcePos pos) {
    long v = ((Value.Int) args.get(arg)).value();
    if (v < 0 || v > Lower.MAX_INT_ARG) {
      fail(pos, kind + " " + arg + " must be between 0 and " + Lower.MAX_INT_ARG + ", got " + v);
      return 0;
    }
    return (int) v;
  }

  /** Resolves {@code same} to the padding that keeps the size at stride 1: d*(k-1)/2. */
  private int padding(Value v, int kernel, int dilation, SourcePos pos) {
    if (v instanceof Value.Symbol) {
      long span = (long) dilation * (kernel - 1);
      if (span % 2 != 0) {
        fail(pos, "padding=same needs an odd kernel, got " + kernel,
            "use an explicit padding for even kernels");
        return 0;
      }
      return (int) (span / 2);
    }
    long p = ((Value.Int) v).value();
    if (p < 0 || p > Lower.MAX_INT_ARG) {
      fail(pos, "conv padding must be between 0 and " + Lower.MAX_INT_ARG + ", got " + p);
      return 0;
    }
    return (int) p;
  }

  private static boolean bool(Map<String, Value> args, String arg) {
    return ((Value.Bool) args.get(arg)).value();
  }

  private static double real(Map<String, Value> args, String arg) {
    return ((Value.Real) args.get(arg)).value();
  }

  private void fail(SourcePos pos, String message) {
    fail(pos, message, "");
  }

  private void fail(SourcePos pos, String message, String hint) {
    diagnostics.error(ErrorCode.VALUE_OUT_OF_RANGE, pos, message, hint);
    ok = false;
  }
}
