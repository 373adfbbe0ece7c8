package dev.resnetc.cli;

import dev.resnetc.runtime.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** Runs resnetc in memory and writes the weight files the command-line tests feed to it. */
final class TestFiles {
  private TestFiles() {}

  /** What one run of resnetc returned and printed. */
  record Result(int status, String out, String err) {}

  /** Runs resnetc with {@code args}, without environment variables, capturing its output. */
  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(new PrintWriter(out), new PrintWriter(err), Map.of(), args);
    return new Result(status, out.toString(), err.toString());
  }

  /** Writes a safetensors file: u64 header length, JSON header, little-endian F32 data. */
  static Path safetensors(Path path, Map<String, Tensor> tensors) throws IOException {
    StringBuilder header = new StringBuilder("{");
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      int begin = data.size();
      ByteBuffer b = ByteBuffer.allocate(4 * e.getValue().data().length)
          .order(ByteOrder.LITTLE_ENDIAN);
      for (float f : e.getValue().data()) {
        b.putFloat(f);
      }
      data.write(b.array());
      header.append(header.length() > 1 ? "," : "").append('"').append(e.getKey())
          .append("\":{\"dtype\":\"F32\",\"shape\":").append(Arrays.toString(e.getValue().shape()))
          .append(",\"data_offsets\":[").append(begin).append(',').append(data.size()).append("]}");
    }
    byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer bytes = ByteBuffer.allocate(8 + json.length + data.size())
        .order(ByteOrder.LITTLE_ENDIAN);
    bytes.putLong(json.length).put(json).put(data.toByteArray());
    return Files.write(path, bytes.array());
  }
}
