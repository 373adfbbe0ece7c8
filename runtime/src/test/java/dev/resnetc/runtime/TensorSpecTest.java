package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Tests that {@link TensorSpec} is immutable and compares by contents. */
class TensorSpecTest {
  @Test
  void shapeIsCopiedOnTheWayInAndOut() {
    int[] dims = {64, 3, 7, 7};
    TensorSpec spec = new TensorSpec("conv1.weight", dims);
    dims[0] = 1;
    spec.shape()[1] = 1;
    assertThat(spec.shape()).asList().containsExactly(64, 3, 7, 7).inOrder();
    assertThat(spec.shape()).isNotSameInstanceAs(spec.shape());
  }

  @Test
  void sizeAndShapeStringDescribeTheShape() {
    TensorSpec spec = new TensorSpec("conv1.weight", new int[] {64, 3, 7, 7});
    assertThat(spec.size()).isEqualTo(64L * 3 * 7 * 7);
    assertThat(spec.shapeString()).isEqualTo("[64, 3, 7, 7]");
    assertThat(new TensorSpec("scalar", new int[0]).size()).isEqualTo(1L);
    TensorSpec huge = new TensorSpec("huge", new int[] {1 << 30, 1 << 30});
    assertThat(huge.size()).isEqualTo(1L << 60);
    TensorSpec overflow = new TensorSpec("overflow", new int[] {1 << 30, 1 << 30, 1 << 30});
    assertThrows(ArithmeticException.class, overflow::size);
  }

  @Test
  void equalityHashCodeAndToStringUseArrayContents() {
    TensorSpec a = new TensorSpec("fc.weight", new int[] {1000, 512});
    TensorSpec b = new TensorSpec("fc.weight", new int[] {1000, 512});
    assertThat(a).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a).isNotEqualTo(new TensorSpec("fc.weight", new int[] {512, 1000}));
    assertThat(a).isNotEqualTo(new TensorSpec("fc.bias", new int[] {1000, 512}));
    assertThat(a.toString()).isEqualTo("TensorSpec[name=fc.weight, shape=[1000, 512]]");
  }

  @Test
  void constructorRejectsNullsAndNegativeDimensions() {
    assertThrows(NullPointerException.class, () -> new TensorSpec(null, new int[] {1}));
    assertThrows(NullPointerException.class, () -> new TensorSpec("x", null));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new TensorSpec("x", new int[] {2, -1}));
    assertThat(e).hasMessageThat().contains("[2, -1]");
  }
}
