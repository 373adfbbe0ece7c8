package dev.resnetc.compiler.run;

import java.util.Arrays;

/** Wall-clock times of repeated calls, in milliseconds, and their median, minimum and maximum. */
public final class Timings {
  private final double[] millis;

  /** Times taken from {@code millis} (copied; at least one). */
  public Timings(double[] millis) {
    if (millis.length == 0) {
      throw new IllegalArgumentException("no timings");
    }
    this.millis = millis.clone();
    Arrays.sort(this.millis);
  }

  /** Times {@code runs} calls of {@code call}, one after another. */
  public static Timings measure(int runs, Runnable call) {
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      ms[i] = time(call);
    }
    return new Timings(ms);
  }

  /** Milliseconds one call of {@code call} takes. */
  public static double time(Runnable call) {
    long start = System.nanoTime();
    call.run();
    return (System.nanoTime() - start) / 1e6;
  }

  /** The median of {@code values}: the middle one, or the mean of the two middle ones. */
  public static double median(double[] values) {
    return new Timings(values).median();
  }

  /** The median time. */
  public double median() {
    int n = millis.length;
    return n % 2 == 1 ? millis[n / 2] : (millis[n / 2 - 1] + millis[n / 2]) / 2;
  }

  /** The shortest time. */
  public double min() {
    return millis[0];
  }

  /** The longest time. */
  public double max() {
    return millis[millis.length - 1];
  }

  /** How many calls were timed. */
  public int count() {
    return millis.length;
  }
}
