package dev.resnetc.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.compiler.run.GeneratedNetwork;
import dev.resnetc.compiler.run.Timings;
import dev.resnetc.dsl.DiagnosticPrinter;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.runtime.Npy;
import dev.resnetc.runtime.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the generated ResNet classes and ONNX Runtime on the same torchvision weights, inputs and
 * thread counts in interleaved rounds, checks that their outputs agree and prints
 * {@code java_ms / ort_ms} for every model, batch size and thread count.
 */
@Command(name = "side-by-side", mixinStandardHelpOptions = true,
    description = {"Time generated networks against ONNX Runtime on the same weights and inputs.",
        "Run it with bench/run.sh, which gives the JVM --add-modules jdk.incubator.vector."})
public final class SideBySide implements Callable<Integer> {
  /** Largest accepted {@code max|y_java - y_other| / max|y_other|}. */
  static final double TOLERANCE = 1e-4;

  @Option(names = "--root", defaultValue = ".", paramLabel = "DIR",
      description = "The resnetc checkout: samples/ and tools/ (default: ${DEFAULT-VALUE}).")
  Path root;

  @Option(names = "--reference", paramLabel = "DIR",
      description = "Reference data, NAME/{weights.safetensors, input.npy, expected.npy,"
          + " model.onnx}; written by tools/reference/make_reference.py if missing"
          + " (default: ROOT/bench/target/reference).")
  Path reference;

  @Option(names = "--models", split = ",", defaultValue = "resnet18,resnet50",
      description = "Samples to run (default: ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(names = "--batches", split = ",", defaultValue = "1,8",
      description = "Batch sizes (default: ${DEFAULT-VALUE}).")
  List<Integer> batches;

  @Option(names = "--threads", split = ",", defaultValue = "1,2",
      description = "Thread counts, the same for both sides (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(names = "--rounds", defaultValue = "7",
      description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--calls", defaultValue = "3",
      description = "Timed calls of each side per round, alternating (default: ${DEFAULT-VALUE}).")
  int calls;

  @Option(names = "--warmup", defaultValue = "5",
      description = "Untimed calls of each side before the rounds (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--warmup-seconds", defaultValue = "2",
      description = "Keep warming both sides up, alternating, until this many seconds have passed"
          + " (default: ${DEFAULT-VALUE}): the JIT recompiles the kernels when a thread count"
          + " takes new paths, and 5 calls of a 10 ms network are over before it is done.")
  double warmupSeconds;

  @Option(names = "--ort-spinning", defaultValue = "false",
      description = "Let ONNX Runtime's idle threads spin (its default). Off by default: spinning"
          + " threads would steal the cores from the Java calls interleaved with them.")
  boolean ortSpinning;

  private final PrintStream out = System.out;

  public static void main(String[] args) {
    System.exit(new CommandLine(new SideBySide()).execute(args));
  }

