package dev.resnetc.compiler.lower;

import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Origin;
import dev.resnetc.compiler.ir.Shape;
import dev.resnetc.compiler.ir.ShortcutMode;
import dev.resnetc.dsl.Ast;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.ErrorCode;
import dev.resnetc.dsl.SourcePos;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Lowers the AST of a program to the IR: expands block calls and stages, evaluates arguments, checks
 * them against the layer catalogue, and names every node by its dotted instance path. Shapes are not
 * known here; {@code InferShapes} checks them next.
 */
public final class Lower {
  /** More nodes than this is surely a mistake (a repeat inside a repeat inside a repeat). */
  static final int MAX_NODES = 100_000;

  static final int MAX_REPEAT = 1000;

  /** No sane size, stride or count in a ResNet comes near this. */
  static final long MAX_INT_ARG = 1 << 20;

  private final Diagnostics diagnostics;
  private final Map<String, Ast.Block> blocks = new LinkedHashMap<>();
  private final List<Node> nodes = new ArrayList<>();
  private final Deque<String> callStack = new ArrayDeque<>();
  private final Evaluator evaluator;

  private Lower(Diagnostics diagnostics) {
    this.diagnostics = diagnostics;
    this.evaluator = new Evaluator(diagnostics);
  }

  /** Lowers the program's network; empty if any error was reported. */
  public static Optional<Graph> lower(Program program, Diagnostics diagnostics) {
    int errorsBefore = diagnostics.errorCount();
    Lower lower = new Lower(diagnostics);
    lower.collectBlocks(program);
    List<Ast.Network> networks = program.main().networks();
    if (networks.isEmpty()) {
      diagnostics.error(ErrorCode.NO_NETWORK, new SourcePos(program.main().source().name(), 1, 1),
          "no network in this file",
          "declare one, e.g. network Net(input: [3, 224, 224]) { ... }; a file of blocks only can"
              + " be imported");
      return Optional.empty();
    }
    for (Ast.Network extra : networks.subList(1, networks.size())) {
      diagnostics.error(ErrorCode.MANY_NETWORKS, extra.pos(),
          "a file compiles to one network, but '" + extra.name() + "' is a second one (after '"
              + networks.get(0).name() + "')",
          "put each network in its own file and share blocks with import");
    }
    Graph graph;
    try {
      graph = lower.network(networks.get(0));
    } catch (TooLarge e) {
      return Optional.empty();
    }
    return diagnostics.errorCount() > errorsBefore || graph == null
        ? Optional.empty()
        : Optional.of(graph);
  }

  private void collectBlocks(Program program) {
    Map<String, SourcePos> seen = new HashMap<>();
    for (Ast.File file : program.files()) {
      for (Ast.Block block : file.blocks()) {
        if (LayerCatalog.LAYERS.containsKey(block.name()) || block.name().equals("residual")) {
          diagnostics.error(ErrorCode.DUPLICATE_DEFINITION, block.pos(),
              "block '" + block.name() + "' has the name of a built-in layer",
              "rename the block");
        } else if (seen.containsKey(block.name())) {
          diagnostics.error(ErrorCode.DUPLICATE_DEFINITION, block.pos(),
              "block '" + block.name() + "' is already defined at " + seen.get(block.name()));
        } else {
          seen.put(block.name(), block.pos());
          blocks.put(block.name(), block);
        }
      }
    }
  }

  private Graph network(Ast.Network net) {
    Map<String, Value> noParams = Map.of();
    int[] dims = new int[net.inputDims().size()];
    boolean ok = true;
    for (int i = 0; i < dims.length; i++) {
      Optional<Long> d = evaluator.integer(net.inputDims().get(i), noParams, "an input dimension",
          1, MAX_INT_ARG * 16);
      ok &= d.isPresent();
      dims[i] = d.orElse(1L).intValue();
    }
    if (dims.length != 1 && dims.length != 3) {
      diagnostics.error(ErrorCode.VALUE_OUT_OF_RANGE, net.inputDims().get(0).pos(),
          "the input has " + dims.length + " dimensions, but must be [C, H, W] or [F]",
          "leave out the batch dimension: it is chosen at run time");
      ok = false;
    }
    Origin origin = Origin.at(net.pos());
    nodes.add(new Node.Input(0, "input", origin));
    Scope scope = new Scope("");
    int errorsBefore = diagnostics.errorCount();
    int out = stmts(net.body(), scope, noParams, 0, null);
    if (nodes.size() == 1 && diagnostics.errorCount() == errorsBefore) {
      diagnostics.error(ErrorCode.NO_NETWORK, net.pos(), "network '" + net.name() + "' has no layers");
      return null;
    }
    if (!ok || out < 0) {
      return null;
    }
    return new Graph(net.name(), net.pos(), Shape.of(dims), nodes);
  }

