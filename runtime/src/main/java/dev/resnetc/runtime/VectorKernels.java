package dev.resnetc.runtime;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API path of the convolution: a packed GEMM with a 6 x 2-vector register-blocked
 * micro-kernel (6x16 with AVX2, 6x32 with AVX-512), and the epilogue (bias, residual, ReLU)
 * applied to each finished tile. Loaded only when the JVM has {@code jdk.incubator.vector};
 * {@link Kernels} chooses.
 *
 * <p>A convolution is {@code out[m][p] = sum_k W[m][k] * col[k][p]} per image and group, with
 * {@code m} the output channel, {@code k = (ic, ky, kx)} and {@code p = (oy, ox)}. The weights are
 * packed once at load time into panels of {@link #MR} rows, {@code [g][m/MR][k][MR]}; for each block
 * of {@link #NR} output positions the input columns are packed into {@code [k][NR]} (im2col), then
 * row panels multiply that block. Tasks are (image, group, column block, channel split); when a
 * small image needs channel splits to give every thread work, its column blocks are packed once,
 * in a first parallel phase, and shared by the splits. {@link Winograd} runs on the same
 * micro-kernel.
 */
final class VectorKernels {
  /** The widest vectors this CPU has: 8 floats with AVX2, 16 with AVX-512. */
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  /** Floats per vector. */
  static final int L = S.length();
  static final int MR = 6;
  static final int NR = 2 * L;

  private VectorKernels() {}

  static {
    Thread warmUp = new Thread(VectorKernels::warmUp, "resnetc-warm-up");
    warmUp.setDaemon(true);
    warmUp.start();
  }

  /**
   * Runs small convolutions of each kind until the JIT has compiled the kernels. This class is
   * loaded when a network's first weights are prepared, so the compilation overlaps the rest of
   * the loading instead of slowing the first {@code forward}, which would otherwise run the Vector
   * API interpreted.
   */
  private static void warmUp() {
    Parallel one = Parallel.of(1);
    Conv2d[] shapes = {new Conv2d(32, 5, 5, 12, 3, 1, 1, 1, 1),
        new Conv2d(300, 2, 16, 12, 1, 1, 0, 1, 1), new Conv2d(3, 9, 9, 6, 3, 2, 1, 1, 1)};
    for (Conv2d c : shapes) {
      float[] in = new float[c.inSize()];
      float[] w = pack(c, new float[c.weightSize()]);
      float[] bias = new float[c.outChannels()];
      float[] out = new float[c.outSize()];
      for (int i = 0; i < 2000; i++) {
        conv(one, c, 1, in, 0, w, bias, out, 0, true, out, 0);
      }
    }
  }

  /** The weights {@code [out, in/groups, k, k]} as the micro-kernel reads them. */
  static float[] pack(Conv2d c, float[] w) {
    int groups = c.groups();
    int coutG = c.outChannels() / groups;
    int k = c.inChannels() / groups * c.kernel() * c.kernel();
    int blocks = (coutG + MR - 1) / MR;
    float[] p = new float[groups * blocks * k * MR];
    for (int g = 0; g < groups; g++) {
      for (int m = 0; m < coutG; m++) {
        int src = (g * coutG + m) * k;
        int dst = (g * blocks + m / MR) * k * MR + m % MR;
        for (int i = 0; i < k; i++) {
          p[dst + i * MR] = w[src + i];
        }
      }
    }
    return p;
  }

  /** The arguments of one convolution call, reused by each calling thread. */
  private static final class ConvJob implements Parallel.Job {
    boolean winograd;
    Conv2d c;
    float[] in;
    int inOff;
    float[] w;
    float[] bias;
    float[] res;
    int resOff;
    boolean relu;
    float[] out;
    int outOff;
    int columnBlocks;
    int rowSplits;
    /** When the channels are split, each column block is packed once, here, before the GEMMs. */
    float[] shared = new float[0];
    boolean packing;
    /**
     * Stride-1 convolutions of wide images skip im2col: the input is copied once with its zero
     * border into {@code padded}, column blocks follow output rows, and the micro-kernel reads
     * each reduction row straight from it, at {@code rowOffsets[k]} from the block's corner.
     */
    boolean direct;
    boolean padding;
    float[] padded = new float[0];
    int[] rowOffsets = new int[0];
    int blocksPerRow;

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
      int groups = winograd ? 1 : c.groups();
      int split = task % rowSplits;
      int rest = task / rowSplits;
      int jb = rest % columnBlocks;
      int g = (rest / columnBlocks) % groups;
      int n = rest / columnBlocks / groups;
      int blocks = (c.outChannels() / groups + MR - 1) / MR;
      int from = blocks * split / rowSplits;
      int to = blocks * (split + 1) / rowSplits;
      if (winograd) {
        winogradTile(this, n, jb, from, to, SCRATCH.get());
      } else {
        tile(this, n, g, jb, from, to, SCRATCH.get());
      }
    }

    /** Copies input channel {@code ch} (of the whole batch) into {@code padded}, zero border. */
    void padChannel(int ch) {
      int h = c.inHeight();
      int w = c.inWidth();
      int p = c.padding();
      int hp = h + 2 * p;
      int wp = w + 2 * p;
      int base = ch * hp * wp;
      Arrays.fill(padded, base, base + p * wp + p, 0f);
      for (int y = 0; y < h; y++) {
        int row = base + (y + p) * wp + p;
        System.arraycopy(in, inOff + (ch * h + y) * w, padded, row, w);
        Arrays.fill(padded, row + w, row + w + 2 * p, 0f);
      }
      Arrays.fill(padded, base + (h + p) * wp + p, base + hp * wp, 0f);
    }

    /** Sizes {@code padded} for the batch and sets the row offsets. */
    void prepareRows(int batch) {
      int hp = c.inHeight() + 2 * c.padding();
      int wp = c.inWidth() + 2 * c.padding();
      int size = batch * c.inChannels() * hp * wp + NR;
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
            rowOffsets[i++] = (ic * hp + ky) * wp + kx;
          }
        }
      }
    }

    /** Sets the call's arguments and runs its tasks over {@code columns} blocks of positions. */
    void run(Parallel par, int batch, int columns, float[] input, int inputOff, float[] residual,
        int residualOff, float[] output, int outputOff) {
      in = input;
      inOff = inputOff;
      res = residual;
      resOff = residualOff;
      out = output;
      outOff = outputOff;
      direct = !winograd && c.kernel() > 1 && c.stride() == 1 && c.dilation() == 1
          && c.outWidth() >= MIN_DIRECT_WIDTH;
      if (direct) {
        prepareRows(batch);
        padding = true;
        par.run(batch * c.inChannels(), this);
        padding = false;
        blocksPerRow = (c.outWidth() + NR - 1) / NR;
        columnBlocks = c.outHeight() * blocksPerRow;
      } else {
        columnBlocks = (columns + NR - 1) / NR;
      }
      // Enough tasks to balance the threads: split the output channels too when the images are
      // small, at the price of packing their columns once per split.
      int groups = winograd ? 1 : c.groups();
      int tiles = batch * groups * columnBlocks;
      int blocks = (c.outChannels() / groups + MR - 1) / MR;
      rowSplits = Math.max(1, Math.min(blocks / 4, TASKS_PER_THREAD * par.threads() / tiles));
      try {
        if (rowSplits > 1 && !winograd && !direct) {
          int k = c.inChannels() / groups * c.kernel() * c.kernel();
          if (shared.length < tiles * k * NR) {
            shared = new float[tiles * k * NR];
          }
          packing = true;
          par.run(tiles, this);
          packing = false;
        }
        par.run(tiles * rowSplits, this);
      } finally {
        packing = false;
        padding = false;
        in = null;
        out = null;
        res = null;
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
    final float[] d = new float[16];
    final float[] y = new float[8];

    int[] packedRows = new int[0];

    /** Row offsets of a packed panel, {@code i * NR}, for at least {@code k} rows. */
    int[] packedRows(int k) {
      if (packedRows.length < k) {
        packedRows = new int[k];
        for (int i = 0; i < k; i++) {
          packedRows[i] = i * NR;
        }
      }
      return packedRows;
    }

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

  /** Tasks per thread a convolution aims for, so that uneven tasks still balance. */
  static final int TASKS_PER_THREAD = 8;

  /** The reduction is split into blocks of this many, so a block of the panel stays in L1. */
  static final int KC = 256;

  private static final ThreadLocal<ConvJob> JOBS = ThreadLocal.withInitial(ConvJob::new);
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  static void conv(Parallel par, Conv2d c, int batch, float[] in, int inOff, float[] packed,
      float[] bias, float[] res, int resOff, boolean relu, float[] out, int outOff) {
    ConvJob job = JOBS.get();
    job.winograd = false;
    job.c = c;
    job.w = packed;
    job.bias = bias;
    job.relu = relu;
    job.run(par, batch, c.outHeight() * c.outWidth(), in, inOff, res, resOff, out, outOff);
  }

  /**
   * One column block of one group of one image: pack its columns, then for each block of the
   * reduction run the row panels {@code [mbFrom, mbTo)}, accumulating in {@code acc} until the last block writes the
   * output through the epilogue.
   */
  private static void tile(ConvJob j, int n, int g, int jb, int mbFrom, int mbTo,
      Scratch scratch) {
    Conv2d c = j.c;
    int groups = c.groups();
    int cinG = c.inChannels() / groups;
    int coutG = c.outChannels() / groups;
    int k = cinG * c.kernel() * c.kernel();
    int plane = c.outHeight() * c.outWidth();
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
      int hp = c.inHeight() + 2 * c.padding();
      int wp = c.inWidth() + 2 * c.padding();
      panel = j.padded;
      panelOff = ((n * c.inChannels() + g * cinG) * hp + oy) * wp + ox0;
      rows = j.rowOffsets;
    } else if (j.rowSplits > 1) {
      panel = j.shared;
      panelOff = ((n * groups + g) * j.columnBlocks + jb) * k * NR;
      rows = scratch.packedRows(k);
    } else {
      panel = scratch.panel(k * NR);
      panelOff = 0;
      int inBase = j.inOff + (n * c.inChannels() + g * cinG) * c.inHeight() * c.inWidth();
      packColumns(c, j.in, inBase, p0, width, cinG, panel, 0, scratch);
      rows = scratch.packedRows(k);
    }
    int blocks = (coutG + MR - 1) / MR;
    float[] tile = scratch.tile;
    float[] acc = k > KC ? scratch.acc(blocks * MR * NR) : null;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      for (int mb = mbFrom; mb < mbTo; mb++) {
        microKernel(j.w, (g * blocks + mb) * k * MR, panel, panelOff, rows, k0, k1, tile, 0);
        if (acc != null) {
          accumulate(tile, k0 == 0, acc, mb * MR * NR);
          if (k1 < k) {
            continue;
          }
          System.arraycopy(acc, mb * MR * NR, tile, 0, MR * NR);
        }
        int m0 = g * coutG + mb * MR;
        epilogue(j, tile, m0, Math.min(MR, coutG - mb * MR),
            (n * c.outChannels() + m0) * plane + p0, plane, width);
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
    int p0 = jb * NR;
    int inBase = j.inOff + (n * c.inChannels() + g * cinG) * c.inHeight() * c.inWidth();
    packColumns(c, j.in, inBase, p0, Math.min(NR, plane - p0), cinG, j.shared, task * k * NR,
        SCRATCH.get());
  }

  /**
   * im2col of {@code width} output positions from {@code p0}, zero beyond, as {@code [k][NR]}. The
   * positions fall into a few runs along output rows; for stride 1 each run is a contiguous piece
   * of an input row, copied at once with its out-of-image ends zeroed.
   */
  private static void packColumns(Conv2d c, float[] in, int inBase, int p0, int width, int cinG,
      float[] panel, int panelOff, Scratch scratch) {
    int h = c.inHeight();
    int w = c.inWidth();
    int ow = c.outWidth();
    int ks = c.kernel();
    int s = c.stride();
    int pad = c.padding();
    int d = c.dilation();
    if (ks == 1 && s == 1 && pad == 0 && width == NR) {
      for (int ic = 0; ic < cinG; ic++) {
        System.arraycopy(in, inBase + ic * h * w + p0, panel, panelOff + ic * NR, NR);
      }
      return;
    }
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
    for (int ic = 0, dst = panelOff; ic < cinG; ic++) {
      int chan = inBase + ic * h * w;
      for (int ky = 0; ky < ks; ky++) {
        for (int kx = 0; kx < ks; kx++, dst += NR) {
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
                System.arraycopy(in, row + ix0 + lo, panel, at + lo, hi - lo);
              }
              for (int q = hi; q < len; q++) {
                panel[at + q] = 0f;
              }
            } else {
              for (int q = 0; q < len; q++) {
                int ix = ix0 + q * s;
                panel[at + q] = ix >= 0 && ix < w ? in[row + ix] : 0f;
              }
            }
          }
          for (int q = width; q < NR; q++) {
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
  static void winograd(Parallel par, Conv2d c, int batch, float[] in, int inOff, float[] u,
      float[] bias, float[] res, int resOff, boolean relu, float[] out, int outOff) {
    ConvJob job = JOBS.get();
    job.winograd = true;
    job.c = c;
    job.w = u;
    job.bias = bias;
    job.relu = relu;
    int tiles = ((c.outHeight() + 1) / 2) * ((c.outWidth() + 1) / 2);
    job.run(par, batch, tiles, in, inOff, res, resOff, out, outOff);
  }

  private static void winogradTile(ConvJob j, int n, int jb, int mbFrom, int mbTo,
      Scratch s) {
    Conv2d c = j.c;
    int cin = c.inChannels();
    int cout = c.outChannels();
    int h = c.inHeight();
    int w = c.inWidth();
    int oh = c.outHeight();
    int ow = c.outWidth();
    int tilesX = (ow + 1) / 2;
    int tiles = ((oh + 1) / 2) * tilesX;
    int t0 = jb * NR;
    int width = Math.min(NR, tiles - t0);
    int stride = cin * NR;
    float[] v = s.panel(Winograd.XI * stride);
    if (width < NR) {
      for (int row = 0; row < Winograd.XI * cin; row++) {
        Arrays.fill(v, row * NR + width, row * NR + NR, 0f);
      }
    }
    for (int ic = 0; ic < cin; ic++) {
      Winograd.transformInput(j.in, j.inOff + (n * cin + ic) * h * w, h, w, c.padding(), tilesX,
          t0, width, v, ic * NR, stride, s.d);
    }
    float[] m = s.acc(Winograd.XI * MR * NR);
    int perXi = (cout + MR - 1) / MR * cin * MR;
    for (int mb = mbFrom; mb < mbTo; mb++) {
      for (int xi = 0; xi < Winograd.XI; xi++) {
        microKernel(j.w, xi * perXi + mb * cin * MR, v, xi * stride, s.packedRows(cin), 0, cin,
            m, xi * MR * NR);
      }
      int rows = Math.min(MR, cout - mb * MR);
      for (int r = 0; r < rows; r++) {
        int oc = mb * MR + r;
        float bias = j.bias == null ? 0f : j.bias[oc];
        int plane = (n * cout + oc) * oh * ow;
        for (int jj = 0; jj < width; jj++) {
          int tile = t0 + jj;
          int oy0 = tile / tilesX * 2;
          int ox0 = tile % tilesX * 2;
          Winograd.transformOutput(m, r * NR + jj, MR * NR, s.y);
          for (int a = 0; a < 2 && oy0 + a < oh; a++) {
            for (int b = 0; b < 2 && ox0 + b < ow; b++) {
              int at = plane + (oy0 + a) * ow + ox0 + b;
              float value = s.y[a * 2 + b] + bias;
              if (j.res != null) {
                value += j.res[j.resOff + at];
              }
              j.out[j.outOff + at] = j.relu ? Math.max(value, 0f) : value;
            }
          }
        }
      }
    }
  }

  /**
   * {@code MR x NR} products over reduction indices {@code [k0, k1)} into {@code tile}, row
   * {@code i} of the columns starting at {@code b[bOff + rows[i]]}: twelve
   * accumulators (six rows, two vectors of columns) that stay in registers. Kept this small
   * on purpose: the JIT must inline every Vector API call here, or the vectors are boxed.
   */
  private static void microKernel(float[] a, int aOff, float[] b, int bOff, int[] rows, int k0,
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
    FloatVector zero = FloatVector.zero(S);
    for (int r = 0; r < rows; r++) {
      int at = outBase + r * plane;
      float bias = j.bias == null ? 0f : j.bias[m0 + r];
      if (width == NR) {
        for (int half = 0; half < NR; half += L) {
          FloatVector v = FloatVector.fromArray(S, tile, r * NR + half).add(bias);
          if (j.res != null) {
            v = v.add(FloatVector.fromArray(S, j.res, j.resOff + at + half));
          }
          if (j.relu) {
            v = v.max(zero);
          }
          v.intoArray(j.out, j.outOff + at + half);
        }
      } else {
        for (int i = 0; i < width; i++) {
          float v = tile[r * NR + i] + bias;
          if (j.res != null) {
            v += j.res[j.resOff + at + i];
          }
          j.out[j.outOff + at + i] = j.relu ? Math.max(v, 0f) : v;
        }
      }
    }
  }
}