  @Override
  public Integer call() throws IOException, OrtException {
    if (rounds < 1 || calls < 1 || warmup < 0 || !(warmupSeconds >= 0)) {
      throw new IllegalArgumentException("--rounds and --calls must be 1 or more, --warmup and"
          + " --warmup-seconds 0 or more");
    }
    Path refDir = reference != null ? reference : root.resolve("bench/target/reference");
    ensureReference(refDir);
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      out.println("warning: no --add-modules jdk.incubator.vector: the scalar kernels are timed");
    }
    out.printf(Locale.ROOT, "processors: %d, ONNX Runtime %s, %d rounds x %d calls per side%n",
        Runtime.getRuntime().availableProcessors(), OrtEnvironment.getEnvironment().getVersion(),
        rounds, calls);
    List<Cell> cells = new ArrayList<>();
    for (String model : models) {
      cells.addAll(runModel(model, refDir.resolve(model)));
    }
    out.println();
    out.print(Table.format(cells));
    boolean agree = cells.stream().allMatch(c -> c.agrees(TOLERANCE));
    if (!agree) {
      out.println("FAILED: outputs differ by more than " + TOLERANCE);
    }
    return agree ? 0 : 1;
  }

  private List<Cell> runModel(String model, Path dir) throws IOException, OrtException {
    GeneratedNetwork network = GeneratedNetwork.compile(analyze(model), "resnetc.bench");
    Tensor input = Npy.read(dir.resolve("input.npy"));
    Tensor expected = Npy.read(dir.resolve("expected.npy"));
    int inSize = network.inputSize();
    int outSize = expected.data().length / expected.shape()[0];
    Path weights = dir.resolve("weights.safetensors");
    Path onnx = dir.resolve("model.onnx");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<Cell> cells = new ArrayList<>();
    for (int t : threads) {
      float[] one = Batches.replicate(input.data(), inSize, 1);
      long start = System.nanoTime();
      GeneratedNetwork.Model loaded = network.load(weights, "");
      GeneratedNetwork.Model java = loaded.withThreads(t).orElse(loaded);
      java.forward(one);
      double javaFirst = (System.nanoTime() - start) / 1e6;
      // The kernels' warm-up thread would share the cores with ONNX Runtime's first run and
      // with the rounds.
      network.awaitWarmUp();
      start = System.nanoTime();
      try (OrtSession session = session(env, onnx, t)) {
        try (OnnxTensor x = tensor(env, one, 1, network.inputShape())) {
          run(session, x);
        }
        double ortFirst = (System.nanoTime() - start) / 1e6;
        for (int b : batches) {
          float[] x = Batches.replicate(input.data(), inSize, b);
          float[] torch = Batches.replicate(expected.data(), outSize, b);
          try (OnnxTensor xt = tensor(env, x, b, network.inputShape())) {
            Cell cell = measure(model, b, t, java, session, x, xt, torch, javaFirst, ortFirst);
            out.println(Table.row(cell));
            cells.add(cell);
          }
        }
      }
    }
    return cells;
  }

  /** Warms both sides up, checks their outputs, then times them in interleaved rounds. */
  private Cell measure(String model, int batch, int threads, GeneratedNetwork.Model java,
      OrtSession session, float[] x, OnnxTensor xt, float[] torch, double javaFirst,
      double ortFirst) throws OrtException {
    float[] yJava = java.forward(x);
    float[] yOrt = run(session, xt);
    long until = System.nanoTime() + (long) (warmupSeconds * 1e9);
    for (int i = 1; i < warmup || System.nanoTime() < until; i++) {
      java.forward(x);
      run(session, xt);
    }
    double[] javaMs = new double[rounds * calls];
    double[] ortMs = new double[rounds * calls];
    for (int i = 0; i < rounds * calls; i++) {
      javaMs[i] = Timings.time(() -> java.forward(x));
      long start = System.nanoTime();
      run(session, xt);
      ortMs[i] = (System.nanoTime() - start) / 1e6;
    }
    return new Cell(model, batch, threads, Timings.median(javaMs), Timings.median(ortMs),
        javaFirst, ortFirst, Batches.relativeError(yJava, yOrt),
        Batches.relativeError(yJava, torch));
  }

  /** A session with {@code t} intra-op threads (see {@link OrtProfile#options}). */
  private OrtSession session(OrtEnvironment env, Path onnx, int t) throws OrtException {
    try (OrtSession.SessionOptions options = OrtProfile.options(t, ortSpinning)) {
      return env.createSession(onnx.toString(), options);
    }
  }

  private static float[] run(OrtSession session, OnnxTensor x) throws OrtException {
    try (OrtSession.Result r = session.run(Map.of("input", x))) {
      FloatBuffer y = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] a = new float[y.remaining()];
      y.get(a);
      return a;
    }
  }

  private static OnnxTensor tensor(OrtEnvironment env, float[] x, int batch, int[] shape)
      throws OrtException {
    long[] dims = new long[shape.length + 1];
    dims[0] = batch;
    for (int i = 0; i < shape.length; i++) {
      dims[i + 1] = shape[i];
    }
    return OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
  }

  private Compilation analyze(String model) throws IOException {
    return analyze(root.resolve("samples").resolve(model + ".resnet"));
  }

  /** The checked network of a sample; one that does not compile is the benchmark's bug. */
  static Compilation analyze(Path file) throws IOException {
    Diagnostics diagnostics = new Diagnostics();
    Optional<Compilation> c = Resnetc.analyze(file, file.toString(), diagnostics);
    if (c.isEmpty() || diagnostics.hasErrors()) {
      DiagnosticPrinter printer = new DiagnosticPrinter();
      throw new IllegalStateException("cannot compile " + file + ":\n" + diagnostics.all().stream()
          .map(printer::format).collect(Collectors.joining()));
    }
    return c.get();
  }

  /** Writes the reference data with PyTorch when a model's files are missing. */
  private void ensureReference(Path dir) throws IOException {
    List<String> missing = new ArrayList<>();
    for (String model : models) {
      for (String f : List.of("weights.safetensors", "input.npy", "expected.npy", "model.onnx")) {
        if (!Files.isRegularFile(dir.resolve(model).resolve(f))) {
          missing.add(model);
          break;
        }
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    List<String> command = new ArrayList<>(List.of("/usr/bin/python3",
        root.resolve("tools/reference/make_reference.py").toString(), dir.toString()));
    command.addAll(missing);
    command.add("--onnx");
    out.println("writing reference data: " + String.join(" ", command));
    Process p = new ProcessBuilder(command).inheritIO().start();
    try {
      if (p.waitFor() != 0) {
        throw new IOException("make_reference.py failed (it needs Debian's python3-torch,"
            + " python3-torchvision and python3-onnx)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while writing reference data", e);
    }
  }
}
