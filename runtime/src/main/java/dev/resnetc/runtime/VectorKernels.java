package dev.resnetc.runtime;

import java.util.ArrayDeque;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API path of the convolution: a packed GEMM with an {@link #MR} x 2-vector
 * register-blocked micro-kernel (6x16 with AVX2, 14x32 with AVX-512), and the epilogue (bias,
 * residual, ReLU) applied to each finished tile. Loaded only when the JVM has
 * {@code jdk.incubator.vector}; {@link Kernels} chooses.
 *
 * <p>A convolution is {@code out[m][p] = sum_k W[m][k] * col[k][p]} per image and group, with
 * {@code m} the output channel, {@code k = (ic, ky, kx)} and {@code p = (oy, ox)}. The weights are
 * packed once at load time into panels of {@link #MR} rows, {@code [g][m/MR][k][MR]}; row panels
 * multiply blocks of {@link #NR} output positions, whose reduction rows the micro-kernel finds
 * through an offset table. The rows come from one of four places:
 *
 * <ul>
 *   <li>1x1 convolutions: the input's rows (with a stride, of a subsampled copy) of a few
 *       neighbouring column blocks, copied by each task into contiguous panels (read in place,
 *       a whole channel apart, the rows thrashed L1 and were slower);
 *   <li>images whose output rows are at least {@link #MIN_DIRECT_WIDTH} wide (with AVX2, only
 *       for short reductions): a copy of the input with its zero border, split into phase planes
 *       when strided, made in a first parallel phase;
 *   <li>the others: columns packed into {@code [k][NR]} (im2col) by each task, or once, in a
 *       first parallel phase, when a small image needs its output channels split between threads;
 *       with a stride, copied from phase planes made as above;
 *   <li>Winograd F(2x2, 3x3) and F(4x4, 3x3) ({@link Winograd}): the transformed input, made in a
 *       first parallel phase, its transforms vectorized over {@link #L} tiles.
 * </ul>
 *
 * <p>Small images turn the GEMM around ({@link #byChannel}): output positions are the rows,
 * broadcast, and output channels the columns, loaded from weights packed {@code [k][NR]}.
 *
 * <p>Tasks are (image, group, column block, channel split).
 */
final class VectorKernels {
  /** The widest vectors this CPU has: 8 floats with AVX2, 16 with AVX-512. */
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  /** Floats per vector. */
  static final int L = S.length();
  /**
   * Output channels per row panel: 6 where there are 16 vector registers (AVX2), 14 where there
   * are 32 (AVX-512, whose vectors have 16 floats): 28 accumulators, two column vectors and a
   * broadcast. In a throw-away harness (panels in L1 and L2, reductions of 64-1024) the 14-row
   * kernel made 140-161 GFLOP/s on one AVX-512 core and the 6-row one 99-113; 8 and 12 rows made
   * 98-114 and 117-129.
   */
  static final int MR = S.length() >= 16 ? 14 : 6;
  static final int NR = 2 * L;
  /**
   * Whether vectors hold 16 floats (AVX-512), the width {@link #byChannel} reads its positions in
   * place and transposes its tiles at, and was measured at; with other widths it packs them and
   * writes one value at a time.
   */
  static final boolean SIXTEEN_LANES = L == 16;

  private VectorKernels() {}

  /** Guards {@link #afterWarmUp}. */
  private static final Object QUEUE = new Object();

  /**
   * The tasks the warm-up thread runs once its warm-up is over (Winograd's deferred weight
   * transforms, {@link Kernels#prepareDeferred}), or null once it has run them all.
   */
  private static ArrayDeque<Runnable> afterWarmUp = new ArrayDeque<>();

  /** Runs {@link #warmUp}; started when this class is loaded. */
  private static final Thread WARM_UP = new Thread(VectorKernels::warmUp, "resnetc-warm-up");

  static {
    WARM_UP.setDaemon(true);
    WARM_UP.start();
  }

  /**
   * Waits until {@link #warmUp}, with the tasks left for after it, is over (starting it, if this
   * class was not loaded yet).
   */
  static void awaitWarmUp() throws InterruptedException {
    WARM_UP.join();
  }

  /**
   * Whether the warm-up thread will still take tasks for after its warm-up (of the preferred
   * layout's kernels).
   */
  static boolean warmingUp() {
    synchronized (QUEUE) {
      return afterWarmUp != null;
    }
  }

  /** Whether the warm-up is still running, and the calling thread is not its thread. */
  static boolean warmingUpElsewhere() {
    return Thread.currentThread() != WARM_UP && warmingUp();
  }

  /**
   * Leaves {@code task} to the warm-up thread, to run once its warm-up is over; false, and the
   * task not taken, if that thread has run its last task already.
   */
  static boolean afterWarmUp(Runnable task) {
    synchronized (QUEUE) {
      return afterWarmUp != null && afterWarmUp.add(task);
    }
  }

  /**
   * Runs the tasks left for after the warm-up, in the order they came, and then takes no more.
   * If one throws (an {@code OutOfMemoryError} in a transform), the rest are dropped: their
   * layers keep the direct kernel, and the thread ends with the error.
   */
  private static void runAfterWarmUp() {
    try {
      for (Runnable task = nextTask(); task != null; task = nextTask()) {
        task.run();
      }
    } finally {
      synchronized (QUEUE) {
        afterWarmUp = null;
      }
    }
  }

  /** The next task left for after the warm-up; null, and no more taken, once there is none. */
  private static Runnable nextTask() {
    synchronized (QUEUE) {
      Runnable task = afterWarmUp.poll();
      if (task == null) {
        afterWarmUp = null; // in the same hold of the lock as the empty poll, so none is lost
      }
      return task;
    }
  }

  /**
   * Runs small calls of each kernel, with each kind of epilogue, until the JIT has compiled them.
   * This class is loaded when a generated network's class is (its layout is
   * {@link Layout#preferred}), so the compilation overlaps the loading of the weights instead of
   * slowing the first {@code forward}, which would otherwise run the Vector API boxed: a kernel
   * reaches C2 only after some 15000 calls and loop turns, each boxed until then. So the kernels
   * of the preferred layout go first, in the order a forward call meets them, each with the
   * smallest work per call that still runs every path of its code, then pooling and dense
   * layers, then the tasks left for after the warm-up (which need only those). In the blocked
   * layout, the NCHW convolutions (for groups, or {@code -Dresnetc.nchw=true}) come last: they
   * took 1.1-1.3 s of a core after ResNet-18's first result.
   */
  private static void warmUp() {
    warmUpLoad();
    profileOperations();
    Parallel one = Parallel.of(1);
    boolean blocked = SIXTEEN_LANES && Layout.preferred() == Layout.BLOCKED;
    if (blocked) {
      warmUpBlocked(one);
    } else {
      warmUpNchw(one);
    }
    warmUpLayers(one);
    runAfterWarmUp();
    if (blocked) {
      warmUpNchw(one);
    }
  }

  /**
   * The loops a network's load runs over all its weights (folding BatchNorms, packing panels),
   * first, while the compilers' queues are still empty: 300 small calls get them compiled by C1
   * and C2 in a few milliseconds. Left to the load, where the warm-up's Vector API compiles
   * filled the queues, they ran in the interpreter and then in C1's code until 0.35 and 0.44 s.
   */
  private static void warmUpLoad() {
    Conv2d c = new Conv2d(NR, 1, 1, NR, 1, 1, 0, 1, 1);
    float[] w = new float[c.weightSize()];
    float[] channels = new float[NR];
    for (int i = 0; i < 300; i++) {
      packByChannel(c, Fold.weight(w, channels, channels, 1e-5));
    }
  }

  /**
   * Runs every lanewise operator and reduction the kernels use, boxed, before any kernel, so that
   * the API's shared methods have seen every operator class before C2 compiles them for the
   * boxed code. Without it, with the blocked kernels warmed first, a later operator's class
   * trapped in one of them ({@code VectorOperators.opKind} in {@code lanewiseTemplate}); every
   * later compile that inlined it kept a class check with a throw there, and the vectors of
   * F(4x4)'s transforms boxed, for good: 1.6 MB allocated per resnet20 call in 2 JVMs of 14,
   * none of 40 (the last 12 with this loop as it is).
   */
  private static void profileOperations() {
    float[] a = new float[2 * L];
    FloatVector u = FloatVector.broadcast(S, 1f);
    for (int i = 0; i < 3000; i++) {
      FloatVector v = FloatVector.fromArray(S, a, 0);
      v = v.add(u).sub(u).mul(u).mul(0.5f).div(2f).max(u).max(0f).fma(u, v).add(0f).sub(1f);
      a[L] = v.reduceLanes(VectorOperators.ADD) + v.reduceLanes(VectorOperators.MAX);
      v.intoArray(a, 0);
      FloatVector.zero(S).intoArray(a, L);
    }
  }

  /**
   * The blocked layout's kernels. First the two micro-kernels, called directly with reductions
   * of one or four: the cheapest calls that run all their code (6000 of them took 150-170 ms
   * boxed, where a whole layer's call takes 50 us to 2 ms). Then every kind of layer on its
   * smallest shapes, in turn, so that C2 compiles each method from a profile that holds all of
   * its paths; the costlier shapes only every few rounds.
   */
  private static void warmUpBlocked(Parallel one) {
    float[] a = new float[2 * 8 * L];
    int[] rows = new int[4];
    float[] b = new float[4 * NR];
    float[] tile = new float[2 * BlockedConv.HALF * NR];
    for (int i = 0; i < 6000; i++) {
      int k = i % 16 == 0 ? 4 : 1;
      BlockedConv.kernel(a, 0, BlockedConv.HALF * L, rows, b, 0, 0, k, tile, 0);
      BlockedWinograd.kernel8(a, 0, rows, b, 0, k, tile, 0);
    }
    Conv2d[] direct = {
        new Conv2d(1, 1, 7, NR, 1, 1, 0, 1, 1), // from an NCHW image, one half
        new Conv2d(3, 2, 14, L, 3, 2, 1, 1, 1), // a stem: strided, padded, one output block
        new Conv2d(L, 1, 7, NR, 1, 1, 0, 1, 1), // 1x1, read in place
        new Conv2d(L, 2, 14, NR, 1, 2, 0, 1, 1), // a 1x1/2 projection
        new Conv2d(L, 2, 14, NR, 3, 2, 1, 1, 1), // 3x3/2 from phase planes: every 8th round
        new Conv2d(L, 4, 4, NR, 3, 1, 1, 1, 1), // F(4x4), one tile, a strip of 8: every 4th
        new Conv2d(L, 8, 28, NR, 3, 1, 1, 1, 1), // 14 tiles, a strip of 14: every 16th
        new Conv2d(L, 7, 7, NR, 3, 1, 1, 1, 1), // F(2x2) as at 7x7: 16 tiles, edges: every 4th
        new Conv2d(L, 3, 7, NR, 3, 1, 1, 1, 1)}; // 3x3 direct: every 8th
    int[] every = {1, 1, 1, 1, 8, 4, 16, 4, 8};
    // The last runs direct, as the compiler has 3x3 layers of few channels run: its padded copy
    // is the only one of blocked input without a stride, a branch of pad that C2 otherwise left
    // out (an "unstable if": ResNet-18's first forward went back to the interpreter there, when
    // its 7x7 layers ran direct).
    int[] m = {0, 0, 0, 0, 0, 4, 4, 2, 0}; // Winograd F(m x m), or 0 for direct
    float[][] w = new float[direct.length][];
    int size = 0;
    for (int s = 0; s < direct.length; s++) {
      Conv2d c = direct[s];
      float[] zeros = new float[c.weightSize()];
      w[s] = m[s] != 0 ? BlockedWinograd.transformWeights(c, zeros, m[s])
          : packByChannel(c, zeros);
      size = Math.max(size, Math.max(c.inSize(), c.outSize()));
    }
    float[] in = new float[size];
    float[] res = new float[size];
    float[] out = new float[size];
    float[] bias = new float[NR];
    Pool2d pool = new Pool2d(L, 3, 3, 3, 2, 1);
    for (int i = 0; i < 1500; i++) {
      forgetBuffers(i);
      float[] r = residual(i, res);
      boolean relu = relu(i);
      for (int s = 0; s < direct.length; s++) {
        if (i % every[s] != 0) {
          continue;
        }
        if (m[s] != 0) {
          BlockedWinograd.conv(one, direct[s], m[s], 1, in, 0, w[s], bias, r, 0, relu, out,
              0);
        } else {
          BlockedConv.conv(one, direct[s], 1, in, 0, w[s], bias, r, 0, relu, out, 0);
        }
      }
      VectorLayers.blockedPool(one, pool, true, 1, in, 0, out, 0);
    }
  }

  /**
   * The NCHW convolutions: Winograd, pointwise, im2col, from phase planes, a 1x1/2 projection,
   * and (with 16-float vectors, where generated networks run it: Kernels.channelsOr) byChannel
   * read in place and packed.
   */
  private static void warmUpNchw(Parallel one) {
    int wide = MIN_DIRECT_WIDTH;
    Conv2d[] shapes = {
        // Winograd, both tile sizes: whole and partial tiles, more than 8 tiles a column block
        new Conv2d(16, 13, 13, 12, 3, 1, 1, 1, 1),
        // pointwise, over two reduction blocks, a whole column block and a partial one
        new Conv2d(KC + 4, 1, NR + 4, 6, 1, 1, 0, 1, 1),
        new Conv2d(3, 9, 9, 6, 3, 2, 1, 1, 1), // im2col
        new Conv2d(8, 3, 2 * wide, 6, 3, 2, 1, 1, 1), // wide, from phase planes
        new Conv2d(8, 3, 2 * wide, 6, 1, 2, 0, 1, 1)}; // a 1x1/2 projection: subsampled, packed
    for (Conv2d c : shapes) {
      float[] in = new float[c.inSize()];
      float[] bias = new float[c.outChannels()];
      float[] res = new float[c.outSize()];
      float[] out = new float[c.outSize()];
      boolean winograd = c.kernel() == 3 && c.stride() == 1;
      float[] w2 = winograd ? Winograd.transformWeights(c, new float[c.weightSize()], 2) : null;
      float[] w4 = winograd ? Winograd.transformWeights(c, new float[c.weightSize()], 4) : null;
      float[] w = pack(c, new float[c.weightSize()]);
      for (int i = 0; i < 2000; i++) {
        forgetBuffers(i);
        float[] r = residual(i, res);
        boolean relu = relu(i);
        if (winograd) {
          winograd(one, 2, c, 1, in, 0, w2, bias, r, 0, relu, out, 0);
          winograd(one, 4, c, 1, in, 0, w4, bias, r, 0, relu, out, 0);
        } else {
          conv(one, c, 1, in, 0, w, bias, r, 0, relu, out, 0);
        }
      }
    }
    Conv2d[] channelShapes = !SIXTEEN_LANES ? new Conv2d[0] : new Conv2d[] {
        new Conv2d(16, 7, 7, NR, 1, 1, 0, 1, 1), new Conv2d(3, 9, 9, NR, 3, 2, 1, 1, 1)};
    for (Conv2d c : channelShapes) {
      float[] in = new float[c.inSize()];
      float[] bias = new float[c.outChannels()];
      float[] out = new float[c.outSize()];
      float[] res = new float[c.outSize()];
      float[] w = packByChannel(c, new float[c.weightSize()]);
      for (int i = 0; i < 2000; i++) {
        forgetBuffers(i);
        byChannel(one, c, 1, in, 0, w, bias, residual(i, res), 0, relu(i), out, 0);
      }
    }
  }

  /**
   * The residual of warm-up call {@code call}, with {@link #relu}: a residual block's three
   * epilogues in turn, ReLU, the residual then ReLU, neither (a projection).
   */
  private static float[] residual(int call, float[] res) {
    return call % 3 == 1 ? res : null;
  }

  private static boolean relu(int call) {
    return call % 3 != 2;
  }

  /**
   * Every 64th call, drops the warm-up thread's per-thread jobs and buffers, so that the code
   * that grows them is taken while the JIT profiles it: in a forward call the calling thread's
   * buffers grow, and C2 code compiled from a profile in which they never did fell back to the
   * interpreter there (an "unstable if"), in one layer after another of the first call.
   */
  private static void forgetBuffers(int call) {
    if (call % 64 == 0) {
      JOBS.remove();
      SCRATCH.remove();
      VectorLayers.forgetBuffers();
      if (SIXTEEN_LANES) { // the blocked kernels run nowhere else
        BlockedConv.forgetBuffers();
        BlockedWinograd.forgetBuffers();
      }
    }
  }

  /**
   * Runs small layers of {@link VectorLayers}: pooling with strides 1 and 2 (ResNet's stem), a
   * global pooling, a dense layer with a group of four output features and one left over, and a
   * softmax, each with a tail shorter than a vector.
   */
  private static void warmUpLayers(Parallel one) {
    Pool2d[] pools = {new Pool2d(2, 7, 2 * L + 3, 3, 2, 1), new Pool2d(2, 5, L + 3, 3, 1, 1)};
    Pool2d blocked = new Pool2d(L, 7, 7, 3, 2, 1); // one channel block, ResNet's stem pooling
    float[] in = new float[Math.max(pools[0].inSize(), blocked.inSize())];
    float[] out = new float[in.length];
    int features = 2 * L + 3;
    float[] w = new float[5 * features];
    float[] bias = new float[5];
    float[] y = new float[5];
    for (int i = 0; i < 2000; i++) {
      forgetBuffers(i);
      for (Pool2d p : pools) {
        VectorLayers.pool(one, p, true, 1, in, 0, out, 0);
        VectorLayers.pool(one, p, false, 1, in, 0, out, 0);
      }
      if (Layout.preferred() == Layout.BLOCKED) {
        VectorLayers.blockedPool(one, blocked, true, 1, in, 0, out, 0);
        VectorLayers.blockedPool(one, blocked, false, 1, in, 0, out, 0);
        VectorLayers.blockedGlobalAvgPool(one, 1, L, 49, in, 0, out, 0);
      }
      VectorLayers.globalAvgPool(one, 1, 2, 49, in, 0, out, 0);
      VectorLayers.dense(one, 1, features, 5, in, 0, w, bias, y, 0, true, y, 0);
      VectorLayers.softmax(one, 1, features, in, 0, out, 0);
    }
  }

  /** The weights {@code [out, in/groups, k, k]} as the micro-kernel reads them. */
  static float[] pack(Conv2d c, float[] w) {
    return pack(c, w, MR);
  }

  /**
   * The weights as {@link #byChannel} reads them: panels of {@link #NR} output channels,
   * {@code [g][m/NR][k][NR]}, which the micro-kernel loads as its two column vectors.
   */
  static float[] packByChannel(Conv2d c, float[] w) {
    return pack(c, w, NR);
  }

  /**
   * {@link #packByChannel} or {@link #pack} into {@code w} itself, where the panels fill it
   * exactly (output channels a multiple of the panel's width): a panel's packed floats take the
   * place of its output channels' rows, so each panel goes through a scratch array of its own size
   * and back. A network's load then makes no fresh array for its packed weights, whose page faults
   * were a large part of a fresh JVM's load (ResNet-50: 100 MB). Otherwise a new array, as they
   * make.
   */
  static float[] packInPlace(Conv2d c, float[] w, boolean byChannel) {
    int width = byChannel ? NR : MR;
    int coutG = c.outChannels() / c.groups();
    if (coutG % width != 0) {
      return pack(c, w, width);
    }
    int k = c.inChannels() / c.groups() * c.kernel() * c.kernel();
    int panel = k * width;
    float[] scratch = PANEL.get();
    if (scratch.length < panel) {
      scratch = new float[panel];
      PANEL.set(scratch);
    }
    for (int at = 0; at < w.length; at += panel) {
      System.arraycopy(w, at, scratch, 0, panel);
      for (int m = 0; m < width; m++) {
        for (int i = 0; i < k; i++) {
          w[at + i * width + m] = scratch[m * k + i];
        }
      }
    }
    return w;
  }

  /**
   * The weights {@code [out, in/groups, k, k]} again, in a new array, from the panels
   * {@link #packInPlace} made of them with {@code byChannel}.
   */
  static float[] unpackByChannel(Conv2d c, float[] packed) {
    int k = c.inChannels() / c.groups() * c.kernel() * c.kernel();
    int panel = k * NR;
    float[] w = new float[packed.length];
    for (int at = 0; at < packed.length; at += panel) {
      for (int m = 0; m < NR; m++) {
        for (int i = 0; i < k; i++) {
          w[at + m * k + i] = packed[at + i * NR + m];
        }
      }
    }
    return w;
  }

  /** {@link #packInPlace}'s scratch, kept by the loading thread. */
  private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[0]);

  /** The weights in panels of {@code width} output channels, {@code [g][m/width][k][width]}. */
  private static float[] pack(Conv2d c, float[] w, int width) {
    int groups = c.groups();
    int coutG = c.outChannels() / groups;
    int k = c.inChannels() / groups * c.kernel() * c.kernel();
    int blocks = (coutG + width - 1) / width;
    float[] p = new float[groups * blocks * k * width];
    for (int g = 0; g < groups; g++) {
      for (int m = 0; m < coutG; m++) {
        int src = (g * coutG + m) * k;
        int dst = (g * blocks + m / width) * k * width + m % width;
        for (int i = 0; i < k; i++) {
          p[dst + i * width] = w[src + i];
        }
      }
    }
    return p;
  }

  /**
   * The arrays of one kernel call (input, weights, epilogue, output), set by the calling thread
   * before the call's tasks run. Each calling thread keeps one job of each kind, so that a call
   * allocates nothing.
   */
  abstract static class KernelCall implements Parallel.Job {
    float[] in;
    int inOff;
    float[] w;
    float[] bias;
    float[] res;
    int resOff;
    boolean relu;
    float[] out;
    int outOff;

    private float[] zeroBias = new float[0];

    /** A bias of zeros, for convolutions without one. */
    float[] zeroBias(int channels) {
      if (zeroBias.length < channels) {
        zeroBias = new float[channels];
      }
      return zeroBias;
    }

    /** Lets go of the call's activations, so that an idle job keeps no arena alive. */
    void release() {
      in = null;
      out = null;
      res = null;
    }
  }

  /** The arguments of one convolution call, reused by each calling thread. */
  private static final class ConvJob extends KernelCall {
    boolean winograd;
    /**
     * {@link #byChannel}: the columns are blocks of {@link #MR} output positions, read in place
     * ({@link #halves}) or packed once into {@code shared} in a first parallel phase; tasks take
     * (group, output-channel blocks) over every image of the call.
     */
    boolean byChannel;
    /**
     * {@link #byChannel} without im2col, where output rows are whole multiples of 7 wide: the
     * micro-kernel reads each block's two 7-position halves in place ({@link #microKernelHalves})
     * from {@code in}: the input itself (1x1, stride 1), or, once the first phase has made them
     * and {@code in} points there, its subsampled copy (1x1 with a stride) or its padded phase
     * planes (the direct path's {@code padded}).
     */
    boolean halves;
    /** For {@link #halves}: floats of one channel in {@code in}, and between two output rows. */
    int inChannel;
    int inRow;
    /** Winograd's output tile size, 2 or 4. */
    int tileSize;
    /** Winograd's first phase: tasks transform one input channel each into {@code v}. */
    boolean transforming;
    /** Winograd's transformed input, {@code [xi][input channel][column]}, a column per tile. */
    float[] v = new float[0];
    /** Floats between two rows of {@code v}. */
    int vStride;
    /** Per Winograd column: the offset of its tile's top-left output in output channel 0. */
    int[] tileOut = new int[0];
    /** Per Winograd column: how many of its tile's output rows (x16) and columns exist. */
    byte[] tileEdge = new byte[0];
    /**
     * Per even Winograd column: whether its tile and the next are whole and side by side, so that
     * each of their output rows is {@code 2m} contiguous floats.
     */
    boolean[] pairWhole = new boolean[0];
    Conv2d c;
    int columnBlocks;
    /** Neighbouring column blocks per task: {@link #WIDE_SPAN}, {@link #SPAN} or 1. */
    int span = 1;
    int rowSplits;
    /** When the channels are split, each column block is packed once, here, before the GEMMs. */
    float[] shared = new float[0];
    boolean packing;
    /**
     * Convolutions of wide images skip im2col: the input is copied once with its zero border
     * into {@code padded} (split into phase planes when strided), column blocks follow output
     * rows, and the micro-kernel reads each reduction row straight from it, at
     * {@code rowOffsets[k]} from the block's corner.
     */
    boolean direct;
    /**
     * Strided convolutions of narrower images make the same phase planes, and im2col copies each
     * column block's rows from them as a few contiguous runs ({@link #packColumns}) instead of
     * gathering every {@code s}-th input value: the gather took a quarter of a 3x3/2 256->256 at
     * 28x28.
     */
    boolean planes;
    /**
     * 1x1 convolutions need no im2col either: the input channels are the rows of the columns,
     * and a task copies its {@link #span} column blocks row by row into contiguous panels
     * ({@link #packPointwise}). With a stride, the input's every {@code s}-th row and column is
     * first copied into {@code padded}, in a parallel phase.
     */
    boolean pointwise;
    boolean padding;
    float[] padded = new float[0];
    int[] rowOffsets = new int[0];
    int blocksPerRow;
    int batch;
    /** Winograd's columns: tiles of the whole batch. */
    int columns;

    @Override
    public void run(int task, int worker) {
      if (packing) {
        pack(this, task);
        return;
      }
      if (padding) {
        padChannel(task);
        return;
      }
      if (transforming) {
        if (tileSize == 2) {
          winogradInput(this, task, SCRATCH.get());
        } else {
          winogradInput4(this, task, SCRATCH.get());
        }
        return;
      }
      if (byChannel) {
        int blocks = (c.outChannels() / c.groups() + NR - 1) / NR;
        int split = task % rowSplits;
        channelTile(this, task / rowSplits, blocks * split / rowSplits,
            blocks * (split + 1) / rowSplits, SCRATCH.get());
        return;
      }
      int groups = winograd ? 1 : c.groups();
      int split = task % rowSplits;
      int rest = task / rowSplits;
      int spans = (columnBlocks + span - 1) / span;
      int jb = rest % spans * span;
      int g = (rest / spans) % groups;
      int n = rest / spans / groups;
      int blocks = (c.outChannels() / groups + MR - 1) / MR;
      int from = blocks * split / rowSplits;
      int to = blocks * (split + 1) / rowSplits;
      if (winograd) {
        winogradBlock(this, jb, from, to, SCRATCH.get());
      } else {
        tile(this, n, g, jb, Math.min(columnBlocks, jb + span), from, to, SCRATCH.get());
      }
    }

    /**
     * Copies input channel {@code ch} (of the whole batch) into {@code padded}: for a 1x1
     * convolution the positions it reads, else the channel with its zero border. With
     * stride {@code s} the padded rows are split into {@code s} phase planes of every
     * {@code s}-th column, so that the columns a stride-{@code s} row of outputs reads for one
     * {@code kx} are contiguous in one of them.
     */
    void padChannel(int ch) {
      int h = c.inHeight();
      int w = c.inWidth();
      int p = c.padding();
      int s = c.stride();
      if (pointwise) {
        int oh = c.outHeight();
        int ow = c.outWidth();
        for (int y = 0; y < oh; y++) {
          split(in, inOff + (ch * h + y * s) * w, w, 0, s, ow, padded, (ch * oh + y) * ow);
        }
        return;
      }
      int hp = paddedHeight();
      int wq = phaseWidth();
      int base = ch * paddedChannel();
      if (s == 1) {
        Arrays.fill(padded, base, base + p * wq + p, 0f);
        for (int y = 0; y < h; y++) {
          int row = base + (y + p) * wq + p;
          System.arraycopy(in, inOff + (ch * h + y) * w, padded, row, w);
          Arrays.fill(padded, row + w, row + w + 2 * p, 0f);
        }
        Arrays.fill(padded, base + (h + p) * wq + p, base + hp * wq, 0f);
        return;
      }
      for (int y = -p; y < h + p; y++) {
        phases(in, inOff + ch * h * w, y, h, w, p, s, wq, padded, base + (y + p) * wq, hp * wq);
      }
    }

    /** Rows of a padded channel: the input's rows and the zero border. */
    int paddedHeight() {
      return c.inHeight() + 2 * c.padding();
    }

    /** Floats in a row of one phase plane: every {@code stride}-th column of a padded row. */
    int phaseWidth() {
      return (c.inWidth() + 2 * c.padding() + c.stride() - 1) / c.stride();
    }

    /** Floats of one padded channel: its {@code stride} phase planes. */
    int paddedChannel() {
      return c.stride() * paddedHeight() * phaseWidth();
    }

    /** Sizes {@code padded} for the batch and sets the row offsets. */
    void prepareRows(int batch) {
      int s = c.stride();
      int hp = paddedHeight();
      int wq = phaseWidth();
      int size = batch * c.inChannels() * paddedChannel() + NR;
      if (padded.length < size) {
        padded = new float[size];
      }
      int ks = c.kernel();
      int k = c.inChannels() / c.groups() * ks * ks;
      if (rowOffsets.length < k) {
        rowOffsets = new int[k];
      }
      for (int ic = 0, i = 0; ic < c.inChannels() / c.groups(); ic++) {
        for (int ky = 0; ky < ks; ky++) {
          for (int kx = 0; kx < ks; kx++) {
            rowOffsets[i++] = ((ic * s + kx % s) * hp + ky) * wq + kx / s;
          }
        }
      }
    }

    /**
     * Sets the call's arguments and runs its tasks over {@code columns} positions (or tiles) per
     * image. Winograd's transformed input and the padded input of the direct path are made a few
     * images at a time, so that they are still in cache when the products read them.
     */
    void run(Parallel par, int batch, int columns, float[] input, int inputOff, float[] residual,
        int residualOff, float[] output, int outputOff) {
      pointwise = !winograd && c.kernel() == 1 && c.padding() == 0;
      // With AVX2 the micro-kernel runs a quarter faster on packed panels than through an offset
      // table, which pays for im2col unless the reduction is short: strided layers pack from
      // their phase planes (3x3/2 128->128 at 56x56: 0.86 times as long; the stem, whose blocks
      // are whole vectors of one output row, 0.84), and stride-1 ones with at most
      // SPAN_MAX_REDUCTION rows (none in ResNets) are read in place.
      direct = !winograd && !byChannel && !pointwise && c.dilation() == 1
          && c.outWidth() >= MIN_DIRECT_WIDTH
          && (MR == 14 || c.stride() == 1
              && c.inChannels() / c.groups() * c.kernel() * c.kernel() <= SPAN_MAX_REDUCTION);
      planes = !winograd && !byChannel && !pointwise && !direct && c.dilation() == 1
          && c.stride() > 1;
      long perImage = (long) c.inChannels() * Float.BYTES;
      long chunk = CHUNK_BYTES;
      if (byChannel) {
        // what the first phase makes: nothing, a subsampled copy or padded planes (read in
        // place), or the packed blocks
        halves = SIXTEEN_LANES && c.dilation() == 1 && c.outWidth() % 7 == 0;
        perImage *= !halves ? (long) c.kernel() * c.kernel() * ((columns + MR - 1) / MR * MR)
            : !pointwise ? paddedChannel() : c.stride() > 1 ? columns : 0;
        chunk = halves ? CHANNEL_PLANES_BYTES : CHANNEL_CHUNK_BYTES;
      } else if (winograd) {
        perImage *= (long) Winograd.positions(tileSize) * columns;
      } else if (direct || planes) {
        perImage *= paddedChannel();
      } else if (pointwise && c.stride() > 1) {
        perImage *= columns;
      } else {
        perImage = 0; // im2col packs per image anyway
      }
      // Winograd's images whose tiles fill whole column blocks gain nothing from sharing blocks:
      // one at a time, their transformed input stays in L2.
      int images = perImage == 0 ? batch
          : winograd && columns % NR == 0 ? 1
          : (int) Math.max(1, Math.min(batch, chunk / perImage));
      for (int n = 0; n < batch; n += images) {
        runImages(par, Math.min(images, batch - n), columns, input, inputOff + n * c.inSize(),
            residual, residualOff + n * c.outSize(), output, outputOff + n * c.outSize());
      }
    }

    private void runImages(Parallel par, int batch, int columns, float[] input, int inputOff,
        float[] residual, int residualOff, float[] output, int outputOff) {
      in = input;
      inOff = inputOff;
      res = residual;
      resOff = residualOff;
      out = output;
      outOff = outputOff;
      try {
        if (byChannel) {
          runByChannel(par, batch);
          return;
        }
        if (direct) {
          padInput(par, batch);
          blocksPerRow = (c.outWidth() + NR - 1) / NR;
          columnBlocks = c.outHeight() * blocksPerRow;
        } else if (winograd) {
          prepareWinograd(batch);
          transforming = true;
          par.run(c.inChannels(), this);
          transforming = false;
        } else {
          columnBlocks = (columns + NR - 1) / NR;
          if (planes) {
            padInput(par, batch);
          }
          if (pointwise && c.stride() > 1) {
            subsample(par, batch, columns);
          }
        }
        int groups = winograd ? 1 : c.groups();
        int reduction = c.inChannels() / c.groups() * c.kernel() * c.kernel();
        int blocks = (c.outChannels() / groups + MR - 1) / MR;
        // Enough tasks to balance the threads: split the output channels too when the images
        // are small, at the price of packing their columns once per split.
        span = span(direct, pointwise, reduction, res != null, columns, batch, par.threads());
        int tiles = (winograd ? 1 : batch * groups) * ((columnBlocks + span - 1) / span);
        rowSplits = Math.max(1, Math.min(blocks / 4, TASKS_PER_THREAD * par.threads() / tiles));
        // An odd number of Winograd blocks (3x3 64 at 56x56: 13) leaves a thread idle for the
        // last one; split each in two instead: ResNet-18 on two threads took 0.973-0.977 of
        // its time at batch 8 and 0.988-0.989 at batch 1 (bench/against.sh, two runs).
        if (winograd && rowSplits == 1 && tiles % par.threads() != 0 && blocks >= par.threads()) {
          rowSplits = par.threads();
        }
        if (rowSplits > 1 && !winograd && !direct && !pointwise) {
          if (shared.length < tiles * reduction * NR) {
            shared = new float[tiles * reduction * NR];
          }
          packing = true;
          par.run(tiles, this);
          packing = false;
        }
        par.run(tiles * rowSplits, this);
      } finally {
        packing = false;
        padding = false;
        transforming = false;
        release();
      }
    }

    /**
     * {@link #byChannel} on {@code batch} images: pads their input (or packs their blocks of
     * {@link #MR} positions) once, then splits each group's output channels between the tasks.
     */
    private void runByChannel(Parallel par, int batch) {
      int groups = c.groups();
      int cinG = c.inChannels() / groups;
      int reduction = cinG * c.kernel() * c.kernel();
      int plane = c.outHeight() * c.outWidth();
      columnBlocks = (plane + MR - 1) / MR;
      if (halves && pointwise) {
        if (c.stride() > 1) {
          subsample(par, batch, plane);
        }
        inChannel = c.stride() > 1 ? plane : c.inHeight() * c.inWidth();
        inRow = c.outWidth();
        if (rowOffsets.length < reduction) {
          rowOffsets = new int[reduction];
        }
        for (int i = 0; i < reduction; i++) {
          rowOffsets[i] = i * inChannel;
        }
      } else if (halves) {
        padInput(par, batch);
        in = padded;
        inOff = 0;
        inChannel = paddedChannel();
        inRow = c.stride() * phaseWidth();
      } else {
        int tiles = batch * groups * columnBlocks;
        if (shared.length < tiles * reduction * MR) {
          shared = new float[tiles * reduction * MR];
        }
        packing = true;
        par.run(tiles, this);
        packing = false;
      }
      int blocks = (c.outChannels() / groups + NR - 1) / NR;
      this.batch = batch;
      rowSplits = Math.max(1, Math.min(blocks, TASKS_PER_THREAD * par.threads() / groups));
      par.run(groups * rowSplits, this);
    }

    /** The direct path's first phase: the input with its zero border, in phase planes. */
    private void padInput(Parallel par, int batch) {
      prepareRows(batch);
      padding = true;
      par.run(batch * c.inChannels(), this);
      padding = false;
    }

    /**
     * A strided 1x1 convolution's first phase: every {@code s}-th row and column of the input,
     * {@code columns} positions a channel, into {@code padded}, which becomes the input.
     */
    private void subsample(Parallel par, int batch, int columns) {
      if (padded.length < batch * c.inChannels() * columns) {
        padded = new float[batch * c.inChannels() * columns];
      }
      padding = true;
      par.run(batch * c.inChannels(), this);
      padding = false;
      in = padded;
      inOff = 0;
    }

    /**
     * Sizes {@code v} for Winograd over the whole batch, whose tiles are its columns (image by
     * image, row by row), and fills the tables that place each tile's outputs.
     */
    void prepareWinograd(int batch) {
      int m = tileSize;
      int oh = c.outHeight();
      int ow = c.outWidth();
      int tilesX = (ow + m - 1) / m;
      int tilesY = (oh + m - 1) / m;
      this.batch = batch;
      columns = batch * tilesX * tilesY;
      columnBlocks = (columns + NR - 1) / NR;
      vStride = columnBlocks * NR + L; // room for the last transform's vector past the end
      int size = Winograd.positions(m) * c.inChannels() * vStride;
      if (v.length < size) {
        v = new float[size];
      }
      if (tileOut.length < columns) {
        tileOut = new int[columns];
        tileEdge = new byte[columns];
        pairWhole = new boolean[columns];
      }
      int plane = oh * ow;
      for (int n = 0, col = 0; n < batch; n++) {
        for (int ty = 0; ty < tilesY; ty++) {
          for (int tx = 0; tx < tilesX; tx++, col++) {
            tileOut[col] = n * c.outChannels() * plane + m * ty * ow + m * tx;
            tileEdge[col] = (byte) (Math.min(m, oh - m * ty) << 4 | Math.min(m, ow - m * tx));
          }
        }
      }
      byte whole = (byte) (m << 4 | m);
      for (int col = 0; col + 1 < columns; col += 2) {
        pairWhole[col] = tileEdge[col] == whole && tileEdge[col + 1] == whole
            && tileOut[col + 1] == tileOut[col] + m;
      }
      int cin = c.inChannels();
      if (rowOffsets.length < cin) {
        rowOffsets = new int[cin];
      }
      for (int i = 0; i < cin; i++) {
        rowOffsets[i] = i * vStride;
      }
    }
  }

  /** Per-thread packing and accumulation buffers, grown as needed and then reused. */
  private static final class Scratch {
    float[] panel = new float[0];
    float[] acc = new float[0];
    final int[] runStart = new int[NR];
    final int[] runOrigin = new int[NR];
    final int[] runLength = new int[NR];
    final float[] tile = new float[MR * NR];
    /** What {@link #stream} read, kept so that the reading is not optimized away. */
    float streamed;
    /** Winograd's outputs of a block of tiles: {@code [m * m][NR]}. */
    final float[] y = new float[16 * NR];
    /** Winograd's {@code B^T d} of {@link #L} tiles: {@code [column][row][L]}. */
    final float[] btd = new float[36 * L];
    /** Winograd's {@code M A} of {@link #L} tiles: {@code [row][column][L]}. */
    final float[] ma = new float[24 * L];
    /** A {@link #byChannel} tile transposed: {@code [channel][16 positions]}, with AVX-512. */
    final float[] transposed = new float[NR * 16];

    /** Where each column block of a task reads its rows, and which outputs it writes. */
    final float[][] panels = new float[WIDE_SPAN][];
    final int[] panelOffs = new int[WIDE_SPAN];
    final int[][] rows = new int[WIDE_SPAN][];
    final int[] firstColumn = new int[WIDE_SPAN];
    final int[] widths = new int[WIDE_SPAN];

    float[] panel(int floats) {
      if (panel.length < floats) {
        panel = new float[floats];
      }
      return panel;
    }

    float[] acc(int floats) {
      if (acc.length < floats) {
        acc = new float[floats];
      }
      return acc;
    }
  }

  /**
   * The narrowest output rows that skip im2col: column blocks then follow output rows, and a row
   * narrower than this would leave most of each block empty.
   */
  static final int MIN_DIRECT_WIDTH = 28;

  /**
   * Column blocks per task when the micro-kernel reads its rows from the phase planes or packs
   * them for a 1x1 convolution, and the reduction is short: each row panel then runs over
   * {@code SPAN} neighbouring blocks, so it writes {@code SPAN * NR} contiguous outputs per
   * channel instead of {@code NR}. Writing the outputs is what limits such layers: with the
   * output stores sent to a small scratch array, the stem and the 1x1 64->256 at 56x56 took 25%
   * less time. Interleaved, spans of 4 took 0.81-0.86 times as long on one thread and 0.93-0.94
   * on two; longer reductions (256) read in place gained nothing, their rows then fall out of L1.
   */
  static final int SPAN = 4;

  /**
   * Column blocks per task of a 1x1 convolution with a short reduction, a residual and a large
   * image, such as ResNet-50's expansions 64->256 at 56x56 that add a residual (three of its four
   * such layers): their epilogue reads a residual row and writes an output row for each of many
   * output channels, and runs of 256 floats per row instead of 64 let the memory system stream
   * them. Interleaved against {@link #SPAN} blocks, 64->256 at 56x56 with a residual took 0.84
   * times as long at batch 1 and 0.77 at batch 8 on one thread, 0.96 and 0.79 on two. Without a
   * residual it took 0.88 on one thread but 1.04 on two, so the rule asks for one; 64->64,
   * 128->512 at 28x28 (too few tasks) and reductions of 256 gained nothing (0.95-1.04). Only one
   * and two threads were measured; with more, the rule keeps at least
   * {@link #WIDE_SPAN_TASKS_PER_THREAD} tasks a thread.
   */
  static final int WIDE_SPAN = 16;

  /** The longest reduction that gets {@link #WIDE_SPAN} blocks: panels of 128 KB, in L2. */
  static final int WIDE_SPAN_MAX_REDUCTION = (128 << 10) / (WIDE_SPAN * NR * Float.BYTES);

  /**
   * The fewest whole {@link #WIDE_SPAN}s an image must hold: 4, so that 56x56 qualifies with
   * AVX-512 too (6 spans of 512 positions; AVX2 has 12 of 256). At 8, which left AVX-512 at
   * {@link #SPAN}, ResNet-50's four 1x1 64->256 at 56x56 took 4.71-4.97 ms on one thread inside
   * forward calls (three runs of {@code bench/run.sh layers}), at 4 they took 4.38.
   */
  static final int WIDE_SPAN_MIN_TASKS = 4;

  /** The fewest {@link #WIDE_SPAN} tasks a thread, over the batch. */
  static final int WIDE_SPAN_TASKS_PER_THREAD = 4;

  /**
   * Neighbouring column blocks per task of a convolution that reads its rows in place
   * ({@code direct}) or packs them from a 1x1 convolution's input ({@code pointwise}), with a
   * reduction of {@code reduction} rows, a residual or not, {@code columns} output positions an
   * image and {@code batch} images, on {@code threads} threads.
   */
  static int span(boolean direct, boolean pointwise, int reduction, boolean residual, int columns,
      int batch, int threads) {
    if (direct) {
      return reduction <= SPAN_MAX_REDUCTION ? SPAN : 1;
    }
    if (!pointwise) {
      return 1;
    }
    int wideSpans = columns / (WIDE_SPAN * NR);
    if (residual && reduction <= WIDE_SPAN_MAX_REDUCTION && wideSpans >= WIDE_SPAN_MIN_TASKS
        && batch * wideSpans >= WIDE_SPAN_TASKS_PER_THREAD * threads) {
      return WIDE_SPAN;
    }
    return reduction <= POINTWISE_SPAN_MAX_REDUCTION ? SPAN : 1;
  }

  /** The longest reduction ({@code cin/groups * k * k}) that gets {@link #SPAN} blocks a task. */
  static final int SPAN_MAX_REDUCTION = 160;

  /**
   * The same for 1x1 convolutions, whose {@link #SPAN} blocks are packed together (each input
   * row read as one run of {@code SPAN * NR} floats): up to 128 KB of panels, which stay in L2
   * with the weights. Against one block a task, ResNet-50's 1x1 layers at 56x56 and 28x28 took
   * 0.90-1.0 times as long, and 1.2-1.3 times with a reduction of 2048 (a throw-away harness,
   * interleaved).
   */
  static final int POINTWISE_SPAN_MAX_REDUCTION = 512;

  /**
   * How many bytes of transformed (Winograd) or padded (direct) input a convolution aims to make
   * at once, batch permitting. Winograd on images whose tiles fill whole column blocks (the
   * 14x14 and 7x7 layers of ResNets) takes one image at a time instead: at batch 8 those layers
   * then took 0.83-0.90 times as long, and the others the same (a throw-away harness,
   * interleaved; the transformed input of one such image, about 0.5 MB, stays in L2).
   */
  static final long CHUNK_BYTES = 2 << 20;

  /**
   * Row panels whose Winograd products are computed together, position by position, so that a
   * position's columns are read from cache by all of them. 16 against 8, with
   * {@code bench/against.sh}: ResNet-18 took 0.90-0.95 times as long on one thread (three runs)
   * and 0.95-1.01 on two; ResNet-50 0.87-1.03 (all with AVX2's 6-row panels: with 14 rows, 6
   * panels hold about as many channels).
   */
  static final int WINOGRAD_PANELS = 96 / MR;

  /** Tasks per thread a convolution aims for, so that uneven tasks still balance. */
  static final int TASKS_PER_THREAD = 8;

  /**
   * The reduction is split into blocks of this many; the partial sums of all but the last block
   * go through an accumulation buffer. A block's columns (64 KB at most) then stay in L2 rather
   * than L1, but fewer trips through the buffer won: against 256, ResNet-50 took 0.90-0.95 times
   * as long at batch 1 in two runs of {@code bench/against.sh}, and ResNet-18 (at 512) the same.
   */
  static final int KC = 1024;

  private static final ThreadLocal<ConvJob> JOBS = ThreadLocal.withInitial(ConvJob::new);
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  static void conv(Parallel par, Conv2d c, int batch, float[] in, int inOff, float[] packed,
      float[] bias, float[] res, int resOff, boolean relu, float[] out, int outOff) {
    gemm(par, false, c, batch, in, inOff, packed, bias, res, resOff, relu, out, outOff);
  }

  /** {@link #conv} or {@link #byChannel}: the packed GEMM without Winograd. */
  private static void gemm(Parallel par, boolean byChannel, Conv2d c, int batch, float[] in,
      int inOff, float[] packed, float[] bias, float[] res, int resOff, boolean relu, float[] out,
      int outOff) {
    ConvJob job = JOBS.get();
    job.winograd = false;
    job.byChannel = byChannel;
    job.c = c;
    job.w = packed;
    job.bias = bias;
    job.relu = relu;
    job.run(par, batch, c.outHeight() * c.outWidth(), in, inOff, res, resOff, out, outOff);
  }

  /**
   * Column blocks {@code [jbFrom, jbTo)} of one group of one image: find (or pack) their
   * columns, then for each block of the reduction run the row panels {@code [mbFrom, mbTo)} over
   * the blocks in turn, accumulating in {@code acc} until the last reduction block writes the
   * output through the epilogue.
   */
  private static void tile(ConvJob j, int n, int g, int jbFrom, int jbTo, int mbFrom, int mbTo,
      Scratch scratch) {
    Conv2d c = j.c;
    int groups = c.groups();
    int cinG = c.inChannels() / groups;
    int coutG = c.outChannels() / groups;
    int k = cinG * c.kernel() * c.kernel();
    int plane = c.outHeight() * c.outWidth();
    int span = jbTo - jbFrom;
    float[][] panels = scratch.panels;
    int[] panelOffs = scratch.panelOffs;
    int[][] rowsOf = scratch.rows;
    int[] firstColumn = scratch.firstColumn;
    int[] widths = scratch.widths;
    if (j.pointwise) {
      int p0 = jbFrom * NR;
      int width = Math.min(span * NR, plane - p0);
      float[] panel = scratch.panel(span * k * NR);
      packPointwise(j.in, j.inOff + (n * c.inChannels() + g * cinG) * plane + p0, plane, width,
          k, span, panel);
      for (int t = 0; t < span; t++) {
        panels[t] = panel;
        panelOffs[t] = t * k * NR;
        rowsOf[t] = null;
        firstColumn[t] = p0 + t * NR;
        widths[t] = Math.min(NR, width - t * NR);
      }
    }
    for (int t = 0; t < span && !j.pointwise; t++) {
      int jb = jbFrom + t;
      int p0 = jb * NR;
      int width = Math.min(NR, plane - p0);
      float[] panel;
      int panelOff;
      int[] rows;
      if (j.direct) {
        int oy = jb / j.blocksPerRow;
        int ox0 = jb % j.blocksPerRow * NR;
        p0 = oy * c.outWidth() + ox0;
        width = Math.min(NR, c.outWidth() - ox0);
        int s = c.stride();
        panel = j.padded;
        panelOff = (n * c.inChannels() + g * cinG) * j.paddedChannel() + oy * s * j.phaseWidth()
            + ox0;
        rows = j.rowOffsets;
      } else if (j.rowSplits > 1) {
        panel = j.shared;
        panelOff = ((n * groups + g) * j.columnBlocks + jb) * k * NR;
        rows = null;
      } else {
        panel = scratch.panel(k * NR);
        panelOff = 0;
        packColumns(j, n, g, p0, width, panel, 0, NR, scratch);
        rows = null;
      }
      panels[t] = panel;
      panelOffs[t] = panelOff;
      rowsOf[t] = rows;
      firstColumn[t] = p0;
      widths[t] = width;
    }
    int blocks = (coutG + MR - 1) / MR;
    float[] tile = scratch.tile;
    float[] acc = k > KC ? scratch.acc(span * blocks * MR * NR) : null;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      for (int mb = mbFrom; mb < mbTo; mb++) {
        int m0 = g * coutG + mb * MR;
        for (int t = 0; t < span; t++) {
          int outBase = (n * c.outChannels() + m0) * plane + firstColumn[t];
          if (MR == 6 && acc == null && rowsOf[t] == null && widths[t] == NR
              && coutG - mb * MR >= MR && j.bias != null) {
            if (j.res == null) {
              microKernel6Out(j, (g * blocks + mb) * k * MR, panels[t], panelOffs[t], k, m0,
                  outBase, plane);
            } else {
              microKernel6OutResidual(j, (g * blocks + mb) * k * MR, panels[t], panelOffs[t], k,
                  m0, outBase, plane);
            }
            continue;
          }
          microKernel(j.w, (g * blocks + mb) * k * MR, panels[t], panelOffs[t], rowsOf[t], k0, k1,
              Math.min(MR, coutG - mb * MR), widths[t], tile, 0);
          if (acc != null) {
            int accOff = (t * blocks + mb) * MR * NR;
            accumulate(tile, k0 == 0, acc, accOff);
            if (k1 < k) {
              continue;
            }
            System.arraycopy(acc, accOff, tile, 0, MR * NR);
          }
          epilogue(j, tile, m0, Math.min(MR, coutG - mb * MR), outBase, plane, widths[t]);
        }
      }
    }
    for (int t = 0; t < span; t++) {
      panels[t] = null;
    }
  }

  /**
   * The convolution with output channels in the vectors ({@link ConvWeights.Algorithm#CHANNELS}),
   * for small images: the micro-kernel's {@link #MR} rows are output positions, broadcast, and its
   * two column vectors are {@link #NR} output channels of the weights {@link #packByChannel}
   * packed. Where output rows are multiples of 7 wide (and {@code MR} is 14), each block of 14
   * positions is two runs of 7, read in place from the input or its padded phase planes, so a
   * stride costs nothing; elsewhere im2col packs the blocks into {@code [k][MR]} panels. A 7x7
   * image is 4 blocks (56 columns for its 49 positions, where {@link #conv} computes 64), a 14x14
   * one 14 (196, where {@link #conv} computes 224). A task takes its weight panels one at a time
   * over every block of the call's images, so each weight is read from memory once per call
   * (per {@link #CHANNEL_CHUNK_BYTES} of packed blocks, or {@link #CHANNEL_PLANES_BYTES} of
   * input read in place).
   */
  static void byChannel(Parallel par, Conv2d c, int batch, float[] in, int inOff, float[] packed,
      float[] bias, float[] res, int resOff, boolean relu, float[] out, int outOff) {
    gemm(par, true, c, batch, in, inOff, packed, bias, res, resOff, relu, out, outOff);
  }

  /**
   * How many bytes of packed blocks {@link #byChannel} makes at once, batch permitting:
   * each of a task's weight panels then passes over the position blocks of all those images.
   * Against {@link #CHUNK_BYTES} (2 MB), with this algorithm on the 7x7 layers only and their
   * positions packed, ResNet-18 at batch 8 took 0.96-0.97 times as long with
   * {@code bench/against.sh}, ResNet-50 0.98-0.99.
   */
  static final long CHANNEL_CHUNK_BYTES = 8 << 20;

  /**
   * The same for the padded planes or subsampled copies that {@link #byChannel} reads in place:
   * every weight panel passes over all of them, so they should stay in L2 and L3 together. At
   * batch 8, alone, 3x3/2 256->256 at 28x28 took 10.3-10.6 ms with 2 MB (two images) instead
   * of 14.5-15.0 with 8 MB (all eight), 3x3/2 128->128 at 56x56 10.9-13.9 instead of 13.8-14.5;
   * the stride-1 layers at 14x14 and 7x7, whose padded images are smaller, took the same.
   */
  static final long CHANNEL_PLANES_BYTES = 2 << 20;

  /**
   * The most position blocks (over the images made at once) for which {@link #byChannel} reads
   * each weight panel straight through ({@link #stream}), then runs the blocks over it. With few
   * blocks each weight is used by few products, and the micro-kernel asks for its weights
   * faster than memory delivers them to loads that wait: on ResNet-50's 1x1 layers
   * at 7x7 (4 blocks at batch 1) with their weights in memory (caches flushed before each call
   * in a throw-away harness), 512->2048 took 0.81-0.88 ms instead of 1.01-1.20, 2048->512
   * 0.71-0.75 instead of 0.87-0.99, 1x1/2 1024->2048 at 14x14 1.56-1.60 instead of 1.98-2.15;
   * 3x3 at 14x14 and 7x7, and 7x7 layers at batch 8 (32 blocks), the same; with a limit of 64
   * blocks (7x7 at batch 8 too), ResNet-18 at batch 8 took 1.03 times as long in
   * {@code bench/against.sh}. Reading one float a cache line, or one a page, had made things
   * worse: it is the straight run of whole vectors that the memory system keeps up with.
   */
  static final int CHANNEL_STREAM_BLOCKS = 16;

  /**
   * The sum of {@code w[from, from + length)}, read as whole vectors in order; {@code length} is
   * a multiple of {@link #L} (a whole number of {@link #NR}-wide rows).
   */
  private static float stream(float[] w, int from, int length) {
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = s0;
    FloatVector s2 = s0;
    FloatVector s3 = s0;
    int i = from;
    for (int end = from + length - 4 * L; i <= end; i += 4 * L) {
      s0 = s0.add(FloatVector.fromArray(S, w, i));
      s1 = s1.add(FloatVector.fromArray(S, w, i + L));
      s2 = s2.add(FloatVector.fromArray(S, w, i + 2 * L));
      s3 = s3.add(FloatVector.fromArray(S, w, i + 3 * L));
    }
    for (int end = from + length; i < end; i += L) {
      s0 = s0.add(FloatVector.fromArray(S, w, i));
    }
    return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
  }

  /**
   * Output-channel blocks {@code [cbFrom, cbTo)} of group {@code g}, each over every position
   * block of every image of the call, the whole reduction at once. (In blocks of 256, their
   * partial sums added up in a buffer, each layer took longer alone, at batch 1 and 8, on one
   * and two threads: 1.03-1.10 times as long for ResNet-50's 3x3 layers at 28x28 (strided),
   * 14x14 and 7x7, 1.03-1.05 for its 1x1 layers at 14x14 and 7x7; the panel of a 3x3 512, 590 KB,
   * stays in L2.)
   */
  private static void channelTile(ConvJob j, int g, int cbFrom, int cbTo, Scratch s) {
    Conv2d c = j.c;
    int groups = c.groups();
    int cinG = c.inChannels() / groups;
    int coutG = c.outChannels() / groups;
    int k = cinG * c.kernel() * c.kernel();
    int plane = c.outHeight() * c.outWidth();
    int positionBlocks = j.columnBlocks;
    int channelBlocks = (coutG + NR - 1) / NR;
    int ow = c.outWidth();
    int[] rows = j.halves ? j.rowOffsets : null;
    float[] tile = s.tile;
    boolean stream = j.batch * positionBlocks <= CHANNEL_STREAM_BLOCKS;
    for (int cb = cbFrom; cb < cbTo; cb++) {
      int m0 = g * coutG + cb * NR;
      int channels = Math.min(NR, coutG - cb * NR);
      int weights = (g * channelBlocks + cb) * k * NR;
      if (stream) {
        s.streamed += stream(j.w, weights, k * NR);
      }
      for (int npb = 0; npb < j.batch * positionBlocks; npb++) {
        int n = npb / positionBlocks;
        int pb = npb % positionBlocks;
        if (j.halves) {
          int at = j.inOff + (n * c.inChannels() + g * cinG) * j.inChannel;
          int p = pb * MR;
          int q = p + 7 < plane ? p + 7 : p;
          microKernelHalves(j.in, at + p / ow * j.inRow + p % ow, at + q / ow * j.inRow + q % ow,
              rows, j.w, weights, 0, k, tile, 0);
        } else {
          int panel = ((n * groups + g) * positionBlocks + pb) * k * MR;
          microKernel(j.shared, panel, j.w, weights, rows, 0, k, Math.min(MR, plane - pb * MR),
              channels, tile, 0);
        }
        int p0 = pb * MR;
        epilogueByChannel(j, tile, m0, channels, (n * c.outChannels() + m0) * plane + p0, plane,
            p0, Math.min(MR, plane - p0), s);
      }
    }
  }

  /**
   * Copies {@code width} columns of {@code k} rows {@code plane} apart into {@code blocks}
   * panels {@code [k][NR]} one after the other, zero beyond {@code width}. Each row is read as
   * one contiguous run of up to {@code blocks * NR} floats.
   */
  private static void packPointwise(float[] in, int from, int plane, int width, int k,
      int blocks, float[] panel) {
    int whole = width / NR;
    int rest = width - whole * NR;
    for (int i = 0, src = from; i < k; i++, src += plane) {
      int t = 0;
      for (int dst = i * NR; t < whole; t++, dst += k * NR) {
        FloatVector.fromArray(S, in, src + t * NR).intoArray(panel, dst);
        FloatVector.fromArray(S, in, src + t * NR + L).intoArray(panel, dst + L);
      }
      if (t < blocks) { // a partial block: masked loads are not compiled to vectors on JDK 17
        for (int q = 0, dst = t * k * NR + i * NR; q < NR; q++) {
          panel[dst + q] = q < rest ? in[src + t * NR + q] : 0f;
        }
      }
    }
  }

  /** Packs column block {@code task} (image, group, block) of a split convolution. */
  private static void pack(ConvJob j, int task) {
    Conv2d c = j.c;
    int groups = c.groups();
    int cinG = c.inChannels() / groups;
    int k = cinG * c.kernel() * c.kernel();
    int plane = c.outHeight() * c.outWidth();
    int jb = task % j.columnBlocks;
    int g = (task / j.columnBlocks) % groups;
    int n = task / j.columnBlocks / groups;
    int cols = j.byChannel ? MR : NR;
    int p0 = jb * cols;
    packColumns(j, n, g, p0, Math.min(cols, plane - p0), j.shared, task * k * cols, cols,
        SCRATCH.get());
  }

  /**
   * im2col of {@code width} output positions from {@code p0} of image {@code n}, group {@code g},
   * zero beyond, as {@code [k][cols]}. The positions fall into a few runs along output rows; for
   * stride 1 each run is a contiguous piece of an input row, copied at once with its
   * out-of-image ends zeroed, and with a stride a contiguous piece of a phase plane
   * ({@link ConvJob#planes}).
   */
  private static void packColumns(ConvJob j, int n, int g, int p0, int width, float[] panel,
      int panelOff, int cols, Scratch scratch) {
    Conv2d c = j.c;
    int cinG = c.inChannels() / c.groups();
    int h = c.inHeight();
    int w = c.inWidth();
    int ow = c.outWidth();
    int ks = c.kernel();
    int s = c.stride();
    int pad = c.padding();
    int d = c.dilation();
    // runs: [start column in the block, length, output row, first output column]
    int[] runStart = scratch.runStart;
    int[] runOrigin = scratch.runOrigin;
    int runs = 0;
    for (int jj = 0; jj < width; runs++) {
      int p = p0 + jj;
      int oy = p / ow;
      int ox = p % ow;
      int len = Math.min(width - jj, ow - ox);
      runStart[runs] = jj;
      runOrigin[runs] = (oy << 16) | ox;
      jj += len;
      scratch.runLength[runs] = len;
    }
    if (j.planes) {
      int k = cinG * ks * ks;
      int wq = j.phaseWidth();
      int chan = (n * c.inChannels() + g * cinG) * j.paddedChannel();
      if (runs == 1 && width == NR && cols == NR) {
        float[] padded = j.padded;
        int[] rowOffsets = j.rowOffsets;
        int from = chan + (runOrigin[0] >>> 16) * s * wq + (runOrigin[0] & 0xffff);
        for (int i = 0, dst = panelOff; i < k; i++, dst += NR) {
          int at = from + rowOffsets[i];
          FloatVector.fromArray(S, padded, at).intoArray(panel, dst);
          FloatVector.fromArray(S, padded, at + L).intoArray(panel, dst + L);
        }
        return;
      }
      for (int i = 0, dst = panelOff; i < k; i++, dst += cols) {
        int row = chan + j.rowOffsets[i];
        for (int r = 0; r < runs; r++) {
          int corner = (runOrigin[r] >>> 16) * s * wq + (runOrigin[r] & 0xffff);
          System.arraycopy(j.padded, row + corner, panel, dst + runStart[r],
              scratch.runLength[r]);
        }
        for (int q = width; q < cols; q++) {
          panel[dst + q] = 0f;
        }
      }
      return;
    }
    int inBase = j.inOff + (n * c.inChannels() + g * cinG) * h * w;
    for (int ic = 0, dst = panelOff; ic < cinG; ic++) {
      int chan = inBase + ic * h * w;
      for (int ky = 0; ky < ks; ky++) {
        for (int kx = 0; kx < ks; kx++, dst += cols) {
          for (int r = 0; r < runs; r++) {
            int at = dst + runStart[r];
            int len = scratch.runLength[r];
            int iy = (runOrigin[r] >>> 16) * s - pad + ky * d;
            int ix0 = (runOrigin[r] & 0xffff) * s - pad + kx * d;
            if (iy < 0 || iy >= h) {
              Arrays.fill(panel, at, at + len, 0f);
              continue;
            }
            int row = chan + iy * w;
            if (s == 1) {
              int lo = Math.min(len, Math.max(0, -ix0));
              int hi = Math.max(lo, Math.min(len, w - ix0));
              for (int q = 0; q < lo; q++) {
                panel[at + q] = 0f;
              }
              if (hi > lo) {
                System.arraycopy(j.in, row + ix0 + lo, panel, at + lo, hi - lo);
              }
              for (int q = hi; q < len; q++) {
                panel[at + q] = 0f;
              }
            } else {
              split(j.in, row, w, ix0, s, len, panel, at);
            }
          }
          for (int q = width; q < cols; q++) {
            panel[dst + q] = 0f;
          }
        }
      }
    }
  }

  /**
   * {@link Winograd} F(2x2, 3x3): tasks are (image, block of {@link #NR} tiles, row split); each
   * transforms its input tiles, runs the 16 products on the micro-kernel and transforms back
   * through the epilogue.
   */
  static void winograd(Parallel par, int m, Conv2d c, int batch, float[] in, int inOff,
      float[] u, float[] bias, float[] res, int resOff, boolean relu, float[] out, int outOff) {
    ConvJob job = JOBS.get();
    job.winograd = true;
    job.byChannel = false;
    job.tileSize = m;
    job.c = c;
    job.w = u;
    job.bias = bias;
    job.relu = relu;
    int tiles = ((c.outHeight() + m - 1) / m) * ((c.outWidth() + m - 1) / m);
    job.run(par, batch, tiles, in, inOff, res, resOff, out, outOff);
  }

  /**
   * Winograd's first phase for input channel {@code ic} of every image: {@code V = B^T d B} of
   * each 4x4 input tile, {@link #L} tiles at a time. The rows of a tile row are first split into
   * their even and odd columns ({@code E}, {@code O}); tile {@code tx} then covers columns
   * {@code E[tx], O[tx], E[tx+1], O[tx+1]}, so both halves of the transform are vector
   * additions. Tile rows are done in order, so what a row's last vector writes past its end is
   * overwritten by the next row.
   */
  private static void winogradInput(ConvJob j, int ic, Scratch s) {
    Conv2d c = j.c;
    int h = c.inHeight();
    int w = c.inWidth();
    int p = c.padding();
    int cin = c.inChannels();
    int tilesX = (c.outWidth() + 1) / 2;
    int tilesY = (c.outHeight() + 1) / 2;
    int half = tilesX + 1 + L;
    float[] rows = s.panel(8 * half); // four input rows, each as E then O, in a ring
    float[] t = s.btd;
    float[] v = j.v;
    int xiStride = cin * j.vStride;
    for (int n = 0; n < j.batch; n++) {
      int chan = j.inOff + (n * cin + ic) * h * w;
      for (int ty = 0; ty < tilesY; ty++) {
        for (int r = ty == 0 ? 0 : 2; r < 4; r++) {
          int slot = ((2 * ty + r) & 3) * 2 * half;
          phases(j.in, chan, 2 * ty - p + r, h, w, p, 2, tilesX + 1, rows, slot, half);
        }
        int r0 = ((2 * ty) & 3) * 2 * half;
        int r1 = ((2 * ty + 1) & 3) * 2 * half;
        int r2 = ((2 * ty + 2) & 3) * 2 * half;
        int r3 = ((2 * ty + 3) & 3) * 2 * half;
        int at = ic * j.vStride + (n * tilesY + ty) * tilesX;
        for (int tx = 0; tx < tilesX; tx += L, at += L) {
          // B^T d down the four rows, at even columns tx and tx+1 and odd columns tx and tx+1,
          // then d B across those four columns.
          for (int q = 0; q < 4; q++) {
            int col = tx + (q & 1) + (q >> 1) * half;
            FloatVector d0 = FloatVector.fromArray(S, rows, r0 + col);
            FloatVector d1 = FloatVector.fromArray(S, rows, r1 + col);
            FloatVector d2 = FloatVector.fromArray(S, rows, r2 + col);
            FloatVector d3 = FloatVector.fromArray(S, rows, r3 + col);
            d0.sub(d2).intoArray(t, q * 4 * L);
            d1.add(d2).intoArray(t, (q * 4 + 1) * L);
            d2.sub(d1).intoArray(t, (q * 4 + 2) * L);
            d1.sub(d3).intoArray(t, (q * 4 + 3) * L);
          }
          for (int i = 0; i < 4; i++) {
            FloatVector e = FloatVector.fromArray(S, t, i * L);
            FloatVector e1 = FloatVector.fromArray(S, t, (4 + i) * L);
            FloatVector o = FloatVector.fromArray(S, t, (8 + i) * L);
            FloatVector o1 = FloatVector.fromArray(S, t, (12 + i) * L);
            int xi = at + 4 * i * xiStride;
            e.sub(e1).intoArray(v, xi);
            o.add(e1).intoArray(v, xi + xiStride);
            e1.sub(o).intoArray(v, xi + 2 * xiStride);
            o.sub(o1).intoArray(v, xi + 3 * xiStride);
          }
        }
      }
    }
  }

  /**
   * {@link #winogradInput} for F(4x4, 3x3): 6x6 input tiles four columns apart, so each input row
   * is split into four phases ({@code P_k[q]} is column {@code 4q + k}, counted from
   * {@code -p}), and tile {@code tx} covers {@code P_0..P_3[tx]} and {@code P_0, P_1[tx+1]}.
   */
  private static void winogradInput4(ConvJob j, int ic, Scratch s) {
    Conv2d c = j.c;
    int h = c.inHeight();
    int w = c.inWidth();
    int p = c.padding();
    int cin = c.inChannels();
    int tilesX = (c.outWidth() + 3) / 4;
    int tilesY = (c.outHeight() + 3) / 4;
    int len = tilesX + 1 + L; // one phase of a row, with room for a vector past its end
    float[] rows = s.panel(6 * 4 * len);
    float[] t = s.btd;
    float[] v = j.v;
    int xiStride = cin * j.vStride;
    for (int n = 0; n < j.batch; n++) {
      int chan = j.inOff + (n * cin + ic) * h * w;
      for (int ty = 0; ty < tilesY; ty++) {
        // Tile rows overlap by two input rows: the last two of the one before become the first
        // two of this one, copied rather than split again.
        if (ty > 0) {
          System.arraycopy(rows, 4 * 4 * len, rows, 0, 2 * 4 * len);
        }
        for (int r = ty == 0 ? 0 : 2; r < 6; r++) {
          phases(j.in, chan, 4 * ty - p + r, h, w, p, 4, tilesX + 1, rows, r * 4 * len, len);
        }
        int at = ic * j.vStride + (n * tilesY + ty) * tilesX;
        for (int tx = 0; tx < tilesX; tx += L, at += L) {
          for (int q = 0; q < 6; q++) { // B^T d down the six rows of column q
            int col = (q & 3) * len + tx + (q >> 2);
            bt4(rows, col, 4 * len, t, q * 6 * L, L);
          }
          for (int i = 0; i < 6; i++) { // then across the six columns of row i
            bt4(t, i * L, 6 * L, v, at + 6 * i * xiStride, xiStride);
          }
        }
      }
    }
  }

  /**
   * {@code B^T d} of F(4x4, 3x3) for six values {@code d_i = src[from + i * step]} (each a vector
   * of tiles), written to {@code dst[off + i * stride]}. Vectors are loaded here, not passed in:
   * were this not inlined, vector arguments would be boxed.
   */
  static void bt4(float[] src, int from, int step, float[] dst, int off, int stride) {
    FloatVector d0 = FloatVector.fromArray(S, src, from);
    FloatVector d1 = FloatVector.fromArray(S, src, from + step);
    FloatVector d2 = FloatVector.fromArray(S, src, from + 2 * step);
    FloatVector d3 = FloatVector.fromArray(S, src, from + 3 * step);
    FloatVector d4 = FloatVector.fromArray(S, src, from + 4 * step);
    FloatVector d5 = FloatVector.fromArray(S, src, from + 5 * step);
    d4.add(d0.mul(4f)).sub(d2.mul(5f)).intoArray(dst, off);
    FloatVector s12 = d1.add(d2);
    FloatVector s34 = d3.add(d4);
    s34.sub(s12.mul(4f)).intoArray(dst, off + stride);
    FloatVector d12 = d1.sub(d2);
    FloatVector d43 = d4.sub(d3);
    d43.add(d12.mul(4f)).intoArray(dst, off + 2 * stride);
    FloatVector d42 = d4.sub(d2);
    FloatVector d31 = d3.sub(d1).mul(2f);
    d42.add(d31).intoArray(dst, off + 3 * stride);
    d42.sub(d31).intoArray(dst, off + 4 * stride);
    d5.add(d1.mul(4f)).sub(d3.mul(5f)).intoArray(dst, off + 5 * stride);
  }

  /**
   * Input row {@code y} of the channel at {@code chan} split into {@code s} phases of
   * {@code count} columns each: phase {@code k} holds columns {@code s * q + k - p} at
   * {@code rows[at + k * len + q]}, zero outside the image (so a row outside it is all zeros).
   */
  private static void phases(float[] in, int chan, int y, int h, int w, int p, int s, int count,
      float[] rows, int at, int len) {
    if (y < 0 || y >= h) {
      for (int k = 0; k < s; k++) {
        Arrays.fill(rows, at + k * len, at + k * len + count, 0f);
      }
      return;
    }
    // Group q of the row is columns s*q - p .. s*q + s - 1 - p, one for each phase. The groups
    // inside the row are copied in one pass, s values at a time; the one or two at its ends,
    // which reach into the zero border, value by value. (A split per phase, four calls of
    // ~15 values each for F(4x4) at 56x56, cost more in its two divisions and its zero ends than
    // in the copy: F(4x4)'s input transform spent 9% of ResNet-18's JFR samples in it, and
    // with this pass its layers at 56x56 and 28x28 took 0.93 times as long.)
    int row = chan + y * w;
    int inFrom = Math.min(count, (p + s - 1) / s);
    int inTo = Math.max(inFrom, Math.min(count, (w + p) / s));
    for (int q = 0; q < inFrom; q++) {
      borderGroup(in, row, w, s * q - p, s, rows, at + q, len);
    }
    for (int q = inTo; q < count; q++) {
      borderGroup(in, row, w, s * q - p, s, rows, at + q, len);
    }
    int x = row + s * inFrom - p;
    if (s == 4) {
      for (int q = inFrom; q < inTo; q++, x += 4) {
        rows[at + q] = in[x];
        rows[at + len + q] = in[x + 1];
        rows[at + 2 * len + q] = in[x + 2];
        rows[at + 3 * len + q] = in[x + 3];
      }
    } else if (s == 2) {
      for (int q = inFrom; q < inTo; q++, x += 2) {
        rows[at + q] = in[x];
        rows[at + len + q] = in[x + 1];
      }
    } else {
      for (int q = inFrom; q < inTo; q++, x += s) {
        for (int k = 0; k < s; k++) {
          rows[at + k * len + q] = in[x + k];
        }
      }
    }
  }

  /** Columns {@code x .. x + s - 1} of a row, zero outside it, to {@code rows[at + k * len]}. */
  private static void borderGroup(float[] in, int row, int w, int x, int s, float[] rows, int at,
      int len) {
    for (int k = 0; k < s; k++, x++) {
      rows[at + k * len] = x >= 0 && x < w ? in[row + x] : 0f;
    }
  }

  /**
   * {@code count} columns {@code x = first + q * step} of an input row of width {@code w} into
   * {@code dst[at + q]}, zero where {@code x} is outside the row: the strided gathers of im2col,
   * 1x1 subsampling and pooling (rows split into all their phases at once, for the phase planes
   * and Winograd, go through {@link #phases}).
   */
  static void split(float[] in, int row, int w, int first, int step, int count,
      float[] dst, int at) {
    int lo = Math.min(count, Math.max(0, -first + step - 1) / step);
    int hi = Math.max(lo, Math.min(count, (w - first + step - 1) / step));
    // The zero ends are a column or two: plain loops, cheaper than calls to Arrays.fill.
    for (int q = 0; q < lo; q++) {
      dst[at + q] = 0f;
    }
    for (int q = lo, x = row + first + lo * step; q < hi; q++, x += step) {
      dst[at + q] = in[x];
    }
    for (int q = hi; q < count; q++) {
      dst[at + q] = 0f;
    }
  }

  /**
   * Winograd's second phase for column block {@code jb}: for each row panel, the 16 products
   * (one micro-kernel call per transformed position), then {@code Y = A^T M A} of {@link #NR}
   * tiles at a time, and the epilogue.
   */
  private static void winogradBlock(ConvJob j, int jb, int mbFrom, int mbTo, Scratch s) {
    Conv2d c = j.c;
    int cin = c.inChannels();
    int cout = c.outChannels();
    int ow = c.outWidth();
    int plane = c.outHeight() * ow;
    int col0 = jb * NR;
    int width = Math.min(NR, j.columns - col0);
    int perXi = (cout + MR - 1) / MR * cin * MR;
    int xiStride = cin * j.vStride;
    int m = j.tileSize;
    int xis = Winograd.positions(m);
    int product = xis * MR * NR; // one row panel's products
    float[] acc = s.acc(WINOGRAD_PANELS * product);
    for (int mb0 = mbFrom; mb0 < mbTo; mb0 += WINOGRAD_PANELS) {
      int mb1 = Math.min(mbTo, mb0 + WINOGRAD_PANELS);
      // Each position's columns are read from cache by all the row panels in turn.
      for (int xi = 0; xi < xis; xi++) {
        for (int mb = mb0; mb < mb1; mb++) {
          if (MR == 6) {
            microKernel6Strided(j.w, xi * perXi + mb * cin * MR, j.v, xi * xiStride + col0,
                j.vStride, 0, cin, acc, (mb - mb0) * product + xi * MR * NR);
          } else {
            microKernel(j.w, xi * perXi + mb * cin * MR, j.v, xi * xiStride + col0, j.rowOffsets,
                0, cin, Math.min(MR, cout - mb * MR), width, acc,
                (mb - mb0) * product + xi * MR * NR);
          }
        }
      }
      for (int mb = mb0; mb < mb1; mb++) {
        int rows = Math.min(MR, cout - mb * MR);
        for (int r = 0; r < rows; r++) {
          int oc = mb * MR + r;
          float bias = j.bias == null ? 0f : j.bias[oc];
          for (int half = 0; half < width; half += L) {
            int at = (mb - mb0) * product + r * NR + half;
            winogradOutput(m, acc, at, bias, s.y, half, s.ma);
          }
          winogradStore(j, s.y, col0, width, oc * plane, ow);
        }
      }
    }
  }

  /**
   * {@code A^T M A + bias} of {@link #L} tiles of F(m x m, 3x3), whose {@code (m+2)^2} products are
   * {@code prod[at + xi * MR * NR]}: through {@code ma} ({@code M A}), their outputs into
   * {@code y[(a * m + b) * NR + yOff]}.
   */
  private static void winogradOutput(int m, float[] prod, int at, float bias, float[] y,
      int yOff, float[] ma) {
    int n = m + 2;
    int xi = MR * NR;
    for (int r = 0; r < n; r++) { // M A, row by row
      if (m == 2) {
        at2(prod, at + n * r * xi, xi, 0f, ma, m * r * L, L);
      } else {
        at4(prod, at + n * r * xi, xi, 0f, ma, m * r * L, L);
      }
    }
    for (int b = 0; b < m; b++) { // A^T (M A), column by column
      if (m == 2) {
        at2(ma, b * L, m * L, bias, y, b * NR + yOff, m * NR);
      } else {
        at4(ma, b * L, m * L, bias, y, b * NR + yOff, m * NR);
      }
    }
  }

  /**
   * {@code A^T m + bias} of F(2x2, 3x3) for four values {@code m_i = src[from + i * step]} (each a
   * vector of tiles): two results, written to {@code dst[off]} and {@code dst[off + stride]}.
   */
  static void at2(float[] src, int from, int step, float bias, float[] dst, int off,
      int stride) {
    FloatVector m0 = FloatVector.fromArray(S, src, from);
    FloatVector m1 = FloatVector.fromArray(S, src, from + step);
    FloatVector m2 = FloatVector.fromArray(S, src, from + 2 * step);
    FloatVector m3 = FloatVector.fromArray(S, src, from + 3 * step);
    m0.add(m1).add(m2).add(bias).intoArray(dst, off);
    m1.sub(m2).sub(m3).add(bias).intoArray(dst, off + stride);
  }

  /**
   * {@code A^T m + bias} of F(4x4, 3x3) for six values {@code m_i = src[from + i * step]} (each a
   * vector of tiles): four results, written to {@code dst[off + a * stride]}.
   */
  static void at4(float[] src, int from, int step, float bias, float[] dst, int off,
      int stride) {
    FloatVector m0 = FloatVector.fromArray(S, src, from);
    FloatVector m1 = FloatVector.fromArray(S, src, from + step);
    FloatVector m2 = FloatVector.fromArray(S, src, from + 2 * step);
    FloatVector m3 = FloatVector.fromArray(S, src, from + 3 * step);
    FloatVector m4 = FloatVector.fromArray(S, src, from + 4 * step);
    FloatVector m5 = FloatVector.fromArray(S, src, from + 5 * step);
    FloatVector s12 = m1.add(m2);
    FloatVector d12 = m1.sub(m2);
    FloatVector s34 = m3.add(m4);
    FloatVector d34 = m3.sub(m4);
    m0.add(s12).add(s34).add(bias).intoArray(dst, off);
    d12.add(d34.mul(2f)).add(bias).intoArray(dst, off + stride);
    s12.add(s34.mul(4f)).add(bias).intoArray(dst, off + 2 * stride);
    d12.add(d34.mul(8f)).add(m5).add(bias).intoArray(dst, off + 3 * stride);
  }

  /** The 256-bit vectors of {@link #winogradStore}'s transpose: 8 tiles, or 2 tiles' rows. */
  private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;

  /**
   * Whether {@link #winogradStore} transposes F(4x4)'s outputs in 256-bit registers: only when
   * those are the preferred vectors. With wider ones, the 256-bit vectors' calls share their
   * type profiles in the Vector API's own methods with every other kernel's 512-bit ones, and C2
   * then boxed the vectors of most kernels: on an AVX-512 machine ResNet-50 allocated 240-277 MB a
   * forward call and took 1.36 times as long (149 against 109 ms, one thread).
   */
  private static final boolean TRANSPOSE = S.vectorBitSize() == S8.vectorBitSize();

  /**
   * {@code PAIR[k]} moves lanes {@code 2k} and {@code 2k + 1} of a vector of 8 tiles to lanes
   * {@code 0..3} and {@code 4..7}; {@code COLUMN[b]} selects lanes {@code b} and {@code b + 4}.
   */
  private static final VectorShuffle<Float>[] PAIR = pairShuffles();
  private static final VectorMask<Float>[] COLUMN = columnMasks();

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] pairShuffles() {
    VectorShuffle<Float>[] pairs = new VectorShuffle[4];
    for (int k = 0; k < 4; k++) {
      int[] lanes = new int[8];
      for (int i = 0; i < 8; i++) {
        lanes[i] = 2 * k + i / 4;
      }
      pairs[k] = VectorShuffle.fromArray(S8, lanes, 0);
    }
    return pairs;
  }

  @SuppressWarnings("unchecked")
  private static VectorMask<Float>[] columnMasks() {
    VectorMask<Float>[] masks = new VectorMask[4];
    for (int b = 0; b < 4; b++) {
      boolean[] lanes = new boolean[8];
      lanes[b] = true;
      lanes[b + 4] = true;
      masks[b] = VectorMask.fromArray(S8, lanes, 0);
    }
    return masks;
  }

  /**
   * Writes the outputs of {@code width} tiles from column {@code col0} through the epilogue.
   * {@code y} holds them as {@code [a][b][tile]}; F(4x4) transposes 8 tiles at a time in
   * registers, so that two whole neighbouring tiles' output row is one 8-float store, and writes
   * the other tiles one value at a time.
   */
  private static void winogradStore(ConvJob j, float[] y, int col0, int width, int chanOff,
      int ow) {
    int t0 = 0;
    if (j.tileSize == 4 && TRANSPOSE) {
      for (; t0 + 8 <= width; t0 += 8) {
        for (int k = 0; k < 4; k++) {
          int t = t0 + 2 * k;
          if (j.pairWhole[col0 + t]) {
            storePair(j, y, t0, k, j.tileOut[col0 + t] + chanOff, ow);
          } else {
            storeTiles(j, y, col0, t, t + 2, chanOff, ow);
          }
        }
      }
    }
    storeTiles(j, y, col0, t0, width, chanOff, ow);
  }

  /**
   * Writes the 4 output rows of tiles {@code t0 + 2k} and {@code t0 + 2k + 1}, whole and side by
   * side from {@code at}: row {@code a} is lanes {@code 2k, 2k+1} of {@code y[a][0..3]}.
   */
  private static void storePair(ConvJob j, float[] y, int t0, int k, int at, int ow) {
    VectorShuffle<Float> pair = PAIR[k];
    for (int a = 0; a < 4; a++) {
      int yi = a * 4 * NR + t0;
      FloatVector v = FloatVector.fromArray(S8, y, yi).rearrange(pair);
      for (int b = 1; b < 4; b++) {
        v = v.blend(FloatVector.fromArray(S8, y, yi + b * NR).rearrange(pair), COLUMN[b]);
      }
      int o = at + a * ow;
      if (j.res != null) {
        v = v.add(FloatVector.fromArray(S8, j.res, j.resOff + o));
      }
      if (j.relu) {
        v = v.max(0f);
      }
      v.intoArray(j.out, j.outOff + o);
    }
  }

  /** {@code tileEdge} of a whole F(4x4) tile: 4 rows, 4 columns. */
  private static final byte WHOLE_4X4 = 4 << 4 | 4;

  /** Writes the outputs of tiles {@code [tFrom, tTo)} of the block one value at a time. */
  private static void storeTiles(ConvJob j, float[] y, int col0, int tFrom, int tTo, int chanOff,
      int ow) {
    int m = j.tileSize;
    float[] out = j.out;
    float[] res = j.res;
    int outAt = j.outOff + chanOff;
    int resAt = j.resOff + chanOff;
    float floor = j.relu ? 0f : Float.NEGATIVE_INFINITY; // max(v, floor) is v without ReLU
    for (int t = tFrom; t < tTo; t++) {
      int edge = j.tileEdge[col0 + t];
      int cols = edge & 15;
      int at = j.tileOut[col0 + t];
      if (edge == WHOLE_4X4) {
        // A whole F(4x4) tile, written out: the loops below run 4 times each, and cost more
        // than their copies (with AVX-512 every F(4x4) tile takes this path).
        for (int a = 0; a < 4; a++) {
          int o = outAt + at + a * ow;
          int yi = a * 4 * NR + t;
          float v0 = y[yi];
          float v1 = y[yi + NR];
          float v2 = y[yi + 2 * NR];
          float v3 = y[yi + 3 * NR];
          if (res != null) {
            int r = resAt + at + a * ow;
            v0 += res[r];
            v1 += res[r + 1];
            v2 += res[r + 2];
            v3 += res[r + 3];
          }
          out[o] = Math.max(v0, floor);
          out[o + 1] = Math.max(v1, floor);
          out[o + 2] = Math.max(v2, floor);
          out[o + 3] = Math.max(v3, floor);
        }
        continue;
      }
      for (int a = 0, rows = edge >> 4; a < rows; a++) {
        int o = outAt + at + a * ow;
        int r = resAt + at + a * ow;
        int yi = a * m * NR + t;
        if (res == null) {
          for (int b = 0; b < cols; b++) {
            out[o + b] = Math.max(y[yi + b * NR], floor);
          }
        } else {
          for (int b = 0; b < cols; b++) {
            out[o + b] = Math.max(y[yi + b * NR] + res[r + b], floor);
          }
        }
      }
    }
  }

  /**
   * {@code MR x NR} products over reduction indices {@code [k0, k1)} into {@code tile}, row
   * {@code i} of the columns starting at {@code b[bOff + rows[i]]}, or at {@code b[bOff + i * NR]}
   * where {@code rows} is null (a packed panel): {@code 2 * MR} accumulators ({@code MR} rows,
   * two vectors of columns) that stay in registers. Each kernel is kept this
   * small on purpose: the JIT must inline every Vector API call in it, or the vectors are boxed.
   * Only the first {@code height} rows and {@code width} columns are needed; with 14 rows, a
   * block of at most {@link #L} columns (the last of an image, or 16 Winograd tiles) runs on one
   * vector of columns and leaves the second half of each tile row as it was, and a panel of at
   * most 6 or 8 rows (the last of 128 or 256 output channels, of 64 or 512) on the 6- or 8-row
   * kernel, which leave the other rows as they were.
   */
  private static void microKernel(float[] a, int aOff, float[] b, int bOff, int[] rows, int k0,
      int k1, int height, int width, float[] tile, int tileOff) {
    if (MR == 6 && rows == null) {
      microKernel6Packed(a, aOff, b, bOff, k0, k1, tile, tileOff);
      return;
    }
    rows = rows != null ? rows : packedRows(k1);
    if (MR == 14 && height <= 6) {
      microKernel6(a, aOff, b, bOff, rows, k0, k1, tile, tileOff);
    } else if (MR == 14 && height <= 8) {
      microKernel8(a, aOff, b, bOff, rows, k0, k1, tile, tileOff);
    } else if (MR == 14 && width <= L) {
      microKernel14Narrow(a, aOff, b, bOff, rows, k0, k1, tile, tileOff);
    } else if (MR == 14) {
      microKernel14(a, aOff, b, bOff, rows, k0, k1, tile, tileOff);
    } else {
      microKernel6(a, aOff, b, bOff, rows, k0, k1, tile, tileOff);
    }
  }

  /** {@link #microKernel} with the first 8 rows of a 14-row panel: 16 accumulators. */
  private static void microKernel8(float[] a, int aOff, float[] b, int bOff, int[] rows, int k0,
      int k1, float[] tile, int tileOff) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    FloatVector c60 = c00;
    FloatVector c61 = c00;
    FloatVector c70 = c00;
    FloatVector c71 = c00;
    for (int i = k0, ai = aOff + k0 * MR; i < k1; i++, ai += MR) {
      int bi = bOff + rows[i];
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, a[ai + 6]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, a[ai + 7]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    c00.intoArray(tile, tileOff);
    c01.intoArray(tile, tileOff + L);
    c10.intoArray(tile, tileOff + NR);
    c11.intoArray(tile, tileOff + NR + L);
    c20.intoArray(tile, tileOff + 2 * NR);
    c21.intoArray(tile, tileOff + 2 * NR + L);
    c30.intoArray(tile, tileOff + 3 * NR);
    c31.intoArray(tile, tileOff + 3 * NR + L);
    c40.intoArray(tile, tileOff + 4 * NR);
    c41.intoArray(tile, tileOff + 4 * NR + L);
    c50.intoArray(tile, tileOff + 5 * NR);
    c51.intoArray(tile, tileOff + 5 * NR + L);
    c60.intoArray(tile, tileOff + 6 * NR);
    c61.intoArray(tile, tileOff + 6 * NR + L);
    c70.intoArray(tile, tileOff + 7 * NR);
    c71.intoArray(tile, tileOff + 7 * NR + L);
  }

  /**
   * {@link #microKernel} with 6 rows: 12 accumulators, for 16 vector registers (AVX2), or the
   * first 6 rows of a 14-row panel.
   */
  private static void microKernel6(float[] a, int aOff, float[] b, int bOff, int[] rows, int k0,
      int k1, float[] tile, int tileOff) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    for (int i = k0, ai = aOff + k0 * MR; i < k1; i++, ai += MR) {
      int bi = bOff + rows[i];
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00.intoArray(tile, tileOff);
    c01.intoArray(tile, tileOff + L);
    c10.intoArray(tile, tileOff + NR);
    c11.intoArray(tile, tileOff + NR + L);
    c20.intoArray(tile, tileOff + 2 * NR);
    c21.intoArray(tile, tileOff + 2 * NR + L);
    c30.intoArray(tile, tileOff + 3 * NR);
    c31.intoArray(tile, tileOff + 3 * NR + L);
    c40.intoArray(tile, tileOff + 4 * NR);
    c41.intoArray(tile, tileOff + 4 * NR + L);
    c50.intoArray(tile, tileOff + 5 * NR);
    c51.intoArray(tile, tileOff + 5 * NR + L);
  }

  /**
   * {@link #microKernel6} over a packed panel. The loop counts only {@code a}'s index and steps
   * {@code b}'s by a constant: C2 then emits about 25 instructions for 12 FMAs, where the loop of
   * {@link #microKernel6} (a counter, an offset table) takes about 35 and, on Zen 2, runs at 75%
   * of the FMA peak instead of 95% (docs/PERFORMANCE.md, twelfth session).
   */
  private static void microKernel6Packed(float[] a, int aOff, float[] b, int bOff, int k0, int k1,
      float[] tile, int tileOff) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    int bi = bOff + k0 * NR;
    for (int ai = aOff + k0 * MR, end = aOff + k1 * MR; ai < end; ai += MR, bi += NR) {
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00.intoArray(tile, tileOff);
    c01.intoArray(tile, tileOff + L);
    c10.intoArray(tile, tileOff + NR);
    c11.intoArray(tile, tileOff + NR + L);
    c20.intoArray(tile, tileOff + 2 * NR);
    c21.intoArray(tile, tileOff + 2 * NR + L);
    c30.intoArray(tile, tileOff + 3 * NR);
    c31.intoArray(tile, tileOff + 3 * NR + L);
    c40.intoArray(tile, tileOff + 4 * NR);
    c41.intoArray(tile, tileOff + 4 * NR + L);
    c50.intoArray(tile, tileOff + 5 * NR);
    c51.intoArray(tile, tileOff + 5 * NR + L);
  }

  /**
   * {@link #microKernel6Packed} over the whole reduction of a full 6 x 16 tile, fused with the
   * epilogue: the accumulators start at the bias, and ReLU is applied before they leave the
   * registers, so the tile never goes through memory. (The sums are those of {@link #epilogue}
   * in another order.) Two kernels rather than one with a branch on the residual, and the
   * residual read before the loop rather than added after it: C2 compiled the one kernel about
   * 1.3 times slower than the unfused kernel and epilogue (ResNet-50 took 1.25 times as long),
   * and the residual kernel that added after its loop still 1.06-1.09 times (docs/PERFORMANCE.md,
   * thirteenth session).
   */
  private static void microKernel6Out(ConvJob j, int aOff, float[] b, int bOff, int k, int m0,
      int outBase, int plane) {
    float[] a = j.w;
    float[] bias = j.bias;
    FloatVector v = FloatVector.broadcast(S, bias[m0]);
    FloatVector c00 = v;
    FloatVector c01 = v;
    v = FloatVector.broadcast(S, bias[m0 + 1]);
    FloatVector c10 = v;
    FloatVector c11 = v;
    v = FloatVector.broadcast(S, bias[m0 + 2]);
    FloatVector c20 = v;
    FloatVector c21 = v;
    v = FloatVector.broadcast(S, bias[m0 + 3]);
    FloatVector c30 = v;
    FloatVector c31 = v;
    v = FloatVector.broadcast(S, bias[m0 + 4]);
    FloatVector c40 = v;
    FloatVector c41 = v;
    v = FloatVector.broadcast(S, bias[m0 + 5]);
    FloatVector c50 = v;
    FloatVector c51 = v;
    int bi = bOff;
    for (int ai = aOff, end = aOff + k * MR; ai < end; ai += MR, bi += NR) {
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    float[] out = j.out;
    FloatVector lowest = FloatVector.broadcast(S, j.relu ? 0f : Float.NEGATIVE_INFINITY);
    int at = j.outOff + outBase;
    c00.max(lowest).intoArray(out, at);
    c01.max(lowest).intoArray(out, at + L);
    at += plane;
    c10.max(lowest).intoArray(out, at);
    c11.max(lowest).intoArray(out, at + L);
    at += plane;
    c20.max(lowest).intoArray(out, at);
    c21.max(lowest).intoArray(out, at + L);
    at += plane;
    c30.max(lowest).intoArray(out, at);
    c31.max(lowest).intoArray(out, at + L);
    at += plane;
    c40.max(lowest).intoArray(out, at);
    c41.max(lowest).intoArray(out, at + L);
    at += plane;
    c50.max(lowest).intoArray(out, at);
    c51.max(lowest).intoArray(out, at + L);
  }

  /** {@link #microKernel6Out} with the accumulators starting at bias plus residual. */
  private static void microKernel6OutResidual(ConvJob j, int aOff, float[] b, int bOff, int k,
      int m0, int outBase, int plane) {
    float[] a = j.w;
    float[] bias = j.bias;
    float[] res = j.res;
    int ra = j.resOff + outBase;
    FloatVector v = FloatVector.broadcast(S, bias[m0]);
    FloatVector c00 = v.add(FloatVector.fromArray(S, res, ra));
    FloatVector c01 = v.add(FloatVector.fromArray(S, res, ra + L));
    v = FloatVector.broadcast(S, bias[m0 + 1]);
    ra += plane;
    FloatVector c10 = v.add(FloatVector.fromArray(S, res, ra));
    FloatVector c11 = v.add(FloatVector.fromArray(S, res, ra + L));
    v = FloatVector.broadcast(S, bias[m0 + 2]);
    ra += plane;
    FloatVector c20 = v.add(FloatVector.fromArray(S, res, ra));
    FloatVector c21 = v.add(FloatVector.fromArray(S, res, ra + L));
    v = FloatVector.broadcast(S, bias[m0 + 3]);
    ra += plane;
    FloatVector c30 = v.add(FloatVector.fromArray(S, res, ra));
    FloatVector c31 = v.add(FloatVector.fromArray(S, res, ra + L));
    v = FloatVector.broadcast(S, bias[m0 + 4]);
    ra += plane;
    FloatVector c40 = v.add(FloatVector.fromArray(S, res, ra));
    FloatVector c41 = v.add(FloatVector.fromArray(S, res, ra + L));
    v = FloatVector.broadcast(S, bias[m0 + 5]);
    ra += plane;
    FloatVector c50 = v.add(FloatVector.fromArray(S, res, ra));
    FloatVector c51 = v.add(FloatVector.fromArray(S, res, ra + L));
    int bi = bOff;
    for (int ai = aOff, end = aOff + k * MR; ai < end; ai += MR, bi += NR) {
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    float[] out = j.out;
    FloatVector lowest = FloatVector.broadcast(S, j.relu ? 0f : Float.NEGATIVE_INFINITY);
    int at = j.outOff + outBase;
    c00.max(lowest).intoArray(out, at);
    c01.max(lowest).intoArray(out, at + L);
    at += plane;
    c10.max(lowest).intoArray(out, at);
    c11.max(lowest).intoArray(out, at + L);
    at += plane;
    c20.max(lowest).intoArray(out, at);
    c21.max(lowest).intoArray(out, at + L);
    at += plane;
    c30.max(lowest).intoArray(out, at);
    c31.max(lowest).intoArray(out, at + L);
    at += plane;
    c40.max(lowest).intoArray(out, at);
    c41.max(lowest).intoArray(out, at + L);
    at += plane;
    c50.max(lowest).intoArray(out, at);
    c51.max(lowest).intoArray(out, at + L);
  }

  /**
   * {@link #microKernel6Packed} with rows {@code bStride} apart: Winograd's transformed input. A
   * copy rather than the packed kernel's body: with the stride an argument, packed panels ran at
   * 88-96 GFLOP/s instead of 97-105 (docs/PERFORMANCE.md, twelfth session).
   */
  private static void microKernel6Strided(float[] a, int aOff, float[] b, int bOff, int bStride,
      int k0, int k1, float[] tile, int tileOff) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    int bi = bOff + k0 * bStride;
    for (int ai = aOff + k0 * MR, end = aOff + k1 * MR; ai < end; ai += MR, bi += bStride) {
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00.intoArray(tile, tileOff);
    c01.intoArray(tile, tileOff + L);
    c10.intoArray(tile, tileOff + NR);
    c11.intoArray(tile, tileOff + NR + L);
    c20.intoArray(tile, tileOff + 2 * NR);
    c21.intoArray(tile, tileOff + 2 * NR + L);
    c30.intoArray(tile, tileOff + 3 * NR);
    c31.intoArray(tile, tileOff + 3 * NR + L);
    c40.intoArray(tile, tileOff + 4 * NR);
    c41.intoArray(tile, tileOff + 4 * NR + L);
    c50.intoArray(tile, tileOff + 5 * NR);
    c51.intoArray(tile, tileOff + 5 * NR + L);
  }

  /** Row offsets of a packed panel, {@code i * NR}, for at least {@code k} rows; never shrinks. */
  private static volatile int[] packedRows = new int[0];

  private static int[] packedRows(int k) {
    int[] rows = packedRows;
    if (rows.length < k) {
      rows = new int[k];
      for (int i = 0; i < k; i++) {
        rows[i] = i * NR;
      }
      packedRows = rows;
    }
    return rows;
  }

  /** {@link #microKernel} with 14 rows: 28 accumulators, for 32 vector registers. */
  private static void microKernel14(float[] a, int aOff, float[] b, int bOff, int[] rows, int k0,
      int k1, float[] tile, int tileOff) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    FloatVector c60 = c00;
    FloatVector c61 = c00;
    FloatVector c70 = c00;
    FloatVector c71 = c00;
    FloatVector c80 = c00;
    FloatVector c81 = c00;
    FloatVector c90 = c00;
    FloatVector c91 = c00;
    FloatVector ca0 = c00;
    FloatVector ca1 = c00;
    FloatVector cb0 = c00;
    FloatVector cb1 = c00;
    FloatVector cc0 = c00;
    FloatVector cc1 = c00;
    FloatVector cd0 = c00;
    FloatVector cd1 = c00;
    for (int i = k0, ai = aOff + k0 * 14; i < k1; i++, ai += 14) {
      int bi = bOff + rows[i];
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
      FloatVector x0 = FloatVector.broadcast(S, a[ai]);
      c00 = x0.fma(b0, c00);
      c01 = x0.fma(b1, c01);
      FloatVector x1 = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x1.fma(b0, c10);
      c11 = x1.fma(b1, c11);
      FloatVector x2 = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x2.fma(b0, c20);
      c21 = x2.fma(b1, c21);
      FloatVector x3 = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x3.fma(b0, c30);
      c31 = x3.fma(b1, c31);
      FloatVector x4 = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x4.fma(b0, c40);
      c41 = x4.fma(b1, c41);
      FloatVector x5 = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x5.fma(b0, c50);
      c51 = x5.fma(b1, c51);
      FloatVector x6 = FloatVector.broadcast(S, a[ai + 6]);
      c60 = x6.fma(b0, c60);
      c61 = x6.fma(b1, c61);
      FloatVector x7 = FloatVector.broadcast(S, a[ai + 7]);
      c70 = x7.fma(b0, c70);
      c71 = x7.fma(b1, c71);
      FloatVector x8 = FloatVector.broadcast(S, a[ai + 8]);
      c80 = x8.fma(b0, c80);
      c81 = x8.fma(b1, c81);
      FloatVector x9 = FloatVector.broadcast(S, a[ai + 9]);
      c90 = x9.fma(b0, c90);
      c91 = x9.fma(b1, c91);
      FloatVector xa = FloatVector.broadcast(S, a[ai + 10]);
      ca0 = xa.fma(b0, ca0);
      ca1 = xa.fma(b1, ca1);
      FloatVector xb = FloatVector.broadcast(S, a[ai + 11]);
      cb0 = xb.fma(b0, cb0);
      cb1 = xb.fma(b1, cb1);
      FloatVector xc = FloatVector.broadcast(S, a[ai + 12]);
      cc0 = xc.fma(b0, cc0);
      cc1 = xc.fma(b1, cc1);
      FloatVector xd = FloatVector.broadcast(S, a[ai + 13]);
      cd0 = xd.fma(b0, cd0);
      cd1 = xd.fma(b1, cd1);
    }
    c00.intoArray(tile, tileOff);
    c01.intoArray(tile, tileOff + L);
    c10.intoArray(tile, tileOff + 2 * L);
    c11.intoArray(tile, tileOff + 3 * L);
    c20.intoArray(tile, tileOff + 4 * L);
    c21.intoArray(tile, tileOff + 5 * L);
    c30.intoArray(tile, tileOff + 6 * L);
    c31.intoArray(tile, tileOff + 7 * L);
    c40.intoArray(tile, tileOff + 8 * L);
    c41.intoArray(tile, tileOff + 9 * L);
    c50.intoArray(tile, tileOff + 10 * L);
    c51.intoArray(tile, tileOff + 11 * L);
    c60.intoArray(tile, tileOff + 12 * L);
    c61.intoArray(tile, tileOff + 13 * L);
    c70.intoArray(tile, tileOff + 14 * L);
    c71.intoArray(tile, tileOff + 15 * L);
    c80.intoArray(tile, tileOff + 16 * L);
    c81.intoArray(tile, tileOff + 17 * L);
    c90.intoArray(tile, tileOff + 18 * L);
    c91.intoArray(tile, tileOff + 19 * L);
    ca0.intoArray(tile, tileOff + 20 * L);
    ca1.intoArray(tile, tileOff + 21 * L);
    cb0.intoArray(tile, tileOff + 22 * L);
    cb1.intoArray(tile, tileOff + 23 * L);
    cc0.intoArray(tile, tileOff + 24 * L);
    cc1.intoArray(tile, tileOff + 25 * L);
    cd0.intoArray(tile, tileOff + 26 * L);
    cd1.intoArray(tile, tileOff + 27 * L);
  }

  /**
   * {@link #microKernel14} for {@link #byChannel} reading its positions in place: rows 0-6 are the
   * 7 positions from {@code first + rows[i]} and rows 7-13 the 7 from {@code second + rows[i]}
   * (two halves of an output row, or two 7-wide output rows), and the two column vectors are
   * {@link #NR} output channels of the packed weights, {@code [k][NR]} from {@code bOff}. Its body
   * is {@link #microKernel14}'s with other addresses: one body for both would need a table lookup
   * or a branch per row in the loop, and C2 boxes the vectors of kernels that grow.
   */
  private static void microKernelHalves(float[] a, int first, int second, int[] rows,
      float[] b, int bOff, int k0, int k1, float[] tile, int tileOff) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    FloatVector c60 = c00;
    FloatVector c61 = c00;
    FloatVector c70 = c00;
    FloatVector c71 = c00;
    FloatVector c80 = c00;
    FloatVector c81 = c00;
    FloatVector c90 = c00;
    FloatVector c91 = c00;
    FloatVector ca0 = c00;
    FloatVector ca1 = c00;
    FloatVector cb0 = c00;
    FloatVector cb1 = c00;
    FloatVector cc0 = c00;
    FloatVector cc1 = c00;
    FloatVector cd0 = c00;
    FloatVector cd1 = c00;
    for (int i = k0, bi = bOff + k0 * NR; i < k1; i++, bi += NR) {
      int a0 = first + rows[i];
      int a1 = second + rows[i];
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
      FloatVector x0 = FloatVector.broadcast(S, a[a0]);
      c00 = x0.fma(b0, c00);
      c01 = x0.fma(b1, c01);
      FloatVector x1 = FloatVector.broadcast(S, a[a0 + 1]);
      c10 = x1.fma(b0, c10);
      c11 = x1.fma(b1, c11);
      FloatVector x2 = FloatVector.broadcast(S, a[a0 + 2]);
      c20 = x2.fma(b0, c20);
      c21 = x2.fma(b1, c21);
      FloatVector x3 = FloatVector.broadcast(S, a[a0 + 3]);
      c30 = x3.fma(b0, c30);
      c31 = x3.fma(b1, c31);
      FloatVector x4 = FloatVector.broadcast(S, a[a0 + 4]);
      c40 = x4.fma(b0, c40);
      c41 = x4.fma(b1, c41);
      FloatVector x5 = FloatVector.broadcast(S, a[a0 + 5]);
      c50 = x5.fma(b0, c50);
      c51 = x5.fma(b1, c51);
      FloatVector x6 = FloatVector.broadcast(S, a[a0 + 6]);
      c60 = x6.fma(b0, c60);
      c61 = x6.fma(b1, c61);
      FloatVector x7 = FloatVector.broadcast(S, a[a1]);
      c70 = x7.fma(b0, c70);
      c71 = x7.fma(b1, c71);
      FloatVector x8 = FloatVector.broadcast(S, a[a1 + 1]);
      c80 = x8.fma(b0, c80);
      c81 = x8.fma(b1, c81);
      FloatVector x9 = FloatVector.broadcast(S, a[a1 + 2]);
      c90 = x9.fma(b0, c90);
      c91 = x9.fma(b1, c91);
      FloatVector xa = FloatVector.broadcast(S, a[a1 + 3]);
      ca0 = xa.fma(b0, ca0);
      ca1 = xa.fma(b1, ca1);
      FloatVector xb = FloatVector.broadcast(S, a[a1 + 4]);
      cb0 = xb.fma(b0, cb0);
      cb1 = xb.fma(b1, cb1);
      FloatVector xc = FloatVector.broadcast(S, a[a1 + 5]);
      cc0 = xc.fma(b0, cc0);
      cc1 = xc.fma(b1, cc1);
      FloatVector xd = FloatVector.broadcast(S, a[a1 + 6]);
      cd0 = xd.fma(b0, cd0);
      cd1 = xd.fma(b1, cd1);
    }
    c00.intoArray(tile, tileOff);
    c01.intoArray(tile, tileOff + L);
    c10.intoArray(tile, tileOff + 2 * L);
    c11.intoArray(tile, tileOff + 3 * L);
    c20.intoArray(tile, tileOff + 4 * L);
    c21.intoArray(tile, tileOff + 5 * L);
    c30.intoArray(tile, tileOff + 6 * L);
    c31.intoArray(tile, tileOff + 7 * L);
    c40.intoArray(tile, tileOff + 8 * L);
    c41.intoArray(tile, tileOff + 9 * L);
    c50.intoArray(tile, tileOff + 10 * L);
    c51.intoArray(tile, tileOff + 11 * L);
    c60.intoArray(tile, tileOff + 12 * L);
    c61.intoArray(tile, tileOff + 13 * L);
    c70.intoArray(tile, tileOff + 14 * L);
    c71.intoArray(tile, tileOff + 15 * L);
    c80.intoArray(tile, tileOff + 16 * L);
    c81.intoArray(tile, tileOff + 17 * L);
    c90.intoArray(tile, tileOff + 18 * L);
    c91.intoArray(tile, tileOff + 19 * L);
    ca0.intoArray(tile, tileOff + 20 * L);
    ca1.intoArray(tile, tileOff + 21 * L);
    cb0.intoArray(tile, tileOff + 22 * L);
    cb1.intoArray(tile, tileOff + 23 * L);
    cc0.intoArray(tile, tileOff + 24 * L);
    cc1.intoArray(tile, tileOff + 25 * L);
    cd0.intoArray(tile, tileOff + 26 * L);
    cd1.intoArray(tile, tileOff + 27 * L);
  }

  /**
   * {@link #microKernel14} over one vector of columns: 14 accumulators. In a throw-away harness
   * it made 120-133 GFLOP/s on one AVX-512 core against 157-182 for the full kernel, which on a
   * block with at most 16 columns does half its work for nothing.
   */
  private static void microKernel14Narrow(float[] a, int aOff, float[] b, int bOff, int[] rows,
      int k0, int k1, float[] tile, int tileOff) {
    FloatVector c0 = FloatVector.zero(S);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    FloatVector c4 = c0;
    FloatVector c5 = c0;
    FloatVector c6 = c0;
    FloatVector c7 = c0;
    FloatVector c8 = c0;
    FloatVector c9 = c0;
    FloatVector ca = c0;
    FloatVector cb = c0;
    FloatVector cc = c0;
    FloatVector cd = c0;
    for (int i = k0, ai = aOff + k0 * 14; i < k1; i++, ai += 14) {
      FloatVector b0 = FloatVector.fromArray(S, b, bOff + rows[i]);
      c0 = FloatVector.broadcast(S, a[ai]).fma(b0, c0);
      c1 = FloatVector.broadcast(S, a[ai + 1]).fma(b0, c1);
      c2 = FloatVector.broadcast(S, a[ai + 2]).fma(b0, c2);
      c3 = FloatVector.broadcast(S, a[ai + 3]).fma(b0, c3);
      c4 = FloatVector.broadcast(S, a[ai + 4]).fma(b0, c4);
      c5 = FloatVector.broadcast(S, a[ai + 5]).fma(b0, c5);
      c6 = FloatVector.broadcast(S, a[ai + 6]).fma(b0, c6);
      c7 = FloatVector.broadcast(S, a[ai + 7]).fma(b0, c7);
      c8 = FloatVector.broadcast(S, a[ai + 8]).fma(b0, c8);
      c9 = FloatVector.broadcast(S, a[ai + 9]).fma(b0, c9);
      ca = FloatVector.broadcast(S, a[ai + 10]).fma(b0, ca);
      cb = FloatVector.broadcast(S, a[ai + 11]).fma(b0, cb);
      cc = FloatVector.broadcast(S, a[ai + 12]).fma(b0, cc);
      cd = FloatVector.broadcast(S, a[ai + 13]).fma(b0, cd);
    }
    c0.intoArray(tile, tileOff);
    c1.intoArray(tile, tileOff + NR);
    c2.intoArray(tile, tileOff + 2 * NR);
    c3.intoArray(tile, tileOff + 3 * NR);
    c4.intoArray(tile, tileOff + 4 * NR);
    c5.intoArray(tile, tileOff + 5 * NR);
    c6.intoArray(tile, tileOff + 6 * NR);
    c7.intoArray(tile, tileOff + 7 * NR);
    c8.intoArray(tile, tileOff + 8 * NR);
    c9.intoArray(tile, tileOff + 9 * NR);
    ca.intoArray(tile, tileOff + 10 * NR);
    cb.intoArray(tile, tileOff + 11 * NR);
    cc.intoArray(tile, tileOff + 12 * NR);
    cd.intoArray(tile, tileOff + 13 * NR);
  }

  /**
   * The shuffles and masks of {@link #transpose16}, with AVX-512 only ({@code null} otherwise):
   * at distance {@code d}, {@code UP} moves lane {@code j - d} to each lane {@code j} with bit
   * {@code d} set, {@code DOWN} lane {@code j + d} to each lane without, and {@code HIGH} marks
   * the lanes with bit {@code d} set.
   */
  private static final VectorShuffle<Float> UP1 = SIXTEEN_LANES ? VectorShuffle.fromOp(S,
      j -> (j & 1) != 0 ? j - 1 : j) : null;
  private static final VectorShuffle<Float> DOWN1 = SIXTEEN_LANES ? VectorShuffle.fromOp(S,
      j -> (j & 1) == 0 ? j + 1 : j) : null;
  private static final VectorMask<Float> HIGH1 = SIXTEEN_LANES
      ? VectorMask.fromLong(S, 0xAAAAL) : null;
  private static final VectorMask<Float> LOW1 = SIXTEEN_LANES ? HIGH1.not() : null;
  private static final VectorShuffle<Float> UP2 = SIXTEEN_LANES ? VectorShuffle.fromOp(S,
      j -> (j & 2) != 0 ? j - 2 : j) : null;
  private static final VectorShuffle<Float> DOWN2 = SIXTEEN_LANES ? VectorShuffle.fromOp(S,
      j -> (j & 2) == 0 ? j + 2 : j) : null;
  private static final VectorMask<Float> HIGH2 = SIXTEEN_LANES
      ? VectorMask.fromLong(S, 0xCCCCL) : null;
  private static final VectorMask<Float> LOW2 = SIXTEEN_LANES ? HIGH2.not() : null;
  private static final VectorShuffle<Float> UP4 = SIXTEEN_LANES ? VectorShuffle.fromOp(S,
      j -> (j & 4) != 0 ? j - 4 : j) : null;
  private static final VectorShuffle<Float> DOWN4 = SIXTEEN_LANES ? VectorShuffle.fromOp(S,
      j -> (j & 4) == 0 ? j + 4 : j) : null;
  private static final VectorMask<Float> HIGH4 = SIXTEEN_LANES
      ? VectorMask.fromLong(S, 0xF0F0L) : null;
  private static final VectorMask<Float> LOW4 = SIXTEEN_LANES ? HIGH4.not() : null;
  private static final VectorShuffle<Float> UP8 = SIXTEEN_LANES ? VectorShuffle.fromOp(S,
      j -> (j & 8) != 0 ? j - 8 : j) : null;
  private static final VectorShuffle<Float> DOWN8 = SIXTEEN_LANES ? VectorShuffle.fromOp(S,
      j -> (j & 8) == 0 ? j + 8 : j) : null;
  private static final VectorMask<Float> HIGH8 = SIXTEEN_LANES
      ? VectorMask.fromLong(S, 0xFF00L) : null;
  private static final VectorMask<Float> LOW8 = SIXTEEN_LANES ? HIGH8.not() : null;
  /** The first 14 lanes, the positions of a {@link #byChannel} block. */
  private static final VectorMask<Float> FIRST14 = SIXTEEN_LANES
      ? VectorMask.fromLong(S, (1L << 14) - 1) : null;

  /**
   * Transposes 16 floats of each of the 14 rows of {@code tile} (rows {@link #NR} apart, from
   * {@code off}; two rows of zeros below them) into 16 rows of 16 at {@code tr[trOff]}, in
   * registers: four rounds that swap the lanes and rows whose index differs in one bit, each a
   * {@code rearrange} and a {@code blend} per row. Unrolled, because vectors in arrays are boxed;
   * a loop over the rounds through memory took as long as the scalar copy.
   */
  private static void transpose16(float[] tile, int off, float[] tr, int trOff) {
    FloatVector r0 = FloatVector.fromArray(S, tile, off + 0 * NR);
    FloatVector r1 = FloatVector.fromArray(S, tile, off + 1 * NR);
    FloatVector r2 = FloatVector.fromArray(S, tile, off + 2 * NR);
    FloatVector r3 = FloatVector.fromArray(S, tile, off + 3 * NR);
    FloatVector r4 = FloatVector.fromArray(S, tile, off + 4 * NR);
    FloatVector r5 = FloatVector.fromArray(S, tile, off + 5 * NR);
    FloatVector r6 = FloatVector.fromArray(S, tile, off + 6 * NR);
    FloatVector r7 = FloatVector.fromArray(S, tile, off + 7 * NR);
    FloatVector r8 = FloatVector.fromArray(S, tile, off + 8 * NR);
    FloatVector r9 = FloatVector.fromArray(S, tile, off + 9 * NR);
    FloatVector ra = FloatVector.fromArray(S, tile, off + 10 * NR);
    FloatVector rb = FloatVector.fromArray(S, tile, off + 11 * NR);
    FloatVector rc = FloatVector.fromArray(S, tile, off + 12 * NR);
    FloatVector rd = FloatVector.fromArray(S, tile, off + 13 * NR);
    FloatVector re = FloatVector.zero(S);
    FloatVector rf = FloatVector.zero(S);
    FloatVector a0 = r0.blend(r1.rearrange(UP1), HIGH1);
    FloatVector a1 = r1.blend(r0.rearrange(DOWN1), LOW1);
    FloatVector a2 = r2.blend(r3.rearrange(UP1), HIGH1);
    FloatVector a3 = r3.blend(r2.rearrange(DOWN1), LOW1);
    FloatVector a4 = r4.blend(r5.rearrange(UP1), HIGH1);
    FloatVector a5 = r5.blend(r4.rearrange(DOWN1), LOW1);
    FloatVector a6 = r6.blend(r7.rearrange(UP1), HIGH1);
    FloatVector a7 = r7.blend(r6.rearrange(DOWN1), LOW1);
    FloatVector a8 = r8.blend(r9.rearrange(UP1), HIGH1);
    FloatVector a9 = r9.blend(r8.rearrange(DOWN1), LOW1);
    FloatVector aa = ra.blend(rb.rearrange(UP1), HIGH1);
    FloatVector ab = rb.blend(ra.rearrange(DOWN1), LOW1);
    FloatVector ac = rc.blend(rd.rearrange(UP1), HIGH1);
    FloatVector ad = rd.blend(rc.rearrange(DOWN1), LOW1);
    FloatVector ae = re.blend(rf.rearrange(UP1), HIGH1);
    FloatVector af = rf.blend(re.rearrange(DOWN1), LOW1);
    FloatVector b0 = a0.blend(a2.rearrange(UP2), HIGH2);
    FloatVector b2 = a2.blend(a0.rearrange(DOWN2), LOW2);
    FloatVector b1 = a1.blend(a3.rearrange(UP2), HIGH2);
    FloatVector b3 = a3.blend(a1.rearrange(DOWN2), LOW2);
    FloatVector b4 = a4.blend(a6.rearrange(UP2), HIGH2);
    FloatVector b6 = a6.blend(a4.rearrange(DOWN2), LOW2);
    FloatVector b5 = a5.blend(a7.rearrange(UP2), HIGH2);
    FloatVector b7 = a7.blend(a5.rearrange(DOWN2), LOW2);
    FloatVector b8 = a8.blend(aa.rearrange(UP2), HIGH2);
    FloatVector ba = aa.blend(a8.rearrange(DOWN2), LOW2);
    FloatVector b9 = a9.blend(ab.rearrange(UP2), HIGH2);
    FloatVector bb = ab.blend(a9.rearrange(DOWN2), LOW2);
    FloatVector bc = ac.blend(ae.rearrange(UP2), HIGH2);
    FloatVector be = ae.blend(ac.rearrange(DOWN2), LOW2);
    FloatVector bd = ad.blend(af.rearrange(UP2), HIGH2);
    FloatVector bf = af.blend(ad.rearrange(DOWN2), LOW2);
    FloatVector c0 = b0.blend(b4.rearrange(UP4), HIGH4);
    FloatVector c4 = b4.blend(b0.rearrange(DOWN4), LOW4);
    FloatVector c1 = b1.blend(b5.rearrange(UP4), HIGH4);
    FloatVector c5 = b5.blend(b1.rearrange(DOWN4), LOW4);
    FloatVector c2 = b2.blend(b6.rearrange(UP4), HIGH4);
    FloatVector c6 = b6.blend(b2.rearrange(DOWN4), LOW4);
    FloatVector c3 = b3.blend(b7.rearrange(UP4), HIGH4);
    FloatVector c7 = b7.blend(b3.rearrange(DOWN4), LOW4);
    FloatVector c8 = b8.blend(bc.rearrange(UP4), HIGH4);
    FloatVector cc = bc.blend(b8.rearrange(DOWN4), LOW4);
    FloatVector c9 = b9.blend(bd.rearrange(UP4), HIGH4);
    FloatVector cd = bd.blend(b9.rearrange(DOWN4), LOW4);
    FloatVector ca = ba.blend(be.rearrange(UP4), HIGH4);
    FloatVector ce = be.blend(ba.rearrange(DOWN4), LOW4);
    FloatVector cb = bb.blend(bf.rearrange(UP4), HIGH4);
    FloatVector cf = bf.blend(bb.rearrange(DOWN4), LOW4);
    FloatVector d0 = c0.blend(c8.rearrange(UP8), HIGH8);
    FloatVector d8 = c8.blend(c0.rearrange(DOWN8), LOW8);
    FloatVector d1 = c1.blend(c9.rearrange(UP8), HIGH8);
    FloatVector d9 = c9.blend(c1.rearrange(DOWN8), LOW8);
    FloatVector d2 = c2.blend(ca.rearrange(UP8), HIGH8);
    FloatVector da = ca.blend(c2.rearrange(DOWN8), LOW8);
    FloatVector d3 = c3.blend(cb.rearrange(UP8), HIGH8);
    FloatVector db = cb.blend(c3.rearrange(DOWN8), LOW8);
    FloatVector d4 = c4.blend(cc.rearrange(UP8), HIGH8);
    FloatVector dc = cc.blend(c4.rearrange(DOWN8), LOW8);
    FloatVector d5 = c5.blend(cd.rearrange(UP8), HIGH8);
    FloatVector dd = cd.blend(c5.rearrange(DOWN8), LOW8);
    FloatVector d6 = c6.blend(ce.rearrange(UP8), HIGH8);
    FloatVector de = ce.blend(c6.rearrange(DOWN8), LOW8);
    FloatVector d7 = c7.blend(cf.rearrange(UP8), HIGH8);
    FloatVector df = cf.blend(c7.rearrange(DOWN8), LOW8);
    d0.intoArray(tr, trOff + 0 * 16);
    d1.intoArray(tr, trOff + 1 * 16);
    d2.intoArray(tr, trOff + 2 * 16);
    d3.intoArray(tr, trOff + 3 * 16);
    d4.intoArray(tr, trOff + 4 * 16);
    d5.intoArray(tr, trOff + 5 * 16);
    d6.intoArray(tr, trOff + 6 * 16);
    d7.intoArray(tr, trOff + 7 * 16);
    d8.intoArray(tr, trOff + 8 * 16);
    d9.intoArray(tr, trOff + 9 * 16);
    da.intoArray(tr, trOff + 10 * 16);
    db.intoArray(tr, trOff + 11 * 16);
    dc.intoArray(tr, trOff + 12 * 16);
    dd.intoArray(tr, trOff + 13 * 16);
    de.intoArray(tr, trOff + 14 * 16);
    df.intoArray(tr, trOff + 15 * 16);
  }

  /**
   * {@link #epilogue} of a {@link #byChannel} tile, whose rows are {@code positions} output
   * positions from {@code p0} and whose columns are {@code channels} output channels from
   * {@code m0}, each channel's positions {@code plane} apart from the next channel's. With
   * AVX-512, a whole block that is not its image's last is transposed in registers and written a
   * channel at a time as one vector, whose two lanes past the block get back the values they had
   * (the next block's, which this task writes later); otherwise one value at a time. On
   * ResNet-50's 1x1 256->1024 at 14x14, the scalar epilogue was 40% of the layer's time.
   */
  private static void epilogueByChannel(ConvJob j, float[] tile, int m0, int channels,
      int outBase, int plane, int p0, int positions, Scratch s) {
    float[] bias = j.bias; // locals, as in the epilogue of the GEMM
    float[] res = j.res;
    float[] out = j.out;
    int resAt = j.resOff + outBase;
    int outAt = j.outOff + outBase;
    float floor = j.relu ? 0f : Float.NEGATIVE_INFINITY; // max(v, floor) is v without ReLU
    if (SIXTEEN_LANES && positions == 14 && p0 + L <= plane) {
      float[] tr = s.transposed;
      transpose16(tile, 0, tr, 0);
      transpose16(tile, L, tr, L * L);
      FloatVector lowest = FloatVector.broadcast(S, floor);
      for (int ch = 0; ch < channels; ch++) {
        int at = ch * plane;
        FloatVector v = FloatVector.fromArray(S, tr, ch * L)
            .add(bias == null ? 0f : bias[m0 + ch]);
        if (res != null) {
          v = v.add(FloatVector.fromArray(S, res, resAt + at));
        }
        v = v.max(lowest);
        FloatVector.fromArray(S, out, outAt + at).blend(v, FIRST14).intoArray(out, outAt + at);
      }
      return;
    }
    for (int ch = 0; ch < channels; ch++) {
      int at = ch * plane;
      float b = bias == null ? 0f : bias[m0 + ch];
      for (int t = 0; t < positions; t++) {
        float v = tile[t * NR + ch] + b;
        if (res != null) {
          v += res[resAt + at + t];
        }
        out[outAt + at + t] = Math.max(v, floor);
      }
    }
  }

  /** Adds {@code tile} to the partial sums of earlier reduction blocks in {@code acc}. */
  private static void accumulate(float[] tile, boolean first, float[] acc, int accOff) {
    if (first) {
      System.arraycopy(tile, 0, acc, accOff, MR * NR);
      return;
    }
    for (int i = 0; i < MR * NR; i += L) {
      FloatVector.fromArray(S, acc, accOff + i).add(FloatVector.fromArray(S, tile, i))
          .intoArray(acc, accOff + i);
    }
  }

  /**
   * Writes {@code rows} finished rows of {@code tile} through the epilogue: bias, residual, ReLU;
   * only the first {@code width} columns exist.
   */
  private static void epilogue(ConvJob j, float[] tile, int m0, int rows, int outBase, int plane,
      int width) {
    // The job's fields are copied to locals, and a whole block's two vectors a row are written
    // out: read from the job inside the loop, over a loop of vectors, the epilogue took 0.19 of
    // the 0.67 ms of a 1x1 64->256 at 56x56 (0.13 with the locals, 0.08 like this).
    float[] bias = j.bias;
    float[] res = j.res;
    float[] out = j.out;
    int resAt = j.resOff + outBase;
    int outAt = j.outOff + outBase;
    float floor = j.relu ? 0f : Float.NEGATIVE_INFINITY; // max(v, floor) is v without ReLU
    if (width == NR) {
      FloatVector lowest = FloatVector.broadcast(S, floor);
      for (int r = 0; r < rows; r++) {
        int at = r * plane;
        FloatVector b = FloatVector.broadcast(S, bias == null ? 0f : bias[m0 + r]);
        FloatVector v0 = FloatVector.fromArray(S, tile, r * NR).add(b);
        FloatVector v1 = FloatVector.fromArray(S, tile, r * NR + L).add(b);
        if (res != null) {
          v0 = v0.add(FloatVector.fromArray(S, res, resAt + at));
          v1 = v1.add(FloatVector.fromArray(S, res, resAt + at + L));
        }
        v0.max(lowest).intoArray(out, outAt + at);
        v1.max(lowest).intoArray(out, outAt + at + L);
      }
      return;
    }
    // A partial block: whole vectors, then the rest one value at a time (a 28-wide output row is
    // one vector and 12 values with AVX-512; masked stores are not compiled to vector
    // instructions on JDK 17).
    int whole = width / L * L;
    for (int r = 0; r < rows; r++) {
      int at = r * plane;
      float b = bias == null ? 0f : bias[m0 + r];
      for (int half = 0; half < whole; half += L) {
        FloatVector v = FloatVector.fromArray(S, tile, r * NR + half).add(b);
        if (res != null) {
          v = v.add(FloatVector.fromArray(S, res, resAt + at + half));
        }
        v.max(floor).intoArray(out, outAt + at + half);
      }
      for (int i = whole; i < width; i++) {
        float v = tile[r * NR + i] + b;
        if (res != null) {
          v += res[resAt + at + i];
        }
        out[outAt + at + i] = Math.max(v, floor);
      }
    }
  }
}
