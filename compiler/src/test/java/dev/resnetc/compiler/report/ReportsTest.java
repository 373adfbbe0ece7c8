package dev.resnetc.compiler.report;

import static com.google.common.truth.Truth.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Number formatting for the reports, pinned to the root locale. */
class ReportsTest {
  @Test
  void groupsThousandsWithCommasWhateverTheDefaultLocale() {
    Locale before = Locale.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY);
      assertThat(Reports.grouped(11_689_512)).isEqualTo("11,689,512");
      assertThat(Reports.metric(1_814_073_344L)).isEqualTo("1.81 G");
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  void metricPicksTheUnitAfterRounding() {
    assertThat(Reports.metric(0)).isEqualTo("0");
    assertThat(Reports.metric(999)).isEqualTo("999");
    assertThat(Reports.metric(1_000)).isEqualTo("1.00 K");
    assertThat(Reports.metric(2_364)).isEqualTo("2.36 K");
    assertThat(Reports.metric(999_999)).isEqualTo("1.00 M");
    assertThat(Reports.metric(4_089_184_256L)).isEqualTo("4.09 G");
  }
}
