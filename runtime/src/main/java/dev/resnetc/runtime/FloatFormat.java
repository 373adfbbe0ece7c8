package dev.resnetc.runtime;

import java.nio.ByteBuffer;

/** Stored floating-point element formats that weight files may use, each decoded to float. */
enum FloatFormat {
  F32(4) {
    @Override
    void decode(ByteBuffer src, float[] dst, int offset, int count) {
      src.asFloatBuffer().get(dst, offset, count);
      src.position(src.position() + count * 4);
    }
  },
  F16(2) {
    @Override
    void decode(ByteBuffer src, float[] dst, int offset, int count) {
      for (int i = 0; i < count; i++) {
        dst[offset + i] = HalfFloats.halfToFloat(src.getShort());
      }
    }
  },
  BF16(2) {
    @Override
    void decode(ByteBuffer src, float[] dst, int offset, int count) {
      for (int i = 0; i < count; i++) {
        dst[offset + i] = HalfFloats.bfloat16ToFloat(src.getShort());
      }
    }
  },
  F64(8) {
    @Override
    void decode(ByteBuffer src, float[] dst, int offset, int count) {
      for (int i = 0; i < count; i++) {
        dst[offset + i] = (float) src.getDouble();
      }
    }
  };

  final int size;

  FloatFormat(int size) {
    this.size = size;
  }

  /** Decodes {@code count} elements from {@code src} (in its byte order) into {@code dst}. */
  abstract void decode(ByteBuffer src, float[] dst, int offset, int count);
}
