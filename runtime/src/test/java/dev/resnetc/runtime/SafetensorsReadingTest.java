package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static dev.resnetc.runtime.WeightFileBytes.f32;
import static dev.resnetc.runtime.WeightFileBytes.f64;
import static dev.resnetc.runtime.WeightFileBytes.i64;
import static dev.resnetc.runtime.WeightFileBytes.safetensors;
import static dev.resnetc.runtime.WeightFileBytes.u16;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests reading hand-assembled safetensors bytes through {@link TensorFiles}, from files and streams. */
class SafetensorsReadingTest {
  @TempDir
  Path dir;

  private Path write(byte[] bytes) throws IOException {
    return Files.write(dir.resolve("w.safetensors"), bytes);
  }

  /** Reads from a file and from a stream, checks both agree, and returns the result. */
  private Map<String, Tensor> read(byte[] bytes) throws IOException {
    Path file = write(bytes);
    Map<String, Tensor> fromFile = TensorFiles.read(file);
    Map<String, Tensor> fromStream =
        TensorFiles.read(new ByteArrayInputStream(bytes), file.toString());
    assertThat(fromStream).isEqualTo(fromFile);
    assertThat(fromStream.keySet()).containsExactlyElementsIn(fromFile.keySet()).inOrder();
    return fromFile;
  }

  private String fileError(byte[] bytes) throws IOException {
    Path file = write(bytes);
    String message = assertThrows(WeightFileException.class, () -> TensorFiles.read(file))
        .getMessage();
    assertThat(message).startsWith(file + ": ");
    return message.substring(file.toString().length() + 2);
  }

  private static String streamError(byte[] bytes) {
    String message = assertThrows(WeightFileException.class,
        () -> TensorFiles.read(new ByteArrayInputStream(bytes), "w.safetensors")).getMessage();
    assertThat(message).startsWith("w.safetensors: ");
    return message.substring("w.safetensors: ".length());
  }

  /** The error for a malformed header, which must be the same from a file and from a stream. */
  private String error(byte[] bytes) throws IOException {
    String fromFile = fileError(bytes);
    assertThat(streamError(bytes)).isEqualTo(fromFile);
    return fromFile;
  }

  private String error(String header, byte[]... data) throws IOException {
    return error(safetensors(header, data));
  }

  private static float[] data(Map<String, Tensor> tensors, String name) {
    assertThat(tensors).containsKey(name);
    return tensors.get(name).data();
  }

  @Test
  void readsF32TensorsInHeaderOrderWhateverTheirDataOrder() throws IOException {
    float[] weight = {1f, -0.0f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE, -3.25e-7f};
    Map<String, Tensor> tensors = read(safetensors(
        "{\"fc.weight\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [8, 32]},"
            + " \"fc.bias\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}",
        f32(0.5f, -2f), f32(weight)));

    assertThat(tensors.keySet()).containsExactly("fc.weight", "fc.bias").inOrder();
    assertThat(tensors.get("fc.weight").shape()).asList().containsExactly(2, 3).inOrder();
    assertThat(Arrays.equals(data(tensors, "fc.weight"), weight)).isTrue();
    assertThat(data(tensors, "fc.bias")).usingExactEquality().containsExactly(0.5f, -2f).inOrder();
  }

  @Test
  void convertsF16ToFloatIncludingSpecialValues() throws IOException {
    Map<String, Tensor> tensors = read(safetensors(
        "{\"h\": {\"dtype\": \"F16\", \"shape\": [8], \"data_offsets\": [0, 16]}}",
        u16(0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00)));
    float[] h = data(tensors, "h");
    assertThat(Arrays.copyOf(h, 4)).usingExactEquality()
        .containsExactly(1f, -2.5f, 65504f, 0x1p-24f).inOrder();
    assertThat(Float.floatToRawIntBits(h[4])).isEqualTo(Float.floatToRawIntBits(-0.0f));
    assertThat(h[5]).isPositiveInfinity();
    assertThat(h[6]).isNegativeInfinity();
    assertThat(h[7]).isNaN();
  }

