package dev.resnetc.compiler.pass;

import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Shape;
import dev.resnetc.compiler.ir.Shapes;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.ErrorCode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Computes the shape of every value and reports each layer that cannot accept its input: wrong rank,
 * kernels larger than the padded input, channels not divisible by groups. A node whose input already
 * failed is skipped, so one mistake gives one error, not a cascade.
 */
public final class InferShapes implements Node.Visitor<Shape> {
  /** Java arrays hold at most this many floats; a larger image cannot be one tensor. */
  static final long MAX_TENSOR = Integer.MAX_VALUE - 8;

  private final Graph graph;
  private final Diagnostics diagnostics;
  private final Map<Integer, Shape> shapes = new HashMap<>();
  private final Set<Integer> failed = new HashSet<>();

  private InferShapes(Graph graph, Diagnostics diagnostics) {
    this.graph = graph;
    this.diagnostics = diagnostics;
  }

  /** The shapes of {@code graph}; empty if any layer reported an error. */
  public static Optional<Shapes> run(Graph graph, Diagnostics diagnostics) {
    InferShapes pass = new InferShapes(graph, diagnostics);
    for (Node n : graph.nodes()) {
      if (n.inputs().stream().anyMatch(pass.failed::contains)) {
        pass.failed.add(n.id());
        continue;
      }
      Shape s = n.accept(pass);
      if (s == null) {
        pass.failed.add(n.id());
      } else if (s.size() > MAX_TENSOR) {
        diagnostics.error(ErrorCode.TENSOR_TOO_LARGE, n.origin().pos(),
            "'" + n.name() + "' outputs " + s + " = " + s.size()
                + " values per image, more than a Java array holds");
        pass.failed.add(n.id());
      } else {
        pass.shapes.put(n.id(), s);
      }
    }
    return pass.failed.isEmpty() ? Optional.of(new Shapes(pass.shapes)) : Optional.empty();
  }

  private Shape in(Node n) {
    return shapes.get(n.inputs().get(0));
  }

  private Shape fail(Node n, ErrorCode code, String message, String hint) {
    diagnostics.error(code, n.origin().pos(), message + inInstance(n), hint);
    return null;
  }

  /** Names the instance when the layer is written inside a block, since the block has many. */
  private static String inInstance(Node n) {
    return n.origin().pos().equals(n.origin().site()) ? "" : " (in '" + n.name() + "', used at "
        + n.origin().site() + ")";
  }

  private Shape requireImage(Node n, String layer) {
    Shape s = in(n);
    if (!s.isImage()) {
      return fail(n, ErrorCode.WRONG_RANK, layer + " needs a [C, H, W] input, got " + s,
          "images become vectors with flatten, not the other way round");
    }
    return s;
  }

  /** The output size of a sliding window, or -1 after reporting that the window does not fit. */
  private int window(Node n, String layer, int size, int kernel, int stride, int padding,
      int dilation, String axis) {
    long span = (long) dilation * (kernel - 1) + 1;
    long padded = size + 2L * padding;
    if (span > padded) {
      boolean shrunk = graph.inputShape().isImage() && size < graph.inputShape().dim(1)
          && size < graph.inputShape().dim(2);
      if (shrunk) {
        fail(n, ErrorCode.SPATIAL_COLLAPSE, "spatial size collapses to zero: " + layer
                + " with kernel " + kernel + (dilation > 1 ? " dilated " + dilation : "")
                + " needs " + span + " " + axis + " pixels but the input is only " + size
                + (padding > 0 ? " (+" + 2 * padding + " padding)" : "")
                + " after downsampling",
            "the input " + graph.inputShape() + " is too small for this many downsampling"
                + " layers: use a larger input or fewer strides");
      } else {
        fail(n, ErrorCode.KERNEL_TOO_LARGE, layer + " kernel " + kernel
                + (dilation > 1 ? " (dilated span " + span + ")" : "") + " is larger than its padded "
                + axis + " input " + padded + " (" + size + " + 2*" + padding + ")",
            "use a smaller kernel or more padding");
      }
      return -1;
    }
    return (int) ((padded - span) / stride + 1);
  }

