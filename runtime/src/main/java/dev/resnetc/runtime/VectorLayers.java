package dev.resnetc.runtime;

import static dev.resnetc.runtime.VectorKernels.L;
import static dev.resnetc.runtime.VectorKernels.S;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * The Vector API path of the layers around the convolutions: max and average pooling, global
 * average pooling, the dense layer and softmax. Loaded only when the JVM has
 * {@code jdk.incubator.vector}; {@link Kernels} chooses.
 *
 * <p>A call's tasks are ranges of independent units (planes, groups of {@link #ROWS} output
 * features, rows), as many as its work allows: at least {@link #MIN_TASK_WORK} each, at most
 * {@link VectorKernels#TASKS_PER_THREAD} per thread of the caller's {@link Parallel}. The
 * arguments travel in a per-thread {@link LayerJob}, so a call allocates nothing.
 */
final class VectorLayers {
  /** Output features a dense pass computes at once, sharing each load of the input. */
  static final int ROWS = 4;

  /**
   * The least work worth a task, in floats read (an exponential counts {@link #EXP_WORK}): a few
   * microseconds, more than waking the pool costs.
   */
  static final long MIN_TASK_WORK = 1 << 14;

  /** An exponential costs about as much as reading this many floats. */
  static final int EXP_WORK = 16;

  /** Lanes {@code 0, 2, 4, ...} of a vector, then the same again, for stride-2 pooling. */
  private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i % L);
  /** Lanes {@code 1, 3, 5, ...} of a vector, then the same again. */
  private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> (2 * i + 1) % L);
  /** The upper half of a vector's lanes. */
  private static final VectorMask<Float> HIGH = VectorMask.fromLong(S, (1L << L) - (1L << L / 2));

  private static final ThreadLocal<LayerJob> JOBS = ThreadLocal.withInitial(LayerJob::new);
  private static final ThreadLocal<Rows> POOL_ROWS = ThreadLocal.withInitial(Rows::new);

  /** Drops this thread's job and pooling rows ({@link VectorKernels}'s warm-up). */
  static void forgetBuffers() {
    JOBS.remove();
    POOL_ROWS.remove();
  }

  private VectorLayers() {}

  private enum Kind {
    MAX_POOL, AVG_POOL, GLOBAL_AVG_POOL, DENSE, SOFTMAX,
    BLOCKED_MAX_POOL, BLOCKED_MAX_POOL_SCALAR, BLOCKED_AVG_POOL, BLOCKED_GLOBAL_AVG_POOL
  }

  /** The arguments of one call, reused by each calling thread. */
  private static final class LayerJob extends VectorKernels.KernelCall {
    Kind kind;
    /** Independent units (planes, groups of output features, rows), split into the tasks. */
    int units;
    int tasks;
    Pool2d pool;
    int batch;
    /** Global pooling's spatial positions, the dense layer's inputs, softmax's features. */
    int length;
    int outFeatures;

    @Override
    public void run(int task, int worker) {
      int from = (int) ((long) units * task / tasks);
      int to = (int) ((long) units * (task + 1) / tasks);
      switch (kind) {
        case MAX_POOL, AVG_POOL -> pool(this, from, to);
        case GLOBAL_AVG_POOL -> globalAvgPool(this, from, to);
        case DENSE -> dense(this, from, to);
        case SOFTMAX -> softmax(this, from, to);
        case BLOCKED_MAX_POOL -> blockedMaxPool(this, from, to);
        case BLOCKED_MAX_POOL_SCALAR -> blockedMaxPoolScalar(this, from, to);
        case BLOCKED_AVG_POOL -> blockedAvgPool(this, from, to);
        case BLOCKED_GLOBAL_AVG_POOL -> blockedGlobalAvgPool(this, from, to);
      }
    }

    /** Runs {@code units} units of {@code kind} on {@code par}, {@code work} in all. */
    void run(Parallel par, Kind kind, int units, long work) {
      this.kind = kind;
      this.units = units;
      tasks = tasks(par, units, work);
      try {
        par.run(tasks, this);
      } finally {
        release();
      }
    }

    void setInOut(float[] input, int inputOff, float[] output, int outputOff) {
      in = input;
      inOff = inputOff;
      out = output;
      outOff = outputOff;
    }
  }

  /**
   * How many tasks {@code units} units share, {@code work} in all: at least
   * {@link #MIN_TASK_WORK} each, at most {@link VectorKernels#TASKS_PER_THREAD} per thread.
   */
  static int tasks(Parallel par, int units, long work) {
    long most = Math.min(units, (long) VectorKernels.TASKS_PER_THREAD * par.threads());
    return (int) Math.max(1, Math.min(most, work / MIN_TASK_WORK));
  }

  /** Max pooling ({@code max}) or average pooling of {@code batch} images; tasks are planes. */
  static void pool(Parallel par, Pool2d p, boolean max, int batch, float[] in, int inOff,
      float[] out, int outOff) {
    LayerJob j = JOBS.get();
    j.pool = p;
    j.setInOut(in, inOff, out, outOff);
    j.run(par, max ? Kind.MAX_POOL : Kind.AVG_POOL, batch * p.channels(),
        (long) batch * p.inSize());
  }

  /**
   * {@link #pool} over blocked tensors ({@link Layout#BLOCKED}); tasks are blocks of 16 channels
   * of one image, and each output position is one vector, the max (or sum) of its window's
   * vectors in the scalar kernel's order: the same bits. The running max (or sum) is kept in the
   * output, not in a vector carried around the window's loops: C2 boxed that one, and a
   * ResNet-50 forward allocated 12 MB.
   */
  static void blockedPool(Parallel par, Pool2d p, boolean max, int batch, float[] in, int inOff,
      float[] out, int outOff) {
    blockedPool(par, p, max, max && VectorKernels.warmingUpElsewhere(), batch, in, inOff, out,
        outOff);
  }

  /**
   * {@link #blockedPool}, the max pooling on scalar code if {@code scalar}: while the warm-up
   * thread has not had C2 compile {@link #maxPoolRow}, its C1 code runs the Vector API boxed,
   * and the first forward's pooling after ResNet's stem took 28-59 ms (under 1 warm); C1
   * compiles the scalar loops within milliseconds. The same bits either way.
   */
  static void blockedPool(Parallel par, Pool2d p, boolean max, boolean scalar, int batch,
      float[] in, int inOff, float[] out, int outOff) {
    LayerJob j = JOBS.get();
    j.pool = p;
    j.setInOut(in, inOff, out, outOff);
    Kind kind = !max ? Kind.BLOCKED_AVG_POOL
        : scalar ? Kind.BLOCKED_MAX_POOL_SCALAR : Kind.BLOCKED_MAX_POOL;
    j.run(par, kind, batch * p.channels() / Layout.BLOCK, (long) batch * p.inSize());
  }

  /** Channel blocks {@code [from, to)} of a blocked max pooling. */
  private static void blockedMaxPool(LayerJob j, int from, int to) {
    Pool2d p = j.pool;
    int h = p.inHeight(), w = p.inWidth();
    int oh = p.outHeight(), ow = p.outWidth();
    for (int unit = from; unit < to; unit++) {
      for (int oy = 0; oy < oh; oy++) {
        maxPoolRow(j, j.inOff + unit * h * w * L, oy, j.outOff + (unit * oh + oy) * ow * L);
      }
    }
  }

  /** {@link #blockedMaxPool} on scalar code. */
  private static void blockedMaxPoolScalar(LayerJob j, int from, int to) {
    Pool2d p = j.pool;
    int h = p.inHeight(), w = p.inWidth();
    int oh = p.outHeight(), ow = p.outWidth();
    for (int unit = from; unit < to; unit++) {
      for (int oy = 0; oy < oh; oy++) {
        maxPoolRowScalar(j, j.inOff + unit * h * w * L, oy, j.outOff + (unit * oh + oy) * ow * L);
      }
    }
  }

  /** {@link #maxPoolRow} on scalar code: each lane's max over the window, in the same order. */
  private static void maxPoolRowScalar(LayerJob j, int inBase, int oy, int outAt) {
    Pool2d p = j.pool;
    int h = p.inHeight(), w = p.inWidth(), k = p.kernel(), s = p.stride(), pad = p.padding();
    int ow = p.outWidth();
    float[] in = j.in;
    float[] out = j.out;
    int y0 = oy * s - pad;
    int kyLo = Math.max(0, -y0), kyHi = Math.min(k, h - y0);
    for (int ox = 0; ox < ow; ox++, outAt += L) {
      int x0 = ox * s - pad;
      int kxLo = Math.max(0, -x0), kxHi = Math.min(k, w - x0);
      for (int lane = 0; lane < L; lane++) {
        float m = Float.NEGATIVE_INFINITY;
        for (int ky = kyLo; ky < kyHi; ky++) {
          int row = inBase + ((y0 + ky) * w + x0) * L + lane;
          for (int kx = kxLo; kx < kxHi; kx++) {
            m = Math.max(m, in[row + kx * L]);
          }
        }
        out[outAt + lane] = m;
      }
    }
  }

  /**
   * Output row {@code oy} of a channel block at {@code inBase}, stored from {@code outAt}. A
   * method of its own, so that the warm-up's calls get C2 to compile it: as the body of
   * {@link #blockedMaxPool}'s loops, the stem's pooling in the first forward had C2 compile them
   * again for that call (on-stack replacement).
   */
  private static void maxPoolRow(LayerJob j, int inBase, int oy, int outAt) {
    Pool2d p = j.pool;
    int h = p.inHeight(), w = p.inWidth(), k = p.kernel(), s = p.stride(), pad = p.padding();
    int ow = p.outWidth();
    float[] in = j.in;
    float[] out = j.out;
    int y0 = oy * s - pad;
    int kyLo = Math.max(0, -y0), kyHi = Math.min(k, h - y0);
    for (int ox = 0; ox < ow; ox++, outAt += L) {
      int x0 = ox * s - pad;
      int kxLo = Math.max(0, -x0), kxHi = Math.min(k, w - x0);
      FloatVector.broadcast(S, Float.NEGATIVE_INFINITY).intoArray(out, outAt);
      for (int ky = kyLo; ky < kyHi; ky++) {
        int row = inBase + ((y0 + ky) * w + x0) * L;
        for (int kx = kxLo; kx < kxHi; kx++) {
          FloatVector.fromArray(S, out, outAt).max(FloatVector.fromArray(S, in, row + kx * L))
              .intoArray(out, outAt);
        }
      }
    }
  }

  /**
   * Channel blocks {@code [from, to)} of a blocked average pooling (padding counted):
   * the loops of {@link #blockedMaxPool} and {@link #maxPoolRow} with a sum, written out twice
   * because a vector chosen between {@code max} and {@code add} inside the loop would be merged
   * from two branches.
   */
  private static void blockedAvgPool(LayerJob j, int from, int to) {
    Pool2d p = j.pool;
    int h = p.inHeight(), w = p.inWidth(), k = p.kernel(), s = p.stride(), pad = p.padding();
    int oh = p.outHeight(), ow = p.outWidth();
    float divisor = k * k;
    float[] in = j.in;
    float[] out = j.out;
    for (int unit = from; unit < to; unit++) {
      int inBase = j.inOff + unit * h * w * L;
      int outAt = j.outOff + unit * oh * ow * L;
      for (int oy = 0; oy < oh; oy++) {
        int y0 = oy * s - pad;
        int kyLo = Math.max(0, -y0), kyHi = Math.min(k, h - y0);
        for (int ox = 0; ox < ow; ox++, outAt += L) {
          int x0 = ox * s - pad;
          int kxLo = Math.max(0, -x0), kxHi = Math.min(k, w - x0);
          FloatVector.zero(S).intoArray(out, outAt);
          for (int ky = kyLo; ky < kyHi; ky++) {
            int row = inBase + ((y0 + ky) * w + x0) * L;
            for (int kx = kxLo; kx < kxHi; kx++) {
              FloatVector.fromArray(S, out, outAt).add(FloatVector.fromArray(S, in, row + kx * L))
                  .intoArray(out, outAt);
            }
          }
          FloatVector.fromArray(S, out, outAt).div(divisor).intoArray(out, outAt);
        }
      }
    }
  }

  /** {@link #globalAvgPool} over a blocked input; tasks are blocks of 16 channels. */
  static void blockedGlobalAvgPool(Parallel par, int batch, int channels, int spatial,
      float[] in, int inOff, float[] out, int outOff) {
    LayerJob j = JOBS.get();
    j.length = spatial;
    j.setInOut(in, inOff, out, outOff);
    j.run(par, Kind.BLOCKED_GLOBAL_AVG_POOL, batch * channels / Layout.BLOCK,
        (long) batch * channels * spatial);
  }

  /**
   * Channel blocks {@code [from, to)} of a blocked global average pooling: the positions'
   * vectors summed in four chains, in floats (the NCHW kernel also sums in floats).
   */
  private static void blockedGlobalAvgPool(LayerJob j, int from, int to) {
    int spatial = j.length;
    float[] in = j.in;
    for (int unit = from; unit < to; unit++) {
      int at = j.inOff + unit * spatial * L;
      FloatVector s0 = FloatVector.zero(S);
      FloatVector s1 = s0;
      FloatVector s2 = s0;
      FloatVector s3 = s0;
      int p = 0;
      for (; p + 4 <= spatial; p += 4, at += 4 * L) {
        s0 = s0.add(FloatVector.fromArray(S, in, at));
        s1 = s1.add(FloatVector.fromArray(S, in, at + L));
        s2 = s2.add(FloatVector.fromArray(S, in, at + 2 * L));
        s3 = s3.add(FloatVector.fromArray(S, in, at + 3 * L));
      }
      for (; p < spatial; p++, at += L) {
        s0 = s0.add(FloatVector.fromArray(S, in, at));
      }
      s0.add(s1).add(s2.add(s3)).div((float) spatial).intoArray(j.out, j.outOff + unit * L);
    }
  }

  /** A participant's rows for pooling, grown as needed and then reused. */
  private static final class Rows {
    /** The max (or sum) of an output row's input rows, padded on both sides. */
    float[] padded = new float[0];
    /**
     * {@code padded} split into the stride's phases: phase {@code r} is columns
     * {@code r, r + s, r + 2s, ...}.
     */
    float[] phases = new float[0];
  }

  /**
   * Planes {@code [from, to)} of a pooling with kernel {@code k} and stride {@code s}, an output
   * row at a time. The max (or sum) of its {@code k} input rows is taken column by column into a
   * padded row; with {@code s > 1} that row is split into {@code s} phases, so that the
   * {@code kx}-th inputs of consecutive outputs are consecutive in one of them; then each output
   * row is the max (or sum) of {@code k} such runs. Each output is the max of the same values as
   * in the scalar kernel, so max pooling gives the same bits; average pooling adds the same
   * values in another order.
   *
   * <p>No vector here is merged from two branches, which C2 boxes: when the loads depended on the
   * stride inside the loop over outputs, a call allocated up to 4 MB. Each vector is loaded,
   * combined and stored at once.
   */
  private static void pool(LayerJob j, int from, int to) {
    Pool2d p = j.pool;
    int h = p.inHeight();
    int w = p.inWidth();
    int k = p.kernel();
    int s = p.stride();
    int pad = p.padding();
    int oh = p.outHeight();
    int ow = p.outWidth();
    boolean max = j.kind == Kind.MAX_POOL;
    // Each phase holds the columns that some output reads; together they read up to s - 1
    // columns past the padded row, which hold the identity too.
    int phase = ow + (k - 1) / s;
    int width = w + 2 * pad + s;
    Rows rows = POOL_ROWS.get();
    if (rows.padded.length < width) {
      rows.padded = new float[width];
      rows.phases = new float[width];
    }
    float[] row = rows.padded;
    float[] runs = s == 1 ? row : rows.phases;
    float identity = max ? Float.NEGATIVE_INFINITY : 0f;
    Arrays.fill(row, 0, pad, identity);
    Arrays.fill(row, pad + w, width, identity);
    float divisor = k * k;
    for (int plane = from; plane < to; plane++) {
      int inBase = j.inOff + plane * h * w;
      int outBase = j.outOff + plane * oh * ow;
      for (int oy = 0; oy < oh; oy++) {
        int y0 = oy * s - pad;
        int first = Math.max(0, -y0);
        int last = Math.min(k, h - y0);
        System.arraycopy(j.in, inBase + (y0 + first) * w, row, pad, w);
        for (int ky = first + 1; ky < last; ky++) {
          combine(j.in, inBase + (y0 + ky) * w, row, pad, w, max);
        }
        if (s == 2) {
          deinterleave(row, phase, runs);
        } else if (s > 2) {
          for (int r = 0; r < s; r++) {
            VectorKernels.split(row, 0, width, r, s, phase, runs, r * phase);
          }
        }
        int at = outBase + oy * ow;
        System.arraycopy(runs, 0, j.out, at, ow);
        for (int kx = 1; kx < k; kx++) {
          combine(runs, s == 1 ? kx : kx % s * phase + kx / s, j.out, at, ow, max);
        }
        if (!max) {
          divide(j.out, at, ow, divisor);
        }
      }
    }
  }

  /**
   * {@code dst[d + i] = max(dst[d + i], src[from + i])} (or the sum) for {@code i < n}, as
   * {@link Math#max} does it.
   */
  private static void combine(float[] src, int from, float[] dst, int d, int n, boolean max) {
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector a = FloatVector.fromArray(S, dst, d + i);
      FloatVector b = FloatVector.fromArray(S, src, from + i);
      if (max) {
        a.max(b).intoArray(dst, d + i);
      } else {
        a.add(b).intoArray(dst, d + i);
      }
    }
    for (; i < n; i++) {
      dst[d + i] = max ? Math.max(dst[d + i], src[from + i]) : dst[d + i] + src[from + i];
    }
  }

  /**
   * The first {@code n} even and odd floats of {@code row} into {@code phases[0 .. n)} and
   * {@code phases[n .. 2n)}: the even (odd) lanes of two vectors at a time.
   */
  private static void deinterleave(float[] row, int n, float[] phases) {
    int q = 0;
    for (; q + L <= n; q += L) {
      FloatVector a = FloatVector.fromArray(S, row, 2 * q);
      FloatVector b = FloatVector.fromArray(S, row, 2 * q + L);
      a.rearrange(EVEN).blend(b.rearrange(EVEN), HIGH).intoArray(phases, q);
      a.rearrange(ODD).blend(b.rearrange(ODD), HIGH).intoArray(phases, n + q);
    }
    for (; q < n; q++) {
      phases[q] = row[2 * q];
      phases[n + q] = row[2 * q + 1];
    }
  }

  /** {@code a[from + i] /= divisor} for {@code i < n}. */
  private static void divide(float[] a, int from, int n, float divisor) {
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector.fromArray(S, a, from + i).div(divisor).intoArray(a, from + i);
    }
    for (; i < n; i++) {
      a[from + i] /= divisor;
    }
  }

  /** The mean of each of {@code batch * channels} planes of {@code spatial} floats. */
  static void globalAvgPool(Parallel par, int batch, int channels, int spatial, float[] in,
      int inOff, float[] out, int outOff) {
    LayerJob j = JOBS.get();
    j.length = spatial;
    j.setInOut(in, inOff, out, outOff);
    j.run(par, Kind.GLOBAL_AVG_POOL, batch * channels, (long) batch * channels * spatial);
  }

  /** Planes {@code [from, to)} of a global average pooling. */
  private static void globalAvgPool(LayerJob j, int from, int to) {
    int spatial = j.length;
    for (int plane = from; plane < to; plane++) {
      j.out[j.outOff + plane] = (float) (sum(j.in, j.inOff + plane * spatial, spatial) / spatial);
    }
  }

  /**
   * The sum of {@code n} floats from {@code a[from]}: in a vector of floats, the tail then in
   * double. Widening to doubles, as the scalar kernel sums, would need vectors of another shape,
   * and a second float species (128-bit floats, widened to 256-bit doubles) spoiled the type
   * profiles of the Vector API's shared methods: C2 then boxed the vectors of the Winograd
   * transforms, and a ResNet-20 forward allocated 1.7 MB.
   */
  private static double sum(float[] a, int from, int n) {
    int end = from + n;
    FloatVector acc = FloatVector.zero(S);
    int i = from;
    for (; i + L <= end; i += L) {
      acc = acc.add(FloatVector.fromArray(S, a, i));
    }
    double sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < end; i++) {
      sum += a[i];
    }
    return sum;
  }

  /**
   * The dense layer {@code y = relu?(x w^T + bias + residual)}; tasks are groups of output
   * features, so each task reads its rows of {@code w} once for the whole batch.
   */
  static void dense(Parallel par, int batch, int inFeatures, int outFeatures, float[] x, int xOff,
      float[] w, float[] bias, float[] res, int resOff, boolean relu, float[] y, int yOff) {
    LayerJob j = JOBS.get();
    j.batch = batch;
    j.length = inFeatures;
    j.outFeatures = outFeatures;
    j.w = w;
    j.bias = bias;
    j.res = res;
    j.resOff = resOff;
    j.relu = relu;
    j.setInOut(x, xOff, y, yOff);
    j.run(par, Kind.DENSE, (outFeatures + ROWS - 1) / ROWS,
        (long) batch * inFeatures * outFeatures);
  }

  /**
   * Output features {@code [from * ROWS, to * ROWS)} of every image, {@link #ROWS} rows of
   * {@code w} at a time (fewer in the last group).
   */
  private static void dense(LayerJob j, int from, int to) {
    int end = Math.min(j.outFeatures, to * ROWS);
    for (int o = from * ROWS; o < end; o += ROWS) {
      for (int n = 0; n < j.batch; n++) {
        dot4(j, n, o, Math.min(ROWS, end - o));
      }
    }
  }

  /**
   * Output features {@code o .. o+rows-1} ({@code rows <= 4}) of image {@code n}: four rows of
   * {@code w} share each load of x; in a group of fewer, the last row is computed again in place
   * of the missing ones and not stored. A method of its own, with no vector crossing a branch:
   * when the rows after the last full group had their own loop in {@code dense}, C2 boxed its
   * accumulator (6 KB per call of a 64-to-10 layer).
   */
  private static void dot4(LayerJob j, int n, int o, int rows) {
    int in = j.length;
    float[] x = j.in;
    float[] w = j.w;
    int xi = j.inOff + n * in;
    int w0 = o * in;
    int w1 = (o + Math.min(1, rows - 1)) * in;
    int w2 = (o + Math.min(2, rows - 1)) * in;
    int w3 = (o + rows - 1) * in;
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    int i = 0;
    for (; i + L <= in; i += L) {
      FloatVector xv = FloatVector.fromArray(S, x, xi + i);
      a0 = FloatVector.fromArray(S, w, w0 + i).fma(xv, a0);
      a1 = FloatVector.fromArray(S, w, w1 + i).fma(xv, a1);
      a2 = FloatVector.fromArray(S, w, w2 + i).fma(xv, a2);
      a3 = FloatVector.fromArray(S, w, w3 + i).fma(xv, a3);
    }
    float s0 = a0.reduceLanes(VectorOperators.ADD);
    float s1 = a1.reduceLanes(VectorOperators.ADD);
    float s2 = a2.reduceLanes(VectorOperators.ADD);
    float s3 = a3.reduceLanes(VectorOperators.ADD);
    for (; i < in; i++) {
      float xv = x[xi + i];
      s0 += xv * w[w0 + i];
      s1 += xv * w[w1 + i];
      s2 += xv * w[w2 + i];
      s3 += xv * w[w3 + i];
    }
    store(j, n, o, s0);
    if (rows > 1) {
      store(j, n, o + 1, s1);
    }
    if (rows > 2) {
      store(j, n, o + 2, s2);
    }
    if (rows > 3) {
      store(j, n, o + 3, s3);
    }
  }

  /** Writes output feature {@code o} of image {@code n} through the epilogue. */
  private static void store(LayerJob j, int n, int o, float sum) {
    int at = n * j.outFeatures + o;
    float v = j.bias == null ? sum : sum + j.bias[o];
    if (j.res != null) {
      v += j.res[j.resOff + at];
    }
    j.out[j.outOff + at] = j.relu ? Math.max(v, 0f) : v;
  }

  /** Softmax over the last axis of {@code batch} rows; tasks are rows. */
  static void softmax(Parallel par, int batch, int features, float[] x, int xOff, float[] y,
      int yOff) {
    LayerJob j = JOBS.get();
    j.length = features;
    j.setInOut(x, xOff, y, yOff);
    j.run(par, Kind.SOFTMAX, batch, (long) batch * features * EXP_WORK);
  }

  /**
   * Rows {@code [from, to)} of a softmax: the maximum and the normalization run on vectors, the
   * exponentials and their sum (in double) stay scalar, as in the scalar kernel. On JDK 17,
   * {@code lanewise(EXP)} is ten times faster than {@code Math.exp} where the JDK has its SVML
   * stubs (Linux x64: 1 against 10 microseconds for 1000 scores), but without them it is twice
   * as slow as {@code Math.exp} and allocates 16 bytes per value; a few microseconds per image
   * are not worth that risk.
   */
  private static void softmax(LayerJob j, int from, int to) {
    int features = j.length;
    float[] x = j.in;
    float[] y = j.out;
    for (int n = from; n < to; n++) {
      int xi = j.inOff + n * features;
      int yi = j.outOff + n * features;
      FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
      int i = 0;
      for (; i + L <= features; i += L) {
        m = m.max(FloatVector.fromArray(S, x, xi + i));
      }
      float max = m.reduceLanes(VectorOperators.MAX);
      for (; i < features; i++) {
        max = Math.max(max, x[xi + i]);
      }
      double sum = 0;
      for (i = 0; i < features; i++) {
        float e = (float) Math.exp(x[xi + i] - max);
        y[yi + i] = e;
        sum += e;
      }
      float scale = (float) (1 / sum);
      for (i = 0; i + L <= features; i += L) {
        FloatVector.fromArray(S, y, yi + i).mul(scale).intoArray(y, yi + i);
      }
      for (; i < features; i++) {
        y[yi + i] *= scale;
      }
    }
  }
}
