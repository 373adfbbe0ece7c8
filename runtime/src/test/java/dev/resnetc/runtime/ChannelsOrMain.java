package dev.resnetc.runtime;

/**
 * Prints which algorithm {@link Kernels#channelsOr} picks and which one the prepared weights then
 * run, for {@link VectorConvTest} to start in a JVM with narrower vectors.
 */
public final class ChannelsOrMain {
  private ChannelsOrMain() {}

  public static void main(String[] args) {
    ConvWeights.Algorithm chosen = Kernels.channelsOr(ConvWeights.Algorithm.WINOGRAD_4X4);
    Conv2d c = new Conv2d(4, 14, 14, 4, 3, 1, 1, 1, 1);
    System.out.print(chosen + " " + Kernels.prepare(c, new float[c.weightSize()], chosen)
        .algorithm());
  }
}
