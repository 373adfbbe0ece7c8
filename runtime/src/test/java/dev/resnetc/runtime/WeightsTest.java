package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tests for strict weight validation and input batch checks in {@link Weights}. */
class WeightsTest {
  private static final List<TensorSpec> SPECS = List.of(
      new TensorSpec("conv1.weight", new int[] {2, 1, 3, 3}),
      new TensorSpec("layer1.0.conv1.weight", new int[] {64, 64, 3, 3}),
      new TensorSpec("bn1.weight", new int[] {2}),
      new TensorSpec("fc.weight", new int[] {1000, 512}),
      new TensorSpec("fc.bias", new int[] {1000}));

  private static Map<String, float[]> complete() {
    Map<String, float[]> given = new HashMap<>();
    for (TensorSpec spec : SPECS) {
      given.put(spec.name(), new float[(int) spec.size()]);
    }
    return given;
  }

  @Test
  void requireListsEveryProblemInOneException() {
    Map<String, float[]> given = complete();
    given.remove("layer1.0.conv1.weight");
    given.put("fc.weight", new float[1000]);
    given.put("bn1.weight", null);
    given.put("zeta", new float[1]);
    given.put("foo.bar", new float[1]);
    given.put("bn1.num_batches_tracked", new float[1]);

    WeightsException e = assertThrows(WeightsException.class, () -> Weights.require(given, SPECS));

    assertThat(e.problems()).containsExactly(
        "missing: layer1.0.conv1.weight, expected shape [64, 64, 3, 3]",
        "null: bn1.weight, expected shape [2]",
        "wrong size: fc.weight, expected shape [1000, 512] (512000 values), got 1000 values",
        "unexpected: foo.bar",
        "unexpected: zeta").inOrder();
    assertThat(e).hasMessageThat().isEqualTo("5 problems with the weights:\n"
        + String.join("\n", e.problems()));
    assertThat(e).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void singleProblemUsesSingularHeadline() {
    Map<String, float[]> given = complete();
    given.remove("fc.bias");
    WeightsException e = assertThrows(WeightsException.class, () -> Weights.require(given, SPECS));
    assertThat(e).hasMessageThat()
        .isEqualTo("1 problem with the weights:\nmissing: fc.bias, expected shape [1000]");
  }

  @Test
  void requireIgnoresNumBatchesTrackedAndReturnsSpecOrder() {
    Map<String, float[]> given = complete();
    given.put("bn1.num_batches_tracked", new float[] {1f});
    Map<String, float[]> loaded = Weights.require(given, SPECS);
    assertThat(loaded.keySet())
        .containsExactly("conv1.weight", "layer1.0.conv1.weight", "bn1.weight", "fc.weight", "fc.bias")
        .inOrder();
  }

  @Test
  void requireReturnsUnmodifiableDefensiveCopies() {
    Map<String, float[]> given = complete();
    float[] bias = given.get("fc.bias");
    Map<String, float[]> loaded = Weights.require(given, SPECS);
    bias[0] = 42f;
    assertThat(loaded.get("fc.bias")[0]).isEqualTo(0f);
    assertThat(loaded.get("fc.bias")).isNotSameInstanceAs(bias);
    assertThrows(UnsupportedOperationException.class, () -> loaded.put("x", new float[1]));
    assertThrows(UnsupportedOperationException.class, () -> loaded.remove("fc.bias"));
  }

  @Test
  void requireRejectsNullArguments() {
    assertThrows(NullPointerException.class, () -> Weights.require(null, SPECS));
    assertThrows(NullPointerException.class, () -> Weights.require(complete(), null));
  }

  private static Map<String, Tensor> completeTensors(String prefix) {
    Map<String, Tensor> given = new LinkedHashMap<>();
    for (TensorSpec spec : SPECS) {
      given.put(prefix + spec.name(), new Tensor(spec.shape(), new float[(int) spec.size()]));
    }
    return given;
  }

  @Test
  void requireTensorsListsMissingMisShapedAndUnexpectedAtOnce() {
    Map<String, Tensor> given = completeTensors("");
    given.remove("fc.bias");
    given.put("layer1.0.conv1.weight", new Tensor(new int[] {64, 64, 1, 1}, new float[64 * 64]));
    given.put("bn1.weight", new Tensor(new int[] {1, 2}, new float[2]));
    given.put("zeta", new Tensor(new int[] {1}, new float[1]));
    given.put("bn1.num_batches_tracked", new Tensor(new int[0], new float[1]));

    WeightsException e = assertThrows(WeightsException.class,
        () -> Weights.requireTensors(given, SPECS, null));

    assertThat(e.problems()).containsExactly(
        "layer1.0.conv1.weight: expected shape [64, 64, 3, 3], got [64, 64, 1, 1]",
        "bn1.weight: expected shape [2], got [1, 2]",
        "missing: fc.bias, expected shape [1000]",
        "unexpected: zeta").inOrder();
    assertThat(e).hasMessageThat().startsWith("4 problems with the weights:\n");
  }

  @Test
  void requireTensorsReturnsTheArraysThemselvesInSpecOrder() {
    Map<String, Tensor> given = new LinkedHashMap<>();
    List<TensorSpec> reversed = new ArrayList<>(SPECS);
    Collections.reverse(reversed);
    for (TensorSpec spec : reversed) {
      given.put(spec.name(), new Tensor(spec.shape(), new float[(int) spec.size()]));
    }
    Map<String, float[]> loaded = Weights.requireTensors(given, SPECS, "");
    assertThat(loaded.keySet())
        .containsExactly("conv1.weight", "layer1.0.conv1.weight", "bn1.weight", "fc.weight", "fc.bias")
        .inOrder();
    assertThat(loaded.get("fc.bias")).isSameInstanceAs(given.get("fc.bias").data());
    assertThrows(UnsupportedOperationException.class, () -> loaded.remove("fc.bias"));
  }

  @Test
  void requireTensorsStripsThePrefixWhereverItIsPresent() {
    Map<String, Tensor> given = completeTensors("module.");
    Tensor bias = given.remove("module.fc.bias");
    given.put("fc.bias", bias);
    given.put("module.bn1.num_batches_tracked", new Tensor(new int[0], new float[1]));
    Map<String, float[]> loaded = Weights.requireTensors(given, SPECS, "module.");
    assertThat(loaded.keySet()).hasSize(SPECS.size());
    assertThat(loaded.get("fc.bias")).isSameInstanceAs(bias.data());

    WeightsException e = assertThrows(WeightsException.class,
        () -> Weights.requireTensors(completeTensors("module."), SPECS, null));
    assertThat(e.problems()).contains("missing: fc.bias, expected shape [1000]");
    assertThat(e.problems()).contains("unexpected: module.fc.bias");
  }

  @Test
  void requireTensorsReportsKeysThatClashOnceThePrefixIsStripped() {
    Map<String, Tensor> given = completeTensors("");
    given.put("module.fc.bias", new Tensor(new int[] {1000}, new float[1000]));
    given.put("module.extra", new Tensor(new int[] {1}, new float[1]));
    WeightsException e = assertThrows(WeightsException.class,
        () -> Weights.requireTensors(given, SPECS, "module."));
    assertThat(e.problems()).containsExactly(
        "duplicate: fc.bias and module.fc.bias are both fc.bias once the prefix \"module.\" is"
            + " stripped",
        "unexpected: module.extra").inOrder();
  }

  @Test
  void requireTensorsReportsNullTensorsAndRejectsNullArguments() {
    Map<String, Tensor> given = completeTensors("");
    given.put("fc.bias", null);
    WeightsException e = assertThrows(WeightsException.class,
        () -> Weights.requireTensors(given, SPECS, null));
    assertThat(e.problems()).containsExactly("null: fc.bias, expected shape [1000]");
    assertThrows(NullPointerException.class, () -> Weights.requireTensors(null, SPECS, null));
    assertThrows(NullPointerException.class,
        () -> Weights.requireTensors(completeTensors(""), null, null));
  }

  @Test
  void batchOfReturnsNumberOfImages() {
    int[] shape = {3, 4, 5};
    assertThat(Weights.batchOf(new float[60], shape)).isEqualTo(1);
    assertThat(Weights.batchOf(new float[180], shape)).isEqualTo(3);
  }

  @Test
  void batchOfRejectsLengthsThatAreNotAPositiveMultiple() {
    int[] shape = {3, 224, 224};
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Weights.batchOf(new float[1000], shape));
    assertThat(e).hasMessageThat().isEqualTo(
        "input has 1000 floats; expected shape [N, 3, 224, 224] = N x 150528 floats");
    e = assertThrows(IllegalArgumentException.class, () -> Weights.batchOf(new float[0], shape));
    assertThat(e).hasMessageThat().startsWith("input has 0 floats;");
    assertThrows(IllegalArgumentException.class, () -> Weights.batchOf(new float[150529], shape));
  }

  @Test
  void batchOfRejectsNullInputWithMessage() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> Weights.batchOf(null, new int[] {10}));
    assertThat(e).hasMessageThat().isEqualTo("input is null; expected shape [N, 10] = N x 10 floats");
  }

  @Test
  void shapeStringFormatsDimensions() {
    assertThat(Weights.shapeString(64, 3, 7, 7)).isEqualTo("[64, 3, 7, 7]");
    assertThat(Weights.shapeString()).isEqualTo("[]");
  }
}
