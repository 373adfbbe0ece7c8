package dev.resnetc.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes single arrays in NumPy's {@code .npy} format (versions 1.0, 2.0 and 3.0), as
 * float tensors; reading accepts little- and big-endian float16/32/64, writing produces float32.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int MAX_HEADER_LENGTH = 1 << 20;
  private static final int ALIGNMENT = 64;
  private static final String SUPPORTED =
      "supported: <f4, <f2, <f8 and big-endian >f4, >f2, >f8";

  private Npy() {}

  /** Reads a {@code .npy} file; the whole file must be the one array. */
  public static Tensor read(Path file) throws IOException {
    Objects.requireNonNull(file, "file is null");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return read(ByteSource.of(file.toString(), channel), false);
    }
  }

  /**
   * Reads a {@code .npy} array from a stream, reading to its end (trailing bytes are an error) but
   * not closing it; {@code name} is used in error messages.
   */
  public static Tensor read(InputStream in, String name) throws IOException {
    Objects.requireNonNull(in, "in is null");
    Objects.requireNonNull(name, "name is null");
    return read(ByteSource.of(name, new BufferedInputStream(in, 1 << 16)), false);
  }

  /** Writes {@code tensor} as a little-endian float32, C-order, version 1.0 {@code .npy} file. */
  public static void write(Path file, Tensor tensor) throws IOException {
    Objects.requireNonNull(file, "file is null");
    Objects.requireNonNull(tensor, "tensor is null");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      write(out, tensor);
    }
  }

  /** Writes {@code tensor} in the format of {@link #write(Path, Tensor)}, without closing the stream. */
  public static void write(OutputStream out, Tensor tensor) throws IOException {
    Objects.requireNonNull(out, "out is null");
    Objects.requireNonNull(tensor, "tensor is null");
    out.write(header(tensor.shape()));
    float[] data = tensor.data();
    byte[] chunk = new byte[1 << 16];
    ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    for (int done = 0; done < data.length; ) {
      int n = Math.min(data.length - done, chunk.length / 4);
      buffer.clear();
      buffer.asFloatBuffer().put(data, done, n);
      out.write(chunk, 0, n * 4);
      done += n;
    }
  }

  /** The magic, version 1.0 and padded header dict NumPy itself writes for a float32 array. */
  static byte[] header(int[] shape) {
    StringBuilder dict = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < shape.length; i++) {
      dict.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    dict.append(shape.length == 1 ? ",), }" : "), }");
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int padding = ALIGNMENT - unpadded % ALIGNMENT;
    dict.append(" ".repeat(padding)).append('\n');
    if (dict.length() > 0xffff) {
      throw new IllegalArgumentException("shape has too many dimensions for a .npy v1.0 header");
    }
    ByteBuffer bytes = ByteBuffer.allocate(MAGIC.length + 4 + dict.length())
        .order(ByteOrder.LITTLE_ENDIAN);
    bytes.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) dict.length());
    bytes.put(dict.toString().getBytes(StandardCharsets.ISO_8859_1));
    return bytes.array();
  }

  /**
   * Reads one array from {@code source}; with {@code skippable}, an array of an unsupported dtype
   * is not an error and null is returned without reading its data.
   */
  static Tensor read(ByteSource source, boolean skippable) throws IOException {
    String name = source.name;
    ByteBuffer prefix = ByteBuffer.allocate(MAGIC.length + 2);
    int got = source.readUpTo(prefix);
    prefix.flip();
    for (int i = 0; i < MAGIC.length; i++) {
      if (i >= got || prefix.get(i) != MAGIC[i]) {
        throw new WeightFileException(name + ": not a .npy array (no \\x93NUMPY magic)");
      }
    }
    if (got < prefix.capacity()) {
      throw source.truncated("the .npy version");
    }
    int major = prefix.get(6) & 0xff;
    int minor = prefix.get(7) & 0xff;
    if (major < 1 || major > 3) {
      throw new WeightFileException(name + ": unsupported .npy format version " + major + "."
          + minor + " (supported: 1.0, 2.0, 3.0)");
    }
    ByteBuffer lengthBytes = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
    source.readFully(lengthBytes, "the .npy header length");
    long headerLength = major == 1 ? lengthBytes.getShort() & 0xffff : lengthBytes.getInt() & 0xffffffffL;
    if (headerLength > MAX_HEADER_LENGTH) {
      throw new WeightFileException(name + ": .npy header length " + headerLength
          + " is absurd (over " + MAX_HEADER_LENGTH + " bytes)");
    }
    if (source.size() >= 0 && source.position() + headerLength > source.size()) {
      throw new WeightFileException(name + ": .npy header length " + headerLength
          + " is larger than the rest of the file (" + (source.size() - source.position())
          + " bytes)");
    }
    byte[] headerBytes = source.readBytes((int) headerLength, "the .npy header");
    String text = new String(headerBytes,
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Map<String, Object> dict;
    try {
      dict = new PythonLiteral(text).header();
    } catch (IllegalArgumentException e) {
      throw new WeightFileException(name + ": invalid .npy header: " + e.getMessage()
          + " in " + text.strip());
    }
    if (!(dict.get("descr") instanceof String descr)) {
      throw new WeightFileException(name + ": invalid .npy header: 'descr' is not a string"
          + " (structured dtypes are not supported) in " + text.strip());
    }
    if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
      throw new WeightFileException(name + ": invalid .npy header: 'fortran_order' must be True"
          + " or False in " + text.strip());
    }
    if (!(dict.get("shape") instanceof int[] shape)) {
      throw new WeightFileException(name + ": invalid .npy header: 'shape' must be a tuple of"
          + " non-negative integers in " + text.strip());
    }
    FloatFormat format = formatOf(descr);
    if (format == null) {
      if (skippable) {
        return null;
      }
      throw new WeightFileException(name + " has unsupported dtype '" + descr + "' (" + SUPPORTED
          + ")");
    }
    if (fortran) {
      throw new WeightFileException(name + ": fortran_order True is not supported;"
          + " save a C-ordered array (numpy.ascontiguousarray)");
    }
    long count = SafeTensors.elementCount(shape);
    if (count < 0 || count > Integer.MAX_VALUE - 8) {
      throw new WeightFileException(name + " has shape " + shapeString(shape)
          + ", too many elements for a Java array");
    }
    long dataBytes = count * format.size;
    if (source.size() >= 0) {
      long left = source.size() - source.position();
      if (left < dataBytes) {
        throw new WeightFileException(name + ": truncated: shape " + shapeString(shape) + " of "
            + descr + " needs " + dataBytes + " data bytes but the file has " + left);
      }
    }
    ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    float[] data = source.readFloats((int) count, format, order,
        "the array data (" + dataBytes + " bytes)");
    if (!source.atEnd()) {
      String extra = source.size() >= 0 ? (source.size() - source.position()) + " " : "";
      throw new WeightFileException(name + ": " + extra + "unexpected bytes after the array data");
    }
    return new Tensor(shape, data);
  }

  private static FloatFormat formatOf(String descr) {
    if (descr.length() != 3 || (descr.charAt(0) != '<' && descr.charAt(0) != '>')
        || descr.charAt(1) != 'f') {
      return null;
    }
    switch (descr.charAt(2)) {
      case '2':
        return FloatFormat.F16;
      case '4':
        return FloatFormat.F32;
      case '8':
        return FloatFormat.F64;
      default:
        return null;
    }
  }

  private static String shapeString(int[] shape) {
    return Arrays.toString(shape);
  }

  /**
   * Parses the Python dict literal of a {@code .npy} header: string keys; values that are strings,
   * {@code True}/{@code False}, or tuples of non-negative integers (returned as {@code int[]}).
   */
  private static final class PythonLiteral {
    private final String text;
    private int pos;

    PythonLiteral(String text) {
      this.text = text;
    }

    Map<String, Object> header() {
      Map<String, Object> dict = new LinkedHashMap<>();
      skipSpace();
      expect('{');
      skipSpace();
      while (peek() != '}') {
        String key = string();
        skipSpace();
        expect(':');
        skipSpace();
        Object value = value();
        if (dict.put(key, value) != null) {
          throw new IllegalArgumentException("duplicate key '" + key + "'");
        }
        skipSpace();
        if (peek() == ',') {
          pos++;
          skipSpace();
        } else if (peek() != '}') {
          throw unexpected("',' or '}'");
        }
      }
      pos++;
      skipSpace();
      if (pos != text.length()) {
        throw unexpected("only padding after the dict");
      }
      if (!dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
        throw new IllegalArgumentException("keys must be exactly 'descr', 'fortran_order' and"
            + " 'shape', got " + dict.keySet());
      }
      return dict;
    }

    private Object value() {
      int c = peek();
      if (c == '\'' || c == '"') {
        return string();
      }
      if (c == '(') {
        return tuple();
      }
      if (text.startsWith("True", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (text.startsWith("False", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      if (c == '[') {
        // A list descr describes a structured dtype; report it as such, not as a syntax error.
        int depth = 0;
        do {
          if (pos >= text.length()) {
            throw unexpected("']'");
          }
          char ch = text.charAt(pos++);
          depth += ch == '[' ? 1 : ch == ']' ? -1 : 0;
        } while (depth > 0);
        return List.of();
      }
      throw unexpected("a string, True, False or a tuple");
    }

    private int[] tuple() {
      pos++;
      List<Integer> dims = new ArrayList<>();
      skipSpace();
      while (peek() != ')') {
        int start = pos;
        while (peek() >= '0' && peek() <= '9') {
          pos++;
        }
        if (start == pos) {
          throw unexpected("a non-negative integer");
        }
        try {
          dims.add(Integer.parseInt(text.substring(start, pos)));
        } catch (NumberFormatException e) {
          pos = start;
          throw new IllegalArgumentException("dimension " + text.substring(start).split("[,)]")[0]
              + " is too large");
        }
        if (peek() == 'L') {
          pos++;
        }
        skipSpace();
        if (peek() == ',') {
          pos++;
          skipSpace();
        } else if (peek() != ')') {
          throw unexpected("',' or ')'");
        }
      }
      pos++;
      int[] result = new int[dims.size()];
      for (int i = 0; i < result.length; i++) {
        result[i] = dims.get(i);
      }
      return result;
    }

    private String string() {
      int quote = peek();
      if (quote != '\'' && quote != '"') {
        throw unexpected("a quoted string");
      }
      int end = text.indexOf(quote, pos + 1);
      if (end < 0) {
        throw new IllegalArgumentException("unterminated string at character " + pos);
      }
      String value = text.substring(pos + 1, end);
      if (value.indexOf('\\') >= 0) {
        throw new IllegalArgumentException("escapes in strings are not supported, at character "
            + pos);
      }
      pos = end + 1;
      return value;
    }

    private void expect(char c) {
      if (peek() != c) {
        throw unexpected("'" + c + "'");
      }
      pos++;
    }

    private void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private int peek() {
      return pos < text.length() ? text.charAt(pos) : -1;
    }

    private IllegalArgumentException unexpected(String expected) {
      String found = pos < text.length() ? "'" + text.charAt(pos) + "'" : "end of header";
      return new IllegalArgumentException(
          "expected " + expected + " at character " + pos + ", found " + found);
    }
  }
}
