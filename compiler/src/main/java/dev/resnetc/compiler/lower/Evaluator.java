package dev.resnetc.compiler.lower;

import dev.resnetc.dsl.Ast;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.ErrorCode;
import dev.resnetc.dsl.SourcePos;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates argument expressions in the environment of a block's parameters and binds call
 * arguments to layer and block parameters, reporting every problem with its position.
 */
final class Evaluator {
  private final Diagnostics diagnostics;

  Evaluator(Diagnostics diagnostics) {
    this.diagnostics = diagnostics;
  }

  /** Evaluates {@code e}; empty if it had an error, which was reported. */
  Optional<Value> eval(Ast.Expr e, Map<String, Value> env) {
    return Optional.ofNullable(e.accept(new Ast.ExprVisitor<Value>() {
      @Override
      public Value visitInt(Ast.IntLit i) {
        return new Value.Int(i.value());
      }

      @Override
      public Value visitReal(Ast.RealLit r) {
        return new Value.Real(r.value());
      }

      @Override
      public Value visitBool(Ast.BoolLit b) {
        return new Value.Bool(b.value());
      }

      @Override
      public Value visitName(Ast.Name n) {
        Value bound = env.get(n.name());
        return bound != null ? bound : new Value.Symbol(n.name());
      }

      @Override
      public Value visitNeg(Ast.Neg n) {
        Value v = n.operand().accept(this);
        if (v == null) {
          return null;
        }
        if (v instanceof Value.Int i) {
          return new Value.Int(-i.value());
        }
        if (v instanceof Value.Real r) {
          return new Value.Real(-r.value());
        }
        return notANumber(n.operand().pos(), v, env);
      }

      @Override
      public Value visitBinary(Ast.Binary b) {
        Value l = b.left().accept(this);
        Value r = b.right().accept(this);
        if (l == null || r == null) {
          return null;
        }
        if (!(l instanceof Value.Int || l instanceof Value.Real)) {
          return notANumber(b.left().pos(), l, env);
        }
        if (!(r instanceof Value.Int || r instanceof Value.Real)) {
          return notANumber(b.right().pos(), r, env);
        }
        if (l instanceof Value.Int li && r instanceof Value.Int ri) {
          return integerOp(b, li.value(), ri.value());
        }
        double x = asDouble(l);
        double y = asDouble(r);
        switch (b.op()) {
          case '+': return new Value.Real(x + y);
          case '-': return new Value.Real(x - y);
          case '*': return new Value.Real(x * y);
          case '/': return new Value.Real(x / y);
          default: return new Value.Real(x % y);
        }
      }
    }));
  }

  private Value integerOp(Ast.Binary b, long x, long y) {
    try {
      switch (b.op()) {
        case '+': return new Value.Int(Math.addExact(x, y));
        case '-': return new Value.Int(Math.subtractExact(x, y));
        case '*': return new Value.Int(Math.multiplyExact(x, y));
        case '/':
          if (x % y != 0) {
            diagnostics.error(ErrorCode.ARITHMETIC, b.pos(),
                x + " / " + y + " is not a whole number",
                "sizes must be integers; check the operands");
            return null;
          }
          return new Value.Int(x / y);
        default: return new Value.Int(x % y);
      }
    } catch (ArithmeticException e) {
      diagnostics.error(ErrorCode.ARITHMETIC, b.pos(),
          y == 0 ? "division by zero" : "integer overflow in " + x + " " + b.op() + " " + y);
      return null;
    }
  }

  private static double asDouble(Value v) {
    return v instanceof Value.Int i ? i.value() : ((Value.Real) v).value();
  }

  private Value notANumber(SourcePos pos, Value v, Map<String, Value> env) {
    if (v instanceof Value.Symbol s) {
      unknownName(pos, s.name(), env);
    } else {
      diagnostics.error(ErrorCode.WRONG_ARGUMENT_TYPE, pos,
          "arithmetic needs numbers, got " + v.describe());
    }
    return null;
  }

