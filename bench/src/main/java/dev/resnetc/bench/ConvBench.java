package dev.resnetc.bench;

import dev.resnetc.compiler.codegen.KernelPlan;
import dev.resnetc.compiler.run.Timings;
import dev.resnetc.runtime.Conv2d;
import dev.resnetc.runtime.ConvWeights;
import dev.resnetc.runtime.ConvWeights.Algorithm;
import dev.resnetc.runtime.Kernels;
import dev.resnetc.runtime.Parallel;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times single convolutions of ResNet-18 and ResNet-50's shapes with every algorithm that applies,
 * in interleaved rounds, and prints each one's median, its GFLOP/s (counted as the direct
 * convolution's {@code 2 x multiply-adds}, so Winograd can exceed the peak) and the algorithm the
 * compiler chooses: the per-kernel figures of docs/PERFORMANCE.md.
 */
@Command(name = "conv-bench", mixinStandardHelpOptions = true,
    description = {"Time single ResNet convolutions with each algorithm, interleaved.",
        "Run it with bench/run.sh kernels, which gives the JVM --add-modules jdk.incubator.vector."})
public final class ConvBench implements Callable<Integer> {
  /** ResNet-18 and ResNet-50 convolutions, batch 1: name and geometry. */
  private static final Map<String, Conv2d> SHAPES = Map.ofEntries(
      Map.entry("a stem 7x7/2 3->64 @224", new Conv2d(3, 224, 224, 64, 7, 2, 3, 1, 1)),
      Map.entry("b 3x3 64 @56", new Conv2d(64, 56, 56, 64, 3, 1, 1, 1, 1)),
      Map.entry("c 3x3 128 @28", new Conv2d(128, 28, 28, 128, 3, 1, 1, 1, 1)),
      Map.entry("d 3x3 256 @14", new Conv2d(256, 14, 14, 256, 3, 1, 1, 1, 1)),
      Map.entry("e 3x3 512 @7", new Conv2d(512, 7, 7, 512, 3, 1, 1, 1, 1)),
      Map.entry("f 3x3/2 64->128 @56", new Conv2d(64, 56, 56, 128, 3, 2, 1, 1, 1)),
      Map.entry("g 3x3/2 256->256 @28", new Conv2d(256, 28, 28, 256, 3, 2, 1, 1, 1)),
      Map.entry("h 1x1 256->64 @56", new Conv2d(256, 56, 56, 64, 1, 1, 0, 1, 1)),
      Map.entry("i 1x1 64->256 @56", new Conv2d(64, 56, 56, 256, 1, 1, 0, 1, 1)),
      Map.entry("j 1x1 512->128 @28", new Conv2d(512, 28, 28, 128, 1, 1, 0, 1, 1)),
      Map.entry("k 1x1 1024->256 @14", new Conv2d(1024, 14, 14, 256, 1, 1, 0, 1, 1)),
      Map.entry("l 1x1 2048->512 @7", new Conv2d(2048, 7, 7, 512, 1, 1, 0, 1, 1)),
      Map.entry("m 1x1/2 256->512 @56", new Conv2d(256, 56, 56, 512, 1, 2, 0, 1, 1)));

  @Option(names = "--threads", defaultValue = "1",
      description = "Threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--rounds", defaultValue = "15",
      description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--calls", defaultValue = "5",
      description = "Calls of each algorithm per round (default: ${DEFAULT-VALUE}).")
  int calls;

  @Option(names = "--peak-gflops", defaultValue = "39.0",
      description = "FP32 FMA peak of one core, for the share of the peak (default:"
          + " ${DEFAULT-VALUE}, as `resnetc bench`).")
  double peakPerCore;

  @Option(names = "--only", description = "Only the shapes whose name contains this text.")
  String only;

  private final PrintStream out;

  ConvBench(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ConvBench(System.out)).execute(args));
  }

  @Override
  public Integer call() {
    if (threads < 1 || rounds < 1 || calls < 1) {
      throw new IllegalArgumentException("--threads, --rounds and --calls must be 1 or more");
    }
    if (!Kernels.VECTORIZED) {
      out.println("warning: no --add-modules jdk.incubator.vector: the scalar kernels are timed");
    }
    Parallel parallel = Parallel.of(threads);
    double peak = peakPerCore * Math.min(threads, Runtime.getRuntime().availableProcessors());
    out.printf(Locale.ROOT, "threads: %d, %d rounds x %d calls, peak %.1f GFLOP/s%n", threads,
        rounds, calls, peak);
    out.println("| convolution | algorithm | ms | GFLOP/s | share of peak | chosen |");
    out.println("|---|---|---:|---:|---:|---|");
    SHAPES.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .filter(e -> only == null || e.getKey().contains(only))
        .forEach(e -> time(e.getKey().substring(2), e.getValue(), parallel, peak));
    return 0;
  }

  private void time(String name, Conv2d c, Parallel parallel, double peak) {
    SplittableRandom random = new SplittableRandom(7);
    float[] in = values(random, c.inSize(), 1);
    float[] weight = values(random, c.weightSize(), 0.05);
    float[] bias = values(random, c.outChannels(), 0.1);
    float[] y = new float[c.outSize()];
    Map<Algorithm, ConvWeights> prepared = new EnumMap<>(Algorithm.class);
    for (Algorithm a : Algorithm.values()) {
      boolean winograd = c.kernel() == 3 && c.stride() == 1 && c.dilation() == 1
          && c.groups() == 1;
      if (a == Algorithm.DIRECT || winograd) {
        prepared.put(a, Kernels.prepare(c, weight, a));
      }
    }
    Map<Algorithm, List<Double>> millis = new EnumMap<>(Algorithm.class);
    for (int round = -2; round < rounds; round++) { // two rounds of warm-up
      for (Map.Entry<Algorithm, ConvWeights> e : prepared.entrySet()) {
        double ms = Timings.time(() -> {
          for (int i = 0; i < calls; i++) {
            Kernels.conv2d(parallel, c, 1, in, 0, e.getValue(), bias, null, 0, true, y, 0);
          }
        }) / calls;
        if (round >= 0) {
          millis.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(ms);
        }
      }
    }
    double flop = 2.0 * c.outSize() * (c.weightSize() / c.outChannels());
    Algorithm chosen = KernelPlan.algorithm(c);
    millis.forEach((a, ms) -> {
      double median = Timings.median(ms.stream().mapToDouble(Double::doubleValue).toArray());
      double gflops = flop / median / 1e6;
      out.printf(Locale.ROOT, "| %s | %s | %.3f | %.1f | %.0f%% | %s |%n", name,
          a.name().toLowerCase(Locale.ROOT), median, gflops, 100 * gflops / peak,
          a == chosen ? "yes" : "");
    });
  }

  private static float[] values(SplittableRandom random, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }
}
