package dev.resnetc.compiler.interp;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.collect.Range;
import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.compiler.codegen.ClassCompiler;
import dev.resnetc.compiler.ir.Param;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.SourceFile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hand-computed checks of the interpreter, and of the generated golden networks against it. */
class InterpreterTest {
  private static final float EXACT = 1e-6f;

  static Compilation compile(String text) {
    Diagnostics diagnostics = new Diagnostics();
    return Resnetc.analyze(SourceFile.of("t.resnet", text), diagnostics)
        .orElseThrow(() -> new AssertionError(diagnostics.all().toString()));
  }

  private static float[] run(String text, Map<String, float[]> weights, float... input) {
    Compilation c = compile(text);
    return Interpreter.run(c, weights, input, 1);
  }

  private static float[] seq(int from, int count) {
    float[] x = new float[count];
    for (int i = 0; i < count; i++) {
      x[i] = from + i;
    }
    return x;
  }

  @Test
  void pointwiseConvWeighsChannelsAndAddsBias() {
    float[] y = run("network T(input: [2, 1, 2]) { c: conv(1, kernel=1) }",
        Map.of("c.weight", new float[] {2, -1}, "c.bias", new float[] {0.5f}),
        1, 2, 3, 4);
    assertThat(y).usingTolerance(EXACT).containsExactly(-0.5f, 0.5f).inOrder();
  }

  @Test
  void paddedConvIsCrossCorrelationWithZeroBorder() {
    // w(0,0) = 1 and w(2,2) = 2, so y(i,j) = x(i-1,j-1) + 2 x(i+1,j+1), zero outside.
    float[] y = run("network T(input: [1, 3, 3]) { c: conv(1, kernel=3, padding=1, bias=false) }",
        Map.of("c.weight", new float[] {1, 0, 0, 0, 0, 0, 0, 0, 2}),
        seq(1, 9));
    assertThat(y).usingTolerance(EXACT)
        .containsExactly(10f, 12f, 0f, 16f, 19f, 2f, 0f, 4f, 5f).inOrder();
  }

  @Test
  void stridedConvSumsNonOverlappingWindows() {
    float[] y = run("network T(input: [1, 4, 4]) { c: conv(1, kernel=2, stride=2, bias=false) }",
        Map.of("c.weight", new float[] {1, 1, 1, 1}),
        seq(1, 16));
    assertThat(y).usingTolerance(EXACT).containsExactly(14f, 22f, 46f, 54f).inOrder();
  }

  @Test
  void dilatedConvSkipsPixels() {
    float[] y = run("network T(input: [1, 3, 3]) { c: conv(1, kernel=2, dilation=2, bias=false) }",
        Map.of("c.weight", new float[] {1, 10, 100, 1000}),
        seq(1, 9));
    assertThat(y).usingTolerance(EXACT).containsExactly(1f + 30 + 700 + 9000).inOrder();
  }

  @Test
  void groupedConvReadsOnlyItsGroupsChannels() {
    float[] y = run("network T(input: [2, 1, 1]) { c: conv(4, kernel=1, groups=2, bias=false) }",
        Map.of("c.weight", new float[] {1, 2, 3, 4}),
        10, 100);
    assertThat(y).usingTolerance(EXACT).containsExactly(10f, 20f, 300f, 400f).inOrder();
  }

  @Test
  void batchNormUsesRunningStatisticsAndEps() {
    // var + eps = 1 for both channels, so y = (x - mean) * gamma + beta.
    float[] y = run("network T(input: [2, 1, 1]) { b: batchnorm(eps=0.25) }",
        Map.of("b.weight", new float[] {2, 3}, "b.bias", new float[] {0.5f, -1},
            "b.running_mean", new float[] {0.5f, 1}, "b.running_var", new float[] {0.75f, 3.75f}),
        1, 2);
    assertThat(y).usingTolerance(EXACT).containsExactly(1.5f, 0.5f).inOrder();
  }

  @Test
  void maxPoolPadsWithNegativeInfinity() {
    float[] y = run("network T(input: [1, 2, 2]) { maxpool(kernel=2, stride=1, padding=1) }",
        Map.of(), -1, -2, -3, -4);
    assertThat(y).usingTolerance(EXACT)
        .containsExactly(-1f, -1f, -2f, -1f, -1f, -2f, -3f, -3f, -4f).inOrder();
  }

