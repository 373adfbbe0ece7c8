package dev.resnetc.compiler.codegen;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Param;
import dev.resnetc.compiler.ir.Shape;
import dev.resnetc.compiler.ir.Shapes;
import dev.resnetc.runtime.Conv2d;
import dev.resnetc.runtime.Pool2d;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The generated class as data: the buffers a forward pass needs and the kernel calls that fill
 * them, in order. Layers that do not change data (flatten, dropout, identity) become buffer aliases,
 * not calls. {@link JavaWriter} turns a plan into Java without looking at the IR again.
 */
public record KernelPlan(Compilation compilation, List<Buffer> buffers, List<Step> steps,
    int outputBuffer) {
  public KernelPlan {
    buffers = List.copyOf(buffers);
    steps = List.copyOf(steps);
  }

  /** A float array holding one value for the whole batch: {@code batch * perImage} floats. */
  public record Buffer(int id, int perImage, String producer) {}

  /** One kernel call; {@code node} names the layer it implements, for comments. */
  public sealed interface Step {
    String node();

    /** The buffer this step writes. */
    int out();

    /** {@code Kernels.conv2d}; {@code bias} is a parameter name or null. */
    record Conv(String node, Conv2d geometry, int in, int out, String weight, String bias)
        implements Step {}

    /** {@code Kernels.batchNorm} over {@code channels} planes of {@code spatial} values. */
    record BatchNorm(String node, int channels, int spatial, float eps, int in, int out,
        String gamma, String beta, String mean, String var) implements Step {}

    /** {@code Kernels.relu} on {@code perImage} values per image. */
    record Relu(String node, int perImage, int in, int out) implements Step {}

    /** {@code Kernels.add}. */
    record Add(String node, int perImage, int left, int right, int out) implements Step {}

    /** {@code Kernels.maxPool2d} or {@code Kernels.avgPool2d}. */
    record Pool(String node, boolean max, Pool2d geometry, int in, int out) implements Step {}

    /** {@code Kernels.globalAvgPool}. */
    record GlobalAvgPool(String node, int channels, int spatial, int in, int out)
        implements Step {}

    /** {@code Kernels.dense}; {@code bias} is a parameter name or null. */
    record Dense(String node, int inFeatures, int outFeatures, int in, int out, String weight,
        String bias) implements Step {}

    /** {@code Kernels.softmax}. */
    record Softmax(String node, int features, int in, int out) implements Step {}

    /** {@code Kernels.padShortcut}, He et al.'s option A. */
    record PadShortcut(String node, int inChannels, int inHeight, int inWidth, int stride,
        int outChannels, int padFront, int in, int out) implements Step {}
  }

  public static KernelPlan of(Compilation c) {
    return new Planner(c).plan();
  }

  /** Walks the graph once, giving each value a buffer and each computing node a step. */
  private static final class Planner implements Node.Visitor<Void> {
    private final Compilation c;
    private final Shapes shapes;
    private final List<Buffer> buffers = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final Map<Integer, Integer> bufferOf = new HashMap<>();

    Planner(Compilation c) {
      this.c = c;
      this.shapes = c.shapes();
    }

    KernelPlan plan() {
      for (Node n : c.graph().nodes()) {
        n.accept(this);
      }
      return new KernelPlan(c, buffers, steps, bufferOf.get(c.graph().output().id()));
    }

    private int in(Node n) {
      return bufferOf.get(n.inputs().get(0));
    }

    private int newBuffer(Node n) {
      int id = buffers.size();
      buffers.add(new Buffer(id, Math.toIntExact(shapes.of(n).size()), n.name()));
      bufferOf.put(n.id(), id);
      return id;
    }

    private Void alias(Node n) {
      bufferOf.put(n.id(), in(n));
      return null;
    }

    private String param(Node n, String suffix) {
      return n.name() + "." + suffix;
    }

    private int perImage(Node n) {
      return Math.toIntExact(shapes.of(n).size());
    }

    @Override
    public Void visitInput(Node.Input n) {
      newBuffer(n);
      return null;
    }

    @Override
    public Void visitConv(Node.Conv n) {
      Shape in = shapes.inputOf(n);
      Conv2d g = new Conv2d(in.channels(), in.height(), in.width(), n.outChannels(), n.kernel(),
          n.stride(), n.padding(), n.dilation(), n.groups());
      int src = in(n);
      steps.add(new Step.Conv(n.name(), g, src, newBuffer(n), param(n, "weight"),
          n.bias() ? param(n, "bias") : null));
      return null;
    }

    @Override
    public Void visitBatchNorm(Node.BatchNorm n) {
      Shape s = shapes.of(n);
      int src = in(n);
      steps.add(new Step.BatchNorm(n.name(), s.channels(), (int) (s.size() / s.channels()),
          (float) n.eps(), src, newBuffer(n), param(n, "weight"), param(n, "bias"),
          param(n, "running_mean"), param(n, "running_var")));
      return null;
    }

    @Override
    public Void visitRelu(Node.Relu n) {
      int src = in(n);
      steps.add(new Step.Relu(n.name(), perImage(n), src, newBuffer(n)));
      return null;
    }

    private Void pool(Node n, boolean max, int kernel, int stride, int padding) {
      Shape in = shapes.inputOf(n);
      Pool2d g = new Pool2d(in.channels(), in.height(), in.width(), kernel, stride, padding);
      int src = in(n);
      steps.add(new Step.Pool(n.name(), max, g, src, newBuffer(n)));
      return null;
    }

    @Override
    public Void visitMaxPool(Node.MaxPool n) {
      return pool(n, true, n.kernel(), n.stride(), n.padding());
    }

    @Override
    public Void visitAvgPool(Node.AvgPool n) {
      return pool(n, false, n.kernel(), n.stride(), n.padding());
    }

    @Override
    public Void visitGlobalAvgPool(Node.GlobalAvgPool n) {
      Shape in = shapes.inputOf(n);
      int src = in(n);
      steps.add(new Step.GlobalAvgPool(n.name(), in.channels(), in.height() * in.width(), src,
          newBuffer(n)));
      return null;
    }

    @Override
    public Void visitFlatten(Node.Flatten n) {
      return alias(n);
    }

    @Override
    public Void visitDense(Node.Dense n) {
      int src = in(n);
      steps.add(new Step.Dense(n.name(), shapes.inputOf(n).channels(), n.units(), src,
          newBuffer(n), param(n, "weight"), n.bias() ? param(n, "bias") : null));
      return null;
    }

    @Override
    public Void visitSoftmax(Node.Softmax n) {
      int src = in(n);
      steps.add(new Step.Softmax(n.name(), shapes.of(n).channels(), src, newBuffer(n)));
      return null;
    }

    @Override
    public Void visitDropout(Node.Dropout n) {
      return alias(n);
    }

    @Override
    public Void visitIdentity(Node.Identity n) {
      return alias(n);
    }

    @Override
    public Void visitResidual(Node.Residual n) {
      throw new IllegalStateException("InsertProjections must run before planning: " + n.name());
    }

    @Override
    public Void visitAdd(Node.Add n) {
      int left = bufferOf.get(n.left());
      int right = bufferOf.get(n.right());
      steps.add(new Step.Add(n.name(), perImage(n), left, right, newBuffer(n)));
      return null;
    }

    @Override
    public Void visitPadShortcut(Node.PadShortcut n) {
      Shape in = shapes.inputOf(n);
      int src = in(n);
      steps.add(new Step.PadShortcut(n.name(), in.channels(), in.height(), in.width(), n.stride(),
          n.outChannels(), n.padFront(), src, newBuffer(n)));
      return null;
    }
  }

  /** The parameter table in load order. */
  public List<Param> params() {
    return compilation.params();
  }
}
