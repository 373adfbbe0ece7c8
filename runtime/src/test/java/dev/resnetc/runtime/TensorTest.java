package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Tests the {@link Tensor} record's validation, copying rules and string form. */
class TensorTest {
  @Test
  void shapeIsCopiedButDataIsShared() {
    int[] shape = {2, 3};
    float[] data = new float[6];
    Tensor tensor = new Tensor(shape, data);
    shape[0] = 7;
    tensor.shape()[1] = 7;
    assertThat(tensor.shape()).asList().containsExactly(2, 3).inOrder();
    assertThat(tensor.data()).isSameInstanceAs(data);
  }

  @Test
  void rejectsShapeThatDoesNotMatchData() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Tensor(new int[] {2, 3}, new float[5]));
    assertThat(e).hasMessageThat().isEqualTo("shape [2, 3] holds 6 values but data has 5");
    e = assertThrows(IllegalArgumentException.class, () -> new Tensor(new int[] {-1}, new float[0]));
    assertThat(e).hasMessageThat().contains("negative dimension");
    assertThrows(NullPointerException.class, () -> new Tensor(null, new float[1]));
    assertThrows(NullPointerException.class, () -> new Tensor(new int[0], null));
  }

  @Test
  void scalarAndEmptyShapesAreAllowed() {
    assertThat(new Tensor(new int[0], new float[] {3f}).rank()).isEqualTo(0);
    assertThat(new Tensor(new int[] {0, 4}, new float[0]).shapeString()).isEqualTo("[0, 4]");
  }

  @Test
  void toStringShowsShapeOnly() {
    assertThat(new Tensor(new int[] {1, 2}, new float[] {123.5f, 4f}).toString())
        .isEqualTo("Tensor[1, 2]");
  }

  @Test
  void equalityComparesShapeAndValues() {
    Tensor a = new Tensor(new int[] {2}, new float[] {1f, Float.NaN});
    assertThat(a).isEqualTo(new Tensor(new int[] {2}, new float[] {1f, Float.NaN}));
    assertThat(a.hashCode()).isEqualTo(new Tensor(new int[] {2}, new float[] {1f, Float.NaN}).hashCode());
    assertThat(a).isNotEqualTo(new Tensor(new int[] {1, 2}, new float[] {1f, Float.NaN}));
    assertThat(a).isNotEqualTo(new Tensor(new int[] {2}, new float[] {1f, 2f}));
    assertThat(a.hasShape(2)).isTrue();
    assertThat(a.hasShape(1, 2)).isFalse();
  }
}