  @Test
  void convertsBf16AndF64ToFloat() throws IOException {
    Map<String, Tensor> tensors = read(safetensors(
        "{\"b\": {\"dtype\": \"BF16\", \"shape\": [3], \"data_offsets\": [0, 6]},"
            + " \"d\": {\"dtype\": \"F64\", \"shape\": [1, 4], \"data_offsets\": [8, 40]}}",
        u16(0x3f80, 0xc040, 0x7f80), new byte[2], f64(0.1, -1e300, 1e-50, 2.5)));
    assertThat(data(tensors, "b")).usingExactEquality()
        .containsExactly(1f, -3f, Float.POSITIVE_INFINITY).inOrder();
    assertThat(data(tensors, "d")).usingExactEquality()
        .containsExactly(0.1f, Float.NEGATIVE_INFINITY, 0f, 2.5f).inOrder();
  }

  @Test
  void readsScalarsAndZeroSizedTensors() throws IOException {
    Map<String, Tensor> tensors = read(safetensors(
        "{\"scalar\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4]},"
            + " \"empty\": {\"dtype\": \"F32\", \"shape\": [0, 3], \"data_offsets\": [4, 4]},"
            + " \"empty16\": {\"dtype\": \"F16\", \"shape\": [5, 0], \"data_offsets\": [0, 0]}}",
        f32(7.5f)));
    assertThat(tensors.get("scalar").rank()).isEqualTo(0);
    assertThat(data(tensors, "scalar")).usingExactEquality().containsExactly(7.5f);
    assertThat(tensors.get("empty").shape()).asList().containsExactly(0, 3).inOrder();
    assertThat(data(tensors, "empty")).isEmpty();
    assertThat(data(tensors, "empty16")).isEmpty();
  }

  @Test
  void skipsNumBatchesTrackedWhateverItsDtype() throws IOException {
    Map<String, Tensor> tensors = read(safetensors(
        "{\"bn1.num_batches_tracked\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [0, 8]},"
            + " \"bn1.weight\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]},"
            + " \"x.num_batches_tracked\": {\"dtype\": \"FANCY\", \"shape\": [3], \"data_offsets\": [12, 15]}}",
        i64(12345), f32(2f), new byte[3]));
    assertThat(tensors.keySet()).containsExactly("bn1.weight");
  }

  @Test
  void skipsGapsAndIgnoresMetadataAndHeaderPadding() throws IOException {
    Map<String, Tensor> tensors = read(safetensors(
        "{\"__metadata__\": {\"format\": \"pt\", \"\\u00e9\": \"caf\\u00e9\"},"
            + " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8], \"extra\": 1}}   ",
        new byte[] {9, 9, 9, 9}, f32(3f), new byte[5]));
    assertThat(tensors.keySet()).containsExactly("a");
    assertThat(data(tensors, "a")).usingExactEquality().containsExactly(3f);
  }

  @Test
  void readsAnEmptyHeaderAsNoTensorsAndReturnsAnUnmodifiableMap() throws IOException {
    assertThat(read(safetensors("{}"))).isEmpty();
    Map<String, Tensor> tensors = read(safetensors(
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", f32(1f)));
    assertThrows(UnsupportedOperationException.class, () -> tensors.remove("a"));
  }

  @Test
  void readsLargeTensorsAcrossManyBufferChunks() throws IOException {
    int n = 100_003;
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = i * 0.25f - 7f;
    }
    byte[] halves = new byte[2 * n];
    ByteBuffer hb = ByteBuffer.wrap(halves).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      hb.putShort((short) (i % 2 == 0 ? 0x3c00 : 0xbc00));
    }
    Map<String, Tensor> tensors = read(safetensors(
        "{\"big\": {\"dtype\": \"F32\", \"shape\": [" + n + "], \"data_offsets\": [0, " + 4 * n + "]},"
            + " \"half\": {\"dtype\": \"F16\", \"shape\": [" + n + "], \"data_offsets\": ["
            + 4 * n + ", " + 6 * n + "]}}",
        f32(values), halves));
    assertThat(Arrays.equals(data(tensors, "big"), values)).isTrue();
    float[] half = data(tensors, "half");
    float[] expectedHalf = new float[n];
    for (int i = 0; i < n; i++) {
      expectedHalf[i] = i % 2 == 0 ? 1f : -1f;
    }
    assertThat(Arrays.equals(half, expectedHalf)).isTrue();
  }

