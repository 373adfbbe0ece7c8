package dev.resnetc.runtime;

import static dev.resnetc.runtime.Shapes.requireLength;
import static dev.resnetc.runtime.Shapes.requireRange;
import static dev.resnetc.runtime.Shapes.requirePositive;

import java.util.Arrays;
import java.util.function.Predicate;

/**
 * The float32 kernels over NCHW tensors (batch first) that generated networks call. Each tensor is
 * an array and the offset where it starts, so that a network's activations can share one arena;
 * callers own every buffer, so no kernel allocates. Convolutions and dense layers apply their
 * epilogue (bias, residual add, ReLU) as they write their output. The scalar kernels here are the
 * fallback and the tests' oracle. When the JVM has the Vector API, the overloads that take a
 * {@link Parallel} run on it and on the pool's threads: convolutions with prepared weights
 * ({@link VectorKernels}), pooling, dense layers and softmax ({@link VectorLayers}).
 */
public final class Kernels {
  /**
   * Whether the Vector API kernels run: the JVM must have been started with
   * {@code --add-modules jdk.incubator.vector}, and {@code -Dresnetc.scalar=true} forces the
   * scalar kernels.
   */
  public static final boolean VECTORIZED =
      ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
          && !Boolean.getBoolean("resnetc.scalar");

  private Kernels() {}

  /**
   * Waits until the kernels' warm-up is over. With the Vector API, the kernels' first use (a
   * generated network's class being initialized, or weights prepared) starts a thread that runs
   * small calls of each kernel this machine's networks run, with each kind of epilogue, until the
   * JIT has compiled them (this method starts it too, if nothing did yet); while it runs, the
   * machine has a core less and its caches are shared, so on two cores a convolution took up to
   * twice as long. After its warm-up, that thread transforms the Winograd weights that
   * {@link #prepareDeferred} left to it, and this method waits for those too: once it returns,
   * every loaded network runs the algorithms its compiler chose, and its outputs no longer change
   * in their last digits from one call to the next.
   * A service can call this before it reports ready, and a benchmark before it starts the clock.
   * Returns at once on the scalar path, which has no warm-up.
   *
   * @throws InterruptedException if the calling thread is interrupted while it waits
   */
  public static void awaitWarmUp() throws InterruptedException {
    if (VECTORIZED) {
      VectorKernels.awaitWarmUp();
    }
  }

  /**
   * {@link ConvWeights.Algorithm#CHANNELS} where its kernel runs as measured, with 16-float
   * vectors (AVX-512), else {@code narrow}: the compiler's choice for narrower vectors, which it
   * writes next to {@code CHANNELS} in the generated code.
   */
  public static ConvWeights.Algorithm channelsOr(ConvWeights.Algorithm narrow) {
    return VECTORIZED && VectorKernels.SIXTEEN_LANES ? ConvWeights.Algorithm.CHANNELS : narrow;
  }

  /** Prepares convolution weights once, for the direct kernel. */
  public static ConvWeights prepare(Conv2d c, float[] weight) {
    return prepare(c, weight, ConvWeights.Algorithm.DIRECT);
  }

  /**
   * Prepares convolution weights once, for the kernel that will run them: packed (or transformed,
   * for Winograd) on the Vector API path, as they are on the scalar path, which always computes
   * directly.
   */
  public static ConvWeights prepare(Conv2d c, float[] weight, ConvWeights.Algorithm algorithm) {
    return prepare(c, weight, algorithm, Layout.NCHW);
  }

  /**
   * Prepares convolution weights once for activations in {@code layout}. In
   * {@link Layout#BLOCKED}, a convolution without groups whose output is blocked runs the
   * blocked kernel ({@link ConvWeights.Algorithm#BLOCKED}) whatever {@code algorithm} says, but
   * for {@code WINOGRAD_4X4} with a blocked input too, which runs blocked F(4x4)
   * ({@link ConvWeights.Algorithm#BLOCKED_WINOGRAD_4X4}); any other runs {@code algorithm}
   * through NCHW copies of its blocked tensors.
   */
  public static ConvWeights prepare(Conv2d c, float[] weight, ConvWeights.Algorithm algorithm,
      Layout layout) {
    return prepare(c, weight, algorithm, layout, false);
  }

