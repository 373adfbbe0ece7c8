package dev.resnetc.compiler.pass;

import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Shape;
import dev.resnetc.compiler.ir.Shapes;
import dev.resnetc.compiler.ir.ShortcutMode;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides every residual's shortcut and replaces each {@link Node.Residual} by an {@link Node.Add}:
 * the identity where shapes match, otherwise the projection W_s of He et al. (a 1x1 convolution with
 * BatchNorm on images, a matrix on vectors) or option A's zero-padded subsampling. Each inserted
 * shortcut is reported as a note at the statement that instantiated it.
 *
 * <p>NOTE: needs the shapes of {@link InferShapes}; run InferShapes again afterwards, since the
 * inserted nodes have no shapes yet. Idempotent: a graph without residuals comes back unchanged.
 */
public final class InsertProjections {
  private final Graph graph;
  private final Shapes shapes;
  private final Diagnostics diagnostics;
  private final List<Node> out = new ArrayList<>();
  private int nextId;

  private InsertProjections(Graph graph, Shapes shapes, Diagnostics diagnostics) {
    this.graph = graph;
    this.shapes = shapes;
    this.diagnostics = diagnostics;
    this.nextId = graph.nextId();
  }

  public static Optional<Graph> run(Graph graph, Shapes shapes, Diagnostics diagnostics) {
    int errorsBefore = diagnostics.errorCount();
    InsertProjections pass = new InsertProjections(graph, shapes, diagnostics);
    for (Node n : graph.nodes()) {
      if (n instanceof Node.Residual r) {
        pass.residual(r);
      } else {
        pass.out.add(n);
      }
    }
    return diagnostics.errorCount() > errorsBefore ? Optional.empty()
        : Optional.of(graph.withNodes(pass.out));
  }

  private void residual(Node.Residual r) {
    Shape main = shapes.of(r.main());
    Shape skip = shapes.of(r.shortcut());
    int shortcut = r.shortcut();
    boolean same = main.equals(skip);
    switch (r.mode()) {
      case IDENTITY -> {
        if (!same) {
          mismatch(r, main, skip, "use shortcut=auto to insert the projection W_s where shapes"
              + " differ, or shortcut=projection to always project");
          return;
        }
      }
      case AUTO -> {
        if (!same) {
          shortcut = project(r, main, skip);
        }
      }
      case PROJECTION -> shortcut = project(r, main, skip);
      case PAD -> {
        if (!same) {
          shortcut = pad(r, main, skip);
        }
      }
    }
    if (shortcut >= 0) {
      out.add(new Node.Add(r.id(), r.name(), r.origin(), r.main(), shortcut));
    }
  }

  /** Inserts W_s mapping {@code skip} to {@code main}; returns its output id, or -1. */
  private int project(Node.Residual r, Shape main, Shape skip) {
    String owner = owner(r);
    if (main.isVector() && skip.isVector()) {
      int id = add(new Node.Dense(nextId++, r.projectionName(), r.origin(), r.shortcut(),
          main.channels(), false));
      diagnostics.note(ErrorCode.INSERTED_PROJECTION, r.origin().site(),
          "inserted W_s: " + main.channels() + "x" + skip.channels() + " matrix (shortcut of "
              + owner + ")");
      return id;
    }
    int stride = main.isImage() && skip.isImage() ? stride(skip, main) : -1;
    if (stride < 0) {
      mismatch(r, main, skip, main.rank() != skip.rank()
          ? "a shortcut cannot change an image into a vector; keep flatten outside the residual"
          : "W_s is a 1x1 convolution with a stride, so the main path must shrink H and W by the"
              + " same whole factor");
      return -1;
    }
    int conv = add(new Node.Conv(nextId++, r.projectionName() + ".0", r.origin(), r.shortcut(),
        main.channels(), 1, stride, 0, 1, 1, false));
    int bn = add(new Node.BatchNorm(nextId++, r.projectionName() + ".1", r.origin(), conv, 1e-5));
    diagnostics.note(ErrorCode.INSERTED_PROJECTION, r.origin().site(),
        "inserted W_s: 1x1 conv " + skip.channels() + "\u2192" + main.channels()
            + (stride > 1 ? " stride " + stride : "") + " + batchnorm (shortcut of " + owner + ")");
    return bn;
  }

  /** Inserts option A's shortcut; returns its output id, or -1. */
  private int pad(Node.Residual r, Shape main, Shape skip) {
    int stride = main.isImage() && skip.isImage() ? stride(skip, main) : -1;
    if (stride < 0 || main.channels() < skip.channels()) {
      diagnostics.error(ErrorCode.PAD_SHORTCUT_SHRINKS, r.origin().pos(),
          "shortcut=pad cannot map " + skip + " to " + main + " (shortcut of " + owner(r) + ")",
          "option A only subsamples and adds zero channels; use shortcut=projection to reduce"
              + " channels");
      return -1;
    }
    int padFront = (main.channels() - skip.channels()) / 2;
    int id = add(new Node.PadShortcut(nextId++, r.projectionName(), r.origin(), r.shortcut(),
        stride, main.channels(), padFront));
    diagnostics.note(ErrorCode.PADDED_SHORTCUT, r.origin().site(),
        "padded shortcut (option A): " + skip + " -> " + main + ", stride " + stride + ", "
            + (main.channels() - skip.channels()) + " zero channels (shortcut of " + owner(r) + ")");
    return id;
  }

  /** The stride s with ceil(in/s) == out on both axes, as a 1x1 conv computes it, or -1. */
  private static int stride(Shape in, Shape out) {
    for (int s = 1; s <= Math.max(in.height(), in.width()); s++) {
      if ((in.height() - 1) / s + 1 == out.height() && (in.width() - 1) / s + 1 == out.width()) {
        return s;
      }
    }
    return -1;
  }

  private void mismatch(Node.Residual r, Shape main, Shape skip, String hint) {
    diagnostics.error(ErrorCode.SHORTCUT_MISMATCH, r.origin().pos(),
        "shortcut of " + owner(r) + " carries " + skip + " but the main path gives " + main
            + (r.mode() == ShortcutMode.IDENTITY ? " (shortcut=identity)" : ""),
        hint);
  }

  /** The block instance a residual belongs to: {@code layer2.0} for {@code layer2.0.downsample}. */
  private static String owner(Node.Residual r) {
    int dot = r.projectionName().lastIndexOf('.');
    return dot < 0 ? "the network" : r.projectionName().substring(0, dot);
  }

  private int add(Node n) {
    out.add(n);
    return n.id();
  }
}
