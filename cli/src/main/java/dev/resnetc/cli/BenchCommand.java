package dev.resnetc.cli;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.run.GeneratedNetwork;
import dev.resnetc.compiler.run.Timings;
import dev.resnetc.runtime.TensorSpec;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code resnetc bench}: compiles a network in memory, loads its weights, warms it up and times
 * {@code forward} on a random batch, printing the median, GFLOP/s and the share of the FMA peak.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {"Time the generated Java class of a network on a random input batch.",
        "Prints 'median_ms: X', GFLOP/s (2 x multiply-adds x batch / median), the share of the"
            + " FMA peak, min and max, load_ms (weights loaded), first_result_ms (weights"
            + " loaded and the first forward done) and warmup_ms (the untimed calls after it:"
            + " at least --warmup of them, and on until --warmup-seconds have passed).",
        "The JVM needs --add-modules jdk.incubator.vector for the fast kernels, and from JDK 25"
            + " on -XX:-OptoRegScheduling (./resnetc passes both)."},
    footer = "%nExample:%n  resnetc bench resnet50.resnet --weights resnet50.safetensors"
        + " --batch 8 --threads 2")
final class BenchCommand implements Callable<Integer> {
  /**
   * FP32 FMA peak of one core of the reference machine in GFLOP/s: two 256-bit FMA pipes, measured
   * at about 40 per core (78 for both) with fourteen independent FMA chains per thread.
   */
  static final double PEAK_GFLOPS_PER_CORE = 39.0;
  static final int MIN_RUNS = 15;

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The .resnet file of the network.")
  String file;

  /** Where the weights come from: a file, or seeded random numbers. */
  static final class Source {
    @Option(names = "--weights", required = true, paramLabel = "W",
        description = "Weights: .safetensors or .npz, named as in the network's parameter table.")
    String weights;

