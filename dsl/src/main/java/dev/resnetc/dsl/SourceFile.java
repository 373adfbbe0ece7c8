package dev.resnetc.dsl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The text of one {@code .resnet} file and the name diagnostics use for it. */
public record SourceFile(String name, Path path, String text) {
  /** Larger sources are surely not hand-written networks; refusing them bounds parse time. */
  public static final long MAX_BYTES = 4L << 20;

  public SourceFile {
    if (name == null || text == null) {
      throw new NullPointerException("name and text are required");
    }
  }

  public static SourceFile of(String name, String text) {
    return new SourceFile(name, null, text);
  }

  /**
   * Reads {@code path} as strict UTF-8. A file that is too large or not UTF-8 is reported to
   * {@code diagnostics} with the place of the first bad byte; a file that cannot be read at all is an
   * {@link IOException} for the caller to present (it has no source position).
   */
  public static Optional<SourceFile> read(Path path, String name, Diagnostics diagnostics)
      throws IOException {
    long size = Files.size(path);
    if (size > MAX_BYTES) {
      diagnostics.error(ErrorCode.FILE_TOO_LARGE, new SourcePos(name, 1, 1),
          "file is " + size + " bytes; a .resnet source may have at most " + MAX_BYTES);
      return Optional.empty();
    }
    byte[] bytes = Files.readAllBytes(path);
    Optional<String> text = decode(bytes, name, diagnostics);
    return text.map(t -> new SourceFile(name, path, t));
  }

  static Optional<String> decode(byte[] bytes, String name, Diagnostics diagnostics) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int bad = in.position();
      diagnostics.error(ErrorCode.NOT_UTF8, positionOfByte(bytes, bad, name),
          String.format("file is not valid UTF-8 (byte 0x%02x at offset %d)", bytes[bad] & 0xff, bad),
          "save the file as UTF-8 text");
      return Optional.empty();
    }
    String text = out.flip().toString();
    // A byte-order mark is legal UTF-8 but not part of the program.
    return Optional.of(text.startsWith("\uFEFF") ? text.substring(1) : text);
  }

  private static SourcePos positionOfByte(byte[] bytes, int offset, String name) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset; i++) {
      if (bytes[i] == '\n') {
        line++;
        column = 1;
      } else if ((bytes[i] & 0xC0) != 0x80) {
        column++;
      }
    }
    return new SourcePos(name, line, column);
  }
}