  private void unknownName(SourcePos pos, String name, Map<String, Value> env) {
    diagnostics.error(ErrorCode.UNKNOWN_NAME, pos, "unknown name '" + name + "'",
        Lower.suggest(name, env.keySet()).map(s -> "did you mean '" + s + "'?")
            .orElse(env.isEmpty() ? "names can only refer to block parameters"
                : "block parameters here: " + String.join(", ", env.keySet())));
  }

  /** Evaluates an integer in {@code [min, max]}; {@code what} names it in messages. */
  Optional<Long> integer(Ast.Expr e, Map<String, Value> env, String what, long min, long max) {
    Optional<Value> v = eval(e, env);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    Optional<Value> checked = check(v.get(), LayerCatalog.Type.INT, e.pos(), what, env);
    if (checked.isEmpty()) {
      return Optional.empty();
    }
    long n = ((Value.Int) checked.get()).value();
    if (n < min || n > max) {
      diagnostics.error(what.contains("repeat") ? ErrorCode.BAD_REPEAT_COUNT
              : ErrorCode.VALUE_OUT_OF_RANGE, e.pos(),
          what + " must be between " + min + " and " + max + ", got " + n);
      return Optional.empty();
    }
    return Optional.of(n);
  }

  /** Checks that {@code v} has {@code type}; reports and returns empty otherwise. */
  private Optional<Value> check(Value v, LayerCatalog.Type type, SourcePos pos, String what,
      Map<String, Value> env) {
    boolean ok = switch (type) {
      case INT -> v instanceof Value.Int;
      case REAL -> v instanceof Value.Int || v instanceof Value.Real;
      case BOOL -> v instanceof Value.Bool;
      case INT_OR_SAME -> v instanceof Value.Int
          || v instanceof Value.Symbol s && s.name().equals("same");
      case SYMBOL -> v instanceof Value.Symbol;
    };
    if (ok) {
      return Optional.of(type == LayerCatalog.Type.REAL ? new Value.Real(asDouble(v)) : v);
    }
    if (v instanceof Value.Symbol s && type != LayerCatalog.Type.BOOL) {
      unknownName(pos, s.name(), env);
      return Optional.empty();
    }
    String expected = switch (type) {
      case INT -> "an integer";
      case REAL -> "a number";
      case BOOL -> "true or false";
      case INT_OR_SAME -> "an integer or same";
      case SYMBOL -> "a name";
    };
    diagnostics.error(ErrorCode.WRONG_ARGUMENT_TYPE, pos,
        what + " must be " + expected + ", got " + v.describe());
    return Optional.empty();
  }

  /**
   * Binds {@code args} to the parameters {@code names} in order: positional ones first, then named
   * ones. Returns param name to argument, or empty after reporting what was wrong.
   */
  private Optional<Map<String, Ast.Arg>> match(String callee, List<String> names,
      List<Ast.Arg> args, SourcePos callPos) {
    Map<String, Ast.Arg> bound = new LinkedHashMap<>();
    boolean ok = true;
    boolean sawNamed = false;
    int positional = 0;
    for (Ast.Arg a : args) {
      if (a.name().isEmpty()) {
        if (sawNamed) {
          diagnostics.error(ErrorCode.POSITIONAL_AFTER_NAMED, a.pos(),
              "positional argument after a named one in " + callee,
              "put positional arguments first");
          ok = false;
          continue;
        }
        if (positional >= names.size()) {
          diagnostics.error(ErrorCode.UNKNOWN_ARGUMENT, a.pos(),
              callee + " takes " + names.size() + " argument" + (names.size() == 1 ? "" : "s")
                  + " but got more",
              names.isEmpty() ? callee + " takes no arguments"
                  : "its arguments are " + String.join(", ", names));
          ok = false;
          continue;
        }
        bound.put(names.get(positional++), a);
        continue;
      }
      sawNamed = true;
      String name = a.name().get();
      if (!names.contains(name)) {
        diagnostics.error(ErrorCode.UNKNOWN_ARGUMENT, a.pos(),
            callee + " has no argument '" + name + "'",
            Lower.suggest(name, names).map(s -> "did you mean '" + s + "'?")
                .orElse(names.isEmpty() ? callee + " takes no arguments"
                    : "its arguments are " + String.join(", ", names)));
        ok = false;
      } else if (bound.containsKey(name)) {
        diagnostics.error(ErrorCode.DUPLICATE_ARGUMENT, a.pos(),
            "argument '" + name + "' is given twice in " + callee);
        ok = false;
      } else {
        bound.put(name, a);
      }
    }
    return ok ? Optional.of(bound) : Optional.empty();
  }

