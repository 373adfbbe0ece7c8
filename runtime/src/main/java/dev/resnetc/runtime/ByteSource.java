package dev.resnetc.runtime;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;

/**
 * A sequential reader over a file channel or stream that counts bytes, skips, and decodes floats
 * chunk by chunk through one small reusable buffer, so reading needs little heap beyond the arrays.
 */
final class ByteSource {
  private static final int CHUNK = 1 << 16;

  final String name;
  private final ReadableByteChannel channel;
  private final long size;
  private long position;
  private ByteBuffer chunk;

  private ByteSource(String name, ReadableByteChannel channel, long size) {
    this.name = name;
    this.channel = channel;
    this.size = size;
  }

  /** A source over a seekable channel of known size, read from its current position. */
  static ByteSource of(String name, SeekableByteChannel channel) throws IOException {
    ByteSource source = new ByteSource(name, channel, channel.size());
    source.position = channel.position();
    return source;
  }

  /** A source over a stream of unknown size; the stream is not closed by this source. */
  static ByteSource of(String name, InputStream in) {
    return new ByteSource(name, Channels.newChannel(in), -1);
  }

  /** The total size in bytes, or -1 when unknown (streams). */
  long size() {
    return size;
  }

  /** Bytes consumed so far, counted from the start of the file or stream. */
  long position() {
    return position;
  }

  /**
   * Fills {@code dst} completely, or throws a {@link WeightFileException} saying the input ended
   * while reading {@code what}; returns {@code dst} flipped for reading.
   */
  ByteBuffer readFully(ByteBuffer dst, String what) throws IOException {
    while (dst.hasRemaining()) {
      int n;
      try {
        n = channel.read(dst);
      } catch (EOFException e) {
        n = -1;
      }
      if (n < 0) {
        throw truncated(what);
      }
      position += n;
    }
    return dst.flip();
  }

  /** Reads up to {@code dst.remaining()} bytes, stopping early only at the end; returns the count. */
  int readUpTo(ByteBuffer dst) throws IOException {
    int total = 0;
    while (dst.hasRemaining()) {
      int n = channel.read(dst);
      if (n < 0) {
        break;
      }
      total += n;
      position += n;
    }
    return total;
  }

  /** Reads exactly {@code length} bytes into a new array. */
  byte[] readBytes(int length, String what) throws IOException {
    // Grow gradually so a lying length on a short stream cannot force a huge allocation.
    byte[] result = new byte[Math.min(length, CHUNK)];
    int filled = 0;
    while (filled < length) {
      if (filled == result.length) {
        result = Arrays.copyOf(result, (int) Math.min(length, 2L * result.length));
      }
      readFully(ByteBuffer.wrap(result, filled, result.length - filled).slice(), what);
      filled = result.length;
    }
    return result;
  }

  /** Skips {@code count} bytes, or throws if the input ends first. */
  void skip(long count, String what) throws IOException {
    if (count == 0) {
      return;
    }
    if (channel instanceof SeekableByteChannel seekable) {
      if (position + count > size) {
        throw truncated(what);
      }
      seekable.position(seekable.position() + count);
      position += count;
      return;
    }
    ByteBuffer buffer = chunk();
    long left = count;
    while (left > 0) {
      buffer.clear().limit((int) Math.min(left, buffer.capacity()));
      readFully(buffer, what);
      left -= buffer.limit();
    }
  }

  /** Reads {@code count} elements of {@code format} in {@code order} and converts them to floats. */
  float[] readFloats(int count, FloatFormat format, ByteOrder order, String what)
      throws IOException {
    float[] result = new float[count];
    ByteBuffer buffer = chunk().order(order);
    int perChunk = buffer.capacity() / format.size;
    int done = 0;
    while (done < count) {
      int n = Math.min(count - done, perChunk);
      buffer.clear().limit(n * format.size);
      readFully(buffer, what);
      format.decode(buffer, result, done, n);
      done += n;
    }
    return result;
  }

  /** Returns true if the input has no more bytes (reads at most one byte). */
  boolean atEnd() throws IOException {
    if (size >= 0) {
      return position >= size;
    }
    ByteBuffer one = ByteBuffer.allocate(1);
    return readUpTo(one) == 0;
  }

  WeightFileException truncated(String what) {
    String ended = size >= 0 ? "the file ended" : "the stream ended";
    return new WeightFileException(
        name + ": truncated: " + ended + " after " + position + " bytes while reading " + what);
  }

  private ByteBuffer chunk() {
    if (chunk == null) {
      chunk = ByteBuffer.allocate(CHUNK);
    }
    return chunk;
  }
}