  @Test
  void rejectsFilesShorterThanTheHeaderLength() throws IOException {
    assertThat(fileError(new byte[5]))
        .isEqualTo("file is 5 bytes, shorter than the 8-byte safetensors header length");
    assertThat(streamError(new byte[5])).isEqualTo("truncated: the stream ended after 5 bytes"
        + " while reading the 8-byte safetensors header length");
    assertThat(fileError(new byte[0])).contains("file is 0 bytes");
  }

  @Test
  void rejectsHeaderLengthLargerThanTheFile() throws IOException {
    byte[] bytes = Arrays.copyOf(
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array(), 20);
    bytes[8] = '{';
    assertThat(fileError(bytes)).isEqualTo("header length 1000 is larger than the file (20 bytes)");
    assertThat(streamError(bytes)).isEqualTo(
        "truncated: the stream ended after 20 bytes while reading the 1000-byte JSON header");
  }

  @Test
  void rejectsAbsurdHeaderLengths() throws IOException {
    byte[] big = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_001L)
        .array();
    assertThat(error(big)).isEqualTo("header length 100000001 is absurd (over 100000000 bytes);"
        + " this is neither a safetensors nor an npz file");
    byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).array();
    assertThat(error(huge)).startsWith("header length 18446744073709551615 is absurd");
  }

  @Test
  void rejectsHeadersThatAreNotAJsonObject() throws IOException {
    assertThat(error("{\"a\": }")).isEqualTo(
        "invalid JSON header: unexpected '}', expected a value at character 6");
    assertThat(error("[1]")).contains("invalid JSON header: it must start with '{'");
    assertThat(error("")).contains("invalid JSON header: it must start with '{'");
    assertThat(error("{} {}")).contains("after the end of the JSON value");
    byte[] badUtf8 = safetensors("{\"a\": \"xx\"}");
    badUtf8[15] = (byte) 0xff;
    assertThat(error(badUtf8)).isEqualTo("invalid JSON header: not valid UTF-8");
  }

  @Test
  void rejectsEntriesThatAreNotObjects() throws IOException {
    assertThat(error("{\"a\": 5}")).isEqualTo("tensor 'a' must be a JSON object, got the number 5");
    assertThat(error("{\"a\": [1]}")).isEqualTo("tensor 'a' must be a JSON object, got [1]");
    assertThat(error("{\"__metadata__\": [\"x\"]}"))
        .isEqualTo("__metadata__ must be an object, got [x]");
    assertThat(error("{\"__metadata__\": {\"n\": 1}}"))
        .isEqualTo("__metadata__ values must be strings, but \"n\" is the number 1");
  }

  @Test
  void rejectsEntriesWithMissingOrMistypedFields() throws IOException {
    assertThat(error("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}"))
        .isEqualTo("tensor 'a' has no \"dtype\" field");
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}"))
        .isEqualTo("tensor 'a' has no \"shape\" field");
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}"))
        .isEqualTo("tensor 'a' has no \"data_offsets\" field");
    assertThat(error("{\"a\": {\"dtype\": 4, \"shape\": [1], \"data_offsets\": [0, 4]}}"))
        .isEqualTo("tensor 'a': dtype must be a string, got the number 4");
  }

  @Test
  void rejectsNegativeOrNonIntegerShapes() throws IOException {
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"shape\": [2, -1], \"data_offsets\": [0, 4]}}"))
        .isEqualTo("tensor 'a': shape must be an array of non-negative integers, got [2, -1]");
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}"))
        .contains("shape must be an array of non-negative integers, got [1.5]");
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"shape\": 3, \"data_offsets\": [0, 4]}}"))
        .contains("shape must be an array of non-negative integers, got the number 3");
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296], \"data_offsets\": [0, 4]}}"))
        .isEqualTo("tensor 'a': dimension 4294967296 is too large");
  }

  @Test
  void rejectsMalformedDataOffsets() throws IOException {
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4]}}", f32(1f)))
        .isEqualTo("tensor 'a': data_offsets must be two non-negative integers [begin, end], got [4]");
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", f32(1f)))
        .contains("data_offsets must be two non-negative integers");
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", f32(1f)))
        .isEqualTo("tensor 'a': data_offsets end 0 is before begin 4");
  }

  @Test
  void rejectsOffsetsOutsideTheDataBuffer() throws IOException {
    byte[] bytes = safetensors(
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 12]}}", f32(1f, 2f));
    assertThat(fileError(bytes))
        .isEqualTo("tensor 'a': data_offsets [0, 12] go past the end of the data buffer (8 bytes)");
    assertThat(streamError(bytes)).startsWith("truncated: the stream ended after ");
    assertThat(streamError(bytes)).endsWith("while reading tensor 'a' (data bytes 0 to 12)");
  }

  @Test
  void rejectsOverlappingTensors() throws IOException {
    assertThat(error(
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
            + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
        f32(1f, 2f, 3f)))
        .isEqualTo("tensors 'a' [0, 8) and 'b' [4, 12) overlap");
  }

  @Test
  void rejectsByteLengthThatDoesNotMatchShapeAndDtype() throws IOException {
    assertThat(error("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}",
        f32(1f, 2f)))
        .isEqualTo("tensor 'a': data_offsets [0, 8] span 8 bytes, but shape [3] of F32 needs 12 bytes");
    assertThat(error("{\"a\": {\"dtype\": \"BF16\", \"shape\": [], \"data_offsets\": [0, 4]}}",
        f32(1f)))
        .contains("span 4 bytes, but shape [] of BF16 needs 2 bytes");
    assertThat(error("{\"a.num_batches_tracked\": {\"dtype\": \"I64\", \"shape\": [],"
        + " \"data_offsets\": [0, 4]}}", f32(1f)))
        .contains("needs 8 bytes");
  }

  @Test
  void rejectsDuplicateTensorNames() throws IOException {
    assertThat(error(
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
            + " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
        f32(1f, 2f)))
        .startsWith("invalid JSON header: duplicate key \"a\"");
  }

  @Test
  void rejectsUnsupportedDtypesNamingTensorAndDtype() throws IOException {
    assertThat(error("{\"layer.idx\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}",
        i64(3)))
        .isEqualTo("tensor 'layer.idx' has unsupported dtype I64 (supported: F32, F16, BF16, F64)");
    assertThat(error("{\"q\": {\"dtype\": \"Q4_K\", \"shape\": [1], \"data_offsets\": [0, 1]}}",
        new byte[1]))
        .contains("tensor 'q' has unsupported dtype Q4_K");
  }

  @Test
  void rejectsDataThatEndsEarly() throws IOException {
    byte[] whole = safetensors(
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
            + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
        f32(1f, 2f, 3f));
    byte[] cut = Arrays.copyOf(whole, whole.length - 1);
    assertThat(streamError(cut)).isEqualTo("truncated: the stream ended after " + (cut.length)
        + " bytes while reading tensor 'b' (data bytes 4 to 12)");
    assertThat(fileError(cut))
        .isEqualTo("tensor 'b': data_offsets [4, 12] go past the end of the data buffer (11 bytes)");
  }

  @Test
  void rejectsASingleNpyArrayWithAHint() throws IOException {
    byte[] npy = Npy.header(new int[] {1});
    assertThat(error(WeightFileBytes.concat(npy, f32(1f))))
        .contains("this is a single .npy array, not a weights file");
  }
}
