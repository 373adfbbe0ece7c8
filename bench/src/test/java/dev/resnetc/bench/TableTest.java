package dev.resnetc.bench;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resnetc.compiler.run.Timings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The side-by-side table, the batches it feeds both sides and the statistics it reports. */
class TableTest {
  private static final Cell CELL =
      new Cell("resnet18", 8, 2, 120.04, 60.02, 900.4, 300.6, 1.25e-6, 2.5e-6);

  @Test
  void rowShowsTimesRatioFirstResultsAndErrors() {
    assertThat(Table.row(CELL))
        .isEqualTo("| resnet18 | 8 | 2 | 120.0 | 60.0 | 2.00 | 900 | 301 | 1.3e-06 | 2.5e-06 |");
  }

  @Test
  void tableHasHeaderSeparatorAndOneRowPerCell() {
    String[] lines = Table.format(List.of(CELL, CELL)).split("\n");
    assertThat(lines).hasLength(4);
    assertThat(lines[0]).contains("java_ms / ort_ms");
    assertThat(lines[1]).startsWith("|---|");
    assertThat(lines[1].chars().filter(ch -> ch == '|').count())
        .isEqualTo(lines[0].chars().filter(ch -> ch == '|').count());
    assertThat(lines[3]).isEqualTo(Table.row(CELL));
  }

  @Test
  void cellAgreesOnlyWithinTolerance() {
    assertThat(CELL.agrees(1e-4)).isTrue();
    assertThat(new Cell("m", 1, 1, 1, 1, 1, 1, 2e-4, 0).agrees(1e-4)).isFalse();
    assertThat(new Cell("m", 1, 1, 1, 1, 1, 1, 0, Double.NaN).agrees(1e-4)).isFalse();
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(Timings.median(new double[] {5, 1, 3})).isEqualTo(3.0);
    assertThat(Timings.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    Timings t = new Timings(new double[] {7, 2, 9});
    assertThat(t.min()).isEqualTo(2.0);
    assertThat(t.max()).isEqualTo(9.0);
    assertThat(t.count()).isEqualTo(3);
    assertThrows(IllegalArgumentException.class, () -> new Timings(new double[0]));
  }

  @Test
  void batchesRepeatTheReferenceRows() {
    float[] rows = {1, 2, 3, 4};
    assertThat(Batches.replicate(rows, 2, 1)).isEqualTo(new float[] {1, 2});
    assertThat(Batches.replicate(rows, 2, 3)).isEqualTo(new float[] {1, 2, 3, 4, 1, 2});
    assertThrows(IllegalArgumentException.class, () -> Batches.replicate(rows, 3, 1));
  }

  @Test
  void relativeErrorIsScaledByTheLargestReferenceValue() {
    assertThat(Batches.relativeError(new float[] {1, 2.5f}, new float[] {1, 2}))
        .isWithin(1e-12).of(0.25);
    assertThat(Batches.relativeError(new float[] {0}, new float[] {0})).isEqualTo(0.0);
    assertThat(Batches.relativeError(new float[] {Float.NaN}, new float[] {1}))
        .isEqualTo(Double.POSITIVE_INFINITY);
  }
}