    @Option(names = "--random-weights", required = true,
        description = "Use seeded random weights instead of a file (the speed is the same).")
    boolean random;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--strip-prefix", paramLabel = "PREFIX", defaultValue = "",
      description = "Remove PREFIX (such as 'module.') from weight names that start with it.")
  String stripPrefix;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "1",
      description = "Images per forward call (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--threads", paramLabel = "T",
      description = "Threads of the model (default: all available processors).")
  Integer threads;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "5",
      description = "The fewest untimed calls before timing (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "1",
      description = "Keep making untimed calls until this many seconds have passed (default:"
          + " ${DEFAULT-VALUE}; 0 makes exactly --warmup calls): C2 is still recompiling paths"
          + " of the network after 5 calls of ResNet-18, and those calls allocate megabytes.")
  double warmupSeconds;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "15",
      description = "Timed calls, at least " + MIN_RUNS + " (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--peak-gflops", paramLabel = "G", defaultValue = "" + PEAK_GFLOPS_PER_CORE,
      description = "FP32 FMA peak of one core in GFLOP/s; the peak is this times min(threads,"
          + " processors) (default: ${DEFAULT-VALUE}, measured on a 2-vCPU AMD EPYC with AVX2).")
  double peakGflopsPerCore;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
      description = "Seed of the random input (and of --random-weights) (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    int processors = Runtime.getRuntime().availableProcessors();
    int t = threads == null ? processors : threads;
    checkOptions(t);
    Networks.requireJdk("bench");
    PrintWriter err = spec.commandLine().getErr();
    Optional<Compilation> compilation = Frontend.analyze(file, err, false);
    if (compilation.isEmpty()) {
      return Main.EXIT_SOURCE_ERRORS;
    }
    Compilation c = compilation.get();
    long start = System.nanoTime();
    GeneratedNetwork network = GeneratedNetwork.compile(c, "resnetc.bench");
    double compileMs = (System.nanoTime() - start) / 1e6;
    float[] x = randomFloats(new SplittableRandom(seed), Math.multiplyExact(batch,
        network.inputSize()), 1.0);

    start = System.nanoTime();
    GeneratedNetwork.Model loaded = source.random ? network.of(randomWeights(network))
        : Networks.load(network, file, source.weights, stripPrefix);
    Optional<GeneratedNetwork.Model> pooled = loaded.withThreads(t);
    GeneratedNetwork.Model model = pooled.orElse(loaded);
    double loadMs = (System.nanoTime() - start) / 1e6;
    model.forward(x);
    double firstMs = (System.nanoTime() - start) / 1e6;
    if (pooled.isEmpty() && threads != null) {
      err.println("resnetc: warning: this generated class has no withThreads(int); --threads is"
          + " ignored");
    }
    for (String warning : Networks.kernelWarnings()) {
      err.println("resnetc: warning: " + warning);
    }
    err.flush();

    network.awaitWarmUp(); // the kernels' warm-up thread would share the cores with the timing
    int warmupCalls = 0;
    long warmupStart = System.nanoTime();
    long until = warmupStart + (long) (warmupSeconds * 1e9);
    while (warmupCalls < warmup || System.nanoTime() < until) {
      model.forward(x);
      warmupCalls++;
    }
    double warmupMs = (System.nanoTime() - warmupStart) / 1e6;
    long allocatedBefore = allocatedBytes();
    Timings timings = Timings.measure(runs, () -> model.forward(x));
    long allocatedPerCall = (allocatedBytes() - allocatedBefore) / runs;
    double peak = peakGflopsPerCore * Math.min(t, processors);
    double gflops = 2.0 * network.multiplyAdds() * batch / (timings.median() * 1e6);

    PrintWriter out = spec.commandLine().getOut();
    out.println(String.format(Locale.ROOT, "network: %s  batch: %d  threads: %d  warmup: %d"
            + "  runs: %d", network.type().getSimpleName(), batch, t, warmupCalls, runs));
    out.println(String.format(Locale.ROOT, "multiply_adds_per_image: %d", network.multiplyAdds()));
    out.println(String.format(Locale.ROOT, "compile_ms: %.1f", compileMs));
    out.println(String.format(Locale.ROOT, "load_ms: %.1f", loadMs));
    out.println(String.format(Locale.ROOT, "first_result_ms: %.1f", firstMs));
    out.println(String.format(Locale.ROOT, "warmup_ms: %.1f", warmupMs));
    out.println(String.format(Locale.ROOT, "median_ms: %.3f", timings.median()));
    out.println(String.format(Locale.ROOT, "min_ms: %.3f", timings.min()));
    out.println(String.format(Locale.ROOT, "max_ms: %.3f", timings.max()));
    out.println(String.format(Locale.ROOT, "gflops: %.2f", gflops));
    out.println(String.format(Locale.ROOT, "peak_gflops: %.1f", peak));
    out.println(String.format(Locale.ROOT, "peak_share: %.3f", gflops / peak));
    if (allocatedPerCall >= 0) {
      out.println(String.format(Locale.ROOT, "allocated_bytes_per_call: %d (calling thread)",
          allocatedPerCall));
    }
    out.flush();
    return Main.EXIT_OK;
  }

  /**
   * Bytes allocated so far by this thread, or a negative number where the JVM cannot tell: how
   * the bench shows that a forward call allocates nothing (the work done on the pool's other
   * threads is not counted).
   */
  private static long allocatedBytes() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx
        && mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled()) {
      return mx.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
    return -1;
  }

  private void checkOptions(int t) {
    if (batch < 1) {
      throw new CliException("--batch must be 1 or more, got " + batch);
    }
    if (t < 1) {
      throw new CliException("--threads must be 1 or more, got " + t);
    }
    if (warmup < 0) {
      throw new CliException("--warmup must be 0 or more, got " + warmup);
    }
    if (!(warmupSeconds >= 0) || warmupSeconds > 3600) {
      throw new CliException("--warmup-seconds must be between 0 and 3600, got " + warmupSeconds);
    }
    if (runs < MIN_RUNS) {
      throw new CliException("--runs must be at least " + MIN_RUNS + ", got " + runs);
    }
    if (!(peakGflopsPerCore > 0) || Double.isInfinite(peakGflopsPerCore)) {
      throw new CliException("--peak-gflops must be a positive number, got " + peakGflopsPerCore);
    }
  }

  /**
   * Seeded random weights that keep activations of order one: He-uniform weights, BatchNorm
   * scales in [0.5, 1], variances in [0.5, 1.5], small means and biases.
   */
  private Map<String, float[]> randomWeights(GeneratedNetwork network) {
    SplittableRandom random = new SplittableRandom(seed + 1);
    Map<String, float[]> weights = new LinkedHashMap<>();
    for (TensorSpec spec : network.parameters()) {
      int[] shape = spec.shape();
      int size = Math.toIntExact(spec.size());
      float[] values;
      if (spec.name().endsWith(".running_var")) {
        values = randomFloats(random, size, 0.5);
        for (int i = 0; i < size; i++) {
          values[i] += 1.0f;
        }
      } else if (shape.length == 1 && spec.name().endsWith(".weight")) {
        values = randomFloats(random, size, 0.25);
        for (int i = 0; i < size; i++) {
          values[i] += 0.75f;
        }
      } else if (shape.length == 1) {
        values = randomFloats(random, size, 0.1);
      } else {
        values = randomFloats(random, size, Math.sqrt(6.0 * shape[0] / size));
      }
      weights.put(spec.name(), values);
    }
    return weights;
  }

  /** {@code n} floats uniform in [-bound, bound). */
  private static float[] randomFloats(SplittableRandom random, int n, double bound) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    return values;
  }
}