  /** {@code prepare}, with {@code weight}'s own array packed in place where {@code owned}. */
  private static ConvWeights prepare(Conv2d c, float[] weight, ConvWeights.Algorithm algorithm,
      Layout layout, boolean owned) {
    layout.requireAvailable();
    requireLength("weight", weight, c.weightSize());
    if (algorithm == ConvWeights.Algorithm.BLOCKED
        && !(layout == Layout.BLOCKED && BlockedConv.applies(c))) {
      throw new IllegalArgumentException("BLOCKED runs only convolutions without groups whose"
          + " output channels are a multiple of " + Layout.BLOCK + ", in Layout.BLOCKED; "
          + c + " in " + layout);
    }
    if (algorithm.blockedWinograd()
        && !(layout == Layout.BLOCKED && BlockedWinograd.applies(c))) {
      throw new IllegalArgumentException(algorithm + " runs only stride-1 3x3"
          + " convolutions without groups whose channels are multiples of " + Layout.BLOCK
          + ", in Layout.BLOCKED; " + c + " in " + layout);
    }
    boolean winograd = algorithm.winograd();
    if (winograd && !Winograd.applies(c)) {
      throw new IllegalArgumentException("Winograd (" + algorithm + ") does not apply to " + c);
    }
    if (!VECTORIZED) {
      return new ConvWeights(c, weight, false, ConvWeights.Algorithm.DIRECT, layout);
    }
    if (layout == Layout.BLOCKED && winograd && BlockedWinograd.applies(c)) {
      int m = algorithm.tile();
      return new ConvWeights(c, BlockedWinograd.transformWeights(c, weight, m), true,
          m == 4 ? ConvWeights.Algorithm.BLOCKED_WINOGRAD_4X4
              : ConvWeights.Algorithm.BLOCKED_WINOGRAD_2X2, layout);
    }
    if (layout == Layout.BLOCKED && BlockedConv.applies(c)) {
      return new ConvWeights(c, owned ? VectorKernels.packInPlace(c, weight, true)
          : VectorKernels.packByChannel(c, weight), true, ConvWeights.Algorithm.BLOCKED, layout);
    }
    boolean byChannel = algorithm == ConvWeights.Algorithm.CHANNELS;
    float[] prepared = winograd ? Winograd.transformWeights(c, weight, algorithm.tile())
        : owned ? VectorKernels.packInPlace(c, weight, byChannel)
        : byChannel ? VectorKernels.packByChannel(c, weight)
        : VectorKernels.pack(c, weight);
    return new ConvWeights(c, prepared, true, algorithm, layout);
  }

  /**
   * {@link #prepare(Conv2d, float[], ConvWeights.Algorithm, Layout) prepare} as a network's load
   * calls it: while the kernels' warm-up is still running, a Winograd layer over blocked
   * activations gets the blocked direct kernel's weights (a copy), and the warm-up thread, once
   * its warm-up is over, transforms {@code weight} for Winograd; from then on, calls run those.
   * So a fresh JVM's first result waits neither for the transforms nor for Winograd's kernels to
   * compile (on two vCPUs, ResNet-18's first result came 639 ms after the load began instead of
   * 809, ResNet-50's 804 instead of 992). Until the switch, a layer's outputs differ from later
   * calls' in their last digits (both within the tests' bounds of the direct convolution);
   * {@link #awaitWarmUp} returns once every switch is made. The caller hands {@code weight}
   * over: the direct kernel's panels are packed in its place where they fill it (no fresh array
   * on the load's path), and a deferred transform reads the values back out of them.
   */
  public static ConvWeights prepareDeferred(Conv2d c, float[] weight,
      ConvWeights.Algorithm algorithm, Layout layout) {
    if (!(VECTORIZED && VectorKernels.warmingUp())) {
      return prepare(c, weight, algorithm, layout, true);
    }
    return prepareDeferred(c, weight, algorithm, layout, VectorKernels::afterWarmUp);
  }

  /**
   * {@link #prepareDeferred(Conv2d, float[], ConvWeights.Algorithm, Layout) prepareDeferred} with
   * the transform left to {@code later}, which takes it, or returns false to have it run now.
   */
  static ConvWeights prepareDeferred(Conv2d c, float[] weight, ConvWeights.Algorithm algorithm,
      Layout layout, Predicate<Runnable> later) {
    if (!(layout == Layout.BLOCKED && algorithm.winograd() && BlockedWinograd.applies(c))) {
      return prepare(c, weight, algorithm, layout, true);
    }
    ConvWeights direct = prepare(c, weight, ConvWeights.Algorithm.BLOCKED, layout, true);
    ConvWeights w = ConvWeights.replaceable(direct);
    // packed in weight's own array, the values come back out of the panels for the transform
    boolean inPlace = direct.packed && direct.data == weight;
    Runnable transform = () -> w.replaceWith(prepare(c,
        inPlace ? VectorKernels.unpackByChannel(c, weight) : weight, algorithm, layout));
    if (!later.test(transform)) {
      transform.run();
    }
    return w;
  }

  /**
   * {@link #conv2d(Conv2d, int, float[], int, float[], float[], float[], int, boolean, float[],
   * int) conv2d} with prepared weights, on the Vector API path when available, its tasks spread
   * over {@code parallel}'s threads.
   */
  public static void conv2d(
      Parallel parallel,
      Conv2d c,
      int batch,
      float[] in, int inOff,
      ConvWeights weight,
      float[] bias,
      float[] residual, int resOff,
      boolean relu,
      float[] out, int outOff) {
    ConvolutionListener l = listener;
    if (l == null) {
      convolve(parallel, c, batch, in, inOff, weight, bias, residual, resOff, relu, out, outOff);
      return;
    }
    long start = System.nanoTime();
    convolve(parallel, c, batch, in, inOff, weight, bias, residual, resOff, relu, out, outOff);
    l.ran(c, batch, System.nanoTime() - start);
  }

