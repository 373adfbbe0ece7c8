package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static dev.resnetc.runtime.WeightFileBytes.f32;
import static dev.resnetc.runtime.WeightFileBytes.f64;
import static dev.resnetc.runtime.WeightFileBytes.i64;
import static dev.resnetc.runtime.WeightFileBytes.npy;
import static dev.resnetc.runtime.WeightFileBytes.u16;
import static dev.resnetc.runtime.WeightFileBytes.zip;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests reading hand-assembled npz archives and npy arrays, and writing npy files. */
class NpzReadingTest {
  @TempDir
  Path dir;

  private Map<String, Tensor> read(byte[] bytes) throws IOException {
    Path file = Files.write(dir.resolve("w.npz"), bytes);
    Map<String, Tensor> fromFile = TensorFiles.read(file);
    Map<String, Tensor> fromStream = TensorFiles.read(new ByteArrayInputStream(bytes), "w.npz");
    assertThat(fromStream).isEqualTo(fromFile);
    assertThat(fromStream.keySet()).containsExactlyElementsIn(fromFile.keySet()).inOrder();
    return fromFile;
  }

  /** The error message, identical from a file and a stream, without the "w.npz: " prefix. */
  private String error(byte[] bytes) throws IOException {
    Path file = Files.write(dir.resolve("w.npz"), bytes);
    String fromFile = assertThrows(WeightFileException.class, () -> TensorFiles.read(file))
        .getMessage();
    String fromStream = assertThrows(WeightFileException.class,
        () -> TensorFiles.read(new ByteArrayInputStream(bytes), file.toString())).getMessage();
    assertThat(fromStream).isEqualTo(fromFile);
    assertThat(fromFile).startsWith(file + ": ");
    return fromFile.substring(file.toString().length() + 2);
  }

  private static Map<String, byte[]> entries(Object... nameThenBytes) {
    Map<String, byte[]> map = new LinkedHashMap<>();
    for (int i = 0; i < nameThenBytes.length; i += 2) {
      map.put((String) nameThenBytes[i], (byte[]) nameThenBytes[i + 1]);
    }
    return map;
  }

  private static byte[] f32Npy(String shape, float... values) {
    return npy("<f4", shape, f32(values));
  }

  @Test
  void readsStoredAndDeflatedEntriesInArchiveOrderWithoutTheNpySuffix() throws IOException {
    for (boolean deflate : new boolean[] {false, true}) {
      Map<String, Tensor> tensors = read(zip(deflate, entries(
          "layer1.0.conv1.weight.npy", f32Npy("(1, 2, 1, 1)", 1.5f, -2f),
          "fc.bias.npy", f32Npy("(3,)", 0f, -0f, Float.NaN))));
      assertThat(tensors.keySet()).containsExactly("layer1.0.conv1.weight", "fc.bias").inOrder();
      assertThat(tensors.get("layer1.0.conv1.weight")).isEqualTo(
          new Tensor(new int[] {1, 2, 1, 1}, new float[] {1.5f, -2f}));
      assertThat(tensors.get("fc.bias")).isEqualTo(
          new Tensor(new int[] {3}, new float[] {0f, -0f, Float.NaN}));
    }
  }

  @Test
  void convertsHalfDoubleAndBigEndianArrays() throws IOException {
    Map<String, Tensor> tensors = read(zip(true, entries(
        "h.npy", npy("<f2", "(4,)", u16(0x3c00, 0x0001, 0x8000, 0xfc00)),
        "d.npy", npy("<f8", "(2, 1)", f64(0.1, -1e-3)),
        "b.npy", npy(">f4", "(2,)", f32(ByteOrder.BIG_ENDIAN, 1.5f, -3f)))));
    assertThat(tensors.get("h").data()).usingExactEquality()
        .containsExactly(1f, 0x1p-24f, -0f, Float.NEGATIVE_INFINITY).inOrder();
    assertThat(Float.floatToRawIntBits(tensors.get("h").data()[2]))
        .isEqualTo(Float.floatToRawIntBits(-0f));
    assertThat(tensors.get("d")).isEqualTo(new Tensor(new int[] {2, 1}, new float[] {0.1f, -1e-3f}));
    assertThat(tensors.get("b").data()).usingExactEquality().containsExactly(1.5f, -3f).inOrder();
  }