  /** Lowers a statement list reading value {@code input}; returns the id of its last value. */
  private int stmts(List<Ast.Stmt> body, Scope scope, Map<String, Value> env, int input,
      SourcePos site) {
    int value = input;
    for (Ast.Stmt stmt : body) {
      SourcePos stmtSite = site == null ? stmt.pos() : site;
      value = stmt.accept(new StmtLowering(scope, env, value, stmtSite));
    }
    return value;
  }

  private int add(Node node) {
    if (nodes.size() >= MAX_NODES) {
      diagnostics.error(ErrorCode.NETWORK_TOO_LARGE, node.origin().site(),
          "the network expands to more than " + MAX_NODES + " layers",
          "check the repeat counts of nested stages");
      throw new TooLarge();
    }
    nodes.add(node);
    return node.id();
  }

  private int nextId() {
    return nodes.size();
  }

  /** Lowers one statement; the visitor returns the id of the statement's output value. */
  private final class StmtLowering implements Ast.StmtVisitor<Integer> {
    private final Scope scope;
    private final Map<String, Value> env;
    private final int input;
    private final SourcePos site;

    StmtLowering(Scope scope, Map<String, Value> env, int input, SourcePos site) {
      this.scope = scope;
      this.env = env;
      this.input = input;
      this.site = site;
    }

    @Override
    public Integer visitCall(Ast.Call call) {
      String name = scope.name(call.label(), call.name(), call.pos(), diagnostics);
      return call(call, call.args(), name, scope, env, input, site);
    }

    @Override
    public Integer visitRepeat(Ast.Repeat repeat) {
      Optional<Long> count = evaluator.integer(repeat.count(), env, "a repeat count", 1,
          MAX_REPEAT);
      if (count.isEmpty()) {
        return input;
      }
      for (Ast.Arg a : repeat.firstArgs()) {
        if (a.name().isEmpty()) {
          diagnostics.error(ErrorCode.POSITIONAL_AFTER_NAMED, a.pos(),
              "arguments of first(...) must be named", "write first(stride=2)");
          return input;
        }
      }
      String stage = scope.name(repeat.label(), repeat.call().name(), repeat.pos(), diagnostics);
      int value = input;
      for (int i = 0; i < count.get(); i++) {
        List<Ast.Arg> args = i == 0 ? override(repeat.call().args(), repeat.firstArgs())
            : repeat.call().args();
        value = call(repeat.call(), args, stage + "." + i, scope, env, value, site);
      }
      return value;
    }

    @Override
    public Integer visitResidual(Ast.Residual residual) {
      Map<String, Value> args = evaluator.bindLayer(LayerCatalog.RESIDUAL, residual.args(), env,
          residual.pos());
      Scope inner = residual.label().isPresent()
          ? scope.child(scope.name(residual.label(), "residual", residual.pos(), diagnostics))
          : scope;
      if (residual.body().isEmpty()) {
        diagnostics.error(ErrorCode.EMPTY_RESIDUAL, residual.pos(),
            "residual has an empty main path F", "put the layers of F between the braces");
        return input;
      }
      int main = stmts(residual.body(), inner, env, input, site);
      if (args == null) {
        return main;
      }
      ShortcutMode mode = shortcutMode(args.get("shortcut"), residual);
      String activation = ((Value.Symbol) args.get("activation")).name();
      if (!activation.equals("relu") && !activation.equals("none")) {
        diagnostics.error(ErrorCode.VALUE_OUT_OF_RANGE, residual.pos(),
            "unknown activation '" + activation + "' after the residual add",
            "use activation=relu (the default) or activation=none");
      }
      String projection = inner.prefix() + ((Value.Symbol) args.get("projection")).name();
      Origin origin = new Origin(residual.pos(), site);
      String addName = inner.name(Optional.empty(), "add", residual.pos(), diagnostics);
      int sum = add(new Node.Residual(nextId(), addName, origin, main, input,
          mode == null ? ShortcutMode.AUTO : mode, projection));
      if (activation.equals("relu")) {
        return add(new Node.Relu(nextId(), addName + ".relu", origin, sum));
      }
      return sum;
    }