  /** Binds and type-checks a built-in layer's arguments; null after reporting an error. */
  Map<String, Value> bindLayer(LayerCatalog.Layer layer, List<Ast.Arg> args,
      Map<String, Value> env, SourcePos callPos) {
    List<String> names = layer.args().stream().map(LayerCatalog.Arg::name).toList();
    Optional<Map<String, Ast.Arg>> matched = match(layer.name(), names, args, callPos);
    if (matched.isEmpty()) {
      return null;
    }
    Map<String, Value> values = new HashMap<>();
    List<String> missing = new ArrayList<>();
    boolean ok = true;
    for (LayerCatalog.Arg spec : layer.args()) {
      Ast.Arg given = matched.get().get(spec.name());
      if (given == null) {
        if (spec.defaultValue().isPresent()) {
          values.put(spec.name(), spec.defaultValue().get());
        } else {
          missing.add(spec.name());
        }
        continue;
      }
      Optional<Value> v = eval(given.value(), env)
          .flatMap(x -> check(x, spec.type(), given.value().pos(),
              layer.name() + " argument '" + spec.name() + "'", env));
      ok &= v.isPresent();
      v.ifPresent(x -> values.put(spec.name(), x));
    }
    if (!missing.isEmpty()) {
      diagnostics.error(ErrorCode.MISSING_ARGUMENT, callPos,
          layer.name() + " needs " + (missing.size() == 1 ? "argument '" : "arguments '")
              + String.join("', '", missing) + "'",
          "e.g. " + example(layer));
      ok = false;
    }
    return ok ? values : null;
  }

  private static String example(LayerCatalog.Layer layer) {
    return switch (layer.name()) {
      case "conv" -> "conv(64, kernel=3, padding=1)";
      case "dense" -> "dense(1000)";
      default -> layer.name() + "(kernel=3, stride=2)";
    };
  }

  /**
   * Binds a block call's arguments, evaluated in the caller's {@code env}, to the block's
   * parameters; defaults are evaluated in the block, so they may use earlier parameters.
   */
  Optional<Map<String, Value>> bindBlock(Ast.Block block, List<Ast.Arg> args,
      Map<String, Value> env, SourcePos callPos) {
    List<String> names = block.params().stream().map(Ast.Param::name).toList();
    Optional<Map<String, Ast.Arg>> matched = match("block " + block.name(), names, args, callPos);
    if (matched.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Value> inner = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    boolean ok = true;
    for (Ast.Param p : block.params()) {
      Ast.Arg given = matched.get().get(p.name());
      Optional<Value> v;
      if (given != null) {
        v = eval(given.value(), env);
      } else if (p.defaultValue().isPresent()) {
        v = eval(p.defaultValue().get(), inner);
      } else {
        missing.add(p.name());
        continue;
      }
      ok &= v.isPresent();
      v.ifPresent(x -> inner.put(p.name(), x));
    }
    if (!missing.isEmpty()) {
      diagnostics.error(ErrorCode.MISSING_ARGUMENT, callPos,
          "block " + block.name() + " needs " + (missing.size() == 1 ? "argument '"
              : "arguments '") + String.join("', '", missing) + "'",
          "it is declared at " + block.pos());
      ok = false;
    }
    return ok ? Optional.of(inner) : Optional.empty();
  }
}
