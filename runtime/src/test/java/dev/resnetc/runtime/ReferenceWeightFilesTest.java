package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests the readers on files written by NumPy (see src/test/resources/weights/README.md). */
class ReferenceWeightFilesTest {
  @TempDir
  Path dir;

  private static float[] conv() {
    float[] values = new float[24];
    for (int i = 0; i < 24; i++) {
      values[i] = i / 8f - 1;
    }
    return values;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ReferenceWeightFilesTest.class.getResourceAsStream("/weights/" + name)) {
      assertThat(in).isNotNull();
      return in.readAllBytes();
    }
  }

  /** Reads through a resource stream and through a file copy, checks they agree, returns one. */
  private Map<String, Tensor> read(String name) throws IOException {
    Map<String, Tensor> fromResource =
        TensorFiles.readResource(ReferenceWeightFilesTest.class, "/weights/" + name);
    Path copy = Files.write(dir.resolve("copy-without-extension"), resource(name));
    assertThat(TensorFiles.read(copy)).isEqualTo(fromResource);
    return fromResource;
  }

  private static void assertCommonTensors(Map<String, Tensor> tensors) {
    assertThat(tensors.get("conv1.weight"))
        .isEqualTo(new Tensor(new int[] {2, 3, 2, 2}, conv()));
    assertThat(tensors).doesNotContainKey("bn1.num_batches_tracked");
    float[] half = tensors.get("half").data();
    assertThat(Arrays.copyOf(half, 4)).usingExactEquality()
        .containsExactly(1f, -2.5f, 65504f, 0x1p-24f).inOrder();
    assertThat(Float.floatToRawIntBits(half[4])).isEqualTo(Float.floatToRawIntBits(-0f));
    assertThat(half[5]).isPositiveInfinity();
    assertThat(half[6]).isNegativeInfinity();
    assertThat(tensors.get("double")).isEqualTo(new Tensor(new int[] {2, 2},
        new float[] {(float) 0.1, (float) -1e-3, (float) 12345.678, 3f}));
    assertThat(tensors.get("scalar")).isEqualTo(new Tensor(new int[0], new float[] {7.5f}));
    assertThat(tensors.get("empty")).isEqualTo(new Tensor(new int[] {0, 4}, new float[0]));
  }

  @Test
  void readsNumpySavez() throws IOException {
    Map<String, Tensor> tensors = read("reference.npz");
    assertThat(tensors.keySet()).containsExactly(
        "conv1.weight", "half", "double", "scalar", "empty", "big_endian").inOrder();
    assertCommonTensors(tensors);
    assertThat(tensors.get("big_endian").data()).usingExactEquality()
        .containsExactly(1.5f, -2f, 1e-8f).inOrder();
  }

  @Test
  void readsNumpySavezCompressedLikeSavez() throws IOException {
    assertThat(read("reference_compressed.npz")).isEqualTo(read("reference.npz"));
  }

  @Test
  void readsSafetensorsWithEveryFloatDtype() throws IOException {
    Map<String, Tensor> tensors = read("reference.safetensors");
    assertThat(tensors.keySet()).containsExactly(
        "conv1.weight", "half", "bfloat", "double", "scalar", "empty").inOrder();
    assertCommonTensors(tensors);
    float bigBf16 = Float.intBitsToFloat(Float.floatToIntBits(1e30f) & 0xffff0000);
    assertThat(tensors.get("bfloat").data()).usingExactEquality()
        .containsExactly(1f, -3f, 0.15625f, bigBf16).inOrder();
  }

  @Test
  void npyMatchesNumpyBothWays() throws IOException {
    byte[] numpy = resource("reference.npy");
    Tensor tensor = Npy.read(Files.write(dir.resolve("ref.npy"), numpy));
    assertThat(tensor).isEqualTo(new Tensor(new int[] {2, 3, 2, 2}, conv()));
    ByteArrayOutputStream ours = new ByteArrayOutputStream();
    Npy.write(ours, tensor);
    assertThat(ours.toByteArray()).isEqualTo(numpy);
  }

  @Test
  void missingResourceIsFileNotFound() {
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> TensorFiles.readResource(ReferenceWeightFilesTest.class, "/weights/none.npz"));
    assertThat(e).hasMessageThat().contains("/weights/none.npz");
  }
}