  /** Times convolutions for a profiler; see {@link #listen}. */
  public interface ConvolutionListener {
    /** Convolution {@code c} of {@code batch} images took {@code nanos} nanoseconds. */
    void ran(Conv2d c, int batch, long nanos);
  }

  private static volatile ConvolutionListener listener;

  /**
   * Sets the listener that is told the time of every convolution with prepared weights, from
   * every thread that calls one, or with {@code null} removes it; a profiler's hook (resnetc's
   * {@code bench/run.sh layers}), which costs one field read per convolution when unset.
   */
  public static void listen(ConvolutionListener l) {
    listener = l;
  }

  private static void convolve(Parallel parallel, Conv2d c, int batch, float[] in, int inOff,
      ConvWeights weight, float[] bias, float[] residual, int resOff, boolean relu, float[] out,
      int outOff) {
    if (!weight.geometry.equals(c)) {
      throw new IllegalArgumentException("weights prepared for " + weight.geometry + ", not " + c);
    }
    weight = weight.current();
    if (!weight.packed) {
      conv2d(c, batch, in, inOff, weight.data, bias, residual, resOff, relu, out, outOff);
      return;
    }
    requirePositive("batch", batch);
    requireRange("in", in, inOff, (long) batch * c.inSize());
    if (bias != null) {
      requireLength("bias", bias, c.outChannels());
    }
    if (residual != null) {
      requireRange("residual", residual, resOff, (long) batch * c.outSize());
    }
    requireRange("out", out, outOff, (long) batch * c.outSize());
    if (weight.algorithm == ConvWeights.Algorithm.BLOCKED) {
      BlockedConv.conv(parallel, c, batch, in, inOff, weight.data, bias, residual, resOff, relu,
          out, outOff);
    } else if (weight.algorithm.blockedWinograd()) {
      BlockedWinograd.conv(parallel, c, weight.algorithm.tile(), batch, in, inOff, weight.data,
          bias, residual, resOff, relu, out, outOff);
    } else if (weight.layout.blocks(c.inChannels()) || weight.layout.blocks(c.outChannels())) {
      convolveThroughNchw(parallel, c, batch, in, inOff, weight, bias, residual, resOff, relu, out,
          outOff);
    } else {
      convolveNchw(parallel, c, batch, in, inOff, weight, bias, residual, resOff, relu, out,
          outOff);
    }
  }

  /** The Vector API kernels over NCHW tensors, by the algorithm the weights were prepared for. */
  private static void convolveNchw(Parallel parallel, Conv2d c, int batch, float[] in,
      int inOff, ConvWeights weight, float[] bias, float[] residual, int resOff, boolean relu,
      float[] out, int outOff) {
    if (weight.algorithm.winograd()) {
      VectorKernels.winograd(parallel, weight.algorithm.tile(), c, batch, in, inOff,
          weight.data, bias, residual, resOff, relu, out, outOff);
    } else if (weight.algorithm == ConvWeights.Algorithm.CHANNELS) {
      VectorKernels.byChannel(parallel, c, batch, in, inOff, weight.data, bias, residual, resOff,
          relu, out, outOff);
    } else {
      VectorKernels.conv(parallel, c, batch, in, inOff, weight.data, bias, residual, resOff, relu,
          out, outOff);
    }
  }

  /**
   * A convolution that has no blocked kernel (groups, or an output that is not blocked) with a
   * blocked input or output: through NCHW copies of them.
   */
  private static void convolveThroughNchw(Parallel parallel, Conv2d c, int batch, float[] in,
      int inOff, ConvWeights weight, float[] bias, float[] residual, int resOff, boolean relu,
      float[] out, int outOff) {
    Layout.Scratch s = Layout.SCRATCH.get();
    Layout layout = weight.layout;
    int plane = c.inHeight() * c.inWidth(), outPlane = c.outHeight() * c.outWidth();
    if (layout.blocks(c.inChannels())) {
      float[] x = s.get(Layout.Scratch.IN, (long) batch * c.inSize());
      layout.toNchw(batch, c.inChannels(), plane, in, inOff, x, 0);
      in = x;
      inOff = 0;
    }
    if (!layout.blocks(c.outChannels())) {
      convolveNchw(parallel, c, batch, in, inOff, weight, bias, residual, resOff, relu, out,
          outOff);
      return;
    }
    float[] y = s.get(Layout.Scratch.OUT, (long) batch * c.outSize());
    float[] r = null;
    if (residual != null) {
      r = s.get(Layout.Scratch.RESIDUAL, (long) batch * c.outSize());
      layout.toNchw(batch, c.outChannels(), outPlane, residual, resOff, r, 0);
    }
    convolveNchw(parallel, c, batch, in, inOff, weight, bias, r, 0, relu, y, 0);
    layout.fromNchw(batch, c.outChannels(), outPlane, y, 0, out, outOff);
  }

