package dev.resnetc.bench;

import dev.resnetc.compiler.codegen.KernelPlan;
import dev.resnetc.compiler.run.Timings;
import dev.resnetc.runtime.Conv2d;
import dev.resnetc.runtime.ConvWeights;
import dev.resnetc.runtime.ConvWeights.Algorithm;
import dev.resnetc.runtime.Kernels;
import dev.resnetc.runtime.Layout;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
  /**
   * A convolution of ResNet-18 or ResNet-50 (torchvision's, batch 1) and how many of each
   * network's convolutions have its shape.
   */
  record Shape(String name, Conv2d conv, int resnet18, int resnet50) {}

  static final List<Shape> SHAPES = List.of(
      shape("stem 7x7/2 3->64 @224", 3, 224, 64, 7, 2, 1, 1),
      shape("3x3 64 @56", 64, 56, 64, 3, 1, 4, 3),
      shape("3x3 128 @28", 128, 28, 128, 3, 1, 3, 3),
      shape("3x3 256 @14", 256, 14, 256, 3, 1, 3, 5),
      shape("3x3 512 @7", 512, 7, 512, 3, 1, 3, 2),
      shape("3x3/2 64->128 @56", 64, 56, 128, 3, 2, 1, 0),
      shape("3x3/2 128->128 @56", 128, 56, 128, 3, 2, 0, 1),
      shape("3x3/2 128->256 @28", 128, 28, 256, 3, 2, 1, 0),
      shape("3x3/2 256->256 @28", 256, 28, 256, 3, 2, 0, 1),
      shape("3x3/2 256->512 @14", 256, 14, 512, 3, 2, 1, 0),
      shape("3x3/2 512->512 @14", 512, 14, 512, 3, 2, 0, 1),
      shape("1x1/2 64->128 @56", 64, 56, 128, 1, 2, 1, 0),
      shape("1x1/2 128->256 @28", 128, 28, 256, 1, 2, 1, 0),
      shape("1x1/2 256->512 @14", 256, 14, 512, 1, 2, 1, 0),
      shape("1x1/2 256->512 @56", 256, 56, 512, 1, 2, 0, 1),
      shape("1x1/2 512->1024 @28", 512, 28, 1024, 1, 2, 0, 1),
      shape("1x1/2 1024->2048 @14", 1024, 14, 2048, 1, 2, 0, 1),
      shape("1x1 64->64 @56", 64, 56, 64, 1, 1, 0, 1),
      shape("1x1 64->256 @56", 64, 56, 256, 1, 1, 0, 4),
      shape("1x1 256->64 @56", 256, 56, 64, 1, 1, 0, 2),
      shape("1x1 256->128 @56", 256, 56, 128, 1, 1, 0, 1),
      shape("1x1 128->512 @28", 128, 28, 512, 1, 1, 0, 4),
      shape("1x1 512->128 @28", 512, 28, 128, 1, 1, 0, 3),
      shape("1x1 512->256 @28", 512, 28, 256, 1, 1, 0, 1),
      shape("1x1 256->1024 @14", 256, 14, 1024, 1, 1, 0, 6),
      shape("1x1 1024->256 @14", 1024, 14, 256, 1, 1, 0, 5),
      shape("1x1 1024->512 @14", 1024, 14, 512, 1, 1, 0, 1),
      shape("1x1 512->2048 @7", 512, 7, 2048, 1, 1, 0, 3),
      shape("1x1 2048->512 @7", 2048, 7, 512, 1, 1, 0, 2));

  /** The name of {@code c} in {@link #SHAPES}, or one made the same way. */
  static String name(Conv2d c) {
    for (Shape shape : SHAPES) {
      if (shape.conv().equals(c)) {
        return shape.name();
      }
    }
    int k = c.kernel();
    return String.format(Locale.ROOT, "%dx%d%s %d->%d @%d", k, k,
        c.stride() > 1 ? "/" + c.stride() : "", c.inChannels(), c.outChannels(), c.inHeight());
  }

  private static Shape shape(String name, int in, int size, int out, int kernel, int stride,
      int resnet18, int resnet50) {
    return new Shape(name, new Conv2d(in, size, size, out, kernel, stride, kernel / 2, 1, 1),
        resnet18, resnet50);
  }

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

  @Option(names = "--net", description = "Only the convolutions of resnet18 or resnet50, with"
      + " how many layers have each shape and the sum over the network at the compiler's choice.")
  String net;

  @Spec
  CommandSpec spec;

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
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--threads, --rounds and --calls must be 1 or more");
    }
    if (!Kernels.VECTORIZED) {
      out.println("warning: no --add-modules jdk.incubator.vector: the scalar kernels are timed");
    }
    Parallel parallel = Parallel.of(threads);
    try {
      Kernels.awaitWarmUp(); // its thread would share the cores with the first shapes' rounds
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    double peak = peakPerCore * Math.min(threads, Runtime.getRuntime().availableProcessors());
    out.printf(Locale.ROOT, "threads: %d, %d rounds x %d calls, peak %.1f GFLOP/s%n", threads,
        rounds, calls, peak);
    if (net != null && !net.equals("resnet18") && !net.equals("resnet50")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--net must be resnet18 or resnet50, got " + net);
    }
    out.println("| convolution | layers | algorithm | ms | GFLOP/s | share of peak | chosen |");
    out.println("|---|---:|---|---:|---:|---:|---|");
    double total = 0;
    for (Shape shape : SHAPES) {
      int layers = net == null ? 1 : net.equals("resnet18") ? shape.resnet18() : shape.resnet50();
      if (layers > 0 && (only == null || shape.name().contains(only))) {
        total += layers * time(shape.name(), shape.conv(), layers, parallel, peak);
      }
    }
    if (net != null) {
      out.printf(Locale.ROOT, "%s convolutions at the chosen algorithms: %.3f ms%n", net, total);
    }
    return 0;
  }

  /** Prints a row per algorithm and returns the chosen algorithm's median. */
  private double time(String name, Conv2d c, int layers, Parallel parallel, double peak) {
    SplittableRandom random = new SplittableRandom(7);
    float[] in = values(random, c.inSize(), 1);
    float[] weight = values(random, c.weightSize(), 0.05);
    float[] bias = values(random, c.outChannels(), 0.1);
    float[] y = new float[c.outSize()];
    Map<Algorithm, ConvWeights> prepared = new EnumMap<>(Algorithm.class);
    for (Algorithm a : Algorithm.values()) {
      boolean winograd = c.kernel() == 3 && c.stride() == 1 && c.dilation() == 1
          && c.groups() == 1;
      if (a == Algorithm.BLOCKED) { // the runtime's kernel over blocked tensors, where it runs
        if (Layout.preferred() == Layout.BLOCKED && c.groups() == 1
            && Layout.BLOCKED.blocks(c.outChannels())) {
          prepared.put(a, Kernels.prepare(c, weight, Algorithm.DIRECT, Layout.BLOCKED));
        }
      } else if (a.blockedWinograd()) {
        ConvWeights w = Layout.preferred() == Layout.BLOCKED && winograd
            ? Kernels.prepare(c, weight, a.tile() == 4 ? Algorithm.WINOGRAD_4X4
                : Algorithm.WINOGRAD_2X2, Layout.BLOCKED) : null;
        if (w != null && w.algorithm() == a) {
          prepared.put(a, w);
        }
      } else if (!a.winograd() || winograd) {
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
    // what the generated code runs on this JVM: CHANNELS only with 16-float vectors, and in the
    // blocked layout the blocked kernels, which Kernels.prepare chooses from the compiler's choice
    Algorithm compiled = KernelPlan.algorithm(c) == Algorithm.CHANNELS
        ? Kernels.channelsOr(KernelPlan.narrowAlgorithm(c)) : KernelPlan.algorithm(c);
    Algorithm chosen = Kernels.prepare(c, weight, compiled, Layout.preferred()).algorithm();
    double chosenMillis = 0;
    for (Map.Entry<Algorithm, List<Double>> e : millis.entrySet()) {
      double median = Timings.median(e.getValue().stream().mapToDouble(Double::doubleValue)
          .toArray());
      double gflops = flop / median / 1e6;
      boolean isChosen = e.getKey() == chosen;
      out.printf(Locale.ROOT, "| %s | %d | %s | %.3f | %.1f | %.0f%% | %s |%n", name, layers,
          e.getKey().name().toLowerCase(Locale.ROOT), median, gflops, 100 * gflops / peak,
          isChosen ? "yes" : "");
      if (isChosen) {
        chosenMillis = median;
      }
    }
    return chosenMillis;
  }

  private static float[] values(SplittableRandom random, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }
}
