package dev.resnetc.cli;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.run.GeneratedNetwork;
import dev.resnetc.runtime.Npy;
import dev.resnetc.runtime.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code resnetc run}: compiles a network to Java, compiles that with javac in memory, loads the
 * weights into the generated class and runs an input batch through its {@code forward}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {"Compile a network, load its weights and run an input through the generated"
        + " Java class.",
        "The input is a float32 .npy of shape [N, ...input shape] (or one sample without N), or"
            + " image files with --preprocess imagenet."},
    footer = "%nExample:%n  resnetc run resnet50.resnet --weights resnet50.safetensors"
        + " --input batch.npy --output logits.npy --top 5")
final class RunCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The .resnet file of the network.")
  String file;

  @Option(names = "--weights", required = true, paramLabel = "W",
      description = "Weights: .safetensors (F32, F16, BF16) or .npz, named as in the network's"
          + " parameter table (a PyTorch state_dict).")
  String weights;

  @Option(names = "--strip-prefix", paramLabel = "PREFIX", defaultValue = "",
      description = "Remove PREFIX (such as 'module.') from weight names that start with it.")
  String stripPrefix;

  @Option(names = "--input", required = true, paramLabel = "X", arity = "1..*",
      description = "A float32 .npy batch, or image files (PNG, JPEG) with --preprocess.")
  List<String> inputs;

  @Option(names = "--preprocess", paramLabel = "MODE",
      description = "How to turn images into input: 'imagenet' (resize the short side to 256/224"
          + " of the input size, centre crop, ImageNet mean and std).")
  String preprocess;

  @Option(names = "--output", paramLabel = "Y",
      description = "Write the output batch here as a float32 .npy.")
  String output;

  @Option(names = "--top", paramLabel = "K", defaultValue = "5",
      description = "Print the K highest-scoring classes of each sample (default: ${DEFAULT-VALUE};"
          + " 0 prints nothing).")
  int top;

  @Override
  public Integer call() {
    if (top < 0) {
      throw new CliException("--top must be 0 or more, got " + top);
    }
    Networks.requireJdk("run");
    PrintWriter err = spec.commandLine().getErr();
    Optional<Compilation> compilation = Frontend.analyze(file, err, false);
    if (compilation.isEmpty()) {
      return Main.EXIT_SOURCE_ERRORS;
    }
    Compilation c = compilation.get();
    int[] inputShape = c.graph().inputShape().dims();
    Tensor x = readInput(inputShape);

    GeneratedNetwork network = GeneratedNetwork.compile(c, "resnetc.run");
    float[] y = Networks.load(network, file, weights, stripPrefix).forward(x.data());

    int batch = x.shape()[0];
    int[] outShape = c.outputShape().dims();
    int[] yShape = IntStream.concat(IntStream.of(batch), IntStream.of(outShape)).toArray();
    if (output != null) {
      try {
        Npy.write(Frontend.toPath(output), new Tensor(yShape, y));
      } catch (IOException e) {
        throw new CliException("cannot write '" + output + "': " + Frontend.describe(e));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("output " + Arrays.toString(yShape) + (output == null ? "" : " -> " + output));
    if (top > 0 && outShape.length == 1) {
      TopClasses.print(out, y, batch, outShape[0], top);
    }
    out.flush();
    return Main.EXIT_OK;
  }

  /** The input batch, with its leading batch dimension. */
  private Tensor readInput(int[] inputShape) {
    if (preprocess != null) {
      if (!preprocess.equals("imagenet")) {
        throw new CliException("unknown --preprocess '" + preprocess + "'; the one mode is imagenet");
      }
      List<Path> images = new ArrayList<>();
      for (String s : inputs) {
        images.add(Frontend.toPath(s));
      }
      return ImageNetInput.read(images, inputShape);
    }
    if (inputs.size() != 1) {
      throw new CliException("give one .npy --input (several inputs are for images with"
          + " --preprocess imagenet)");
    }
    String name = inputs.get(0);
    Tensor t;
    try {
      t = Npy.read(Frontend.toPath(name));
    } catch (IOException e) {
      throw new CliException("cannot read input '" + name + "': " + Frontend.describe(e));
    }
    int[] shape = t.shape();
    if (Arrays.equals(shape, inputShape)) {
      return new Tensor(IntStream.concat(IntStream.of(1), IntStream.of(shape)).toArray(), t.data());
    }
    if (shape.length == inputShape.length + 1 && shape[0] > 0
        && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), inputShape)) {
      return t;
    }
    throw new CliException(String.format(Locale.ROOT,
        "input '%s' has shape %s; the network expects [N, %s] (or %s for one sample)", name,
        Arrays.toString(shape), Arrays.toString(inputShape).replaceAll("[\\[\\]]", ""),
        Arrays.toString(inputShape)));
  }
}