  /**
   * 2-D convolution with zero padding, stride, dilation and groups, as PyTorch's {@code conv2d},
   * followed by its epilogue: {@code out = relu?(conv(in) + bias + residual)}. Every tensor is
   * read from its array starting at its offset. {@code in} must not overlap {@code out};
   * {@code residual} may be exactly {@code out} (same array and offset), for an in-place add.
   */
  public static void conv2d(
      Conv2d c,
      int batch,
      float[] in, int inOff, // [batch, inChannels, inHeight, inWidth]
      float[] weight, // [outChannels, inChannels/groups, kernel, kernel]
      float[] bias, // [outChannels] or null
      float[] residual, int resOff, // [batch, outChannels, outHeight, outWidth] or null
      boolean relu,
      float[] out, int outOff) { // [batch, outChannels, outHeight, outWidth]
    requirePositive("batch", batch);
    requireRange("in", in, inOff, (long) batch * c.inSize());
    requireLength("weight", weight, c.weightSize());
    if (bias != null) {
      requireLength("bias", bias, c.outChannels());
    }
    if (residual != null) {
      requireRange("residual", residual, resOff, (long) batch * c.outSize());
    }
    requireRange("out", out, outOff, (long) batch * c.outSize());
    int h = c.inHeight(), w = c.inWidth(), k = c.kernel();
    int s = c.stride(), p = c.padding(), d = c.dilation();
    int oh = c.outHeight(), ow = c.outWidth();
    int cin = c.inChannels(), cout = c.outChannels();
    int cinG = cin / c.groups(), coutG = cout / c.groups();
    int inPlane = h * w, outPlane = oh * ow, kk = k * k;
    for (int n = 0; n < batch; n++) {
      for (int oc = 0; oc < cout; oc++) {
        int inFirst = inOff + (n * cin + (oc / coutG) * cinG) * inPlane;
        int plane = (n * cout + oc) * outPlane;
        int outBase = outOff + plane;
        start(out, outBase, outPlane, bias == null ? 0f : bias[oc], residual, resOff + plane);
        for (int ic = 0; ic < cinG; ic++) {
          int inBase = inFirst + ic * inPlane;
          int wBase = (oc * cinG + ic) * kk;
          for (int ky = 0; ky < k; ky++) {
            int yOff = ky * d - p;
            int oyLo = firstValid(yOff, s), oyHi = endValid(yOff, s, h, oh);
            for (int kx = 0; kx < k; kx++) {
              float wv = weight[wBase + ky * k + kx];
              int xOff = kx * d - p;
              int oxLo = firstValid(xOff, s), oxHi = endValid(xOff, s, w, ow);
              for (int oy = oyLo; oy < oyHi; oy++) {
                int inRow = inBase + (oy * s + yOff) * w + xOff;
                int outRow = outBase + oy * ow;
                for (int ox = oxLo; ox < oxHi; ox++) {
                  out[outRow + ox] += wv * in[inRow + ox * s];
                }
              }
            }
          }
        }
        if (relu) {
          relu(out, outBase, outPlane, out, outBase);
        }
      }
    }
  }

  /**
   * Starts an accumulation: {@code out[i] = bias + residual[i]} (or just {@code bias}). Each
   * residual value is read before the same index is written, so the residual may be {@code out}.
   */
  private static void start(float[] out, int outOff, int length, float bias, float[] residual,
      int resOff) {
    if (residual == null) {
      Arrays.fill(out, outOff, outOff + length, bias);
    } else {
      for (int i = 0; i < length; i++) {
        out[outOff + i] = bias + residual[resOff + i];
      }
    }
  }

  /**
   * {@link #batchNorm(int, int, int, float[], int, float[], float[], float[], float[], float,
   * boolean, float[], int) batchNorm} with tensors in {@code layout}; blocked tensors go through
   * NCHW copies (ResNets fold their BatchNorms into the convolutions).
   */
  public static void batchNorm(Layout layout, int batch, int channels, int spatial, float[] in,
      int inOff, float[] gamma, float[] beta, float[] mean, float[] var, float eps, boolean relu,
      float[] out, int outOff) {
    if (!layout.blocks(channels)) {
      batchNorm(batch, channels, spatial, in, inOff, gamma, beta, mean, var, eps, relu, out,
          outOff);
      return;
    }
    requirePositive("batch", batch);
    requirePositive("spatial", spatial);
    requireRange("in", in, inOff, (long) batch * channels * spatial);
    Layout.Scratch s = Layout.SCRATCH.get();
    float[] x = s.get(Layout.Scratch.IN, (long) batch * channels * spatial);
    layout.toNchw(batch, channels, spatial, in, inOff, x, 0);
    batchNorm(batch, channels, spatial, x, 0, gamma, beta, mean, var, eps, relu, x, 0);
    layout.fromNchw(batch, channels, spatial, x, 0, out, outOff);
  }