  @Test
  void readsScalarsZeroSizedArraysAndNewerHeaderVersions() throws IOException {
    Map<String, Tensor> tensors = read(zip(false, entries(
        "s.npy", f32Npy("()", 7.5f),
        "e.npy", f32Npy("(0, 4)"),
        "v2.npy", npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f32(2f)),
        "v3.npy", npy(3, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1L,)}",
            f32(3f)))));
    assertThat(tensors.get("s")).isEqualTo(new Tensor(new int[0], new float[] {7.5f}));
    assertThat(tensors.get("e")).isEqualTo(new Tensor(new int[] {0, 4}, new float[0]));
    assertThat(tensors.get("v2").data()).usingExactEquality().containsExactly(2f);
    assertThat(tensors.get("v3").data()).usingExactEquality().containsExactly(3f);
  }

  @Test
  void skipsNumBatchesTrackedOfAnyDtype() throws IOException {
    Map<String, Tensor> tensors = read(zip(false, entries(
        "bn1.num_batches_tracked.npy", npy("<i8", "()", i64(7)),
        "bn2.num_batches_tracked.npy", npy("|b1", "(1,)", new byte[] {1}),
        "bn1.weight.npy", f32Npy("(1,)", 1f))));
    assertThat(tensors.keySet()).containsExactly("bn1.weight");
  }

  @Test
  void readsAnEmptyArchive() throws IOException {
    assertThat(read(zip(false, entries()))).isEmpty();
  }

  @Test
  void rejectsUnsupportedDtypesNamingEntryAndDtype() throws IOException {
    assertThat(error(zip(false, entries("idx.npy", npy("<i8", "(1,)", i64(1))))))
        .isEqualTo("entry 'idx.npy' has unsupported dtype '<i8'"
            + " (supported: <f4, <f2, <f8 and big-endian >f4, >f2, >f8)");
    assertThat(error(zip(false, entries("m.npy", npy("|b1", "(1,)", new byte[1])))))
        .contains("entry 'm.npy' has unsupported dtype '|b1'");
    assertThat(error(zip(false, entries("r.npy",
        npy(1, "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }", f32(1f))))))
        .contains("structured dtypes are not supported");
  }

  @Test
  void rejectsFortranOrder() throws IOException {
    assertThat(error(zip(false, entries("f.npy",
        npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f32(1, 2, 3, 4))))))
        .startsWith("entry 'f.npy': fortran_order True is not supported");
  }

  @Test
  void rejectsEntriesThatAreNotNpyArrays() throws IOException {
    assertThat(error(zip(false, entries("a.npy", f32Npy("(1,)", 1f), "notes.txt", new byte[3]))))
        .isEqualTo("entry 'notes.txt' is not a .npy array; an npz file holds only NAME.npy entries");
    assertThat(error(zip(false, entries("x.npy", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))))
        .isEqualTo("entry 'x.npy': not a .npy array (no \\x93NUMPY magic)");
  }

  @Test
  void rejectsDuplicateEntries() throws IOException {
    byte[] one = zip(false, entries("a.npy", f32Npy("(1,)", 1f)));
    byte[] renamed = zip(false, entries("b.npy", f32Npy("(1,)", 2f)));
    // Two local entries named a.npy, followed by b's central directory, is still readable as a stream.
    byte[] local = Arrays.copyOf(one, indexOf(one, new byte[] {'P', 'K', 1, 2}));
    byte[] both = WeightFileBytes.concat(local, local, renamed);
    assertThat(error(both)).isEqualTo("duplicate entry 'a.npy'");
  }

  @Test
  void rejectsMalformedNpyHeaders() throws IOException {
    assertThat(error(zip(false, entries("a.npy",
        npy(1, "{'descr': '<f4', 'shape': (1,), }", f32(1f))))))
        .contains("invalid .npy header: keys must be exactly 'descr', 'fortran_order' and 'shape'");
    assertThat(error(zip(false, entries("a.npy",
        npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1), }", f32(1f))))))
        .contains("invalid .npy header: expected a non-negative integer at character");
    assertThat(error(zip(false, entries("a.npy",
        npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x", f32(1f))))))
        .contains("expected only padding after the dict");
    assertThat(error(zip(false, entries("a.npy",
        npy(9, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f32(1f))))))
        .isEqualTo("entry 'a.npy': unsupported .npy format version 9.0 (supported: 1.0, 2.0, 3.0)");
  }

  @Test
  void rejectsArraysWithTooFewOrTooManyDataBytes() throws IOException {
    assertThat(error(zip(true, entries("a.npy", f32Npy("(3,)", 1f, 2f)))))
        .isEqualTo("entry 'a.npy': truncated: the stream ended after 136 bytes while reading"
            + " the array data (12 bytes)");
    assertThat(error(zip(true, entries("a.npy", f32Npy("(1,)", 1f, 2f)))))
        .isEqualTo("entry 'a.npy': unexpected bytes after the array data");
  }

  @Test
  void rejectsATruncatedArchive() throws IOException {
    byte[] whole = zip(false, entries("a.npy", f32Npy("(2,)", 1f, 2f), "b.npy",
        f32Npy("(2,)", 3f, 4f)));
    int secondEntry = indexOf(whole, new byte[] {'P', 'K', 3, 4}, 4);
    // Cut exactly between the entries: ZipInputStream alone would report no error.
    assertThat(error(Arrays.copyOf(whole, secondEntry))).isEqualTo("truncated or not a zip file:"
        + " no end-of-central-directory record at the end (" + secondEntry + " bytes read)");
    assertThat(error(Arrays.copyOf(whole, secondEntry + 100))).contains("truncated");
    assertThat(error(Arrays.copyOf(whole, whole.length - 1))).contains("truncated");
    byte[] deflated = zip(true, entries("a.npy", f32Npy("(64,)", new float[64])));
    assertThat(error(Arrays.copyOf(deflated, 60)))
        .startsWith("entry 'a.npy': truncated: the stream ended after ");
  }

  @Test
  void rejectsCorruptData() throws IOException {
    byte[] stored = zip(false, entries("a.npy", f32Npy("(2,)", 1f, 2f)));
    int data = indexOf(stored, f32(1f, 2f));
    stored[data] ^= 1;
    assertThat(error(stored)).contains("corrupt or truncated zip in entry 'a.npy': invalid entry CRC");
  }

  @Test
  void npyReadsFilesAndStreamsAlike() throws IOException {
    byte[] bytes = npy("<f8", "(2, 2)", f64(1, 2, 3, 4.5));
    Path file = Files.write(dir.resolve("x.npy"), bytes);
    Tensor expected = new Tensor(new int[] {2, 2}, new float[] {1, 2, 3, 4.5f});
    assertThat(Npy.read(file)).isEqualTo(expected);
    assertThat(Npy.read(new ByteArrayInputStream(bytes), "x.npy")).isEqualTo(expected);
  }

  @Test
  void npyReportsTruncationAndTrailingBytesInFiles() throws IOException {
    byte[] bytes = f32Npy("(2, 2)", 1, 2, 3, 4);
    Path cut = Files.write(dir.resolve("cut.npy"), Arrays.copyOf(bytes, bytes.length - 2));
    assertThat(assertThrows(WeightFileException.class, () -> Npy.read(cut)).getMessage())
        .isEqualTo(cut + ": truncated: shape [2, 2] of <f4 needs 16 data bytes but the file has 14");
    Path longer = Files.write(dir.resolve("long.npy"), WeightFileBytes.concat(bytes, new byte[3]));
    assertThat(assertThrows(WeightFileException.class, () -> Npy.read(longer)).getMessage())
        .isEqualTo(longer + ": 3 unexpected bytes after the array data");
    Path tiny = Files.write(dir.resolve("tiny.npy"), Arrays.copyOf(bytes, 9));
    assertThat(assertThrows(WeightFileException.class, () -> Npy.read(tiny)).getMessage())
        .contains("truncated");
    Path header = Files.write(dir.resolve("header.npy"), Arrays.copyOf(bytes, 20));
    assertThat(assertThrows(WeightFileException.class, () -> Npy.read(header)).getMessage())
        .isEqualTo(header + ": .npy header length 118 is larger than the rest of the file (10 bytes)");
  }

  @Test
  void npyWriteRoundTripsAndPadsTheHeaderLikeNumpy() throws IOException {
    Tensor tensor = new Tensor(new int[] {2, 3}, new float[] {1, -2, 3.5f, Float.NaN, -0f, 1e-40f});
    Path file = dir.resolve("out.npy");
    Npy.write(file, tensor);
    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes.length).isEqualTo(128 + 24);
    String header = new String(bytes, 10, 118, StandardCharsets.ISO_8859_1);
    assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }  ");
    assertThat(header).endsWith(" \n");
    assertThat(Npy.read(file)).isEqualTo(tensor);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.write(out, new Tensor(new int[] {1}, new float[] {4f}));
    assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1))
        .contains("'shape': (1,), }");
    out.reset();
    Npy.write(out, new Tensor(new int[0], new float[] {4f}));
    assertThat(Npy.read(new ByteArrayInputStream(out.toByteArray()), "s"))
        .isEqualTo(new Tensor(new int[0], new float[] {4f}));
  }

  @Test
  void npyWritesLargeArraysAcrossChunks() throws IOException {
    float[] values = new float[50_001];
    for (int i = 0; i < values.length; i++) {
      values[i] = i - 0.5f;
    }
    Path file = dir.resolve("big.npy");
    Npy.write(file, new Tensor(new int[] {values.length}, values));
    assertThat(Arrays.equals(Npy.read(file).data(), values)).isTrue();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    return indexOf(haystack, needle, 0);
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