    private ShortcutMode shortcutMode(Value v, Ast.Residual residual) {
      String mode = ((Value.Symbol) v).name();
      try {
        return ShortcutMode.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        diagnostics.error(ErrorCode.VALUE_OUT_OF_RANGE, residual.pos(),
            "unknown shortcut '" + mode + "'", "use one of auto, identity, projection, pad");
        return null;
      }
    }
  }

  /** A call's arguments with {@code overrides} replacing same-named ones or appended. */
  private static List<Ast.Arg> override(List<Ast.Arg> args, List<Ast.Arg> overrides) {
    List<Ast.Arg> out = new ArrayList<>();
    for (Ast.Arg a : args) {
      boolean replaced = a.name().isPresent() && overrides.stream()
          .anyMatch(o -> o.name().equals(a.name()));
      if (!replaced) {
        out.add(a);
      }
    }
    out.addAll(overrides);
    return out;
  }

  /** Lowers a call of a built-in layer or a block, named {@code name}. */
  private int call(Ast.Call call, List<Ast.Arg> args, String name, Scope scope,
      Map<String, Value> env, int input, SourcePos site) {
    LayerCatalog.Layer layer = LayerCatalog.LAYERS.get(call.name());
    if (layer != null) {
      Map<String, Value> values = evaluator.bindLayer(layer, args, env, call.pos());
      if (values == null) {
        return input;
      }
      Node node = new LayerBuilder(diagnostics).build(layer.name(), values, nextId(), name,
          new Origin(call.pos(), site), input, call.pos());
      return node == null ? input : add(node);
    }
    Ast.Block block = blocks.get(call.name());
    if (block == null) {
      List<String> known = new ArrayList<>(LayerCatalog.LAYERS.keySet());
      known.addAll(blocks.keySet());
      diagnostics.error(ErrorCode.UNKNOWN_LAYER, call.namePos(),
          "unknown layer or block '" + call.name() + "'", suggest(call.name(), known)
              .map(s -> "did you mean '" + s + "'?")
              .orElse("layers are " + String.join(", ", LayerCatalog.LAYERS.keySet())));
      return input;
    }
    if (callStack.contains(block.name())) {
      List<String> cycle = new ArrayList<>(callStack);
      java.util.Collections.reverse(cycle);
      cycle = cycle.subList(cycle.indexOf(block.name()), cycle.size());
      diagnostics.error(ErrorCode.RECURSIVE_BLOCK, call.namePos(),
          "block '" + block.name() + "' uses itself: " + String.join(" -> ", cycle) + " -> "
              + block.name(),
          "a block cannot contain itself; use repeat for a stack of blocks");
      return input;
    }
    Optional<Map<String, Value>> blockEnv = evaluator.bindBlock(block, args, env, call.pos());
    if (blockEnv.isEmpty()) {
      return input;
    }
    callStack.push(block.name());
    try {
      return stmts(block.body(), scope.child(name), blockEnv.get(), input, site);
    } finally {
      callStack.pop();
    }
  }

  /** The closest name within edit distance 2, for "did you mean" hints. */
  static Optional<String> suggest(String wrong, Collection<String> candidates) {
    String best = null;
    int bestDistance = 3;
    for (String c : candidates) {
      int d = editDistance(wrong, c);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return Optional.ofNullable(best);
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** Thrown to stop lowering a network that expands without bound; already reported. */
  private static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super(null, null, false, false);
    }
  }
}
