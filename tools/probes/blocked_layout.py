#!/usr/bin/python3
"""Times convolutions over activations blocked by channels, the layout resnetc does not use yet.

A probe for docs/PERFORMANCE.md ("Next steps"), not part of the product: it writes a Java class
with two micro-kernels, compiles it with javac, and times ResNet-50's convolution shapes alone
(batch 1, one thread, bias + residual + ReLU, the residual read from and written to the output),
in alternating rounds with resnetc's own kernel for the shape (Kernels.conv2d with the algorithm
the compiler gives it on AVX-512: DIRECT, CHANNELS or WINOGRAD_4X4), from runtime/target/classes
(build it first: mvn -q -pl runtime -am install -DskipTests).

The activations are [C/16][H][W][16] (16 floats: one AVX-512 vector of channels). A kernel call
computes 14 output positions x 32 output channels (28 accumulators): for each input channel it
loads 32 weights as two vectors and broadcasts the 14 positions' values, which lie 16 floats
apart, read in place. Its epilogue adds bias and residual and writes the two channel blocks'
14 positions as 14 whole vectors each, contiguous: no packing, no transposition. Weights are
[cout/32][cin][32] for 1x1, [cout/32][cin/16][tap][16][32] for 3x3; the 3x3 input is already
padded (its padding is not timed). Loop order: output-channel blocks outside, position blocks
inside, so a weight panel stays in L1 while every position block passes over it.

Usage: /usr/bin/python3 tools/probes/blocked_layout.py [--rounds 10]
Needs a JDK 17 (javac, java) on the PATH and a CPU whose preferred vectors hold 16 floats.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROWS = 14
RUNTIME = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime", "target",
                       "classes")

# (kernel, cin, size, cout, resnetc's algorithm for it)
SHAPES = [(1, 64, 56, 256, "DIRECT"), (1, 256, 56, 64, "DIRECT"), (1, 128, 28, 512, "DIRECT"),
          (1, 512, 28, 128, "DIRECT"), (1, 256, 14, 1024, "CHANNELS"),
          (1, 1024, 14, 256, "CHANNELS"), (1, 512, 7, 2048, "CHANNELS"),
          (1, 2048, 7, 512, "CHANNELS"), (3, 64, 56, 64, "WINOGRAD_4X4"),
          (3, 128, 28, 128, "WINOGRAD_4X4"), (3, 256, 14, 256, "CHANNELS"),
          (3, 512, 7, 512, "CHANNELS")]


def products(k, a_index):
    """The body of one reduction step: two weight vectors, 14 broadcasts, 28 FMAs."""
    s = [f"{k}FloatVector b0 = FloatVector.fromArray(S, w, wi);",
         f"{k}FloatVector b1 = FloatVector.fromArray(S, w, wi + 16);"]
    for r in range(ROWS):
        s.append(f"{k}FloatVector x{r} = FloatVector.broadcast(S, a[{a_index(r)}]);")
        s.append(f"{k}c{r}0 = x{r}.fma(b0, c{r}0);")
        s.append(f"{k}c{r}1 = x{r}.fma(b1, c{r}1);")
    return s


def epilogue():
    s = ["    FloatVector bb0 = FloatVector.fromArray(S, bias, m0);",
         "    FloatVector bb1 = FloatVector.fromArray(S, bias, m0 + 16);",
         "    FloatVector floor = FloatVector.zero(S);"]
    for r in range(ROWS):
        for h in range(2):
            o = f"o + {h} * hw16 + {r * 16}"
            s.append(f"    c{r}{h}.add(bb{h}).add(FloatVector.fromArray(S, out, {o}))"
                     f".max(floor).intoArray(out, {o});")
    return s


def kernel(name, params, loops, closing, a_index):
    s = [f"  static void {name}(float[] a, {params}, float[] w, int wi, int cin, float[] bias,"
         " int m0, float[] out, int o, int hw16) {",
         "    FloatVector z = FloatVector.zero(S);"]
    s += [f"    FloatVector c{r}{h} = z;" for r in range(ROWS) for h in range(2)]
    s += loops
    s += products(" " * (2 * len(loops) + 4), a_index)
    s += closing
    s += epilogue()
    s.append("  }")
    return s


def java_source():
    s = ["import dev.resnetc.runtime.*;", "import jdk.incubator.vector.*;", "",
         "public class Blocked {",
         "  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;"]
    s += kernel("pointwise", "int first, int hwIn16",
                ["    for (int kb = 0; kb < cin; kb += 16) {",
                 "      int ab = first + (kb >> 4) * hwIn16;",
                 "      for (int kk = 0; kk < 16; kk++, wi += 32) {",
                 "        int ai = ab + kk;"],
                ["      }", "    }"], lambda r: f"ai + {r * 16}")
    s += kernel("threeByThree", "int first, int second, int plane16, int row16",
                ["    for (int kb = 0; kb < cin; kb += 16) {",
                 "      for (int tap = 0; tap < 9; tap++) {",
                 "        int off = (kb >> 4) * plane16 + tap / 3 * row16 + tap % 3 * 16;",
                 "        for (int kk = 0; kk < 16; kk++, wi += 32) {",
                 "          int a0 = first + off + kk;",
                 "          int a1 = second + off + kk;"],
                ["        }", "      }", "    }"],
                lambda r: f"a0 + {r * 16}" if r < 7 else f"a1 + {(r - 7) * 16}")
    s.append(MAIN)
    s.append("}")
    return "\n".join(s) + "\n"


MAIN = r"""
  public static void main(String[] args) {
    int rounds = Integer.parseInt(args[0]);
    for (int i = 1; i < args.length; i++) {
      String[] f = args[i].split(",");
      time(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
          Integer.parseInt(f[3]), ConvWeights.Algorithm.valueOf(f[4]), rounds);
    }
  }

  static void time(int kernel, int cin, int hw, int cout, ConvWeights.Algorithm algorithm,
      int rounds) {
    int plane = hw * hw;
    int blocks = (plane + 13) / 14; // the last block of a 7x7 image holds 7 positions
    int hw16 = blocks * 14 * 16;    // a channel block, with room for that block's other 7
    int wp = hw + 2;
    int inBlock = kernel == 1 ? hw16 : (wp + 3) * wp * 16; // rows past the last block's
    float[] in = new float[cin / 16 * inBlock + 64];
    float[] out = new float[cout / 16 * hw16 + 64];
    float[] w = new float[cin * cout * kernel * kernel];
    float[] bias = new float[cout];
    java.util.Random r = new java.util.Random(1);
    for (int i = 0; i < in.length; i++) in[i] = r.nextFloat();
    for (int i = 0; i < w.length; i++) w[i] = (r.nextFloat() - 0.5f) * 1e-3f;
    Conv2d conv = new Conv2d(cin, hw, hw, cout, kernel, 1, kernel / 2, 1, 1);
    float[] nchwIn = new float[cin * plane];
    float[] nchwOut = new float[cout * plane];
    System.arraycopy(in, 0, nchwIn, 0, nchwIn.length);
    ConvWeights prepared = Kernels.prepare(conv, w, algorithm);
    Parallel one = Parallel.of(1);
    double[] ms = new double[rounds];
    double[] current = new double[rounds];
    int calls = Math.max(5, (int) (2e9 / (2.0 * cin * cout * kernel * kernel * plane)));
    for (int round = -3; round < rounds; round++) { // three rounds of warm-up
      java.util.Arrays.fill(out, 0f);
      long t0 = System.nanoTime();
      for (int c = 0; c < calls; c++) {
        for (int cb = 0; cb < cout / 32; cb++) {
          int wi = cb * cin * kernel * kernel * 32;
          for (int pb = 0; pb < blocks; pb++) {
            int p = pb * 14;
            int o = cb * 2 * hw16 + p * 16;
            if (kernel == 1) {
              pointwise(in, p * 16, hw16, w, wi, cin, bias, cb * 32, out, o, hw16);
            } else {
              int q = p + 7;
              threeByThree(in, (p / hw * wp + p % hw) * 16, (q / hw * wp + q % hw) * 16,
                  wp * wp * 16, wp * 16, w, wi, cin, bias, cb * 32, out, o, hw16);
            }
          }
        }
      }
      long t1 = System.nanoTime();
      java.util.Arrays.fill(nchwOut, 0f);
      long t2 = System.nanoTime();
      for (int c = 0; c < calls; c++) {
        Kernels.conv2d(one, conv, 1, nchwIn, 0, prepared, bias, nchwOut, 0, true, nchwOut, 0);
      }
      long t3 = System.nanoTime();
      if (round >= 0) {
        ms[round] = (t1 - t0) / 1e6 / calls;
        current[round] = (t3 - t2) / 1e6 / calls;
      }
    }
    java.util.Arrays.sort(ms);
    java.util.Arrays.sort(current);
    double median = ms[rounds / 2];
    double now = current[rounds / 2];
    System.out.printf("| %dx%d %d->%d @%d | %s | %.3f | %.3f | %.0f | %.2f |%n", kernel, kernel,
        cin, cout, hw, algorithm, now, median,
        2.0 * cin * cout * kernel * kernel * plane / median / 1e6, median / now);
  }
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "Blocked.java"), "w") as f:
            f.write(java_source())
        subprocess.run(["javac", "--add-modules", "jdk.incubator.vector", "-cp", RUNTIME, "-d",
                        tmp, os.path.join(tmp, "Blocked.java")], check=True,
                       stderr=subprocess.DEVNULL)
        shapes = [",".join(str(v) for v in shape) for shape in SHAPES]
        print("| convolution | resnetc's algorithm | resnetc ms | blocked ms | blocked GFLOP/s"
              " | blocked / resnetc |")
        print("|---|---|---:|---:|---:|---:|")
        sys.stdout.flush()
        subprocess.run(["java", "--add-modules", "jdk.incubator.vector", "-cp",
                        tmp + os.pathsep + RUNTIME, "Blocked",
                        str(args.rounds)] + shapes, check=True, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