  /**
   * Inference batch normalization {@code y = (x - mean) / sqrt(var + eps) * gamma + beta} per
   * channel, optionally followed by ReLU; use {@code spatial = 1} for {@code [n, c]} tensors.
   * {@code in} may be {@code out} (same array and offset).
   */
  public static void batchNorm(
      int batch,
      int channels,
      int spatial,
      float[] in, int inOff, // [batch, channels, spatial]
      float[] gamma, // [channels]
      float[] beta, // [channels]
      float[] mean, // [channels]
      float[] var, // [channels]
      float eps,
      boolean relu,
      float[] out, int outOff) { // [batch, channels, spatial]
    requirePositive("batch", batch);
    requirePositive("channels", channels);
    requirePositive("spatial", spatial);
    long size = (long) batch * channels * spatial;
    requireRange("in", in, inOff, size);
    requireLength("gamma", gamma, channels);
    requireLength("beta", beta, channels);
    requireLength("mean", mean, channels);
    requireLength("var", var, channels);
    requireRange("out", out, outOff, size);
    for (int ch = 0; ch < channels; ch++) {
      double scaleD = gamma[ch] / Math.sqrt((double) var[ch] + eps);
      float scale = (float) scaleD;
      float shift = (float) (beta[ch] - mean[ch] * scaleD);
      for (int n = 0; n < batch; n++) {
        int base = (n * channels + ch) * spatial;
        for (int i = base; i < base + spatial; i++) {
          float v = in[inOff + i] * scale + shift;
          out[outOff + i] = relu ? Math.max(v, 0f) : v;
        }
      }
    }
  }

  /** Elementwise {@code max(x, 0)}, propagating NaN; {@code x} may be {@code out}. */
  public static void relu(float[] x, int xOff, int length, float[] out, int outOff) {
    requireRange("x", x, xOff, length);
    requireRange("out", out, outOff, length);
    for (int i = 0; i < length; i++) {
      out[outOff + i] = Math.max(x[xOff + i], 0f);
    }
  }

  /** Elementwise {@code relu?(a + b)}; {@code out} may be {@code a} or {@code b}. */
  public static void add(float[] a, int aOff, float[] b, int bOff, int length, boolean relu,
      float[] out, int outOff) {
    requireRange("a", a, aOff, length);
    requireRange("b", b, bOff, length);
    requireRange("out", out, outOff, length);
    for (int i = 0; i < length; i++) {
      float v = a[aOff + i] + b[bOff + i];
      out[outOff + i] = relu ? Math.max(v, 0f) : v;
    }
  }

  /**
   * {@link #maxPool2d(Pool2d, int, float[], int, float[], int) maxPool2d} on the Vector API path
   * when available, its planes spread over {@code parallel}'s threads; the same result, bit for
   * bit.
   */
  public static void maxPool2d(
      Parallel parallel,
      Pool2d p,
      int batch,
      float[] in, int inOff, // [batch, channels, inHeight, inWidth]
      float[] out, int outOff) { // [batch, channels, outHeight, outWidth]
    pool(parallel, p, batch, in, inOff, out, outOff, true);
  }

  /**
   * {@link #maxPool2d(Parallel, Pool2d, int, float[], int, float[], int) maxPool2d} with tensors
   * in {@code layout}.
   */
  public static void maxPool2d(Parallel parallel, Layout layout, Pool2d p, int batch,
      float[] in, int inOff, float[] out, int outOff) {
    pool(parallel, layout, p, batch, in, inOff, out, outOff, true);
  }

  /**
   * {@link #avgPool2d(Parallel, Pool2d, int, float[], int, float[], int) avgPool2d} with tensors
   * in {@code layout}; on blocked tensors, the same bits as the scalar kernel.
   */
  public static void avgPool2d(Parallel parallel, Layout layout, Pool2d p, int batch,
      float[] in, int inOff, float[] out, int outOff) {
    pool(parallel, layout, p, batch, in, inOff, out, outOff, false);
  }

  private static void pool(Parallel parallel, Layout layout, Pool2d p, int batch, float[] in,
      int inOff, float[] out, int outOff, boolean max) {
    if (!layout.blocks(p.channels())) {
      pool(parallel, p, batch, in, inOff, out, outOff, max);
      return;
    }
    layout.requireAvailable();
    checkPool(p, batch, in, inOff, out, outOff);
    VectorLayers.blockedPool(parallel, p, max, batch, in, inOff, out, outOff);
  }

  /** Max pooling with implicit {@code -infinity} padding, as PyTorch's {@code max_pool2d}. */
  public static void maxPool2d(
      Pool2d p,
      int batch,
      float[] in, int inOff, // [batch, channels, inHeight, inWidth]
      float[] out, int outOff) { // [batch, channels, outHeight, outWidth]
    checkPool(p, batch, in, inOff, out, outOff);
    pool(p, batch, in, inOff, out, outOff, true);
  }

  /**
   * {@link #avgPool2d(Pool2d, int, float[], int, float[], int) avgPool2d} on the Vector API path
   * when available, its planes spread over {@code parallel}'s threads; each window's values are
   * added in another order, so results may differ in the last bits.
   */
  public static void avgPool2d(
      Parallel parallel,
      Pool2d p,
      int batch,
      float[] in, int inOff, // [batch, channels, inHeight, inWidth]
      float[] out, int outOff) { // [batch, channels, outHeight, outWidth]
    pool(parallel, p, batch, in, inOff, out, outOff, false);
  }

