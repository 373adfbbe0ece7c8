package dev.resnetc.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/** Prints the highest-scoring classes of each row, with ImageNet's names for 1000-class outputs. */
final class TopClasses {
  private static final int IMAGENET_CLASSES = 1000;

  private TopClasses() {}

  static void print(PrintWriter out, float[] y, int batch, int classes, int k) {
    List<String> names = classes == IMAGENET_CLASSES ? imageNetNames() : List.of();
    for (int n = 0; n < batch; n++) {
      int row = n * classes;
      double[] p = softmax(y, row, classes);
      out.printf(Locale.ROOT, "sample %d:%n", n);
      int[] best = IntStream.range(0, classes).boxed()
          .sorted(Comparator.comparingDouble((Integer i) -> -y[row + i]).thenComparing(i -> i))
          .limit(k).mapToInt(Integer::intValue).toArray();
      for (int i : best) {
        out.printf(Locale.ROOT, "  %5d  score %10.4f  softmax %.4f%s%n", i, y[row + i], p[i],
            names.isEmpty() ? "" : "  " + names.get(i));
      }
    }
  }

  private static double[] softmax(float[] y, int offset, int length) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < length; i++) {
      max = Math.max(max, y[offset + i]);
    }
    double[] p = new double[length];
    double sum = 0;
    for (int i = 0; i < length; i++) {
      p[i] = Math.exp(y[offset + i] - max);
      sum += p[i];
    }
    for (int i = 0; i < length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** torchvision's ImageNet category names, in class-index order. */
  private static List<String> imageNetNames() {
    try (InputStream in = TopClasses.class.getResourceAsStream("imagenet_classes.txt")) {
      if (in == null) {
        return List.of();
      }
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