  @Test
  void avgPoolCountsPaddedZerosInTheDivisor() {
    float[] y = run("network T(input: [1, 2, 2]) { avgpool(kernel=2, stride=1, padding=1) }",
        Map.of(), 4, 8, 12, 16);
    assertThat(y).usingTolerance(EXACT)
        .containsExactly(1f, 3f, 2f, 4f, 10f, 6f, 3f, 7f, 4f).inOrder();
  }

  @Test
  void globalAvgPoolAveragesEachChannel() {
    float[] y = run("network T(input: [2, 2, 2]) { global_avgpool flatten }", Map.of(),
        1, 2, 3, 4, 10, 20, 30, 40);
    assertThat(y).usingTolerance(EXACT).containsExactly(2.5f, 25f).inOrder();
  }

  @Test
  void denseMultipliesByTransposedWeightAndAddsBias() {
    float[] y = run("network T(input: [3]) { d: dense(2) }",
        Map.of("d.weight", new float[] {1, 2, 3, -1, 0, 1}, "d.bias", new float[] {0.5f, -0.5f}),
        1, 1, 2);
    assertThat(y).usingTolerance(EXACT).containsExactly(9.5f, 0.5f).inOrder();
  }

  @Test
  void softmaxSumsToOneAndIsStableForLargeInputs() {
    float[] y = run("network T(input: [3]) { softmax }", Map.of(), 1000, 1001, 1002);
    assertThat((double) y[0] + y[1] + y[2]).isWithin(1e-6).of(1.0);
    assertThat((double) y[1] / y[0]).isWithin(1e-5).of(Math.E);
    assertThat((double) y[2] / y[1]).isWithin(1e-5).of(Math.E);
  }

  @Test
  void dropoutAndIdentityPassValuesThrough() {
    float[] y = run("network T(input: [3]) { dropout(p=0.9) identity }", Map.of(), 1, -2, 3);
    assertThat(y).usingTolerance(EXACT).containsExactly(1f, -2f, 3f).inOrder();
  }

  @Test
  void identityResidualAddsInputThenAppliesRelu() {
    // F(x) = (x0, -3 x1); F(x) + x = (2, -2); relu gives (2, 0).
    Map<String, float[]> w = Map.of("fc.weight", new float[] {1, 0, 0, -3});
    String net = "network T(input: [2]) { residual%s { fc: dense(2, bias=false) } }";
    assertThat(run(String.format(net, ""), w, 1, 1)).usingTolerance(EXACT)
        .containsExactly(2f, 0f).inOrder();
    assertThat(run(String.format(net, "(activation=none)"), w, 1, 1)).usingTolerance(EXACT)
        .containsExactly(2f, -2f).inOrder();
  }

  @Test
  void optionAShortcutSubsamplesAndPadsChannelsWithZeros() {
    // 2 -> 5 channels: padFront = 1, then the two input channels, then two zero channels.
    Compilation c = compile("network T(input: [2, 3, 3]) {"
        + " residual(shortcut=pad, activation=none) {"
        + " c: conv(5, kernel=1, stride=2, bias=false) } }");
    assertThat(c.params().stream().map(Param::name)).containsExactly("c.weight");
    float[] x = new float[18];
    for (int i = 0; i < 9; i++) {
      x[i] = 1 + i;
      x[9 + i] = 11 + i;
    }
    float[] y = Interpreter.run(c, Map.of("c.weight", new float[10]), x, 1);
    assertThat(y).usingTolerance(EXACT).containsExactly(
        0f, 0f, 0f, 0f,
        1f, 3f, 7f, 9f,
        11f, 13f, 17f, 19f,
        0f, 0f, 0f, 0f,
        0f, 0f, 0f, 0f).inOrder();
  }

  @Test
  void insertedProjectionIsStridedPointwiseConvWithBatchNorm() {
    Compilation c = compile("network T(input: [1, 3, 3]) {"
        + " residual(activation=none) { c: conv(2, kernel=1, stride=2, bias=false) } }");
    Map<String, float[]> w = new HashMap<>();
    w.put("c.weight", new float[] {1, 1});
    w.put("shortcut.0.weight", new float[] {2, -1});
    w.put("shortcut.1.weight", new float[] {1, 1});
    w.put("shortcut.1.bias", new float[] {0.5f, 0});
    w.put("shortcut.1.running_mean", new float[] {0, 0});
    w.put("shortcut.1.running_var", new float[] {1 - 1e-5f, 1 - 1e-5f});
    float[] y = Interpreter.run(c, w, seq(1, 9), 1);
    // Main path and W_s both see x at (0,0), (0,2), (2,0), (2,2) = 1, 3, 7, 9.
    assertThat(y).usingTolerance(1e-5f)
        .containsExactly(3.5f, 9.5f, 21.5f, 27.5f, 0f, 0f, 0f, 0f).inOrder();
  }