  @Override
  public Shape visitInput(Node.Input n) {
    return graph.inputShape();
  }

  @Override
  public Shape visitConv(Node.Conv n) {
    Shape s = requireImage(n, "conv");
    if (s == null) {
      return null;
    }
    if (s.channels() % n.groups() != 0 || n.outChannels() % n.groups() != 0) {
      return fail(n, ErrorCode.GROUPS_MISMATCH, "conv with groups=" + n.groups() + " needs in and"
              + " out channels divisible by " + n.groups() + ", got " + s.channels() + " -> "
              + n.outChannels(),
          "choose groups that divides both channel counts");
    }
    int h = window(n, "conv", s.height(), n.kernel(), n.stride(), n.padding(), n.dilation(),
        "vertical");
    int w = h < 0 ? -1 : window(n, "conv", s.width(), n.kernel(), n.stride(), n.padding(),
        n.dilation(), "horizontal");
    return w < 0 ? null : Shape.image(n.outChannels(), h, w);
  }

  @Override
  public Shape visitBatchNorm(Node.BatchNorm n) {
    return in(n);
  }

  @Override
  public Shape visitRelu(Node.Relu n) {
    return in(n);
  }

  private Shape pool(Node n, String layer, int kernel, int stride, int padding) {
    Shape s = requireImage(n, layer);
    if (s == null) {
      return null;
    }
    int h = window(n, layer, s.height(), kernel, stride, padding, 1, "vertical");
    int w = h < 0 ? -1 : window(n, layer, s.width(), kernel, stride, padding, 1, "horizontal");
    return w < 0 ? null : Shape.image(s.channels(), h, w);
  }

  @Override
  public Shape visitMaxPool(Node.MaxPool n) {
    return pool(n, "maxpool", n.kernel(), n.stride(), n.padding());
  }

  @Override
  public Shape visitAvgPool(Node.AvgPool n) {
    return pool(n, "avgpool", n.kernel(), n.stride(), n.padding());
  }

  @Override
  public Shape visitGlobalAvgPool(Node.GlobalAvgPool n) {
    Shape s = requireImage(n, "global_avgpool");
    return s == null ? null : Shape.image(s.channels(), 1, 1);
  }

  @Override
  public Shape visitFlatten(Node.Flatten n) {
    long size = in(n).size();
    if (size > MAX_TENSOR) {
      return fail(n, ErrorCode.TENSOR_TOO_LARGE, "flatten would make a vector of " + size
          + " values", "");
    }
    return Shape.vector((int) size);
  }

  @Override
  public Shape visitDense(Node.Dense n) {
    Shape s = in(n);
    if (!s.isVector()) {
      return fail(n, ErrorCode.WRONG_RANK, "dense needs a flat [F] input, got " + s,
          "add flatten before it (after global_avgpool for a classifier head)");
    }
    return Shape.vector(n.units());
  }

  @Override
  public Shape visitSoftmax(Node.Softmax n) {
    Shape s = in(n);
    if (!s.isVector()) {
      return fail(n, ErrorCode.WRONG_RANK, "softmax needs a flat [F] input, got " + s,
          "add flatten before it");
    }
    return s;
  }

  @Override
  public Shape visitDropout(Node.Dropout n) {
    return in(n);
  }

  @Override
  public Shape visitIdentity(Node.Identity n) {
    return in(n);
  }

  /** The sum has the main path's shape; InsertProjections checks the shortcut against it. */
  @Override
  public Shape visitResidual(Node.Residual n) {
    return shapes.get(n.main());
  }

  @Override
  public Shape visitAdd(Node.Add n) {
    Shape l = shapes.get(n.left());
    Shape r = shapes.get(n.right());
    if (!l.equals(r)) {
      return fail(n, ErrorCode.SHORTCUT_MISMATCH, "cannot add " + l + " and " + r, "");
    }
    return l;
  }

  @Override
  public Shape visitPadShortcut(Node.PadShortcut n) {
    Shape s = requireImage(n, "pad shortcut");
    if (s == null) {
      return null;
    }
    return Shape.image(n.outChannels(), (s.height() - 1) / n.stride() + 1,
        (s.width() - 1) / n.stride() + 1);
  }
}
