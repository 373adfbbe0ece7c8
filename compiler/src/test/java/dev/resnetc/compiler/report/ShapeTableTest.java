package dev.resnetc.compiler.report;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

/** The rows and the plain-text layout of {@link ShapeTable}. */
class ShapeTableTest {
  @Test
  void listsEveryLayerWithItsOutputShape() {
    ShapeTable table = ShapeTable.of(SummaryTableTest.compile(SummaryTableTest.SMALL));
    assertThat(table.rows()).containsExactly(
        new ShapeTable.Row("input", "input", "[2, 4, 4]"),
        new ShapeTable.Row("c", "conv 3x3", "[3, 4, 4]"),
        new ShapeTable.Row("bn", "batchnorm", "[3, 4, 4]"),
        new ShapeTable.Row("relu_1", "relu", "[3, 4, 4]"),
        new ShapeTable.Row("global_avgpool_1", "global_avgpool", "[3, 1, 1]"),
        new ShapeTable.Row("flatten_1", "flatten", "[3]"),
        new ShapeTable.Row("fc", "dense", "[500]")).inOrder();
  }

  @Test
  void rendersAHeaderARuleAndOneAlignedLinePerLayer() {
    String text = ShapeTable.of(SummaryTableTest.compile(SummaryTableTest.SMALL)).render();
    assertThat(text).isEqualTo("""
        Small
        Layer             Type            Output shape
        ----------------------------------------------
        input             input           [2, 4, 4]
        c                 conv 3x3        [3, 4, 4]
        bn                batchnorm       [3, 4, 4]
        relu_1            relu            [3, 4, 4]
        global_avgpool_1  global_avgpool  [3, 1, 1]
        flatten_1         flatten         [3]
        fc                dense           [500]
        """);
  }
}
