package dev.resnetc.example;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code classify WEIGHTS INPUT [K]}: loads ResNet-20 with a CIFAR-10 {@code state_dict} and prints
 * the {@code K} (default 3) best classes of each sample of INPUT, a {@code .npy} batch or an image.
 */
public final class Classify {
  private Classify() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns the exit code: 0 done, 2 bad usage or unreadable files. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length < 2 || args.length > 3) {
      err.println("usage: classify WEIGHTS INPUT [K]");
      return 2;
    }
    try {
      int k = args.length == 3 ? Integer.parseInt(args[2]) : 3;
      Classifier classifier = Classifier.load(Path.of(args[0]));
      float[] batch = Inputs.read(Path.of(args[1]), Classifier.inputShape());
      List<List<Classifier.Ranked>> top = Classifier.top(classifier.logits(batch), k);
      for (int n = 0; n < top.size(); n++) {
        out.printf(Locale.ROOT, "sample %d:%n", n);
        for (Classifier.Ranked r : top.get(n)) {
          out.printf(Locale.ROOT, "  %-10s %6.2f%%  (class %d, logit %.4f)%n", r.name(),
              100 * r.probability(), r.index(), r.logit());
        }
      }
      return 0;
    } catch (IOException | NumberFormatException e) {
      err.println("classify: " + e.getMessage());
      return 2;
    }
  }
}
