package dev.resnetc.runtime;

/**
 * Prints the JVM's preferred layout and what preparing weights for the blocked one does, for
 * {@link BlockedConvTest} to start in JVMs without the Vector API or with narrower vectors.
 */
public final class LayoutMain {
  private LayoutMain() {}

  public static void main(String[] args) {
    System.out.print(Layout.preferred());
    try {
      Conv2d c = new Conv2d(16, 2, 2, 16, 1, 1, 0, 1, 1);
      Kernels.prepare(c, new float[c.weightSize()], ConvWeights.Algorithm.DIRECT, Layout.BLOCKED);
      System.out.print(" prepared");
    } catch (IllegalStateException e) {
      System.out.print(" " + e.getMessage());
    }
  }
}
