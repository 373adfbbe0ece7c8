package dev.resnetc.example;

import dev.resnetc.example.nets.ResNet20;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CIFAR-10 classifier around the generated {@link ResNet20}: load it once, then call
 * {@link #classify} from any number of threads.
 */
public final class Classifier {
  /** CIFAR-10's classes, in the order of the network's outputs. */
  public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat",
      "deer", "dog", "frog", "horse", "ship", "truck");

  /** One class of one sample, with its logit and softmax probability. */
  public record Ranked(int index, String name, float logit, double probability) {}

  private final ResNet20 net;

  private Classifier(ResNet20 net) {
    this.net = net;
  }

  /** Reads a PyTorch {@code state_dict} saved as safetensors or {@code .npz}. */
  public static Classifier load(Path weights) throws IOException {
    return new Classifier(ResNet20.load(weights));
  }

  /** The shape of one input sample, {@code [3, 32, 32]}. */
  public static int[] inputShape() {
    return ResNet20.inputShape();
  }

  /** The logits of a batch of NCHW samples: row {@code n} is {@code [n * 10, n * 10 + 10)}. */
  public float[] logits(float[] batch) {
    return net.forward(batch);
  }

  /** The {@code k} best classes of each sample in {@code logits}, best first. */
  public static List<List<Ranked>> top(float[] logits, int k) {
    int classes = CLASSES.size();
    List<List<Ranked>> result = new ArrayList<>();
    for (int row = 0; row < logits.length; row += classes) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[row + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[row + c] - max);
      }
      List<Ranked> ranked = new ArrayList<>();
      for (int c = 0; c < classes; c++) {
        float logit = logits[row + c];
        ranked.add(new Ranked(c, CLASSES.get(c), logit, Math.exp(logit - max) / sum));
      }
      ranked.sort((a, b) -> a.logit() != b.logit()
          ? Float.compare(b.logit(), a.logit()) : Integer.compare(a.index(), b.index()));
      result.add(List.copyOf(ranked.subList(0, Math.min(k, classes))));
    }
    return result;
  }
}