  /** Average pooling with zero padding counted in the divisor ({@code count_include_pad=True}). */
  public static void avgPool2d(
      Pool2d p,
      int batch,
      float[] in, int inOff, // [batch, channels, inHeight, inWidth]
      float[] out, int outOff) { // [batch, channels, outHeight, outWidth]
    checkPool(p, batch, in, inOff, out, outOff);
    pool(p, batch, in, inOff, out, outOff, false);
  }

  private static void pool(Parallel parallel, Pool2d p, int batch, float[] in, int inOff,
      float[] out, int outOff, boolean max) {
    checkPool(p, batch, in, inOff, out, outOff);
    if (VECTORIZED) {
      VectorLayers.pool(parallel, p, max, batch, in, inOff, out, outOff);
    } else {
      pool(p, batch, in, inOff, out, outOff, max);
    }
  }

  private static void checkPool(Pool2d p, int batch, float[] in, int inOff, float[] out,
      int outOff) {
    requirePositive("batch", batch);
    requireRange("in", in, inOff, (long) batch * p.inSize());
    requireRange("out", out, outOff, (long) batch * p.outSize());
  }

  private static void pool(Pool2d p, int batch, float[] in, int inOff, float[] out, int outOff,
      boolean max) {
    int h = p.inHeight(), w = p.inWidth(), k = p.kernel(), s = p.stride(), pad = p.padding();
    int oh = p.outHeight(), ow = p.outWidth();
    int inPlane = h * w, outPlane = oh * ow;
    float divisor = k * k;
    for (int plane = 0; plane < batch * p.channels(); plane++) {
      int inBase = inOff + plane * inPlane, outBase = outOff + plane * outPlane;
      Arrays.fill(out, outBase, outBase + outPlane, max ? Float.NEGATIVE_INFINITY : 0f);
      for (int ky = 0; ky < k; ky++) {
        int yOff = ky - pad;
        int oyLo = firstValid(yOff, s), oyHi = endValid(yOff, s, h, oh);
        for (int kx = 0; kx < k; kx++) {
          int xOff = kx - pad;
          int oxLo = firstValid(xOff, s), oxHi = endValid(xOff, s, w, ow);
          for (int oy = oyLo; oy < oyHi; oy++) {
            int inRow = inBase + (oy * s + yOff) * w + xOff;
            int outRow = outBase + oy * ow;
            if (max) {
              for (int ox = oxLo; ox < oxHi; ox++) {
                out[outRow + ox] = Math.max(out[outRow + ox], in[inRow + ox * s]);
              }
            } else {
              for (int ox = oxLo; ox < oxHi; ox++) {
                out[outRow + ox] += in[inRow + ox * s];
              }
            }
          }
        }
      }
      if (!max) {
        for (int i = outBase; i < outBase + outPlane; i++) {
          out[i] /= divisor;
        }
      }
    }
  }

  /**
   * {@link #globalAvgPool(int, int, int, float[], int, float[], int) globalAvgPool} on the Vector
   * API path when available, its planes spread over {@code parallel}'s threads; accumulated in
   * vectors of floats, so the mean may differ by {@code (spatial / L + L)} units of float
   * roundoff of the mean magnitude ({@code L} floats per vector).
   */
  /**
   * {@link #globalAvgPool(Parallel, int, int, int, float[], int, float[], int) globalAvgPool}
   * with an input in {@code layout}; the output, {@code [batch, channels]}, is the same in every
   * layout.
   */
  public static void globalAvgPool(Parallel parallel, Layout layout, int batch, int channels,
      int spatial, float[] in, int inOff, float[] out, int outOff) {
    if (!layout.blocks(channels)) {
      globalAvgPool(parallel, batch, channels, spatial, in, inOff, out, outOff);
      return;
    }
    layout.requireAvailable();
    checkGlobalAvgPool(batch, channels, spatial, in, inOff, out, outOff);
    VectorLayers.blockedGlobalAvgPool(parallel, batch, channels, spatial, in, inOff, out,
        outOff);
  }

  public static void globalAvgPool(
      Parallel parallel,
      int batch,
      int channels,
      int spatial,
      float[] in, int inOff, // [batch, channels, spatial]
      float[] out, int outOff) { // [batch, channels]
    if (!VECTORIZED) {
      globalAvgPool(batch, channels, spatial, in, inOff, out, outOff);
      return;
    }
    checkGlobalAvgPool(batch, channels, spatial, in, inOff, out, outOff);
    VectorLayers.globalAvgPool(parallel, batch, channels, spatial, in, inOff, out, outOff);
  }

  /** Mean over the spatial positions of each channel, accumulated in double. */
  public static void globalAvgPool(
      int batch,
      int channels,
      int spatial,
      float[] in, int inOff, // [batch, channels, spatial]
      float[] out, int outOff) { // [batch, channels]
    checkGlobalAvgPool(batch, channels, spatial, in, inOff, out, outOff);
    for (int plane = 0; plane < batch * channels; plane++) {
      int base = inOff + plane * spatial;
      double sum = 0;
      for (int i = base; i < base + spatial; i++) {
        sum += in[i];
      }
      out[outOff + plane] = (float) (sum / spatial);
    }
  }

