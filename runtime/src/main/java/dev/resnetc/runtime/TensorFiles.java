package dev.resnetc.runtime;

import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Objects;

/**
 * Reads named float tensors from weight files in the safetensors or NumPy {@code .npz} format,
 * recognised by their content rather than their file name.
 *
 * <p>Results are unmodifiable maps in file order (safetensors: header order; npz: archive order).
 * F32, F16, BF16 and F64 (safetensors) and {@code <f4}, {@code <f2}, {@code <f8} and their
 * big-endian forms (npz) are converted to float. Tensors whose name ends in
 * {@code num_batches_tracked} are skipped whatever their type; any other tensor of another type is
 * an error. Every malformed, truncated or unsupported input raises a {@link WeightFileException}
 * whose message starts with the file's display name and names the problem.
 */
public final class TensorFiles {
  private static final int SNIFF = 4;

  private TensorFiles() {}

  /**
   * Reads a safetensors or npz file. Safetensors data is read tensor by tensor through a small
   * buffer, so the heap needed is little more than the returned arrays.
   */
  public static Map<String, Tensor> read(Path file) throws IOException {
    Objects.requireNonNull(file, "file is null");
    String name = file.toString();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer head = ByteBuffer.allocate(SNIFF);
      while (head.hasRemaining() && channel.read(head) >= 0) {
        // Keep reading: a channel may return fewer bytes than asked.
      }
      channel.position(0);
      Format format = sniff(name, head.array(), head.position());
      if (format == Format.NPZ) {
        return Npz.read(new BufferedInputStream(Channels.newInputStream(channel), 1 << 16), name);
      }
      return SafeTensors.read(ByteSource.of(name, channel));
    }
  }

  /**
   * Reads a safetensors or npz file from a stream without buffering all of it, and without
   * closing it; {@code displayName} starts every error message.
   */
  public static Map<String, Tensor> read(InputStream in, String displayName) throws IOException {
    Objects.requireNonNull(in, "in is null");
    Objects.requireNonNull(displayName, "displayName is null");
    PushbackInputStream pushback =
        new PushbackInputStream(new BufferedInputStream(in, 1 << 16), SNIFF);
    byte[] head = pushback.readNBytes(SNIFF);
    pushback.unread(head);
    if (sniff(displayName, head, head.length) == Format.NPZ) {
      return Npz.read(pushback, displayName);
    }
    return SafeTensors.read(ByteSource.of(displayName, pushback));
  }

  /**
   * Reads a weight file from the class path, resolved like {@link Class#getResourceAsStream}
   * relative to {@code anchor}; a missing resource is a {@link FileNotFoundException}.
   */
  public static Map<String, Tensor> readResource(Class<?> anchor, String resource)
      throws IOException {
    Objects.requireNonNull(anchor, "anchor is null");
    Objects.requireNonNull(resource, "resource is null");
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new FileNotFoundException("resource not found: " + resource + " (relative to "
            + anchor.getName() + ")");
      }
      return read(in, resource);
    }
  }

  private enum Format { SAFETENSORS, NPZ }

  private static Format sniff(String name, byte[] head, int length) throws WeightFileException {
    if (length >= 4 && head[0] == 'P' && head[1] == 'K'
        && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
      return Format.NPZ;
    }
    if (length >= 2 && (head[0] & 0xff) == 0x93 && head[1] == 'N') {
      throw new WeightFileException(name + ": this is a single .npy array, not a weights file;"
          + " save the weights with numpy.savez or as safetensors");
    }
    return Format.SAFETENSORS;
  }
}
