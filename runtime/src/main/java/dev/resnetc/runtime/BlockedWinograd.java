package dev.resnetc.runtime;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd's F(4x4, 3x3) and F(2x2, 3x3) over activations blocked by channels
 * ({@link Layout#BLOCKED}), with AVX-512's 16-float vectors. In this layout the 16 channels of a
 * position are one vector, so both tile transforms run on whole vectors of channels and need no
 * transposition: the input transform {@code V = B^T d B} turns each 6 x 6 (or 4 x 4) tile of a
 * channel block into 36 (16) vectors, one per transformed position {@code xi}, stored as that
 * many blocked "images" whose positions are the tiles ({@code [xi][cin/16][tile][16]}); each
 * {@code xi}'s products, summed over input channels, are then a 1x1 convolution of that image,
 * which {@link BlockedConv}'s 14 x 32 micro-kernel computes for 14 tiles and 32 output channels
 * at a time; and the output transform {@code A^T M A} of those tiles of products writes 16 (4)
 * output vectors per tile and channel block, with the bias, the residual and ReLU on the way. The
 * weights are {@link Winograd#transformWeights} packed in panels of 32 output channels.
 *
 * <p>F(2x2) is for small images, as ResNet's 7x7: there F(4x4)'s four tiles an image are mostly
 * padding and its weights, four times the layer's, are read from memory once a call for four
 * tiles; F(2x2)'s 16 tiles an image read weights 16/9 the layer's, and multiply 1.7 times less
 * than the direct kernel.
 *
 * <p>A call runs in two parallel phases: the input transform, by strips of 14 tiles and input
 * channel blocks; then, by strips and groups of 32-channel output blocks, the products and the
 * output transform. Large batches are taken a few images at a time, so that the transformed
 * input stays near {@link #TRANSFORMED_BYTES}.
 */
final class BlockedWinograd {
  private BlockedWinograd() {}

  private static final VectorSpecies<Float> S = VectorKernels.S;
  private static final int L = Layout.BLOCK;
  private static final int NR = 2 * L;
  /** The transformed positions {@code (m+2)^2} of the larger tile, which the scratch holds. */
  private static final int XIS = Winograd.positions(4);
  /** Tiles a micro-kernel call computes: two halves of {@link BlockedConv#HALF}, or 8. */
  static final int STRIP = 2 * BlockedConv.HALF;
  static final int SHORT_STRIP = 8;
  /** Bytes of transformed input made at once. */
  static final long TRANSFORMED_BYTES = 4 << 20;

  /** Whether this kernel computes {@code c}: Winograd applies, and input and output are blocked. */
  static boolean applies(Conv2d c) {
    return Winograd.applies(c) && Layout.BLOCKED.blocks(c.inChannels())
        && Layout.BLOCKED.blocks(c.outChannels());
  }

  /**
   * {@code U = G g G^T} of F(m x m, 3x3), packed as {@code [cout/32][xi][cin][32]} for the
   * micro-kernel: a task's output block reads its weights in one run.
   */
  static float[] transformWeights(Conv2d c, float[] w, int m) {
    return Winograd.transformWeights(c, w, m, NR, true);
  }

  private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** Drops this thread's job and scratch ({@link VectorKernels}'s warm-up). */
  static void forgetBuffers() {
    JOBS.remove();
    SCRATCH.remove();
  }

  /** A thread's tiles between the steps of a transform. */
  private static final class Scratch {
    /** An input tile at an image edge, zero outside it: up to 6 x 6 positions. */
    final float[] patch = new float[XIS * L];
    /** {@code B^T d} or {@code A^T M}, between a transform's columns and its rows. */
    final float[] half = new float[XIS * L];
    /** A strip's products for one output block: {@code [xi][tile][32]}. */
    final float[] products = new float[XIS * STRIP * NR];
  }

  /** The arguments and geometry of one call, reused by each calling thread. */
  private static final class Job extends VectorKernels.KernelCall {
    Conv2d c;
    /** F(m x m, 3x3): the output tile's side, the input tile's ({@code m + 2}), its positions. */
    int m;
    int side;
    int xis;
    boolean transforming;
    int tilesX;
    int tilesY;
    int tilesPerImage;
    int inBlocks;
    int outBlocks;
    /** Tiles of the images being computed, their strips, and the floats of one {@code xi}. */
    int tiles;
    int strip;
    int strips;
    int xiStride;
    int chunkStrips;
    int blocksPerTask;
    int groups;
    float[] v = new float[0];
    /** Per input channel: its offset in a transformed image from its tile's block. */
    int[] rows = new int[0];

    void set(Conv2d c, int m) {
      this.c = c;
      this.m = m;
      side = m + 2;
      xis = side * side;
      tilesX = (c.outWidth() + m - 1) / m;
      tilesY = (c.outHeight() + m - 1) / m;
      tilesPerImage = tilesX * tilesY;
      inBlocks = c.inChannels() / L;
      outBlocks = (c.outChannels() + NR - 1) / NR;
    }

    /** Images transformed at once, about {@link #TRANSFORMED_BYTES}. */
    int imagesAtOnce(int batch) {
      long image = (long) xis * c.inChannels() * tilesPerImage * Float.BYTES;
      return (int) Math.max(1, Math.min(batch, TRANSFORMED_BYTES / image));
    }

    void setBatch(int batch, int threads) {
      tiles = batch * tilesPerImage;
      strip = stripFor(tiles);
      strips = (tiles + strip - 1) / strip;
      long stripBytes = (long) xis * c.inChannels() * strip * Float.BYTES;
      chunkStrips = (int) Math.max(1, BlockedConv.CHUNK_BYTES / stripBytes);
      long stride = (long) inBlocks * tiles * L;
      // the last strip's kernel reads up to a strip past the last tile
      long floats = xis * stride + STRIP * L;
      if (floats > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("transformed input of " + c + " exceeds an array");
      }
      xiStride = (int) stride;
      if (v.length < floats) {
        v = new float[(int) floats];
      }
      int cin = c.inChannels();
      if (rows.length < cin) {
        rows = new int[cin];
      }
      for (int ci = 0; ci < cin; ci++) {
        rows[ci] = ci / L * tiles * L + ci % L;
      }
      int chunks = chunks();
      int want = Math.min(outBlocks,
          Math.max(1, (VectorKernels.TASKS_PER_THREAD * threads + chunks - 1) / chunks));
      blocksPerTask = threads == 1 ? outBlocks : (outBlocks + want - 1) / want;
      groups = (outBlocks + blocksPerTask - 1) / blocksPerTask;
    }

    int chunks() {
      return (strips + chunkStrips - 1) / chunkStrips;
    }

    @Override
    public void run(int task, int worker) {
      if (transforming) {
        input(this, task / inBlocks, task % inBlocks, SCRATCH.get());
      } else {
        compute(this, task / groups, task % groups, SCRATCH.get());
      }
    }
  }

  /**
   * {@code out = relu?(conv(in) + bias + residual)} by F(m x m, 3x3), {@code m} 2 or 4, with
   * {@code in}, {@code out} and {@code residual} blocked and {@code transformed} from
   * {@link #transformWeights} for the same {@code m}.
   */
  static void conv(Parallel par, Conv2d c, int m, int batch, float[] in, int inOff,
      float[] transformed, float[] bias, float[] res, int resOff, boolean relu, float[] out,
      int outOff) {
    if (!applies(c) || (m != 2 && m != 4)) {
      throw new IllegalArgumentException("blocked Winograd F(" + m + "x" + m + ") does not apply"
          + " to " + c);
    }
    Job j = JOBS.get();
    j.set(c, m);
    int images = j.imagesAtOnce(batch);
    j.w = transformed;
    j.bias = bias != null ? bias : j.zeroBias(c.outChannels());
    j.res = res;
    j.relu = relu;
    j.out = out;
    j.in = in;
    try {
      for (int n0 = 0; n0 < batch; n0 += images) {
        int count = Math.min(images, batch - n0);
        j.setBatch(count, par.threads());
        j.inOff = inOff + n0 * c.inSize();
        j.resOff = resOff + n0 * c.outSize();
        j.outOff = outOff + n0 * c.outSize();
        j.transforming = true;
        par.run(j.strips * j.inBlocks, j);
        j.transforming = false;
        par.run(j.chunks() * j.groups, j);
      }
    } finally {
      j.transforming = false;
      j.release();
    }
  }

  /** {@code V = B^T d B} of the tiles of strip {@code st} in input channel block {@code cb}. */
  private static void input(Job j, int st, int cb, Scratch s) {
    for (int tg = st * j.strip, end = Math.min(j.tiles, tg + j.strip); tg < end; tg++) {
      inputTile(j, tg, cb, s);
    }
  }

  /**
   * {@code V = B^T d B} of tile {@code tg} in channel block {@code cb}, an {@code n x n} tile
   * {@code m} positions from the last. A method of its own, as
   * {@link #outputTile} is, so that the warm-up's calls get C2 to compile it: as the body of
   * {@link #input}'s loop, the first forward had C2 compile it again for that loop alone (60-110
   * ms of C2's time in a fresh JVM, ahead of the kernels the forward waited for).
   */
  private static void inputTile(Job j, int tg, int cb, Scratch s) {
    Conv2d c = j.c;
    int h = c.inHeight(), w = c.inWidth(), p = c.padding();
    float[] in = j.in, half = s.half;
    int n = tg / j.tilesPerImage, t = tg % j.tilesPerImage;
    int m = j.m, size = j.side;
    int y0 = t / j.tilesX * m - p, x0 = t % j.tilesX * m - p;
    int block = j.inOff + (n * j.inBlocks + cb) * h * w * L;
    float[] src = in;
    int from = block + (y0 * w + x0) * L, step = w * L;
    if (y0 < 0 || x0 < 0 || y0 + size > h || x0 + size > w) {
      edgePatch(in, block, h, w, y0, x0, size, s.patch);
      src = s.patch;
      from = 0;
      step = size * L;
    }
    int at = (cb * j.tiles + tg) * L;
    if (m == 4) {
      for (int q = 0; q < 6; q++) { // B^T d down the six rows of column q
        VectorKernels.bt4(src, from + q * L, step, half, q * L, 6 * L);
      }
      for (int i = 0; i < 6; i++) { // then across the six columns of row i
        VectorKernels.bt4(half, i * 6 * L, L, j.v, at + 6 * i * j.xiStride, j.xiStride);
      }
    } else {
      for (int q = 0; q < 4; q++) {
        bt2(src, from + q * L, step, half, q * L, 4 * L);
      }
      for (int i = 0; i < 4; i++) {
        bt2(half, i * 4 * L, L, j.v, at + 4 * i * j.xiStride, j.xiStride);
      }
    }
  }

  /**
   * {@code B^T d} of F(2x2, 3x3) for four vectors {@code d_i = src[from + i * step]}: four
   * results, at {@code dst[off + i * stride]}.
   */
  private static void bt2(float[] src, int from, int step, float[] dst, int off, int stride) {
    FloatVector d0 = FloatVector.fromArray(S, src, from);
    FloatVector d1 = FloatVector.fromArray(S, src, from + step);
    FloatVector d2 = FloatVector.fromArray(S, src, from + 2 * step);
    FloatVector d3 = FloatVector.fromArray(S, src, from + 3 * step);
    d0.sub(d2).intoArray(dst, off);
    d1.add(d2).intoArray(dst, off + stride);
    d2.sub(d1).intoArray(dst, off + 2 * stride);
    d1.sub(d3).intoArray(dst, off + 3 * stride);
  }

  /**
   * The {@code size x size} positions from {@code (y0, x0)} of a channel block, zero outside the
   * image.
   */
  private static void edgePatch(float[] in, int block, int h, int w, int y0, int x0, int size,
      float[] patch) {
    for (int i = 0; i < size; i++) {
      int y = y0 + i;
      int first = Math.max(0, -x0), last = Math.min(size, w - x0);
      if (y < 0 || y >= h || first >= last) {
        Arrays.fill(patch, i * size * L, (i + 1) * size * L, 0f);
        continue;
      }
      Arrays.fill(patch, i * size * L, (i * size + first) * L, 0f);
      System.arraycopy(in, block + (y * w + x0 + first) * L, patch, (i * size + first) * L,
          (last - first) * L);
      Arrays.fill(patch, (i * size + last) * L, (i + 1) * size * L, 0f);
    }
  }

  /**
   * The strips of {@code chunk} over the output blocks of {@code group}: for each block, every
   * strip runs over the block's 36 (or 16) weight panels, which stay in L2 meanwhile.
   */
  private static void compute(Job j, int chunk, int group, Scratch s) {
    int cin = j.c.inChannels();
    int s0 = chunk * j.chunkStrips, s1 = Math.min(j.strips, s0 + j.chunkStrips);
    int ob0 = group * j.blocksPerTask, ob1 = Math.min(j.outBlocks, ob0 + j.blocksPerTask);
    float[] products = s.products;
    for (int ob = ob0; ob < ob1; ob++) {
      for (int st = s0; st < s1; st++) {
        // strips of 8, and a last strip of 14 with at most 7 tiles (49 at 28x28 and batch 1:
        // 3 strips of 14 and 7), whose eighth row reads past the last tile into the room left
        boolean eight = j.strip == SHORT_STRIP || st * j.strip + BlockedConv.HALF >= j.tiles;
        for (int xi = 0; xi < j.xis; xi++) {
          int first = xi * j.xiStride + st * j.strip * L;
          int weights = (ob * j.xis + xi) * cin * NR;
          if (eight) {
            kernel8(j.v, first, j.rows, j.w, weights, cin, products, xi * j.strip * NR);
          } else {
            BlockedConv.kernel(j.v, first, first + BlockedConv.HALF * L, j.rows, j.w, weights, 0,
                cin, products, xi * STRIP * NR);
          }
        }
        output(j, st, ob, s);
      }
    }
  }

  /**
   * Tiles a kernel call takes for {@code tiles} tiles: 14, unless strips of 8 leave fewer tiles
   * empty. Alone (`bench/run.sh kernels`, two runs each, one thread), strips of 8 took ResNet's
   * 3x3 layers at 14x14 (16 tiles) 0.94-1.09 ms instead of 1.45-1.54, and ran those at 56x56 and
   * 28x28 (196 and 49 tiles) at 0.85-1.23 times the time of strips of 14, within the noise.
   */
  static int stripFor(int tiles) {
    long empty14 = (tiles + STRIP - 1) / STRIP * STRIP - tiles;
    long empty8 = (tiles + SHORT_STRIP - 1) / SHORT_STRIP * SHORT_STRIP - tiles;
    return empty8 < empty14 ? SHORT_STRIP : STRIP;
  }

  /**
   * The 8 x 32 micro-kernel: rows are the 8 tiles from {@code first + rows[i]}, 16 floats apart;
   * the column vectors 32 output channels of the weights, {@code [k][NR]} from {@code bOff}.
   */
  static void kernel8(float[] a, int first, int[] rows, float[] b, int bOff, int k,
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
    FloatVector c60 = c00;
    FloatVector c61 = c00;
    FloatVector c70 = c00;
    FloatVector c71 = c00;
    for (int i = 0, bi = bOff; i < k; i++, bi += NR) {
      int a0 = first + rows[i];
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[a0]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a0 + 16]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a0 + 32]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a0 + 48]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[a0 + 64]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[a0 + 80]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, a[a0 + 96]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, a[a0 + 112]);
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

  /** {@code Y = A^T M A} of strip {@code st}'s products for output block {@code ob}, stored. */
  private static void output(Job j, int st, int ob, Scratch s) {
    int vectors = Math.min(2, (j.c.outChannels() - ob * NR) / L);
    for (int r = 0, tg = st * j.strip; r < j.strip && tg < j.tiles; r++, tg++) {
      outputTile(j, r, tg, ob, vectors, s);
    }
  }

  /** {@code Y = A^T M A} of tile {@code tg}, the strip's {@code r}-th, output block {@code ob}. */
  private static void outputTile(Job j, int r, int tg, int ob, int vectors, Scratch s) {
    Conv2d c = j.c;
    int oh = c.outHeight(), ow = c.outWidth(), plane = oh * ow;
    float[] products = s.products, half = s.half;
    int strip = j.strip;
    int n = tg / j.tilesPerImage, t = tg % j.tilesPerImage;
    int m = j.m, size = j.side;
    int y0 = t / j.tilesX * m, x0 = t % j.tilesX * m;
    int rowsLeft = Math.min(m, oh - y0), colsLeft = Math.min(m, ow - x0);
    for (int hv = 0; hv < vectors; hv++) {
      int from = r * NR + hv * L;
      for (int q = 0; q < size; q++) { // A^T m down the rows of column q
        if (m == 4) {
          VectorKernels.at4(products, from + q * strip * NR, 6 * strip * NR, 0f, half, q * L,
              6 * L);
        } else {
          VectorKernels.at2(products, from + q * strip * NR, 4 * strip * NR, 0f, half, q * L,
              4 * L);
        }
      }
      int channelBlock = 2 * ob + hv;
      int at = (n * c.outChannels() / L + channelBlock) * plane * L + (y0 * ow + x0) * L;
      for (int a = 0; a < rowsLeft; a++) { // then across the columns of each output row
        if (m == 4) {
          store(j, half, a * 6 * L, channelBlock, at + a * ow * L, colsLeft);
        } else {
          store2(j, half, a * 4 * L, channelBlock, at + a * ow * L, colsLeft);
        }
      }
    }
  }

  /**
   * {@code A^T m} of F(4x4, 3x3) across six vectors {@code m_i = half[from + i * 16]}, plus the
   * bias of {@code channelBlock}, the residual and ReLU, stored at {@code at} and the next
   * {@code cols - 1} positions of the output row. No vector comes in as an argument: where C2
   * did not inline this method (when {@link #outputTile} took F(2x2) too), a vector argument was
   * of no exact class in its code, which then ran the Vector API boxed, for good (500 KB
   * allocated a resnet20 call).
   */
  private static void store(Job j, float[] half, int from, int channelBlock, int at, int cols) {
    FloatVector bias = FloatVector.fromArray(S, j.bias, channelBlock * L);
    FloatVector m0 = FloatVector.fromArray(S, half, from);
    FloatVector m1 = FloatVector.fromArray(S, half, from + L);
    FloatVector m2 = FloatVector.fromArray(S, half, from + 2 * L);
    FloatVector m3 = FloatVector.fromArray(S, half, from + 3 * L);
    FloatVector m4 = FloatVector.fromArray(S, half, from + 4 * L);
    FloatVector m5 = FloatVector.fromArray(S, half, from + 5 * L);
    FloatVector s12 = m1.add(m2);
    FloatVector d12 = m1.sub(m2);
    FloatVector s34 = m3.add(m4);
    FloatVector d34 = m3.sub(m4);
    FloatVector floor = FloatVector.broadcast(S, j.relu ? 0f : Float.NEGATIVE_INFINITY);
    float[] res = j.res; // locals: C2 reloads fields after vector stores
    float[] out = j.out;
    int outAt = j.outOff + at, resAt = j.resOff + at;
    for (int b = 0; b < cols; b++) {
      FloatVector y = b == 0 ? m0.add(s12).add(s34)
          : b == 1 ? d12.add(d34.mul(2f))
          : b == 2 ? s12.add(s34.mul(4f))
          : d12.add(d34.mul(8f)).add(m5);
      y = y.add(bias);
      if (res != null) {
        y = y.add(FloatVector.fromArray(S, res, resAt + b * L));
      }
      y.max(floor).intoArray(out, outAt + b * L);
    }
  }

  /** {@link #store} for F(2x2, 3x3): {@code A^T m} across four vectors, two outputs. */
  private static void store2(Job j, float[] half, int from, int channelBlock, int at,
      int cols) {
    FloatVector bias = FloatVector.fromArray(S, j.bias, channelBlock * L);
    FloatVector m0 = FloatVector.fromArray(S, half, from);
    FloatVector m1 = FloatVector.fromArray(S, half, from + L);
    FloatVector m2 = FloatVector.fromArray(S, half, from + 2 * L);
    FloatVector m3 = FloatVector.fromArray(S, half, from + 3 * L);
    FloatVector floor = FloatVector.broadcast(S, j.relu ? 0f : Float.NEGATIVE_INFINITY);
    float[] res = j.res;
    float[] out = j.out;
    int outAt = j.outOff + at, resAt = j.resOff + at;
    for (int b = 0; b < cols; b++) {
      FloatVector y = (b == 0 ? m0.add(m1).add(m2) : m1.sub(m2).sub(m3)).add(bias);
      if (res != null) {
        y = y.add(FloatVector.fromArray(S, res, resAt + b * L));
      }
      y.max(floor).intoArray(out, outAt + b * L);
    }
  }
}