  private static void checkGlobalAvgPool(int batch, int channels, int spatial, float[] in,
      int inOff, float[] out, int outOff) {
    requirePositive("batch", batch);
    requirePositive("channels", channels);
    requirePositive("spatial", spatial);
    requireRange("in", in, inOff, (long) batch * channels * spatial);
    requireRange("out", out, outOff, (long) batch * channels);
  }

  /**
   * {@link #dense(int, int, int, float[], int, float[], float[], float[], int, boolean, float[],
   * int) dense} on the Vector API path when available, its output features spread over
   * {@code parallel}'s threads when the layer is large; the products are added in another order.
   */
  public static void dense(
      Parallel parallel,
      int batch,
      int inFeatures,
      int outFeatures,
      float[] x, int xOff, // [batch, inFeatures]
      float[] w, // [outFeatures, inFeatures]
      float[] bias, // [outFeatures] or null
      float[] residual, int resOff, // [batch, outFeatures] or null
      boolean relu,
      float[] y, int yOff) { // [batch, outFeatures]
    if (!VECTORIZED) {
      dense(batch, inFeatures, outFeatures, x, xOff, w, bias, residual, resOff, relu, y, yOff);
      return;
    }
    checkDense(batch, inFeatures, outFeatures, x, xOff, w, bias, residual, resOff, y, yOff);
    VectorLayers.dense(parallel, batch, inFeatures, outFeatures, x, xOff, w, bias, residual,
        resOff, relu, y, yOff);
  }

  /**
   * Fully connected layer {@code y = relu?(x w^T + bias + residual)}, as PyTorch's {@code linear}
   * with the fused epilogue; {@code x} must not overlap {@code y}, {@code residual} may be
   * {@code y} (same array and offset).
   */
  public static void dense(
      int batch,
      int inFeatures,
      int outFeatures,
      float[] x, int xOff, // [batch, inFeatures]
      float[] w, // [outFeatures, inFeatures]
      float[] bias, // [outFeatures] or null
      float[] residual, int resOff, // [batch, outFeatures] or null
      boolean relu,
      float[] y, int yOff) { // [batch, outFeatures]
    checkDense(batch, inFeatures, outFeatures, x, xOff, w, bias, residual, resOff, y, yOff);
    for (int n = 0; n < batch; n++) {
      int xBase = xOff + n * inFeatures;
      for (int o = 0; o < outFeatures; o++) {
        int wBase = o * inFeatures;
        float acc = 0f;
        for (int i = 0; i < inFeatures; i++) {
          acc += x[xBase + i] * w[wBase + i];
        }
        float v = bias == null ? acc : acc + bias[o];
        if (residual != null) {
          v += residual[resOff + n * outFeatures + o];
        }
        y[yOff + n * outFeatures + o] = relu ? Math.max(v, 0f) : v;
      }
    }
  }

  private static void checkDense(int batch, int inFeatures, int outFeatures, float[] x, int xOff,
      float[] w, float[] bias, float[] residual, int resOff, float[] y, int yOff) {
    requirePositive("batch", batch);
    requirePositive("inFeatures", inFeatures);
    requirePositive("outFeatures", outFeatures);
    requireRange("x", x, xOff, (long) batch * inFeatures);
    requireLength("w", w, (long) outFeatures * inFeatures);
    if (bias != null) {
      requireLength("bias", bias, outFeatures);
    }
    if (residual != null) {
      requireRange("residual", residual, resOff, (long) batch * outFeatures);
    }
    requireRange("y", y, yOff, (long) batch * outFeatures);
  }

  /**
   * {@link #softmax(int, int, float[], int, float[], int) softmax} with its maximum and
   * normalization on the Vector API path when available, its rows spread over
   * {@code parallel}'s threads when there are enough; within a few units in the last place.
   */
  public static void softmax(
      Parallel parallel,
      int batch,
      int features,
      float[] x, int xOff, // [batch, features]
      float[] y, int yOff) { // [batch, features]
    if (!VECTORIZED) {
      softmax(batch, features, x, xOff, y, yOff);
      return;
    }
    checkSoftmax(batch, features, x, xOff, y, yOff);
    VectorLayers.softmax(parallel, batch, features, x, xOff, y, yOff);
  }