  @Test
  void batchRowsAreIndependent() {
    Compilation c = compile("network T(input: [3]) { d: dense(2) softmax }");
    Map<String, float[]> w = Interpreter.randomWeights(c, 7);
    float[] x = Interpreter.randomInput(c, 2, 8);
    float[] both = Interpreter.run(c, w, x, 2);
    float[] second = Interpreter.run(c, w, new float[] {x[3], x[4], x[5]}, 1);
    assertThat(both).hasLength(4);
    assertThat(new float[] {both[2], both[3]}).usingExactEquality()
        .containsExactly(second).inOrder();
  }

  @Test
  void missingWeightIsNamed() {
    Compilation c = compile("network T(input: [3]) { d: dense(2) }");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Interpreter.run(c, Map.of("d.weight", new float[6]), new float[3], 1));
    assertThat(e).hasMessageThat().contains("d.bias");
  }

  @Test
  void wrongInputLengthReportsExpectedAndActual() {
    Compilation c = compile("network T(input: [3]) { d: dense(2) }");
    Map<String, float[]> w = Interpreter.randomWeights(c, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Interpreter.run(c, w, new float[5], 2));
    assertThat(e).hasMessageThat().contains("6");
    assertThat(e).hasMessageThat().contains("5");
  }

  @Test
  void randomWeightsAreDeterministicAndInRange() {
    Compilation c = compile("network T(input: [4, 3, 3]) { c: conv(8, kernel=3) b: batchnorm }");
    Map<String, float[]> a = Interpreter.randomWeights(c, 42);
    Map<String, float[]> b = Interpreter.randomWeights(c, 42);
    assertThat(a.keySet()).containsExactly("c.weight", "c.bias", "b.weight", "b.bias",
        "b.running_mean", "b.running_var").inOrder();
    for (String k : a.keySet()) {
      assertThat(a.get(k)).usingExactEquality().containsExactly(b.get(k)).inOrder();
    }
    assertThat(Interpreter.randomWeights(c, 43).get("c.weight")).isNotEqualTo(a.get("c.weight"));
    double bound = 1 / Math.sqrt(4 * 9);
    for (float v : a.get("c.weight")) {
      assertThat((double) v).isIn(Range.closed(-bound, bound));
    }
    for (float v : a.get("b.running_var")) {
      assertThat(v).isAtLeast(0.5f);
      assertThat(v).isAtMost(2.0f);
    }
    for (float v : a.get("b.weight")) {
      assertThat(v).isAtLeast(0.5f);
      assertThat(v).isAtMost(1.5f);
    }
  }

  /** The generated Java of each golden network agrees with the interpreter on random data. */
  @ParameterizedTest
  @ValueSource(strings = {"TinyResNet", "OptionA", "DenseResidual"})
  void generatedForwardOfGoldenNetworkMatchesInterpreter(String network) throws Exception {
    Diagnostics diagnostics = new Diagnostics();
    Path source = Path.of("src/test/resources/golden", network + ".resnet");
    Compilation c = Resnetc.analyze(source, network + ".resnet", diagnostics)
        .orElseThrow(() -> new AssertionError(diagnostics.all().toString()));
    Map<String, float[]> weights = Interpreter.randomWeights(c, 11);
    float[] x = Interpreter.randomInput(c, 2, 12);

    Class<?> type = ClassCompiler.compile(Resnetc.generate(c, "gen"));
    Object net = type.getConstructor(Map.class).newInstance(weights);
    float[] y = (float[]) type.getMethod("forward", float[].class).invoke(net, (Object) x.clone());
    float[] expected = Interpreter.run(c, weights, x, 2);

    assertThat(y).hasLength(expected.length);
    double maxDiff = 0;
    double maxRef = 0;
    for (int i = 0; i < y.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(y[i] - expected[i]));
      maxRef = Math.max(maxRef, Math.abs(expected[i]));
    }
    assertThat(maxRef).isGreaterThan(0.0);
    assertWithMessage("max |y - y_ref| = %s, max |y_ref| = %s", maxDiff, maxRef)
        .that(maxDiff / maxRef).isAtMost(1e-5);
  }
}
