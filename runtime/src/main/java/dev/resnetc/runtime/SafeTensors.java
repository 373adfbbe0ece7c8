package dev.resnetc.runtime;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader for the safetensors format: a little-endian u64 header length N, N bytes of UTF-8 JSON
 * describing each tensor's dtype, shape and byte range, then the data buffer.
 */
final class SafeTensors {
  /** The reference implementation's limit on the header size. */
  static final long MAX_HEADER_LENGTH = 100_000_000L;

  static final String METADATA_KEY = "__metadata__";

  private static final Map<String, Integer> DTYPE_SIZES = Map.ofEntries(
      Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1),
      Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1),
      Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2), Map.entry("BF16", 2),
      Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
      Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("F64", 8));

  private SafeTensors() {}

  /** One header entry; {@code format} is null for tensors that are skipped. */
  private record Entry(String name, String dtype, FloatFormat format, int[] shape, int count,
      long begin, long end) {}

  /** Reads every supported tensor, in header order, from a source positioned at the file start. */
  static Map<String, Tensor> read(ByteSource source) throws IOException {
    String file = source.name;
    long fileSize = source.size();
    if (fileSize >= 0 && fileSize < 8) {
      throw new WeightFileException(file + ": file is " + fileSize
          + " bytes, shorter than the 8-byte safetensors header length");
    }
    ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    source.readFully(lengthBytes, "the 8-byte safetensors header length");
    long headerLength = lengthBytes.getLong();
    if (headerLength < 0 || headerLength > MAX_HEADER_LENGTH) {
      throw new WeightFileException(file + ": header length " + Long.toUnsignedString(headerLength)
          + " is absurd (over " + MAX_HEADER_LENGTH
          + " bytes); this is neither a safetensors nor an npz file");
    }
    if (fileSize >= 0 && headerLength > fileSize - 8) {
      throw new WeightFileException(file + ": header length " + headerLength
          + " is larger than the file (" + fileSize + " bytes)");
    }
    byte[] headerBytes = source.readBytes((int) headerLength,
        "the " + headerLength + "-byte JSON header");
    long bufferStart = 8 + headerLength;
    long bufferSize = fileSize >= 0 ? fileSize - bufferStart : -1;
    List<Entry> entries = parseHeader(file, headerBytes, bufferSize);

    List<Entry> byOffset = new ArrayList<>(entries);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    Entry previous = null;
    for (Entry entry : byOffset) {
      if (entry.begin == entry.end) {
        continue;
      }
      if (previous != null && entry.begin < previous.end) {
        throw new WeightFileException(file + ": tensors '" + previous.name + "' " + range(previous)
            + " and '" + entry.name + "' " + range(entry) + " overlap");
      }
      previous = entry;
    }

    Map<String, float[]> values = new LinkedHashMap<>();
    for (Entry entry : byOffset) {
      if (entry.format == null) {
        continue;
      }
      long offset = source.position() - bufferStart;
      String what = "tensor '" + entry.name + "' (data bytes " + entry.begin + " to " + entry.end
          + ")";
      source.skip(entry.begin - offset, what);
      values.put(entry.name,
          source.readFloats(entry.count, entry.format, ByteOrder.LITTLE_ENDIAN, what));
    }
    Map<String, Tensor> result = new LinkedHashMap<>();
    for (Entry entry : entries) {
      if (entry.format != null) {
        result.put(entry.name, new Tensor(entry.shape, values.get(entry.name)));
      }
    }
    return Collections.unmodifiableMap(result);
  }

  private static String range(Entry entry) {
    return "[" + entry.begin + ", " + entry.end + ")";
  }

  private static List<Entry> parseHeader(String file, byte[] bytes, long bufferSize)
      throws WeightFileException {
    if (bytes.length == 0 || bytes[0] != '{') {
      throw new WeightFileException(file + ": invalid JSON header: it must start with '{'"
          + " (not a safetensors file?)");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new WeightFileException(file + ": invalid JSON header: not valid UTF-8", e);
    }
    Object json;
    try {
      json = Json.parse(text);
    } catch (Json.SyntaxException e) {
      throw new WeightFileException(file + ": invalid JSON header: " + e.getMessage(), e);
    }
    if (!(json instanceof Map<?, ?> header)) {
      throw new WeightFileException(file + ": invalid header: the JSON must be an object, got "
          + describe(json));
    }
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<?, ?> e : header.entrySet()) {
      String name = (String) e.getKey();
      Object value = e.getValue();
      if (name.equals(METADATA_KEY)) {
        checkMetadata(file, value);
        continue;
      }
      entries.add(entry(file, name, value, bufferSize));
    }
    return entries;
  }

  private static void checkMetadata(String file, Object value) throws WeightFileException {
    if (!(value instanceof Map<?, ?> metadata)) {
      throw new WeightFileException(file + ": " + METADATA_KEY + " must be an object, got "
          + describe(value));
    }
    for (Map.Entry<?, ?> e : metadata.entrySet()) {
      if (!(e.getValue() instanceof String)) {
        throw new WeightFileException(file + ": " + METADATA_KEY + " values must be strings, but \""
            + e.getKey() + "\" is " + describe(e.getValue()));
      }
    }
  }

  private static Entry entry(String file, String name, Object value, long bufferSize)
      throws WeightFileException {
    String where = file + ": tensor '" + name + "'";
    if (!(value instanceof Map<?, ?> fields)) {
      throw new WeightFileException(where + " must be a JSON object, got " + describe(value));
    }
    Object dtypeValue = required(where, fields, "dtype");
    Object shapeValue = required(where, fields, "shape");
    Object offsetsValue = required(where, fields, "data_offsets");
    if (!(dtypeValue instanceof String dtype)) {
      throw new WeightFileException(where + ": dtype must be a string, got " + describe(dtypeValue));
    }
    long[] dims = integers(shapeValue);
    if (dims == null) {
      throw new WeightFileException(where + ": shape must be an array of non-negative integers, got "
          + describe(shapeValue));
    }
    int[] shape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] > Integer.MAX_VALUE) {
        throw new WeightFileException(where + ": dimension " + dims[i] + " is too large");
      }
      shape[i] = (int) dims[i];
    }
    long count = elementCount(shape);
    long[] offsets = integers(offsetsValue);
    if (offsets == null || offsets.length != 2) {
      throw new WeightFileException(where
          + ": data_offsets must be two non-negative integers [begin, end], got "
          + describe(offsetsValue));
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin) {
      throw new WeightFileException(where + ": data_offsets end " + end + " is before begin "
          + begin);
    }
    if (bufferSize >= 0 && end > bufferSize) {
      throw new WeightFileException(where + ": data_offsets [" + begin + ", " + end
          + "] go past the end of the data buffer (" + bufferSize + " bytes)");
    }
    Integer elementSize = DTYPE_SIZES.get(dtype);
    boolean skipped = name.endsWith(Weights.IGNORED_SUFFIX);
    FloatFormat format = null;
    if (!skipped) {
      format = formatOf(dtype);
      if (format == null) {
        throw new WeightFileException(where + " has unsupported dtype " + dtype
            + " (supported: F32, F16, BF16, F64)");
      }
    }
    if (elementSize != null) {
      long needed = count < 0 || count > Long.MAX_VALUE / elementSize ? -1 : count * elementSize;
      if (end - begin != needed) {
        throw new WeightFileException(where + ": data_offsets [" + begin + ", " + end + "] span "
            + (end - begin) + " bytes, but shape " + Arrays.toString(shape) + " of " + dtype
            + " needs " + (needed < 0 ? "more than " + Long.MAX_VALUE : needed) + " bytes");
      }
    }
    if (!skipped && (count < 0 || count > Integer.MAX_VALUE - 8)) {
      throw new WeightFileException(where + " has shape " + Arrays.toString(shape)
          + ", too many elements for a Java array");
    }
    return new Entry(name, dtype, format, shape, (int) count, begin, end);
  }

  /** The product of the dimensions, or -1 if it overflows a long. */
  static long elementCount(int[] shape) {
    long count = 1;
    boolean overflow = false;
    for (int dim : shape) {
      if (dim == 0) {
        return 0;
      }
      if (count > Long.MAX_VALUE / dim) {
        overflow = true;
      } else {
        count *= dim;
      }
    }
    return overflow ? -1 : count;
  }

  private static FloatFormat formatOf(String dtype) {
    switch (dtype) {
      case "F32":
        return FloatFormat.F32;
      case "F16":
        return FloatFormat.F16;
      case "BF16":
        return FloatFormat.BF16;
      case "F64":
        return FloatFormat.F64;
      default:
        return null;
    }
  }

  private static Object required(String where, Map<?, ?> fields, String key)
      throws WeightFileException {
    Object value = fields.get(key);
    if (value == null) {
      throw new WeightFileException(where + " has no \"" + key + "\" field");
    }
    return value;
  }

  /** The values of a JSON array of non-negative integers, or null if it is anything else. */
  private static long[] integers(Object value) {
    if (!(value instanceof List<?> list)) {
      return null;
    }
    long[] result = new long[list.size()];
    for (int i = 0; i < result.length; i++) {
      Object item = list.get(i);
      if (!(item instanceof Long number) || number < 0) {
        return null;
      }
      result[i] = number;
    }
    return result;
  }

  private static String describe(Object value) {
    if (value instanceof Map<?, ?>) {
      return "an object";
    }
    if (value instanceof String s) {
      return "the string \"" + s + "\"";
    }
    if (value instanceof BigDecimal || value instanceof Long) {
      return "the number " + value;
    }
    return String.valueOf(value);
  }
}
