package dev.resnetc.bench;

import ai.onnxruntime.OrtException;
import dev.resnetc.compiler.run.GeneratedNetwork;
import dev.resnetc.compiler.run.Timings;
import dev.resnetc.runtime.Conv2d;
import dev.resnetc.runtime.Kernels;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The generated network's time per convolution inside whole forward calls (through
 * {@link Kernels#listen}), next to ONNX Runtime's own profile of the same model, the two run in
 * alternation so that the shared machine's slow and fast minutes fall on both; convolutions are
 * named and summed per shape as in {@link ConvBench} and {@link OrtProfile}.
 */
@Command(name = "layers", mixinStandardHelpOptions = true,
    description = {"Time per convolution inside whole forward calls, resnetc next to ONNX"
        + " Runtime's profile, in alternation.",
        "Run it with bench/run.sh layers; bench/run.sh writes the reference models first."})
public final class LayerProfile implements Callable<Integer> {
  @Option(names = "--root", defaultValue = ".", paramLabel = "DIR",
      description = "The resnetc checkout (default: the working directory).")
  Path root;

  @Option(names = "--reference", paramLabel = "DIR",
      description = "Reference data, DIR/MODEL/weights.safetensors and, for ONNX Runtime's"
          + " column, DIR/MODEL/model.onnx (default: ROOT/bench/target/reference).")
  Path reference;

  @Option(names = "--model", defaultValue = "resnet50",
      description = "The sample, samples/MODEL.resnet (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--threads", defaultValue = "1",
      description = "Threads of both sides (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--batch", defaultValue = "1",
      description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--runs", defaultValue = "30",
      description = "Forward calls of each side in the medians (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "20",
      description = "Calls of each side left out of the medians (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Spec
  CommandSpec spec;

  private final PrintStream out;

  LayerProfile(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new LayerProfile(System.out)).execute(args));
  }

  /** One row: a convolution shape, the network's layers of it, and each layer's median. */
  record Row(String name, List<Double> layerMillis) {
    double millis() {
      return layerMillis.stream().mapToDouble(Double::doubleValue).sum();
    }
  }

  /** Collects the convolutions of each forward call in the order they ran. */
  static final class Recorder implements Kernels.ConvolutionListener {
    private final List<Conv2d> layers = new ArrayList<>();
    private final List<List<Long>> calls = new ArrayList<>();
    private List<Long> current;

    /** Starts a forward call. */
    void begin() {
      requireWholeCall();
      current = new ArrayList<>();
      calls.add(current);
    }

    private void requireWholeCall() {
      if (calls.size() > 1 && current.size() != layers.size()) {
        throw new IllegalStateException("a forward call ran " + current.size() + " of the "
            + layers.size() + " convolutions of the first");
      }
    }

    @Override
    public void ran(Conv2d c, int batch, long nanos) {
      if (calls.size() == 1) {
        layers.add(c);
      } else if (current.size() >= layers.size() || !layers.get(current.size()).equals(c)) {
        throw new IllegalStateException("forward calls ran different convolutions");
      }
      current.add(nanos);
    }

    /** The convolutions of a forward call, in order. */
    List<Conv2d> layers() {
      return layers;
    }

    /** Per shape (in {@link ConvBench}'s order, then others), each layer's median in ms. */
    List<Row> rows(int skip) {
      if (calls.isEmpty()) {
        throw new IllegalStateException("no forward call was recorded");
      }
      requireWholeCall();
      Map<String, Row> rows = new LinkedHashMap<>();
      for (ConvBench.Shape shape : ConvBench.SHAPES) {
        rows.put(shape.name(), new Row(shape.name(), new ArrayList<>()));
      }
      for (int i = 0; i < layers.size(); i++) {
        int layer = i;
        double[] ms = calls.stream().skip(Math.min(skip, calls.size() - 1))
            .mapToDouble(call -> call.get(layer) / 1e6).toArray();
        rows.computeIfAbsent(ConvBench.name(layers.get(i)), n -> new Row(n, new ArrayList<>()))
            .layerMillis().add(Timings.median(ms));
      }
      return rows.values().stream().filter(r -> !r.layerMillis().isEmpty())
          .collect(Collectors.toList());
    }
  }

  @Override
  public Integer call() throws IOException, OrtException {
    if (threads < 1 || batch < 1 || runs < 1 || warmup < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--threads, --batch and --runs must be 1 or more, --warmup 0 or more");
    }
    Path dir = (reference != null ? reference : root.resolve("bench/target/reference"))
        .resolve(model);
    Path weights = dir.resolve("weights.safetensors");
    Path source = root.resolve("samples").resolve(model + ".resnet");
    if (!Files.isRegularFile(weights) || !Files.isRegularFile(source)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "no " + source + " or "
          + weights + " (bench/run.sh writes bench/target/reference/NAME)");
    }
    GeneratedNetwork network = GeneratedNetwork.compile(SideBySide.analyze(source), "resnetc.bench");
    GeneratedNetwork.Model loaded = network.load(weights, "");
    GeneratedNetwork.Model java = loaded.withThreads(threads).orElse(loaded);
    network.awaitWarmUp();
    float[] x = Batches.random(batch * network.inputSize());
    Path onnx = dir.resolve("model.onnx");
    Recorder recorder = new Recorder();
    double[] javaMillis = new double[warmup + runs];
    OrtProfile.Summary ort = null;
    Kernels.listen(recorder);
    try {
      if (Files.isRegularFile(onnx)) {
        ort = alternate(onnx, java, x, recorder, javaMillis);
      } else {
        for (int i = 0; i < javaMillis.length; i++) {
          javaMillis[i] = forward(java, x, recorder);
        }
      }
    } finally {
      Kernels.listen(null);
    }
    out.printf(Locale.ROOT, "%s, %d thread(s), batch %d, medians of %d calls after %d%s%n",
        model, threads, batch, runs, warmup, ort == null ? " (no " + onnx + ": resnetc only)"
            : ", resnetc and ONNX Runtime in alternation");
    double javaRun = Timings.median(Arrays.copyOfRange(javaMillis, warmup, javaMillis.length));
    out.print(format(recorder.rows(warmup), ort, javaRun));
    return 0;
  }

  private static double forward(GeneratedNetwork.Model java, float[] x, Recorder recorder) {
    recorder.begin();
    long start = System.nanoTime();
    java.forward(x);
    return (System.nanoTime() - start) / 1e6;
  }

  /** One resnetc call, then one ONNX Runtime call, and so on; ONNX Runtime profiles its own. */
  private OrtProfile.Summary alternate(Path onnx, GeneratedNetwork.Model java, float[] x,
      Recorder recorder, double[] javaMillis) throws IOException, OrtException {
    int[] call = {0};
    return OrtProfile.profiled(onnx, threads, batch, x, javaMillis.length, warmup,
        () -> javaMillis[call[0]++] = forward(java, x, recorder));
  }

  /**
   * The table: per convolution shape, resnetc's sum and, if profiled, ONNX Runtime's; shapes only
   * one side has get an empty cell on the other, and the totals are over each side's own rows.
   */
  static String format(List<Row> rows, OrtProfile.Summary ort, double javaRunMillis) {
    Map<String, OrtProfile.Row> theirs = new LinkedHashMap<>();
    if (ort != null) {
      ort.rows().stream().filter(OrtProfile.Row::convolution)
          .forEach(r -> theirs.put(r.name(), r));
    }
    StringBuilder b = new StringBuilder(
        "| convolution | layers | resnetc ms | ONNX Runtime ms | resnetc / ONNX Runtime |\n");
    b.append("|---|---:|---:|---:|---:|\n");
    double mine = 0;
    int layers = 0;
    for (Row r : rows) {
      OrtProfile.Row o = theirs.remove(r.name());
      b.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %s | %s |%n", r.name(),
          r.layerMillis().size(), r.millis(), o == null ? "" : format(o.millis()),
          o == null ? "" : ratio(r.millis(), o.millis())));
      mine += r.millis();
      layers += r.layerMillis().size();
    }
    for (OrtProfile.Row o : theirs.values()) {
      b.append(String.format(Locale.ROOT, "| %s | %d |  | %s |  |%n", o.name(),
          o.nodeMillis().size(), format(o.millis())));
    }
    double ortTotal = ort == null ? 0 : ort.rows().stream().filter(OrtProfile.Row::convolution)
        .mapToDouble(OrtProfile.Row::millis).sum();
    b.append(String.format(Locale.ROOT, "| all convolutions | %d | %.3f | %s | %s |%n", layers,
        mine, ort == null ? "" : format(ortTotal), ort == null ? "" : ratio(mine, ortTotal)));
    b.append(String.format(Locale.ROOT, "median forward: resnetc %.3f ms%s%n", javaRunMillis,
        ort == null ? "" : String.format(Locale.ROOT, ", ONNX Runtime %.3f ms (model_run)",
            ort.runMillis())));
    return b.toString();
  }

  private static String ratio(double mine, double theirs) {
    return theirs > 0 ? format(mine / theirs) : "";
  }

  private static String format(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }
}
