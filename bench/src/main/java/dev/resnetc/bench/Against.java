package dev.resnetc.bench;

import dev.resnetc.compiler.run.Timings;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Times one network's generated class as two builds of resnetc made it, each with its own runtime,
 * in one JVM and in interleaved rounds, and prints the second build's time over the first's.
 * Shared machines drift by tens of percent within seconds; both builds see the same drift here, so
 * their ratio per round is steadier than a comparison of two runs. {@code bench/against.sh REV}
 * builds a revision and this tree and runs it.
 */
@Command(name = "against", mixinStandardHelpOptions = true,
    description = {"Time a network's generated class from two builds of resnetc, interleaved in"
        + " one JVM.", "Run it with bench/against.sh, which builds both."})
public final class Against implements Callable<Integer> {
  @Option(names = "--base", required = true, split = ":",
      description = "Class path of the first build (its generated class and its runtime),"
          + " entries separated by ':'.")
  List<Path> base;

  @Option(names = "--head", required = true, split = ":",
      description = "Class path of the second build.")
  List<Path> head;

  @Option(names = "--class", required = true, description = "The generated class's name.")
  String className;

  @Option(names = "--weights", required = true, description = "Weight file both builds load.")
  Path weights;

  @Option(names = "--threads", split = ",", defaultValue = "1,2",
      description = "Thread counts (default: ${DEFAULT-VALUE}).")
  int[] threads;

  @Option(names = "--batches", split = ",", defaultValue = "1,8",
      description = "Batch sizes (default: ${DEFAULT-VALUE}).")
  int[] batches;

  @Option(names = "--rounds", defaultValue = "15",
      description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--calls", defaultValue = "3",
      description = "Calls of each build per round (default: ${DEFAULT-VALUE}).")
  int calls;

  @Option(names = "--warmup", defaultValue = "15",
      description = "Untimed calls of each build first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Spec
  CommandSpec spec;

  private final PrintStream out;

  Against(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Against(System.out)).execute(args));
  }

  /** One build's generated class, loaded with its own runtime. */
  private record Build(Class<?> type, Object model, Method forward) {
    static Build load(List<Path> classPath, String className, Path weights) throws Exception {
      URL[] urls = new URL[classPath.size()];
      for (int i = 0; i < urls.length; i++) {
        urls[i] = url(classPath.get(i));
      }
      // Each build's runtime is loaded apart: they share class names.
      ClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
      Class<?> type = Class.forName(className, true, loader);
      Object model = type.getMethod("load", Path.class).invoke(null, weights);
      return new Build(type, model, type.getMethod("forward", float[].class));
    }

    Build withThreads(int threads) throws ReflectiveOperationException {
      return new Build(type, type.getMethod("withThreads", int.class).invoke(model, threads),
          forward);
    }

    int inputSize() throws ReflectiveOperationException {
      return Arrays.stream((int[]) type.getMethod("inputShape").invoke(null))
          .reduce(1, Math::multiplyExact);
    }

    float[] forward(float[] x) throws ReflectiveOperationException {
      return (float[]) forward.invoke(model, (Object) x);
    }

    private static URL url(Path path) throws MalformedURLException {
      return path.toAbsolutePath().toUri().toURL();
    }
  }

  /**
   * Waits for the kernels' warm-up threads of both builds, found by name because an older
   * revision's runtime may lack {@code Kernels.awaitWarmUp}: while one runs, it shares the cores
   * with the rounds.
   */
  private static void awaitWarmUps() throws InterruptedException {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("resnetc-warm-up")) {
        t.join();
      }
    }
  }

  @Override
  public Integer call() throws Exception {
    if (rounds < 1 || calls < 1 || warmup < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--rounds and --calls must be 1 or more, --warmup 0 or more");
    }
    Build first = Build.load(base, className, weights);
    Build second = Build.load(head, className, weights);
    awaitWarmUps();
    out.printf(Locale.ROOT, "%s, %d rounds x %d calls per build; ratio = head / base%n",
        className, rounds, calls);
    out.println("| batch | threads | base ms | head ms | ratio | ratio quartiles |"
        + " max relative difference |");
    out.println("|---:|---:|---:|---:|---:|---|---:|");
    boolean agree = true;
    for (int t : threads) {
      Build a = first.withThreads(t);
      Build b = second.withThreads(t);
      for (int batch : batches) {
        float[] x = Batches.random(batch * a.inputSize());
        double difference = Batches.relativeError(b.forward(x), a.forward(x));
        agree &= difference <= SideBySide.TOLERANCE;
        for (int i = 0; i < warmup; i++) {
          a.forward(x);
          b.forward(x);
        }
        Comparison c = compare(a, b, x);
        out.printf(Locale.ROOT, "| %d | %d | %.1f | %.1f | %.3f | %.3f-%.3f | %.1e |%n", batch, t,
            c.baseMs, c.headMs, c.ratio[rounds / 2], c.ratio[rounds / 4],
            c.ratio[(3 * rounds) / 4], difference);
      }
    }
    if (!agree) {
      out.println("FAILED: outputs differ by more than " + SideBySide.TOLERANCE);
    }
    return agree ? 0 : 1;
  }

  /** Medians of each build's calls, and the sorted ratios of their medians per round. */
  private record Comparison(double baseMs, double headMs, double[] ratio) {}

  private Comparison compare(Build a, Build b, float[] x) throws ReflectiveOperationException {
    double[][] ms = new double[2][rounds * calls];
    double[] ratio = new double[rounds];
    Build[] builds = {a, b};
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < 2; k++) {
        int side = (r + k) % 2; // alternate which build goes first
        for (int q = 0; q < calls; q++) {
          long start = System.nanoTime();
          builds[side].forward(x);
          ms[side][r * calls + q] = (System.nanoTime() - start) / 1e6;
        }
      }
      ratio[r] = median(ms[1], r * calls, calls) / median(ms[0], r * calls, calls);
    }
    Arrays.sort(ratio);
    return new Comparison(median(ms[0], 0, ms[0].length), median(ms[1], 0, ms[1].length), ratio);
  }

  private static double median(double[] values, int from, int count) {
    return Timings.median(Arrays.copyOfRange(values, from, from + count));
  }
}