  /** Numerically stable softmax over the last axis; {@code x} may be {@code y}. */
  public static void softmax(
      int batch,
      int features,
      float[] x, int xOff, // [batch, features]
      float[] y, int yOff) { // [batch, features]
    checkSoftmax(batch, features, x, xOff, y, yOff);
    for (int n = 0; n < batch; n++) {
      int xBase = xOff + n * features, yBase = yOff + n * features;
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < features; i++) {
        max = Math.max(max, x[xBase + i]);
      }
      double sum = 0;
      for (int i = 0; i < features; i++) {
        float e = (float) Math.exp(x[xBase + i] - max);
        y[yBase + i] = e;
        sum += e;
      }
      for (int i = 0; i < features; i++) {
        y[yBase + i] = (float) (y[yBase + i] / sum);
      }
    }
  }

  private static void checkSoftmax(int batch, int features, float[] x, int xOff, float[] y,
      int yOff) {
    requirePositive("batch", batch);
    requirePositive("features", features);
    requireRange("x", x, xOff, (long) batch * features);
    requireRange("y", y, yOff, (long) batch * features);
  }

  /**
   * {@link #padShortcut(int, int, int, int, int, int, int, float[], int, float[], int)
   * padShortcut} with tensors in {@code layout}, through NCHW copies of the blocked ones.
   */
  public static void padShortcut(Layout layout, int batch, int inChannels, int inHeight,
      int inWidth, int stride, int outChannels, int padFront, float[] in, int inOff, float[] out,
      int outOff) {
    if (!layout.blocks(inChannels) && !layout.blocks(outChannels)) {
      padShortcut(batch, inChannels, inHeight, inWidth, stride, outChannels, padFront, in, inOff,
          out, outOff);
      return;
    }
    requirePositive("batch", batch);
    requirePositive("inHeight", inHeight);
    requirePositive("inWidth", inWidth);
    requirePositive("stride", stride);
    int inPlane = Math.multiplyExact(inHeight, inWidth);
    int outPlane = ((inHeight - 1) / stride + 1) * ((inWidth - 1) / stride + 1);
    requireRange("in", in, inOff, (long) batch * inChannels * inPlane);
    Layout.Scratch s = Layout.SCRATCH.get();
    float[] x = s.get(Layout.Scratch.IN, (long) batch * inChannels * inPlane);
    float[] y = s.get(Layout.Scratch.OUT, (long) batch * outChannels * outPlane);
    layout.toNchw(batch, inChannels, inPlane, in, inOff, x, 0);
    padShortcut(batch, inChannels, inHeight, inWidth, stride, outChannels, padFront, x, 0, y, 0);
    layout.fromNchw(batch, outChannels, outPlane, y, 0, out, outOff);
  }

  /**
   * Option-A residual shortcut of He et al.: subsamples by {@code stride} and places the input
   * channels at {@code padFront}, writing zeros to every other output element.
   */
  public static void padShortcut(
      int batch,
      int inChannels,
      int inHeight,
      int inWidth,
      int stride,
      int outChannels,
      int padFront,
      float[] in, int inOff, // [batch, inChannels, inHeight, inWidth]
      float[] out, int outOff) { // [batch, outChannels, (inHeight-1)/stride+1, (inWidth-1)/stride+1]
    requirePositive("batch", batch);
    requirePositive("inChannels", inChannels);
    requirePositive("inHeight", inHeight);
    requirePositive("inWidth", inWidth);
    requirePositive("stride", stride);
    requirePositive("outChannels", outChannels);
    if (padFront < 0 || (long) padFront + inChannels > outChannels) {
      throw new IllegalArgumentException(
          "need 0 <= padFront and padFront + inChannels <= outChannels, got padFront " + padFront
              + ", inChannels " + inChannels + ", outChannels " + outChannels);
    }
    int oh = (inHeight - 1) / stride + 1, ow = (inWidth - 1) / stride + 1;
    int inPlane = Math.multiplyExact(inHeight, inWidth), outPlane = oh * ow;
    requireRange("in", in, inOff, (long) batch * inChannels * inPlane);
    requireRange("out", out, outOff, (long) batch * outChannels * outPlane);
    for (int n = 0; n < batch; n++) {
      int outImage = outOff + n * outChannels * outPlane;
      int copyStart = outImage + padFront * outPlane;
      int copyEnd = copyStart + inChannels * outPlane;
      Arrays.fill(out, outImage, copyStart, 0f);
      Arrays.fill(out, copyEnd, outImage + outChannels * outPlane, 0f);
      for (int ch = 0; ch < inChannels; ch++) {
        int inBase = inOff + (n * inChannels + ch) * inPlane;
        int outBase = copyStart + ch * outPlane;
        for (int oy = 0; oy < oh; oy++) {
          int inRow = inBase + oy * stride * inWidth;
          int outRow = outBase + oy * ow;
          for (int ox = 0; ox < ow; ox++) {
            out[outRow + ox] = in[inRow + ox * stride];
          }
        }
      }
    }
  }

  /** Copies {@code length} floats. */
  public static void copy(float[] in, int inOff, int length, float[] out, int outOff) {
    requireRange("in", in, inOff, length);
    requireRange("out", out, outOff, length);
    System.arraycopy(in, inOff, out, outOff, length);
  }

  /** Smallest output index {@code o >= 0} with {@code o*stride + offset >= 0}. */
  private static int firstValid(int offset, int stride) {
    return offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  }

  /** One past the largest output index {@code o < outLen} with {@code o*stride + offset < size}. */
  private static int endValid(int offset, int stride, int size, int outLen) {
    int last = size - 1 - offset;
    return last < 0 ? 0 : Math.min(outLen, last / stride + 1);
  }
}
