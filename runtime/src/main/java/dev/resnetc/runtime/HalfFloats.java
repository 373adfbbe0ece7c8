package dev.resnetc.runtime;

/** Conversions from 16-bit IEEE half precision and bfloat16 bit patterns to float, for Java 17. */
final class HalfFloats {
  private HalfFloats() {}

  /**
   * Converts IEEE 754 binary16 bits (low 16 bits of {@code bits}) to the exactly equal float,
   * keeping the sign of zero, infinities and NaN payloads.
   */
  static float halfToFloat(int bits) {
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // Zero or subnormal: mantissa * 2^-24, exact in float.
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
  }

  /** Converts bfloat16 bits (low 16 bits of {@code bits}), the top half of a float, to float. */
  static float bfloat16ToFloat(int bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }
}
