package dev.resnetc.runtime;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Convolutions over activations blocked by channels ({@link Layout#BLOCKED}), with AVX-512's
 * 16-float vectors: the micro-kernel's two column vectors are 32 output channels of the weights
 * {@link VectorKernels#packByChannel} packed, and its 14 rows are output positions, broadcast:
 * two runs ("halves") of up to 7 positions of one output row each, which in this layout lie 16
 * floats apart. The 16 channels of a position are one vector, so the epilogue writes each
 * accumulator as a whole vector where it belongs: no im2col, no transposition. The input is read
 * in place by 1x1 stride-1 layers whose images hold a whole number of halves; other layers
 * first copy it, in a parallel phase, into zero-bordered blocked planes, one per phase of the
 * stride (as {@link VectorKernels}'s direct path does for NCHW), so that every tap of every
 * stride reads 7 positions 16 floats apart. A network's NCHW input with fewer channels (the
 * stem's 3) is blocked the same way by that copy, its missing channels left out of the
 * reduction. A lone last half (7x7 images at batch 1 have 7) runs on the 8-row kernel of
 * {@link BlockedWinograd}.
 */
final class BlockedConv {
  private BlockedConv() {}

  private static final VectorSpecies<Float> S = VectorKernels.S;
  private static final int L = Layout.BLOCK;
  private static final int NR = 2 * L;
  /** Positions in a half; a kernel call computes two halves. */
  static final int HALF = 7;
  /**
   * Bytes of input a task's strips should read at most, so that they stay in L2 while each
   * weight panel passes over them. Against no limit (8 MB), ResNet-18 and ResNet-50 took the
   * same time within the noise of {@code bench/against.sh}.
   */
  static final int CHUNK_BYTES = 512 << 10;
  /** Bytes of padded images made at once, as for {@link VectorKernels}'s {@code CHANNELS}. */
  static final long PLANES_BYTES = 2 << 20;

  /**
   * Whether this kernel computes {@code c}: its output is blocked and it has no groups. Its input
   * may be blocked, or NCHW (channels not a multiple of {@link Layout#BLOCK}).
   */
  static boolean applies(Conv2d c) {
    return c.groups() == 1 && Layout.BLOCKED.blocks(c.outChannels());
  }

  /** The residual of a layer without one: {@link #store} reads it for every half. */
  private static final float[] ZEROS = new float[HALF * L];
  private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);
  private static final ThreadLocal<float[]> TILES =
      ThreadLocal.withInitial(() -> new float[2 * HALF * NR]);

  /** Drops this thread's job and tile ({@link VectorKernels}'s warm-up). */
  static void forgetBuffers() {
    JOBS.remove();
    TILES.remove();
  }

  /** The arguments and geometry of one call, reused by each calling thread. */
  private static final class Job extends VectorKernels.KernelCall {
    Conv2d c;
    int batch;
    /** The first phase copies the input into {@code padded}; the second computes. */
    boolean copying;
    /** Tasks per input channel block and image of the first phase: 1, or one per phase plane. */
    int padTasks;
    /** Whether the kernel reads {@code in} itself (1x1, stride 1, whole halves an image). */
    boolean inPlace;
    float[] padded = new float[0];
    /** Per reduction index {@code (ci, ky, kx)}: its offset from a position's first float. */
    int[] deltas = new int[0];
    /** The largest of {@link #deltas}. */
    int maxDelta;
    /** Input channel blocks, phases per dimension, and the floats of one phase plane. */
    int inBlocks;
    int phases;
    int phaseWidth;
    int phaseHeight;
    int phasePlane;
    int paddedImage;
    /**
     * Halves a row and positions a row; where the input is read in place, an image's halves and
     * more positions than a row can hold (its halves run on across rows), so that
     * {@link #store} and {@link #source} need no branch.
     */
    int halvesPerRow;
    int rowWidth;
    int halvesPerImage;
    /** Where {@link #source}'s first image starts, and the floats of an image, in what it reads. */
    int sourceBase;
    int sourceImage;
    /** {@link #store}'s residual: 1, or 0 where {@code res} is {@link #ZEROS}. */
    int resStep;
    /** 0 for ReLU, else negative infinity. */
    float floor;
    int halves;
    int strips;
    int chunkStrips;
    int channelBlocks;
    int blocksPerTask;
    int groups;

    /** The geometry of {@code c}, its padded planes and its reduction's offsets. */
    void set(Conv2d c) {
      this.c = c;
      int cin = c.inChannels(), k = c.kernel(), s = c.stride(), d = c.dilation();
      int oh = c.outHeight(), ow = c.outWidth(), plane = oh * ow;
      inPlace = Layout.BLOCKED.blocks(cin) && k == 1 && s == 1 && c.padding() == 0
          && plane % HALF == 0;
      inBlocks = (cin + L - 1) / L;
      int reach = (k - 1) * d / s;
      phases = k == 1 ? 1 : s;
      phaseWidth = ow + reach;
      phaseHeight = oh + reach;
      long plane16 = (long) phaseWidth * phaseHeight * L;
      long image = inBlocks * phases * phases * plane16;
      if (!inPlace && image + HALF * L > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("padded input of " + c + " exceeds an array");
      }
      phasePlane = (int) plane16;
      paddedImage = (int) image;
      halvesPerImage = inPlace ? plane / HALF : (ow + HALF - 1) / HALF * oh;
      halvesPerRow = inPlace ? halvesPerImage : (ow + HALF - 1) / HALF;
      rowWidth = inPlace ? Integer.MAX_VALUE : ow;
      sourceImage = inPlace ? cin * plane : paddedImage;
      int kk = k * k, reduction = cin * kk;
      if (deltas.length < reduction) {
        deltas = new int[reduction];
      }
      // ci's offset plus its tap's: the taps' first (input channel 0's), then each channel's
      int maxTap = 0;
      for (int ky = 0; ky < k; ky++) {
        for (int kx = 0; kx < k; kx++) {
          int tap = inPlace ? 0 : (ky * d % s * phases + kx * d % s) * phasePlane
              + (ky * d / s * phaseWidth + kx * d / s) * L;
          deltas[ky * k + kx] = tap;
          maxTap = Math.max(maxTap, tap);
        }
      }
      int blockStride = inPlace ? plane * L : phases * phases * phasePlane;
      for (int ci = 1; ci < cin; ci++) {
        int channel = ci / L * blockStride + ci % L;
        if (kk == 1) { // a 1x1's one tap is 0
          deltas[ci] = channel;
        } else {
          for (int t = 0; t < kk; t++) {
            deltas[ci * kk + t] = channel + deltas[t];
          }
        }
      }
      maxDelta = (cin - 1) / L * blockStride + (cin - 1) % L + maxTap;
      chunkStrips = Math.max(4, CHUNK_BYTES / (2 * HALF * reduction * Float.BYTES));
      channelBlocks = (c.outChannels() + NR - 1) / NR;
    }

    /**
     * Images the padded planes hold at once: about {@link #PLANES_BYTES}, every image when the
     * input is read in place.
     */
    int imagesAtOnce(int batch) {
      return inPlace ? batch
          : (int) Math.max(1, Math.min(batch, PLANES_BYTES / ((long) paddedImage * Float.BYTES)));
    }

    /** The tasks of {@code batch} images on {@code threads} threads, and room to pad them. */
    void setBatch(int batch, int threads) {
      this.batch = batch;
      if (!inPlace) {
        // the last half of a row reads up to HALF - 1 positions past the end of the last plane
        long floats = (long) batch * paddedImage + HALF * L;
        if (padded.length < floats) {
          padded = new float[(int) floats];
        }
      }
      halves = batch * halvesPerImage;
      strips = (halves + 1) / 2;
      int chunks = (strips + chunkStrips - 1) / chunkStrips;
      int want = Math.min(channelBlocks,
          Math.max(1, (VectorKernels.TASKS_PER_THREAD * threads + chunks - 1) / chunks));
      blocksPerTask = threads == 1 ? channelBlocks : (channelBlocks + want - 1) / want;
      groups = (channelBlocks + blocksPerTask - 1) / blocksPerTask;
    }

    int chunks() {
      return (strips + chunkStrips - 1) / chunkStrips;
    }

    @Override
    public void run(int task, int worker) {
      if (copying) {
        int n = task / padTasks / inBlocks, cb = task / padTasks % inBlocks;
        int planes = phases * phases / padTasks, first = task % padTasks * planes;
        for (int phase = first; phase < first + planes; phase++) {
          pad(this, n, cb, phase);
        }
      } else {
        compute(this, task / groups, task % groups, TILES.get());
      }
    }
  }

  /**
   * {@code out = relu?(conv(in) + bias + residual)} with {@code out} and {@code residual}
   * blocked, {@code in} blocked or (channels not a multiple of 16) NCHW, {@code packed} from
   * {@link VectorKernels#packByChannel}.
   */
  static void conv(Parallel par, Conv2d c, int batch, float[] in, int inOff, float[] packed,
      float[] bias, float[] res, int resOff, boolean relu, float[] out, int outOff) {
    Job j = JOBS.get();
    j.set(c);
    int images = j.imagesAtOnce(batch);
    j.w = packed;
    j.bias = bias != null ? bias : j.zeroBias(c.outChannels());
    j.res = res != null ? res : ZEROS;
    j.resStep = res != null ? 1 : 0;
    j.floor = relu ? 0f : Float.NEGATIVE_INFINITY; // max(v, floor) is v without ReLU
    j.out = out;
    j.in = in;
    try {
      for (int n0 = 0; n0 < batch; n0 += images) {
        int count = Math.min(images, batch - n0);
        j.setBatch(count, par.threads());
        j.inOff = inOff + n0 * c.inSize();
        j.sourceBase = j.inPlace ? j.inOff : 0;
        j.resOff = resOff + n0 * c.outSize();
        j.outOff = outOff + n0 * c.outSize();
        if (!j.inPlace) {
          j.copying = true;
          // a task per channel block, or per phase plane where there would be too few (the
          // stem's one block of 3 channels, one image at a time: 4 planes, 4 tasks)
          j.padTasks = count * j.inBlocks < 2 * par.threads() ? j.phases * j.phases : 1;
          par.run(count * j.inBlocks * j.padTasks, j);
          j.copying = false;
        }
        par.run(j.chunks() * j.groups, j);
      }
    } finally {
      j.copying = false;
      j.release();
    }
  }

  /**
   * Copies input channel block {@code cb} of image {@code n} into its zero-bordered plane of
   * {@code phase} ({@code py * phases + px}).
   */
  private static void pad(Job j, int n, int cb, int phase) {
    Conv2d c = j.c;
    int h = c.inHeight(), s = c.stride(), p = c.padding();
    int ph = j.phases, pw = j.phaseWidth;
    int py = phase / ph, px = phase % ph;
    int plane = n * j.paddedImage + (cb * ph * ph + phase) * j.phasePlane;
    for (int i = 0; i < j.phaseHeight; i++) {
      int row = plane + i * pw * L;
      int y = py + s * i - p;
      if (y < 0 || y >= h) {
        Arrays.fill(j.padded, row, row + pw * L, 0f);
      } else {
        padRow(j, n, cb, px, y, row);
      }
    }
  }

  /**
   * Input row {@code y} of channel block {@code cb} into the phase plane's row at {@code row},
   * whose column {@code x} reads input column {@code px + s * x - p}, zero outside the image.
   * A method of its own, so that the warm-up's calls get C2 to compile it: as the body of
   * {@link #pad}'s loops, the first forward had C2 compile pad again for each loop it ran long
   * in (on-stack replacement, 40-90 ms of C2's time in a fresh JVM).
   */
  private static void padRow(Job j, int n, int cb, int px, int y, int row) {
    Conv2d c = j.c;
    int h = c.inHeight(), w = c.inWidth(), s = c.stride(), p = c.padding(), cin = c.inChannels();
    int pw = j.phaseWidth;
    float[] in = j.in, dst = j.padded;
    int image = j.inOff + n * cin * h * w;
    int first = Math.max(0, Math.min(pw, (p - px + s - 1) / s));
    int last = w - 1 + p - px; // the last column's numerator
    int end = last < 0 ? first : Math.max(first, Math.min(pw, last / s + 1));
    Arrays.fill(dst, row, row + first * L, 0f);
    Arrays.fill(dst, row + end * L, row + pw * L, 0f);
    if (Layout.BLOCKED.blocks(cin)) {
      int src = image + cb * h * w * L + (y * w + px + s * first - p) * L;
      if (s == 1) {
        System.arraycopy(in, src, dst, row + first * L, (end - first) * L);
      } else {
        for (int x = first; x < end; x++, src += s * L) {
          FloatVector.fromArray(S, in, src).intoArray(dst, row + x * L);
        }
      }
    } else {
      // the lanes past the input's channels are left as they are: no reduction index reads them
      int channels = Math.min(L, cin - cb * L);
      for (int x = first; x < end; x++) {
        int src = image + cb * L * h * w + y * w + px + s * x - p;
        int at = row + x * L;
        for (int ch = 0; ch < channels; ch++) {
          dst[at + ch] = in[src + ch * h * w];
        }
      }
    }
  }

  /**
   * Where half {@code h} of the call reads its first position: in the input read in place, or in
   * the padded planes. No branch, as in {@link #store}.
   */
  private static int source(Job j, int h) {
    int n = h / j.halvesPerImage, r = h % j.halvesPerImage;
    return j.sourceBase + n * j.sourceImage
        + (r / j.halvesPerRow * j.phaseWidth + r % j.halvesPerRow * HALF) * L;
  }

  /**
   * The strips {@code chunk} holds, over the output-channel blocks of {@code group}: for each
   * block, every strip runs over its weight panel, which stays in L1 or L2 meanwhile.
   */
  private static void compute(Job j, int chunk, int group, float[] tile) {
    Conv2d c = j.c;
    int k = c.inChannels() * c.kernel() * c.kernel();
    float[] a = j.inPlace ? j.in : j.padded;
    int[] deltas = j.deltas;
    int s0 = chunk * j.chunkStrips, s1 = Math.min(j.strips, s0 + j.chunkStrips);
    int cb0 = group * j.blocksPerTask, cb1 = Math.min(j.channelBlocks, cb0 + j.blocksPerTask);
    for (int cb = cb0; cb < cb1; cb++) {
      int weights = cb * k * NR;
      for (int st = s0; st < s1; st++) {
        int h0 = 2 * st, h1 = h0 + 1;
        if (h1 < j.halves) {
          kernel(a, source(j, h0), source(j, h1), deltas, j.w, weights, 0, k, tile, 0);
          store(j, h0, cb, tile, 0);
          store(j, h1, cb, tile, HALF * NR);
        } else {
          // a lone half (7x7 at batch 1: 7 halves) on the 8-row kernel, which reads an eighth
          // position; the 14-row kernel would compute the half twice, an eighth of the layer
          int first = source(j, h0);
          if (first + j.maxDelta + (HALF + 1) * L <= a.length) {
            BlockedWinograd.kernel8(a, first, deltas, j.w, weights, k, tile, 0);
          } else {
            kernel(a, first, first, deltas, j.w, weights, 0, k, tile, 0);
          }
          store(j, h0, cb, tile, 0);
        }
      }
    }
  }

  /**
   * The epilogue of half {@code h} for output-channel block {@code cb}: whole vectors, and no
   * branch but its loop's. C2 compiles it in a fresh JVM from whichever layers ran first (the
   * stem, before the warm-up's), and a branch or a range check those never took (hoisted out of
   * the loop by the profile) sent the compiled code back to the interpreter on the first call
   * that did (a residual, a block of 16 channels, a 1x1 read in place), 60-100 ms before C2 had
   * compiled it again. So a layer without a residual adds a vector of zeros, a block without its
   * second 16 channels writes them first, over the place of its first ones, which it then writes
   * (both read before: the output may be over the residual), and the in-place geometry is the
   * padded one's with rows as long as an image ({@link Job#halvesPerRow}).
   */
  private static void store(Job j, int h, int cb, float[] tile, int tileOff) {
    Conv2d c = j.c;
    int plane = c.outHeight() * c.outWidth();
    int n = h / j.halvesPerImage, r = h % j.halvesPerImage;
    int x0 = r % j.halvesPerRow * HALF;
    int position = r / j.halvesPerRow * j.rowWidth + x0;
    int count = Math.min(HALF, j.rowWidth - x0);
    float[] bias = j.bias; // locals: C2 reloads fields after vector stores
    float[] res = j.res;
    float[] out = j.out;
    int m0 = cb * NR;
    int at = n * c.outChannels() * plane + (2 * cb * plane + position) * L;
    int outAt = j.outOff + at;
    int step = j.resStep; // 1, or 0 to read the same zeros at every half
    int resAt = (j.resOff + at) * step;
    FloatVector floor = FloatVector.broadcast(S, j.floor);
    int second = Math.min(1, Math.max(0, c.outChannels() - m0 - L)); // no branch, no trap
    FloatVector b0 = FloatVector.fromArray(S, bias, m0); // zeros where the layer has no bias
    FloatVector b1 = FloatVector.fromArray(S, bias, m0 + second * L);
    int next = second * plane * L; // the second vector's channel block
    int resNext = next * step;
    for (int t = 0; t < count; t++) {
      int o = t * L;
      // both read before either writes: the output may be the residual's place
      FloatVector v = FloatVector.fromArray(S, tile, tileOff + t * NR).add(b0)
          .add(FloatVector.fromArray(S, res, resAt + o));
      FloatVector u = FloatVector.fromArray(S, tile, tileOff + t * NR + L).add(b1)
          .add(FloatVector.fromArray(S, res, resAt + resNext + o));
      u.max(floor).intoArray(out, outAt + next + o);
      v.max(floor).intoArray(out, outAt + o);
    }
  }

  /**
   * The 14 x 32 micro-kernel: rows 0-6 are the 7 positions from {@code first + rows[i]}, 16
   * floats apart, rows 7-13 the 7 from {@code second + rows[i]}; the column vectors are 32 output
   * channels of the packed weights, {@code [k][NR]} from {@code bOff}. Its body is
   * {@link VectorKernels}'s {@code microKernelHalves} with other addresses.
   */
  static void kernel(float[] a, int first, int second, int[] rows,
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
      FloatVector x1 = FloatVector.broadcast(S, a[a0 + 16]);
      c10 = x1.fma(b0, c10);
      c11 = x1.fma(b1, c11);
      FloatVector x2 = FloatVector.broadcast(S, a[a0 + 32]);
      c20 = x2.fma(b0, c20);
      c21 = x2.fma(b1, c21);
      FloatVector x3 = FloatVector.broadcast(S, a[a0 + 48]);
      c30 = x3.fma(b0, c30);
      c31 = x3.fma(b1, c31);
      FloatVector x4 = FloatVector.broadcast(S, a[a0 + 64]);
      c40 = x4.fma(b0, c40);
      c41 = x4.fma(b1, c41);
      FloatVector x5 = FloatVector.broadcast(S, a[a0 + 80]);
      c50 = x5.fma(b0, c50);
      c51 = x5.fma(b1, c51);
      FloatVector x6 = FloatVector.broadcast(S, a[a0 + 96]);
      c60 = x6.fma(b0, c60);
      c61 = x6.fma(b1, c61);
      FloatVector x7 = FloatVector.broadcast(S, a[a1]);
      c70 = x7.fma(b0, c70);
      c71 = x7.fma(b1, c71);
      FloatVector x8 = FloatVector.broadcast(S, a[a1 + 16]);
      c80 = x8.fma(b0, c80);
      c81 = x8.fma(b1, c81);
      FloatVector x9 = FloatVector.broadcast(S, a[a1 + 32]);
      c90 = x9.fma(b0, c90);
      c91 = x9.fma(b1, c91);
      FloatVector xa = FloatVector.broadcast(S, a[a1 + 48]);
      ca0 = xa.fma(b0, ca0);
      ca1 = xa.fma(b1, ca1);
      FloatVector xb = FloatVector.broadcast(S, a[a1 + 64]);
      cb0 = xb.fma(b0, cb0);
      cb1 = xb.fma(b1, cb1);
      FloatVector xc = FloatVector.broadcast(S, a[a1 + 80]);
      cc0 = xc.fma(b0, cc0);
      cc1 = xc.fma(b1, cc1);
      FloatVector xd = FloatVector.broadcast(S, a[a1 + 96]);
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
}
