import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Whether plain Java loops that C2 vectorizes by itself could run a fresh JVM's first forward
 * while the Vector API kernels are still being compiled (docs/PERFORMANCE.md, twenty-fifth
 * session): ResNet-18's convolutions (random weights, batch 1, one thread, ReLU), each as im2col
 * chunks of 256 positions and row updates over four reduction indices at a time. JDK 17's
 * SuperWord vectorizes such a loop only when every array in it is indexed by the same
 * expression (here {@code q}; {@code x[a + q]} next to {@code out[q]} stays scalar), hence a
 * row of its own per reduction index. Prints each forward's time and rate, and each layer's
 * time in the first two:
 * <pre>
 * javac -d /tmp/avc tools/probes/AutoVectorConv.java &amp;&amp; java -cp /tmp/avc AutoVectorConv 6
 * </pre>
 */
public final class AutoVectorConv {
  record Layer(int cin, int cout, int size, int kernel, int stride, int padding) {
    int outSize() {
      return (size + 2 * padding - kernel) / stride + 1;
    }
  }

  static final int CHUNK = 256;
  static final float[][] COLUMNS = new float[512 * 9][CHUNK];
  static final float[] ACC = new float[CHUNK];

  /** acc[q] += wa a[q] + wb b[q] + wc c[q] + wd d[q]: vectorized by C2. */
  static void update4(float[] acc, int n, float[] a, float[] b, float[] c, float[] d,
      float wa, float wb, float wc, float wd) {
    for (int q = 0; q < n; q++) {
      acc[q] += wa * a[q] + wb * b[q] + wc * c[q] + wd * d[q];
    }
  }

  static void update1(float[] acc, int n, float[] a, float wa) {
    for (int q = 0; q < n; q++) {
      acc[q] += wa * a[q];
    }
  }

  /** in [cin][size][size] to out [cout][outSize][outSize], then ReLU. */
  static void conv(Layer l, float[] in, float[] w, float[] out) {
    int h = l.size(), k = l.kernel(), s = l.stride(), p = l.padding(), oh = l.outSize();
    int n = oh * oh, taps = l.cin() * k * k;
    for (int q0 = 0; q0 < n; q0 += CHUNK) {
      int len = Math.min(CHUNK, n - q0);
      for (int c = 0, t = 0; c < l.cin(); c++) {
        for (int ky = 0; ky < k; ky++) {
          for (int kx = 0; kx < k; kx++, t++) {
            float[] column = COLUMNS[t];
            for (int j = 0; j < len; j++) {
              int oy = (q0 + j) / oh, ox = (q0 + j) % oh;
              int iy = oy * s + ky - p, ix = ox * s + kx - p;
              column[j] = iy >= 0 && iy < h && ix >= 0 && ix < h ? in[(c * h + iy) * h + ix] : 0f;
            }
          }
        }
      }
      for (int oc = 0; oc < l.cout(); oc++) {
        java.util.Arrays.fill(ACC, 0, len, 0f);
        int wb = oc * taps, t = 0;
        for (; t + 4 <= taps; t += 4) {
          update4(ACC, len, COLUMNS[t], COLUMNS[t + 1], COLUMNS[t + 2], COLUMNS[t + 3],
              w[wb + t], w[wb + t + 1], w[wb + t + 2], w[wb + t + 3]);
        }
        for (; t < taps; t++) {
          update1(ACC, len, COLUMNS[t], w[wb + t]);
        }
        for (int j = 0; j < len; j++) {
          out[oc * n + q0 + j] = Math.max(0f, ACC[j]);
        }
      }
    }
  }

  public static void main(String[] args) {
    List<Layer> layers = new ArrayList<>();
    layers.add(new Layer(3, 64, 224, 7, 2, 3));
    for (int i = 0; i < 4; i++) {
      layers.add(new Layer(64, 64, 56, 3, 1, 1));
    }
    int[] channels = {64, 128, 256, 512};
    for (int stage = 1, size = 56; stage < 4; stage++, size /= 2) {
      layers.add(new Layer(channels[stage - 1], channels[stage], size, 3, 2, 1));
      layers.add(new Layer(channels[stage - 1], channels[stage], size, 1, 2, 0));
      for (int i = 0; i < 3; i++) {
        layers.add(new Layer(channels[stage], channels[stage], size / 2, 3, 1, 1));
      }
    }
    Random random = new Random(1);
    List<float[]> weights = new ArrayList<>();
    double flops = 0;
    for (Layer l : layers) {
      float[] w = new float[l.cout() * l.cin() * l.kernel() * l.kernel()];
      for (int j = 0; j < w.length; j++) {
        w[j] = (random.nextFloat() - 0.5f) * 0.1f;
      }
      weights.add(w);
      flops += 2.0 * w.length * l.outSize() * l.outSize();
    }
    float[] in = new float[64 * 112 * 112], out = new float[64 * 112 * 112];
    for (int j = 0; j < 3 * 224 * 224; j++) {
      in[j] = random.nextFloat();
    }
    for (int f = 0; f < Integer.parseInt(args[0]); f++) {
      long start = System.nanoTime();
      StringBuilder each = new StringBuilder();
      for (int i = 0; i < layers.size(); i++) {
        long t = System.nanoTime();
        conv(layers.get(i), in, weights.get(i), out); // the input stays the image: times only
        each.append(String.format(" %.0f", (System.nanoTime() - t) / 1e6));
      }
      double ms = (System.nanoTime() - start) / 1e6;
      System.out.printf("forward %d: %.1f ms, %.1f GFLOP/s;%s%n", f, ms, flops / ms / 1e6,
          f < 2 ? " layers (ms)" + each : "");
    }
  }
}
