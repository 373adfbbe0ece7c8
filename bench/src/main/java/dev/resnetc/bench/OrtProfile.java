package dev.resnetc.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.TensorInfo;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.resnetc.compiler.run.Timings;
import dev.resnetc.runtime.Conv2d;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * ONNX Runtime's own time per node of a model, from its session profiling: each convolution is
 * named as in {@link ConvBench}, so that {@code bench/run.sh kernels --net resnet50} and this
 * table compare the two runtimes layer by layer.
 */
@Command(name = "ort-profile", mixinStandardHelpOptions = true,
    description = {"ONNX Runtime's time per convolution shape and per other operator, from its"
        + " session profiling.",
        "Run it with bench/run.sh ort-profile; bench/run.sh writes the reference models first."})
public final class OrtProfile implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "FILE",
      description = "The ONNX model, for example bench/target/reference/resnet50/model.onnx.")
  Path model;

  @Option(names = "--threads", defaultValue = "1",
      description = "Intra-op threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--batch", defaultValue = "1",
      description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--runs", defaultValue = "30",
      description = "Profiled runs after the warm-up (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "10",
      description = "Runs left out of the medians (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Spec
  CommandSpec spec;

  private final PrintStream out;

  OrtProfile(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new OrtProfile(System.out)).execute(args));
  }

  @Override
  public Integer call() throws OrtException, IOException {
    if (threads < 1 || batch < 1 || runs < 1 || warmup < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--threads, --batch and --runs must be 1 or more, --warmup 0 or more");
    }
    if (!Files.isRegularFile(model)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "no model file " + model
          + " (bench/run.sh writes bench/target/reference/NAME/model.onnx)");
    }
    Summary summary = profiled(model, threads, batch, null, warmup + runs, warmup, () -> { });
    out.printf(Locale.ROOT, "%s, %d thread(s), batch %d, medians of %d runs after %d%n",
        model.getFileName(), threads, batch, runs, warmup);
    out.print(format(summary));
    return 0;
  }

  /**
   * Options of every ONNX Runtime session of the benchmark: {@code threads} intra-op threads, one
   * inter-op thread, all graph optimizations, and, unless {@code spinning}, idle threads that do
   * not spin (they would hold the cores during the resnetc call that follows).
   */
  static OrtSession.SessionOptions options(int threads, boolean spinning) throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(threads);
    options.setInterOpNumThreads(1);
    options.setOptimizationLevel(OptLevel.ALL_OPT);
    if (!spinning) {
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
    }
    return options;
  }

  /**
   * Runs {@code model} {@code calls} times with session profiling on a batch of {@code batch}
   * ({@code x}, or random values if null), calling {@code before} ahead of each run, and
   * summarizes the profile without its first {@code skip} runs.
   */
  static Summary profiled(Path model, int threads, int batch, float[] x, int calls, int skip,
      Runnable before) throws OrtException, IOException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Path dir = Files.createTempDirectory("ort-profile");
    Path profile;
    try (OrtSession.SessionOptions options = options(threads, false)) {
      options.enableProfiling(dir.resolve("profile").toString());
      try (OrtSession session = env.createSession(model.toString(), options)) {
        Map.Entry<String, NodeInfo> input = session.getInputInfo().entrySet().iterator().next();
        long[] shape = ((TensorInfo) input.getValue().getInfo()).getShape().clone();
        shape[0] = batch;
        float[] values = x != null ? x
            : Batches.random(Math.toIntExact(shape[0] * shape[1] * shape[2] * shape[3]));
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape)) {
          for (int i = 0; i < calls; i++) {
            before.run();
            session.run(Map.of(input.getKey(), tensor)).close();
          }
        }
        profile = Path.of(session.endProfiling());
      }
    }
    try (Reader reader = Files.newBufferedReader(profile)) {
      return summarize(reader, skip);
    } finally {
      Files.deleteIfExists(profile);
      Files.deleteIfExists(dir);
    }
  }

  /** One row: a convolution shape or another operator, its nodes and their median times. */
  record Row(String name, boolean convolution, List<Double> nodeMillis) {
    double millis() {
      return nodeMillis.stream().mapToDouble(Double::doubleValue).sum();
    }
  }

  /** The profile's rows (convolutions first, in {@link ConvBench}'s order) and median run. */
  record Summary(List<Row> rows, double runMillis) {}

  /** Reads a profile and takes each node's median over its runs after the first {@code skip}. */
  static Summary summarize(Reader json, int skip) {
    Map<String, List<Double>> perNode = new LinkedHashMap<>();
    Map<String, Row> rowOfNode = new LinkedHashMap<>();
    Map<String, Row> rows = new LinkedHashMap<>();
    for (ConvBench.Shape shape : ConvBench.SHAPES) {
      rows.put(shape.name(), new Row(shape.name(), true, new ArrayList<>()));
    }
    List<Double> runs = new ArrayList<>();
    for (JsonElement e : JsonParser.parseReader(json).getAsJsonArray()) {
      JsonObject event = e.getAsJsonObject();
      String cat = event.get("cat").getAsString();
      String name = event.get("name").getAsString();
      double ms = event.get("dur").getAsDouble() / 1000;
      if (cat.equals("Session") && name.equals("model_run")) {
        runs.add(ms);
      } else if (cat.equals("Node") && name.endsWith("_kernel_time")) {
        perNode.computeIfAbsent(name, k -> new ArrayList<>()).add(ms);
        rowOfNode.computeIfAbsent(name, k -> row(event.getAsJsonObject("args"), rows));
      }
    }
    perNode.forEach((node, ms) -> rowOfNode.get(node).nodeMillis().add(median(ms, skip)));
    List<Row> kept = new ArrayList<>();
    rows.values().stream().filter(r -> r.convolution() && !r.nodeMillis().isEmpty())
        .forEach(kept::add);
    rows.values().stream().filter(r -> !r.convolution()).forEach(kept::add);
    return new Summary(kept, median(runs, skip));
  }

  private static double median(List<Double> values, int skip) {
    List<Double> kept = values.size() > skip ? values.subList(skip, values.size()) : values;
    return Timings.median(kept.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The row of a node: its convolution shape, named as ConvBench does, or its operator. */
  private static Row row(JsonObject args, Map<String, Row> rows) {
    String op = args.get("op_name").getAsString();
    boolean conv = op.equals("Conv");
    String name = conv ? convolutionName(args) : op;
    return rows.computeIfAbsent(name, n -> new Row(n, conv, new ArrayList<>()));
  }

  private static String convolutionName(JsonObject args) {
    int[] x = dims(args.getAsJsonArray("input_type_shape").get(0));
    int[] w = dims(args.getAsJsonArray("input_type_shape").get(1));
    int[] y = dims(args.getAsJsonArray("output_type_shape").get(0));
    int k = w[2];
    int stride = (x[2] + y[2] - 1) / y[2];
    int groups = x[1] / w[1];
    return ConvBench.name(new Conv2d(x[1], x[2], x[3], w[0], k, stride, k / 2, 1, groups));
  }

  private static int[] dims(JsonElement typed) {
    JsonArray d = typed.getAsJsonObject().entrySet().iterator().next().getValue().getAsJsonArray();
    int[] dims = new int[d.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = d.get(i).getAsInt();
    }
    return dims;
  }

  static String format(Summary s) {
    StringBuilder b = new StringBuilder("| node | layers | ms per layer | ms |\n");
    b.append("|---|---:|---:|---:|\n");
    double conv = 0;
    double all = 0;
    for (Row r : s.rows()) {
      b.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f |%n", r.name(),
          r.nodeMillis().size(), r.millis() / r.nodeMillis().size(), r.millis()));
      conv += r.convolution() ? r.millis() : 0;
      all += r.millis();
    }
    b.append(String.format(Locale.ROOT,
        "convolutions: %.3f ms; all nodes: %.3f ms; median run: %.3f ms%n", conv, all,
        s.runMillis()));
    return b.toString();
  }
}
