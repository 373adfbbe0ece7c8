package dev.resnetc.compiler.codegen;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.ir.Epilogue;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Param;
import dev.resnetc.compiler.ir.Shape;
import dev.resnetc.compiler.ir.Shapes;
import dev.resnetc.runtime.Conv2d;
import dev.resnetc.runtime.ConvWeights;
import dev.resnetc.runtime.Layout;
import dev.resnetc.runtime.Pool2d;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The generated class as data: the weight arrays it keeps, the buffers a forward pass needs and
 * the kernel calls that fill them, in order. Layers that do not change data (flatten, and dropout
 * and identity at {@code -O0}) become buffer aliases, not calls, except a flatten of an image the
 * runtime may keep blocked by channels, which becomes a conversion to NCHW. {@link JavaWriter}
 * turns a plan into Java without looking at the IR again.
 */
public record KernelPlan(Compilation compilation, List<Array> arrays, List<Buffer> buffers,
    List<Step> steps, int outputBuffer) {
  /** The buffer that is the caller's input array. */
  public static final int INPUT = 0;

  public KernelPlan {
    arrays = List.copyOf(arrays);
    buffers = List.copyOf(buffers);
    steps = List.copyOf(steps);
  }

  /**
   * A float array the generated class keeps: a tensor from the weight file, or one computed from
   * several when a BatchNorm is folded ({@code fold} names that BatchNorm).
   *
   * @param key the tensor's name, such as {@code layer1.0.conv1.weight}
   * @param source the file tensor it starts from, or empty for a folded bias of a layer without
   *     one
   * @param fold the folded BatchNorm, if any
   * @param isBias whether this is a bias (folding shifts it) rather than a weight (scaled)
   * @param convolution for a convolution's weights, its geometry: they are kept as
   *     {@code ConvWeights}, prepared at load time for the kernel that runs them
   */
  public record Array(String key, Optional<String> source, Optional<Folded> fold,
      boolean isBias, Optional<Conv2d> convolution) {}

  /**
   * How the Vector API path computes a convolution, chosen here per layer from its shape and
   * recorded in the generated code. Winograd does fewer multiplications on stride-1 3x3 layers:
   * F(4x4, 3x3) 4 times fewer, F(2x2, 3x3) 2.25 times. With its transforms vectorized it beats the
   * direct packed GEMM on every such ResNet layer with at least 32 input channels, and loses on
   * narrower ones, where the transforms outweigh the products saved. The larger tile wins where
   * an image has at least 16 of them; on smaller maps most of its tiles would be padding.
   *
   * <p>Other layers with a kernel larger than 1x1 and output rows at most
   * {@link #MAX_CHANNELS_WIDTH} wide take {@link ConvWeights.Algorithm#CHANNELS} instead, and so
   * do 1x1 layers with output rows at most {@link #MAX_POINTWISE_CHANNELS_WIDTH} wide: the direct
   * convolution with output channels in the vectors, which wastes no columns on small images and
   * reads each weight once per call. That covers ResNet's strided 3x3 layers and its 1x1 layers
   * into 14x14 and 7x7 (docs/PERFORMANCE.md). Where the runtime keeps activations blocked by
   * channels ({@code Layout.BLOCKED}, AVX-512), it runs every convolution without groups whose
   * output is blocked on its blocked kernel instead, whatever this says, but Winograd between
   * blocked tensors on its blocked Winograd kernel: there ResNet-18's 3x3 layers at 14x14 took
   * 0.78 times ONNX Runtime's time on F(4x4) and 1.02 on the blocked direct kernel (sixteenth
   * session), and its 512-channel layer at 7x7 1.91-2.14 ms on F(2x2) against 2.27-2.42 direct
   * and 2.31-2.87 on F(4x4), whose weights are four times the layer's (twenty-first session).
   */
  public static ConvWeights.Algorithm algorithm(Conv2d c) {
    boolean channels = c.kernel() == 1 ? c.outWidth() <= MAX_POINTWISE_CHANNELS_WIDTH
        : c.outWidth() <= MAX_CHANNELS_WIDTH && !winograd(c);
    return channels ? ConvWeights.Algorithm.CHANNELS : narrowAlgorithm(c);
  }

  /**
   * The algorithm where vectors hold fewer than 16 floats (AVX2), on which
   * {@link ConvWeights.Algorithm#CHANNELS} has neither its in-place reads nor its transposed
   * stores: Winograd or the direct kernel, as before it. With 8-float vectors
   * ({@code -XX:MaxVectorSize=32} on the AVX-512 machine), ResNet-18 and ResNet-50 took 1.10-1.30
   * times as long with {@code CHANNELS} as without. The generated code records both choices
   * ({@code Kernels.channelsOr}); the runtime takes this one where the vectors are narrower.
   */
  public static ConvWeights.Algorithm narrowAlgorithm(Conv2d c) {
    if (!winograd(c)) {
      return ConvWeights.Algorithm.DIRECT;
    }
    return tiles4(c) >= MIN_WINOGRAD_4X4_TILES ? ConvWeights.Algorithm.WINOGRAD_4X4
        : ConvWeights.Algorithm.WINOGRAD_2X2;
  }

  private static boolean winograd(Conv2d c) {
    return c.kernel() == 3 && c.stride() == 1 && c.dilation() == 1 && c.groups() == 1
        && c.inChannels() >= MIN_WINOGRAD_CHANNELS;
  }

  private static int tiles4(Conv2d c) {
    return ((c.outHeight() + 3) / 4) * ((c.outWidth() + 3) / 4);
  }

  /**
   * How many more floats the convolution weights take once prepared than in the weight file:
   * Winograd F(m x m, 3x3) keeps {@code (m+2)^2} transformed values for each 9 weights, so 16/9 of
   * them for F(2x2) and 4 times them for F(4x4). (The packed panels' padding is not counted.)
   */
  public long winogradExtraFloats() {
    return winogradExtraFloats(KernelPlan::algorithm);
  }

  /** {@link #winogradExtraFloats()} where vectors are narrower ({@link #narrowAlgorithm}). */
  public long narrowWinogradExtraFloats() {
    return winogradExtraFloats(KernelPlan::narrowAlgorithm);
  }

  private long winogradExtraFloats(Function<Conv2d, ConvWeights.Algorithm> choice) {
    long extra = 0;
    for (Array a : arrays) {
      if (a.convolution().isPresent()) {
        Conv2d c = a.convolution().get();
        extra += (long) c.weightSize() / 9 * (choice.apply(c).valuesPerKernel() - 9);
      }
    }
    return extra;
  }

  /** The fewest input channels for which Winograd measured faster than the direct kernel. */
  static final int MIN_WINOGRAD_CHANNELS = 32;

  /** The fewest 4x4 tiles per image for which F(4x4, 3x3) measured faster than F(2x2, 3x3). */
  static final int MIN_WINOGRAD_4X4_TILES = 16;

  /**
   * The widest output rows for which {@link ConvWeights.Algorithm#CHANNELS} measured faster than
   * the direct kernel on strided 3x3 layers: 28 (ResNet-50's 3x3/2 128->128 into 28x28 took 0.91
   * times as long alone, its 3x3/2 layers into 14x14 and 7x7 0.62-0.71).
   */
  static final int MAX_CHANNELS_WIDTH = 28;

  /**
   * The same for 1x1 layers, whose short reductions leave more of the time to the transposed
   * epilogue: 14. With 1x1 layers into 28x28 too (those with at least 256 input channels),
   * ResNet-50 took the same time at batch 1 and 1.02-1.03 times as long at batch 8.
   */
  static final int MAX_POINTWISE_CHANNELS_WIDTH = 14;

  /** A BatchNorm folded into the layer before it. */
  public record Folded(String batchNorm, double eps) {}

  /** One value for the whole batch: {@code batch * perImage} floats. */
  public record Buffer(int id, int perImage, String producer) {}

  /** One kernel call; {@code node} names the layer it implements. */
  public sealed interface Step {
    String node();

    /** The buffer this step writes. */
    int out();

    /** The buffers this step reads. */
    List<Integer> reads();

    /**
     * Whether the kernel may write its output over {@code input} (same array and offset): true for
     * elementwise kernels and for the residual of a fused epilogue, which is read before each
     * element is written.
     */
    boolean mayOverwrite(int input);

    /** A step with one input. */
    sealed interface Unary extends Step {
      int in();

      @Override
      default List<Integer> reads() {
        return List.of(in());
      }

      @Override
      default boolean mayOverwrite(int input) {
        return false;
      }
    }

    /** An elementwise step, whose kernel may write its output over its input. */
    sealed interface InPlace extends Unary {
      @Override
      default boolean mayOverwrite(int input) {
        return true;
      }
    }

    /**
     * A step with a fused epilogue: it reads its input and, if {@code residual >= 0}, a residual,
     * which it may overwrite (each element is read before it is written).
     */
    sealed interface Fused extends Step {
      int in();

      int residual();

      @Override
      default List<Integer> reads() {
        return residual() >= 0 ? List.of(in(), residual()) : List.of(in());
      }

      @Override
      default boolean mayOverwrite(int input) {
        return input == residual() && input != in();
      }
    }

    /** {@code Kernels.conv2d} with its epilogue; {@code bias} and {@code residual} may be absent. */
    record Conv(String node, Conv2d geometry, int in, String weight, String bias, int residual,
        boolean relu, int out) implements Fused {}

    /** {@code Kernels.dense} with its epilogue. */
    record Dense(String node, int inFeatures, int outFeatures, int in, String weight, String bias,
        int residual, boolean relu, int out) implements Fused {}

    /** {@code Kernels.batchNorm} over {@code channels} planes of {@code spatial} values. */
    record BatchNorm(String node, int channels, int spatial, float eps, int in, String gamma,
        String beta, String mean, String var, int out) implements InPlace {}

    /** {@code Kernels.relu} on {@code perImage} values per image. */
    record Relu(String node, int perImage, int in, int out) implements InPlace {}

    /** {@code Kernels.add}. */
    record Add(String node, int perImage, int left, int right, int out) implements Step {
      @Override
      public List<Integer> reads() {
        return List.of(left, right);
      }

      @Override
      public boolean mayOverwrite(int input) {
        return true;
      }
    }

    /** {@code Kernels.maxPool2d} or {@code Kernels.avgPool2d}. */
    record Pool(String node, boolean max, Pool2d geometry, int in, int out) implements Unary {}

    /** {@code Kernels.globalAvgPool}. */
    record GlobalAvgPool(String node, int channels, int spatial, int in, int out)
        implements Unary {}

    /** {@code Kernels.softmax}. */
    record Softmax(String node, int features, int in, int out) implements InPlace {}

    /** {@code Kernels.padShortcut}, He et al.'s option A. */
    record PadShortcut(String node, int inChannels, int inHeight, int inWidth, int stride,
        int outChannels, int padFront, int in, int out) implements Unary {}

    /** {@code Kernels.copy}, when the output would otherwise be the caller's input array. */
    record Copy(String node, int perImage, int in, int out) implements Unary {}

    /**
     * {@code Layout.fromNchw} ({@code blocking}) or {@code Layout.toNchw}, where an image that
     * the network's layout may block meets code that reads NCHW: the caller's input, a flatten,
     * the caller's output. In the NCHW layout it is a copy.
     */
    record Relayout(String node, int channels, int spatial, boolean blocking, int in, int out)
        implements Unary {}
  }

  public static KernelPlan of(Compilation c) {
    return new Planner(c).plan();
  }

  /** The parameter table in load order: the tensors the weight file must hold. */
  public List<Param> params() {
    return compilation.params();
  }

  /** Walks the graph once, giving each value a buffer and each computing node a step. */
  private static final class Planner implements Node.Visitor<Void> {
    private final Compilation c;
    private final Shapes shapes;
    private final List<Array> arrays = new ArrayList<>();
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
      int output = bufferOf.get(c.graph().output().id());
      Shape outputShape = shapes.of(c.graph().output());
      if (mayBeBlocked(outputShape)) {
        Node last = c.graph().output();
        steps.add(new Step.Relayout(last.name(), outputShape.channels(), spatial(outputShape),
            false, output, newBuffer(last)));
        output = bufferOf.get(last.id());
      }
      if (output == INPUT) {
        Node last = c.graph().output();
        steps.add(new Step.Copy(last.name(), perImage(last), INPUT, newBuffer(last)));
        output = bufferOf.get(last.id());
      }
      return new KernelPlan(c, arrays, buffers, steps, output);
    }

    private int in(Node n) {
      return bufferOf.get(n.inputs().get(0));
    }

    private int residual(Epilogue e) {
      return e.hasResidual() ? bufferOf.get(e.residual()) : -1;
    }

    private int newBuffer(Node n) {
      int id = buffers.size();
      buffers.add(new Buffer(id, perImage(n), n.name()));
      bufferOf.put(n.id(), id);
      return id;
    }

    private Void alias(Node n) {
      bufferOf.put(n.id(), in(n));
      return null;
    }

    /** Keeps a file tensor as it is; returns its key. */
    private String file(String key) {
      arrays.add(new Array(key, Optional.of(key), Optional.empty(), false, Optional.empty()));
      return key;
    }

    /**
     * The weight and bias arrays of a layer, folding its epilogue's BatchNorm if it has one; a
     * convolution's weights are prepared for its kernel.
     */
    private String[] weightAndBias(Node n, boolean hasBias, Epilogue e, Optional<Conv2d> conv) {
      String weight = n.name() + ".weight";
      String bias = n.name() + ".bias";
      Optional<Folded> fold = e.batchNorm().map(bn -> new Folded(bn, e.eps()));
      arrays.add(new Array(weight, Optional.of(weight), fold, false, conv));
      if (fold.isPresent() || hasBias) {
        arrays.add(new Array(bias, hasBias ? Optional.of(bias) : Optional.empty(), fold, true,
            Optional.empty()));
        return new String[] {weight, bias};
      }
      return new String[] {weight, null};
    }

    private int perImage(Node n) {
      return Math.toIntExact(shapes.of(n).size());
    }

    /**
     * Whether a network may keep {@code s} blocked by channels ({@code Layout.BLOCKED}): an image
     * of more than one position whose channels fill whole blocks.
     */
    private static boolean mayBeBlocked(Shape s) {
      return s.isImage() && s.channels() % Layout.BLOCK == 0 && s.height() * s.width() > 1;
    }

    private static int spatial(Shape s) {
      return s.height() * s.width();
    }

    @Override
    public Void visitInput(Node.Input n) {
      int input = newBuffer(n);
      Shape s = shapes.of(n);
      if (mayBeBlocked(s)) {
        steps.add(new Step.Relayout(n.name(), s.channels(), spatial(s), true, input,
            newBuffer(n)));
      }
      return null;
    }

    @Override
    public Void visitConv(Node.Conv n) {
      Shape in = shapes.inputOf(n);
      Conv2d g = new Conv2d(in.channels(), in.height(), in.width(), n.outChannels(), n.kernel(),
          n.stride(), n.padding(), n.dilation(), n.groups());
      String[] wb = weightAndBias(n, n.bias(), n.epilogue(), Optional.of(g));
      int src = in(n);
      int residual = residual(n.epilogue());
      steps.add(new Step.Conv(n.name(), g, src, wb[0], wb[1], residual, n.epilogue().relu(),
          newBuffer(n)));
      return null;
    }

    @Override
    public Void visitBatchNorm(Node.BatchNorm n) {
      Shape s = shapes.of(n);
      int src = in(n);
      String p = n.name() + ".";
      steps.add(new Step.BatchNorm(n.name(), s.channels(), (int) (s.size() / s.channels()),
          (float) n.eps(), src, file(p + "weight"), file(p + "bias"), file(p + "running_mean"),
          file(p + "running_var"), newBuffer(n)));
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
      Shape in = shapes.inputOf(n);
      if (!mayBeBlocked(in)) {
        return alias(n);
      }
      int src = in(n);
      steps.add(new Step.Relayout(n.name(), in.channels(), spatial(in), false, src,
          newBuffer(n)));
      return null;
    }

    @Override
    public Void visitDense(Node.Dense n) {
      String[] wb = weightAndBias(n, n.bias(), n.epilogue(), Optional.empty());
      int src = in(n);
      int residual = residual(n.epilogue());
      steps.add(new Step.Dense(n.name(), shapes.inputOf(n).channels(), n.units(), src, wb[0],
          wb[1], residual, n.epilogue().relu(), newBuffer(n)));
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
}
