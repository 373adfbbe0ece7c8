package dev.resnetc.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.compiler.codegen.ClassCompiler;
import dev.resnetc.compiler.interp.Interpreter;
import dev.resnetc.compiler.ir.Shape;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.SourceFile;
import dev.resnetc.runtime.TensorSpec;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every sample's generated class compiles with {@code -Xlint:all -Werror}, describes itself
 * truthfully and computes what the IR interpreter computes on seeded random weights:
 * {@code max|y - y_interp| / max|y_interp| <= 1e-4}. Networks at 224x224 run a batch of 1, the
 * others a batch of 2.
 */
class GeneratedCodeTest {
  static final double TOLERANCE = 1e-4;

  @TestFactory
  Stream<DynamicTest> generatedClassAgreesWithInterpreter() {
    return Samples.files().stream().map(f -> DynamicTest.dynamicTest(f, () -> check(f)));
  }

  /**
   * Networks that meet NCHW code with images the runtime may block by channels (16 or 32 of
   * them, on AVX-512): the caller's input, a flatten, the caller's output, pooling, a
   * BatchNorm that is not folded, the option-A shortcut, and a grouped convolution.
   */
  private static final Map<String, String> RELAYOUTS = Map.of(
      "BlockedInputAndFlatten", """
          network BlockedInputAndFlatten(input: [16, 9, 9]) {
            conv1: conv(32, kernel=3, padding=1)
            relu
            pool: avgpool(kernel=2, stride=2)
            max: maxpool(kernel=3, stride=1, padding=1)
            flatten
            fc: dense(10)
          }
          """,
      "BlockedOutput", """
          block unit(planes, stride=1) {
            residual(shortcut=pad) {
              bn1: batchnorm
              relu
              conv1: conv(planes, kernel=3, stride=stride, padding=1, bias=false)
              grouped: conv(planes, kernel=1, groups=4)
            }
          }
          network BlockedOutput(input: [3, 10, 10]) {
            conv1: conv(16, kernel=3, padding=1)
            a: unit(16)
            b: unit(32, stride=2)
          }
          """);

  @TestFactory
  Stream<DynamicTest> conversionsBetweenLayoutsAgreeWithInterpreter() {
    return RELAYOUTS.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(
        e -> DynamicTest.dynamicTest(e.getKey(), () -> {
          Diagnostics d = new Diagnostics();
          Compilation c = Resnetc.analyze(SourceFile.of(e.getKey() + ".resnet", e.getValue()), d)
              .orElseThrow(() -> new AssertionError(d.all()));
          check(e.getKey(), c);
        }));
  }

  private static void check(String file) throws Exception {
    check(file, Samples.load(file).compilation());
  }

  private static void check(String file, Compilation c) throws Exception {
    Class<?> type = ClassCompiler.compile(Resnetc.generate(c, "samples.generated"));
    assertThat(type.getSimpleName()).isEqualTo(c.graph().name());

    assertThat(type.getField("PARAMETER_COUNT").getLong(null)).isEqualTo(c.parameterCount());
    assertThat(type.getField("MULTIPLY_ADDS").getLong(null)).isEqualTo(c.multiplyAdds());
    assertThat((int[]) type.getMethod("inputShape").invoke(null))
        .isEqualTo(c.graph().inputShape().dims());
    assertThat((int[]) type.getMethod("outputShape").invoke(null))
        .isEqualTo(c.outputShape().dims());
    @SuppressWarnings("unchecked")
    List<TensorSpec> specs = (List<TensorSpec>) type.getMethod("parameters").invoke(null);
    assertThat(specs.stream().map(t -> t.name() + Arrays.toString(t.shape())).toList())
        .containsExactlyElementsIn(c.params().stream()
            .map(p -> p.name() + Arrays.toString(p.shape())).toList()).inOrder();

    Map<String, float[]> weights = Interpreter.randomWeights(c, 42);
    Object net = type.getConstructor(Map.class).newInstance(weights);
    Shape in = c.graph().inputShape();
    int batch = in.size() > 100_000 ? 1 : 2;
    float[] x = Interpreter.randomInput(c, batch, 7);
    float[] y = (float[]) type.getMethod("forward", float[].class).invoke(net, (Object) x);
    float[] expected = Interpreter.run(c, weights, x, batch);

    assertThat(y.length).isEqualTo(expected.length);
    double err = relativeError(y, expected);
    System.out.printf(Locale.ROOT, "%-24s batch %d  max|y - y_interp| / max|y_interp| = %.2e%n",
        file, batch, err);
    assertWithMessage("%s: relative error", file).that(err).isAtMost(TOLERANCE);

    InvocationTargetException wrong = assertThrows(InvocationTargetException.class,
        () -> type.getMethod("forward", float[].class).invoke(net, (Object) new float[3]));
    assertThat(wrong.getCause()).isInstanceOf(IllegalArgumentException.class);
    String shape = Arrays.toString(in.dims()).replace("[", "[N, ");
    assertThat(wrong.getCause()).hasMessageThat()
        .isEqualTo("input has 3 floats; expected shape " + shape + " = N x " + in.size() + " floats");
  }

  static double relativeError(float[] actual, float[] expected) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < actual.length; i++) {
      diff = Math.max(diff, Math.abs((double) actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs((double) expected[i]));
    }
    assertWithMessage("reference output is all zeros").that(scale).isGreaterThan(0.0);
    return diff / scale;
  }
}
