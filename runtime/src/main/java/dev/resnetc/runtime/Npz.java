package dev.resnetc.runtime;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/** Reader for NumPy {@code .npz} archives: a zip of {@code NAME.npy} entries, stored or deflated. */
final class Npz {
  private static final String SUFFIX = ".npy";

  private Npz() {}

  /** Reads every array, in archive order, keyed by entry name without {@code .npy}. */
  static Map<String, Tensor> read(InputStream in, String file) throws IOException {
    TailCheck tail = new TailCheck(in);
    Map<String, Tensor> result = new LinkedHashMap<>();
    String entryName = null;
    try {
      ZipInputStream zip = new ZipInputStream(tail);
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        entryName = entry.getName();
        if (entry.isDirectory() || !entryName.endsWith(SUFFIX)) {
          throw new WeightFileException(file + ": entry '" + entryName
              + "' is not a .npy array; an npz file holds only NAME.npy entries");
        }
        String key = entryName.substring(0, entryName.length() - SUFFIX.length());
        if (result.containsKey(key)) {
          throw new WeightFileException(file + ": duplicate entry '" + entryName + "'");
        }
        String where = file + ": entry '" + entryName + "'";
        Tensor tensor = Npy.read(ByteSource.of(where, zip), key.endsWith(Weights.IGNORED_SUFFIX));
        if (tensor != null) {
          result.put(key, tensor);
        }
      }
      entryName = null;
      tail.transferTo(OutputStream.nullOutputStream());
    } catch (ZipException | EOFException e) {
      String where = entryName == null ? "" : " in entry '" + entryName + "'";
      throw new WeightFileException(file + ": corrupt or truncated zip" + where + ": "
          + e.getMessage(), e);
    }
    if (!tail.endsWithDirectory()) {
      if (tail.count == 0) {
        throw new WeightFileException(file + ": empty input, not an npz (zip) file");
      }
      throw new WeightFileException(file + ": truncated or not a zip file: no end-of-central-directory"
          + " record at the end (" + tail.count + " bytes read)");
    }
    return Collections.unmodifiableMap(result);
  }

  /**
   * Watches every byte passing through to check that the input ends with a zip
   * end-of-central-directory record, which {@link ZipInputStream} itself never verifies, so that
   * a file cut between entries is reported instead of silently losing arrays.
   */
  private static final class TailCheck extends FilterInputStream {
    private static final int SIGNATURE = 0x504b0506;
    private static final int RECORD_AFTER_SIGNATURE = 18;

    long count;
    private int window;
    private long recordStart = -1;
    private final byte[] record = new byte[RECORD_AFTER_SIGNATURE];
    private int recorded;

    TailCheck(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        observe((byte) b);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      for (int i = 0; i < n; i++) {
        observe(buffer[offset + i]);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // Route skips through read so that every byte is observed.
      byte[] scratch = new byte[(int) Math.min(n, 8192)];
      long skipped = 0;
      while (skipped < n) {
        int got = read(scratch, 0, (int) Math.min(n - skipped, scratch.length));
        if (got < 0) {
          break;
        }
        skipped += got;
      }
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    private void observe(byte b) {
      count++;
      if (recordStart >= 0 && recorded < RECORD_AFTER_SIGNATURE) {
        record[recorded++] = b;
      }
      window = (window << 8) | (b & 0xff);
      if (window == SIGNATURE) {
        recordStart = count;
        recorded = 0;
      }
    }

    /** Whether the last signature seen starts a complete record (plus comment) ending the input. */
    boolean endsWithDirectory() {
      if (recordStart < 0 || recorded < RECORD_AFTER_SIGNATURE) {
        return false;
      }
      int commentLength = (record[16] & 0xff) | (record[17] & 0xff) << 8;
      return count == recordStart + RECORD_AFTER_SIGNATURE + commentLength;
    }
  }
}
