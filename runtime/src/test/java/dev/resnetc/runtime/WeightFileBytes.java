package dev.resnetc.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Test helpers that hand-assemble safetensors, npy and npz bytes. */
final class WeightFileBytes {
  private WeightFileBytes() {}

  /** A safetensors file: u64 little-endian header length, the header as UTF-8, then the data. */
  static byte[] safetensors(String header, byte[]... data) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length);
    byte[][] parts = new byte[data.length + 2][];
    parts[0] = length.array();
    parts[1] = json;
    System.arraycopy(data, 0, parts, 2, data.length);
    return concat(parts);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  static byte[] f32(float... values) {
    return f32(ByteOrder.LITTLE_ENDIAN, values);
  }

  static byte[] f32(ByteOrder order, float... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(order);
    for (float value : values) {
      buffer.putFloat(value);
    }
    return buffer.array();
  }

  static byte[] f64(double... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (double value : values) {
      buffer.putDouble(value);
    }
    return buffer.array();
  }

  static byte[] i64(long... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long value : values) {
      buffer.putLong(value);
    }
    return buffer.array();
  }

  /** 16-bit patterns (half or bfloat16), little-endian. */
  static byte[] u16(int... bits) {
    ByteBuffer buffer = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int b : bits) {
      buffer.putShort((short) b);
    }
    return buffer.array();
  }

  /** A .npy file with the given header dict, padded like NumPy to a multiple of 64 bytes. */
  static byte[] npy(int major, String dict, byte[] data) {
    int lengthBytes = major == 1 ? 2 : 4;
    int unpadded = 8 + lengthBytes + dict.length() + 1;
    String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    ByteBuffer prefix = ByteBuffer.allocate(8 + lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
    prefix.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      prefix.putShort((short) header.length());
    } else {
      prefix.putInt(header.length());
    }
    byte[] text = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    return concat(prefix.array(), text, data);
  }

  /** A version 1.0 .npy file for a C-order array of {@code descr} and Python shape tuple. */
  static byte[] npy(String descr, String shapeTuple, byte[] data) {
    return npy(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeTuple
        + ", }", data);
  }

  /** A zip with the entries in iteration order, stored or deflated. */
  static byte[] zip(boolean deflate, Map<String, byte[]> entries) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry entry = new ZipEntry(e.getKey());
        if (!deflate) {
          CRC32 crc = new CRC32();
          crc.update(e.getValue());
          entry.setMethod(ZipEntry.STORED);
          entry.setSize(e.getValue().length);
          entry.setCompressedSize(e.getValue().length);
          entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(e.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
