package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import org.junit.jupiter.api.Test;

/** Tests the float16 and bfloat16 to float conversions on special values and every half pattern. */
class HalfFloatsTest {
  private static int bits(float value) {
    return Float.floatToRawIntBits(value);
  }

  @Test
  void halfConvertsNormalNumbersExactly() {
    assertThat(HalfFloats.halfToFloat(0x3c00)).isEqualTo(1.0f);
    assertThat(HalfFloats.halfToFloat(0xc100)).isEqualTo(-2.5f);
    assertThat(HalfFloats.halfToFloat(0x7bff)).isEqualTo(65504f);
    assertThat(HalfFloats.halfToFloat(0x0400)).isEqualTo(0x1p-14f);
    assertThat(HalfFloats.halfToFloat(0x3555)).isEqualTo(0x1.554p-2f);
  }

  @Test
  void halfConvertsSubnormals() {
    assertThat(HalfFloats.halfToFloat(0x0001)).isEqualTo(0x1p-24f);
    assertThat(HalfFloats.halfToFloat(0x8001)).isEqualTo(-0x1p-24f);
    assertThat(HalfFloats.halfToFloat(0x03ff)).isEqualTo(0x3ffp-24f);
    assertThat(HalfFloats.halfToFloat(0x0200)).isEqualTo(0x1p-15f);
  }

  @Test
  void halfKeepsSignedZeros() {
    assertThat(bits(HalfFloats.halfToFloat(0x0000))).isEqualTo(bits(0.0f));
    assertThat(bits(HalfFloats.halfToFloat(0x8000))).isEqualTo(bits(-0.0f));
  }

  @Test
  void halfConvertsInfinitiesAndNaNs() {
    assertThat(HalfFloats.halfToFloat(0x7c00)).isPositiveInfinity();
    assertThat(HalfFloats.halfToFloat(0xfc00)).isNegativeInfinity();
    assertThat(HalfFloats.halfToFloat(0x7e00)).isNaN();
    assertThat(HalfFloats.halfToFloat(0x7c01)).isNaN();
    assertThat(HalfFloats.halfToFloat(0xfe00)).isNaN();
    // The payload and sign are kept, as Float.float16ToFloat does.
    assertThat(bits(HalfFloats.halfToFloat(0x7e00))).isEqualTo(0x7fc00000);
    assertThat(bits(HalfFloats.halfToFloat(0xfc01))).isEqualTo(0xff802000);
  }

  @Test
  void halfIgnoresBitsAboveSixteen() {
    assertThat(HalfFloats.halfToFloat(0xffff3c00)).isEqualTo(1.0f);
    assertThat(HalfFloats.halfToFloat((short) 0xc100)).isEqualTo(-2.5f);
  }

  @Test
  void halfMatchesTheDefinitionForEveryFinitePattern() {
    for (int h = 0; h < 0x10000; h++) {
      int exponent = (h >>> 10) & 0x1f;
      int mantissa = h & 0x3ff;
      if (exponent == 0x1f) {
        continue;
      }
      double magnitude = exponent == 0
          ? mantissa * Math.pow(2, -24)
          : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
      double expected = (h & 0x8000) != 0 ? -magnitude : magnitude;
      float actual = HalfFloats.halfToFloat(h);
      if (actual != expected || (expected == 0 && bits(actual) != bits((float) expected))) {
        assertWithMessage("half 0x%s", Integer.toHexString(h)).that((double) actual)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void bfloat16IsTheTopHalfOfAFloat() {
    assertThat(HalfFloats.bfloat16ToFloat(0x3f80)).isEqualTo(1.0f);
    assertThat(HalfFloats.bfloat16ToFloat(0xc040)).isEqualTo(-3.0f);
    assertThat(HalfFloats.bfloat16ToFloat(0x0001)).isEqualTo(Float.intBitsToFloat(0x00010000));
    assertThat(bits(HalfFloats.bfloat16ToFloat(0x8000))).isEqualTo(bits(-0.0f));
    assertThat(HalfFloats.bfloat16ToFloat(0x7f80)).isPositiveInfinity();
    assertThat(HalfFloats.bfloat16ToFloat(0xff80)).isNegativeInfinity();
    assertThat(HalfFloats.bfloat16ToFloat(0x7fc0)).isNaN();
    assertThat(HalfFloats.bfloat16ToFloat((short) 0xc040)).isEqualTo(-3.0f);
  }
}
