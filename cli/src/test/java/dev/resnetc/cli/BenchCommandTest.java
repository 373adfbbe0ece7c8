package dev.resnetc.cli;

import static com.google.common.truth.Truth.assertThat;
import static dev.resnetc.cli.TestFiles.run;

import dev.resnetc.cli.TestFiles.Result;
import dev.resnetc.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code resnetc bench} on a tiny network: the lines it prints and its exit codes, not speed. */
class BenchCommandTest {
  private static final String TINY = """
      network Tiny(input: [2, 6, 6]) {
        conv1: conv(4, kernel=3, padding=1, bias=false)
        bn1: batchnorm
        relu
        global_avgpool
        flatten
        fc: dense(3)
      }
      """;
  private static final Pattern NUMBER = Pattern.compile("[0-9]+(\\.[0-9]+)?");

  @TempDir
  Path dir;
  private Path net;

  @BeforeEach
  void writeNetwork() throws IOException {
    net = Files.writeString(dir.resolve("tiny.resnet"), TINY);
  }

  /** The number on the line {@code key: NUMBER}, which must be there exactly once. */
  private static double value(String out, String key) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + ": (" + NUMBER + ")$").matcher(out);
    assertThat(m.find()).isTrue();
    double v = Double.parseDouble(m.group(1));
    assertThat(m.find()).isFalse();
    return v;
  }

  private Path tinyWeights() throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("conv1.weight", new Tensor(new int[] {4, 2, 3, 3}, filled(72, 0.1f)));
    t.put("bn1.weight", new Tensor(new int[] {4}, filled(4, 1)));
    t.put("bn1.bias", new Tensor(new int[] {4}, filled(4, 0)));
    t.put("bn1.running_mean", new Tensor(new int[] {4}, filled(4, 0)));
    t.put("bn1.running_var", new Tensor(new int[] {4}, filled(4, 1)));
    t.put("fc.weight", new Tensor(new int[] {3, 4}, filled(12, 0.5f)));
    t.put("fc.bias", new Tensor(new int[] {3}, filled(3, 0)));
    return TestFiles.safetensors(dir.resolve("tiny.safetensors"), t);
  }

  private static float[] filled(int n, float value) {
    float[] a = new float[n];
    Arrays.fill(a, value);
    return a;
  }

  @Test
  void warnsOfAMissingVectorModuleAndOfRegisterSchedulingFromJdk25On() {
    assertThat(Networks.kernelWarnings(true, 17, Optional.of("true"))).isEmpty();
    assertThat(Networks.kernelWarnings(true, 25, Optional.of("false"))).isEmpty();
    assertThat(Networks.kernelWarnings(true, 25, Optional.empty())).isEmpty();
    assertThat(Networks.kernelWarnings(true, 26, Optional.of("true"))).containsExactly(
        "on JDK 26 the fast kernels need -XX:-OptoRegScheduling (./resnetc passes it): without"
            + " it C2 spills a register in their inner loop and ResNets take about 1.5 times as"
            + " long");
    assertThat(Networks.kernelWarnings(false, 25, Optional.of("true"))).containsExactly(
        "the JVM runs without --add-modules jdk.incubator.vector, so the scalar kernels run");
  }

  /** The build's test JVM gets what the fast kernels need on its JDK (the root pom's profile). */
  @Test
  void theTestJvmNeedsNoWarning() {
    assertThat(Networks.kernelWarnings()).isEmpty();
  }

  @Test
  void printsMedianGflopsPeakShareAndFirstResult() throws IOException {
    Result r = run("bench", net.toString(), "--weights", tinyWeights().toString(), "--batch", "2",
        "--threads", "1", "--warmup", "1", "--warmup-seconds", "0");
    assertThat(r.status()).isEqualTo(0);
    double median = value(r.out(), "median_ms");
    assertThat(median).isGreaterThan(0.0);
    assertThat(r.out()).containsMatch("(?m)^median_ms: [0-9]+\\.[0-9]{3}$");
    assertThat(value(r.out(), "min_ms")).isAtMost(median);
    assertThat(value(r.out(), "max_ms")).isAtLeast(median);
    double load = value(r.out(), "load_ms");
    assertThat(load).isGreaterThan(0.0);
    // both rounded to 0.1 ms: a warm JVM's first call of this network can take less than that
    assertThat(value(r.out(), "first_result_ms")).isAtLeast(load);
    assertThat(value(r.out(), "multiply_adds_per_image")).isEqualTo(2 * 4 * 9 * 36 + 4 * 3);
    double gflops = value(r.out(), "gflops");
    assertThat(value(r.out(), "peak_gflops")).isEqualTo(BenchCommand.PEAK_GFLOPS_PER_CORE);
    assertThat(value(r.out(), "peak_share"))
        .isWithin(0.0015).of(gflops / BenchCommand.PEAK_GFLOPS_PER_CORE);
    assertThat(r.out()).contains("network: Tiny  batch: 2  threads: 1  warmup: 1  runs: 15");
  }

  /**
   * By default the warm-up goes on for a second whatever the count: a call of this network takes
   * microseconds, so 5 calls alone would be over long before.
   */
  @Test
  void theDefaultWarmUpLastsASecond() {
    Result r = run("bench", net.toString(), "--random-weights", "--threads", "1");
    assertThat(r.status()).isEqualTo(0);
    assertThat(value(r.out(), "warmup_ms")).isAtLeast(1000.0);
    Matcher calls = Pattern.compile("warmup: ([0-9]+) ").matcher(r.out());
    assertThat(calls.find()).isTrue();
    assertThat(Integer.parseInt(calls.group(1))).isGreaterThan(5);
  }

  @Test
  void randomWeightsNeedNoFileAndPeakScalesWithThreads() {
    Result r = run("bench", net.toString(), "--random-weights", "--threads", "1", "--runs", "20",
        "--peak-gflops", "10");
    assertThat(r.status()).isEqualTo(0);
    assertThat(r.out()).contains("runs: 20");
    assertThat(value(r.out(), "peak_gflops")).isEqualTo(10.0);
  }

  @Test
  void fewerThanFifteenRunsIsAUsageError() {
    Result r = run("bench", net.toString(), "--random-weights", "--runs", "14");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--runs must be at least 15, got 14");
  }

  @Test
  void badNumbersAreUsageErrors() {
    assertThat(run("bench", net.toString(), "--random-weights", "--batch", "0").status())
        .isEqualTo(2);
    assertThat(run("bench", net.toString(), "--random-weights", "--threads", "0").status())
        .isEqualTo(2);
    assertThat(run("bench", net.toString(), "--random-weights", "--peak-gflops", "-1").status())
        .isEqualTo(2);
    assertThat(run("bench", net.toString(), "--random-weights", "--warmup", "x").status())
        .isEqualTo(2);
    Result negative = run("bench", net.toString(), "--random-weights", "--warmup-seconds", "-1");
    assertThat(negative.status()).isEqualTo(2);
    assertThat(negative.err()).contains("--warmup-seconds must be between 0 and 3600, got -1.0");
    assertThat(run("bench", net.toString(), "--random-weights", "--warmup-seconds", "NaN")
        .status()).isEqualTo(2);
  }

  @Test
  void weightsOrRandomWeightsIsRequiredButNotBoth() throws IOException {
    Result none = run("bench", net.toString());
    assertThat(none.status()).isEqualTo(2);
    assertThat(none.err()).contains("--weights");
    Result both = run("bench", net.toString(), "--random-weights", "--weights",
        tinyWeights().toString());
    assertThat(both.status()).isEqualTo(2);
  }

  @Test
  void weightsThatDoNotFitAreExitCode2() throws IOException {
    Path bad = TestFiles.safetensors(dir.resolve("bad.safetensors"),
        Map.of("fc.weight", new Tensor(new int[] {3, 4}, filled(12, 1))));
    Result r = run("bench", net.toString(), "--weights", bad.toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("do not fit");
    assertThat(r.err()).contains("conv1.weight");
    assertThat(r.out()).doesNotContain("median_ms");
  }

  @Test
  void sourceErrorsAreExitCode1() throws IOException {
    Path broken = Files.writeString(dir.resolve("broken.resnet"),
        "network B(input: [2, 6, 6]) {\n  convv(4, kernel=3)\n}\n");
    Result r = run("bench", broken.toString(), "--random-weights");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("E200");
  }

  @Test
  void helpNamesTheMedianLine() {
    Result r = run("bench", "--help");
    assertThat(r.status()).isEqualTo(0);
    assertThat(r.out()).contains("median_ms");
    assertThat(r.out()).contains("--peak-gflops");
  }
}
