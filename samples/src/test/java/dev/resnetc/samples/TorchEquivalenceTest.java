package dev.resnetc.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.compiler.codegen.ClassCompiler;
import dev.resnetc.compiler.codegen.KernelPlan;
import dev.resnetc.runtime.ConvWeights;
import dev.resnetc.runtime.Kernels;
import dev.resnetc.runtime.Npy;
import dev.resnetc.runtime.Tensor;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated classes compute what PyTorch computes: each sample's twin in
 * {@code tools/reference/twins.py} (torchvision's own ResNets for the five ImageNet samples) is
 * given random weights and BatchNorm statistics, and the generated class, loading that state_dict
 * from a real safetensors file, must reproduce the twin's float64 output on a batch of 2 within
 * {@code max|y - y_torch| / max|y_torch| <= 1e-4}.
 *
 * <p>ResNet-20 and the residual MLP are committed under {@code src/test/resources/reference}, so
 * this runs without Python. The others are written to {@code target/reference} by
 * {@code /usr/bin/python3 tools/reference/make_reference.py} when Debian's python3-torch is
 * installed; without it they are skipped, except under {@code CI=true}, where that is a failure.
 */
class TorchEquivalenceTest {
  static final double TOLERANCE = 1e-4;
  private static final Path COMMITTED = Path.of("src/test/resources/reference");
  private static final Path GENERATED = Path.of("target/reference");
  private static final Path SCRIPT = Path.of("../tools/reference/make_reference.py");
  private static final String PYTHON = "/usr/bin/python3";
  private static Boolean torch;

  @TestFactory
  Stream<DynamicTest> generatedClassMatchesPyTorch() {
    return Samples.files().stream().map(f -> f.replace(".resnet", ""))
        .map(name -> DynamicTest.dynamicTest(name, () -> checkAgainstTorch(name)));
  }

  /**
   * Checks the first call, which may run the direct kernel where Winograd's weights are still
   * being transformed ({@code Kernels.prepareDeferred}), and a call once every transform is done.
   */
  private static void checkAgainstTorch(String name) throws Exception {
    Path dir = reference(name);
    Network net = Network.loadWithoutWaiting(Samples.load(name + ".resnet").compilation(),
        dir.resolve("weights.safetensors"));
    Tensor x = Npy.read(dir.resolve("input.npy"));
    Tensor expected = Npy.read(dir.resolve("expected.npy"));
    float[] first = net.forward(x.data());
    Kernels.awaitWarmUp();
    float[] y = net.forward(x.data());
    assertThat(y.length).isEqualTo(expected.data().length);
    double firstErr = GeneratedCodeTest.relativeError(first, expected.data());
    double err = GeneratedCodeTest.relativeError(y, expected.data());
    System.out.printf(Locale.ROOT, "%-16s batch %d  max|y - y_torch| / max|y_torch| = %.2e"
        + " (first call %.2e)%n", name, x.shape()[0], err, firstErr);
    assertWithMessage("%s vs PyTorch, first call", name).that(firstErr).isAtMost(TOLERANCE);
    assertWithMessage("%s vs PyTorch", name).that(err).isAtMost(TOLERANCE);
  }

  @Test
  void npzAndSafetensorsOfOneStateDictGiveTheSameOutput() throws Exception {
    for (String name : List.of("resnet20", "residual_mlp")) {
      Path dir = COMMITTED.resolve(name);
      Compilation c = Samples.load(name + ".resnet").compilation();
      float[] x = Npy.read(dir.resolve("input.npy")).data();
      float[] fromSafetensors = Network.load(c, dir.resolve("weights.safetensors")).forward(x);
      float[] fromNpz = Network.load(c, dir.resolve("weights.npz")).forward(x);
      assertThat(fromNpz).isEqualTo(fromSafetensors);
    }
  }

  @Test
  void aBatchOfEightGivesTheRowsOfEightSingleCalls() throws Exception {
    Network net = resnet20();
    float[] batch = random(8 * 3 * 32 * 32, 11);
    float[] together = net.forward(batch);
    int in = 3 * 32 * 32;
    for (int i = 0; i < 8; i++) {
      float[] alone = net.forward(Arrays.copyOfRange(batch, i * in, (i + 1) * in));
      assertWithMessage("row %s", i)
          .that(Arrays.copyOfRange(together, i * 10, (i + 1) * 10)).isEqualTo(alone);
    }
  }

  @Test
  void concurrentForwardCallsGiveTheSequentialResults() throws Exception {
    Network net = resnet20();
    int threads = 4;
    int callsPerThread = 6;
    List<float[]> inputs = new ArrayList<>();
    List<float[]> sequential = new ArrayList<>();
    for (int i = 0; i < threads * callsPerThread; i++) {
      inputs.add(random(2 * 3 * 32 * 32, 100 + i));
      sequential.add(net.forward(inputs.get(i)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<float[]>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t * callsPerThread;
        results.add(pool.submit(() -> {
          List<float[]> out = new ArrayList<>();
          for (int i = first; i < first + callsPerThread; i++) {
            out.add(net.forward(inputs.get(i)));
          }
          return out;
        }));
      }
      for (int t = 0; t < threads; t++) {
        List<float[]> out = results.get(t).get(5, TimeUnit.MINUTES);
        for (int i = 0; i < callsPerThread; i++) {
          assertThat(out.get(i)).isEqualTo(sequential.get(t * callsPerThread + i));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Loads the weights in a separate JVM whose heap is only a quarter larger than the weights it
   * keeps (plus 32 MB for the JVM itself): folding and packing replace arrays one at a time, so
   * loading needs little more heap than the weights. What it keeps is the weight file plus what
   * Winograd's transformed weights add (the compiler's figure for this JVM's vectors: with AVX2,
   * the 3x3 layers at 14x14 and 7x7 take Winograd too). The serial collector keeps G1's region
   * rounding of large arrays out of the measure. The generated class is compiled with the real
   * javac. Once the warm-up and its deferred transforms are over, the heap in use after a full
   * collection must be within 5% (plus 8 MB) of what it keeps.
   */
  @Test
  void loadingNeedsLittleMoreHeapThanTheWeights(@TempDir Path dir) throws Exception {
    String name = Files.isDirectory(GENERATED.resolve("resnet50")) ? "resnet50" : "resnet20";
    Path weights = reference(name).resolve("weights.safetensors").toAbsolutePath();
    Compilation c = Samples.load(name + ".resnet").compilation();
    ChildJvm jvm = new ChildJvm(dir, Resnetc.generate(c, "heap"), """
        package heap;
        public class Main {
          public static void main(String[] args) throws Exception {
            Object net = %s.load(java.nio.file.Path.of(args[0]));
            dev.resnetc.runtime.Kernels.awaitWarmUp(); // and Winograd's deferred transforms
            System.gc();
            Runtime rt = Runtime.getRuntime();
            System.out.println("loaded " + net.getClass().getSimpleName() + " heap_used="
                + (rt.totalMemory() - rt.freeMemory()));
          }
        }
        """.formatted(c.graph().name()));
    // with vectors narrower than 16 floats, the layers that would run CHANNELS take Winograd
    KernelPlan plan = KernelPlan.of(c);
    boolean wide = Kernels.channelsOr(ConvWeights.Algorithm.WINOGRAD_2X2)
        == ConvWeights.Algorithm.CHANNELS;
    long kept = Files.size(weights)
        + (wide ? plan.winogradExtraFloats() : plan.narrowWinogradExtraFloats()) * Float.BYTES;
    long heapMb = (kept + kept / 4 >> 20) + 32;
    ChildJvm.Result r = jvm.run("heap.Main", List.of("-XX:+UseSerialGC", "-Xmx" + heapMb + "m",
        "--add-modules", "jdk.incubator.vector"), weights.toString());
    System.out.printf(Locale.ROOT, "%s: %,d-byte weights (%,d bytes kept) loaded with -Xmx%dm: %s%n",
        name, Files.size(weights), kept, heapMb, r.output());
    assertWithMessage(r.output()).that(r.status()).isEqualTo(0);
    assertThat(r.output()).contains("loaded " + c.graph().name());
    // and once every deferred transform is done, it keeps no second copy of those layers (the
    // direct kernel's weights they ran on first: 37 MB more for ResNet-50 when they were kept)
    long used = (long) number(r.output(), "heap_used=");
    assertWithMessage(r.output()).that(used).isAtMost(kept + kept / 20 + (8 << 20));
  }

  /**
   * Generated code runs without the Vector API: in a JVM started without
   * {@code --add-modules jdk.incubator.vector}, and with {@code -Dresnetc.scalar=true}, it takes
   * the scalar kernels and still matches PyTorch.
   */
  @Test
  void scalarKernelsRunWhenTheVectorApiIsAbsentOrTurnedOff(@TempDir Path dir) throws Exception {
    ChildJvm jvm = resnet20InChildJvm(dir);
    for (List<String> flags : List.of(List.<String>of(),
        List.of("--add-modules", "jdk.incubator.vector", "-Dresnetc.scalar=true"),
        List.of("--add-modules", "jdk.incubator.vector"))) {
      String out = runResNet20(jvm, flags);
      System.out.println("resnet20 with " + flags + ": " + out);
      boolean vector = flags.size() == 2;
      assertThat(out).contains("vectorized=" + vector);
      assertWithMessage(out).that(number(out, "first=")).isAtMost(TOLERANCE);
      assertWithMessage(out).that(number(out, "later=")).isAtMost(TOLERANCE);
    }
  }

  /**
   * In a fresh JVM, where the warm-up runs while the network loads, the first call of ResNet-20
   * runs its Winograd layers (32 channels at 16x16, 64 at 8x8) on the blocked direct kernel, and
   * the calls after {@code Kernels.awaitWarmUp} run Winograd: both are PyTorch's output within
   * the tolerance, and in the blocked layout (AVX-512) they differ in their last digits, which
   * shows the switch was made; in NCHW nothing is deferred and they are equal.
   */
  @Test
  void aFreshJvmsFirstCallRunsTheDirectKernelUntilWinogradsWeightsAreReady(@TempDir Path dir)
      throws Exception {
    String out = runResNet20(resnet20InChildJvm(dir), List.of("--add-modules",
        "jdk.incubator.vector"));
    System.out.println("resnet20 in a fresh JVM: " + out);
    boolean blocked = out.contains("blocked=true");
    assertThat(out).contains("equal=" + !blocked);
    assertWithMessage(out).that(number(out, "first=")).isAtMost(TOLERANCE);
    assertWithMessage(out).that(number(out, "later=")).isAtMost(TOLERANCE);
  }

  /**
   * The generated ResNet-20 and a program that loads the committed weights, calls it once, waits
   * for the warm-up, calls it again, and prints whether the Vector API ran, whether the layout
   * is blocked, whether the two calls' outputs are equal, and each call's error against PyTorch.
   */
  private static ChildJvm resnet20InChildJvm(Path dir) throws Exception {
    Compilation c = Samples.load("resnet20.resnet").compilation();
    return new ChildJvm(dir, Resnetc.generate(c, "child"), """
        package child;
        import dev.resnetc.runtime.Kernels;
        import dev.resnetc.runtime.Layout;
        import dev.resnetc.runtime.Npy;
        import java.nio.file.Path;
        import java.util.Arrays;
        public class Main {
          public static void main(String[] args) throws Exception {
            ResNet20 net = ResNet20.load(Path.of(args[0], "weights.safetensors"));
            float[] x = Npy.read(Path.of(args[0], "input.npy")).data();
            float[] first = net.forward(x);
            Kernels.awaitWarmUp();
            float[] later = net.forward(x);
            float[] e = Npy.read(Path.of(args[0], "expected.npy")).data();
            System.out.println("vectorized=" + Kernels.VECTORIZED
                + " blocked=" + (Kernels.VECTORIZED && Layout.preferred() == Layout.BLOCKED)
                + " equal=" + Arrays.equals(first, later)
                + " first=" + error(first, e) + " later=" + error(later, e));
          }
          static double error(float[] y, float[] e) {
            double diff = 0;
            double max = 0;
            for (int i = 0; i < y.length; i++) {
              diff = Math.max(diff, Math.abs(y[i] - e[i]));
              max = Math.max(max, Math.abs(e[i]));
            }
            return diff / max;
          }
        }
        """);
  }

  /** Runs {@link #resnet20InChildJvm}'s program with {@code flags}; its output if it ended well. */
  private static String runResNet20(ChildJvm jvm, List<String> flags) throws Exception {
    ChildJvm.Result r = jvm.run("child.Main", flags,
        COMMITTED.resolve("resnet20").toAbsolutePath().toString());
    assertWithMessage(r.output()).that(r.status()).isEqualTo(0);
    return r.output();
  }

  /** The number after {@code key} in {@code output}, up to the next space or line end. */
  private static double number(String output, String key) {
    assertThat(output).contains(key);
    return Double.parseDouble(output.substring(output.indexOf(key) + key.length())
        .split("\\s")[0]);
  }

  private static Network resnet20() throws Exception {
    return Network.load(Samples.load("resnet20.resnet").compilation(),
        COMMITTED.resolve("resnet20/weights.safetensors"));
  }

  private static float[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextDouble(-1, 1);
    }
    return x;
  }

  /** The reference directory of a sample, generating it with PyTorch if needed and possible. */
  private static synchronized Path reference(String name) throws IOException, InterruptedException {
    if (Files.isDirectory(COMMITTED.resolve(name))) {
      return COMMITTED.resolve(name);
    }
    Path dir = GENERATED.resolve(name);
    if (Files.exists(dir.resolve("expected.npy"))) {
      return dir;
    }
    if (!torchAvailable()) {
      String why = "no reference for " + name + ": " + PYTHON + " cannot import torch and"
          + " torchvision (apt-get install python3-torch python3-torchvision)";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(why);
      }
      Assumptions.abort(why);
    }
    Process p = new ProcessBuilder(PYTHON, SCRIPT.toString(), GENERATED.toString(), name)
        .redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0 || !Files.exists(dir.resolve("expected.npy"))) {
      throw new AssertionError("make_reference.py failed for " + name + ":\n" + log);
    }
    System.out.print(log);
    return dir;
  }

  private static boolean torchAvailable() throws IOException, InterruptedException {
    if (torch == null) {
      torch = Files.isExecutable(Path.of(PYTHON))
          && new ProcessBuilder(PYTHON, "-c", "import torch, torchvision")
              .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start().waitFor() == 0;
    }
    return torch;
  }

  /** A generated network class loaded with weights from a file, called reflectively. */
  record Network(Object model) {
    /**
     * Loads, then waits for the kernels' warm-up and the Winograd transforms left to it, so that
     * every call runs the same kernels and gives the same digits.
     */
    static Network load(Compilation c, Path weights) throws Exception {
      Network net = loadWithoutWaiting(c, weights);
      Kernels.awaitWarmUp();
      return net;
    }

    static Network loadWithoutWaiting(Compilation c, Path weights) throws Exception {
      Class<?> type = ClassCompiler.compile(Resnetc.generate(c, "samples.torch"));
      try {
        return new Network(type.getMethod("load", Path.class).invoke(null, weights));
      } catch (InvocationTargetException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    }

    float[] forward(float[] x) throws Exception {
      return (float[]) model.getClass().getMethod("forward", float[].class).invoke(model, x);
    }
  }
}
