package dev.resnetc.maven;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the previous build generated from each source: the fingerprint of its inputs, the files it
 * read and the files it wrote, kept in a small text file so that the next build can skip it.
 */
final class BuildState {
  private static final String HEADER = "resnetc-state 1";

  /** One source's record; {@code inputs} are absolute, {@code outputs} map files to SHA-256. */
  record Entry(String fingerprint, List<Path> inputs, Map<Path, String> outputs) {
    Entry {
      inputs = List.copyOf(inputs);
      outputs = Map.copyOf(outputs);
    }

    /** The same outputs, remembered for clean-up, but never up to date. */
    Entry stale() {
      return new Entry("", inputs, outputs);
    }
  }

  private final Map<String, Entry> entries;

  BuildState(Map<String, Entry> entries) {
    this.entries = new TreeMap<>(entries);
  }

  Map<String, Entry> entries() {
    return entries;
  }

  /** Reads a state file; a missing, older or damaged one is an empty state (all is rebuilt). */
  static BuildState read(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return new BuildState(Map.of());
    }
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      return new BuildState(Map.of());
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    String source = null;
    String fingerprint = "";
    List<Path> inputs = new ArrayList<>();
    Map<Path, String> outputs = new LinkedHashMap<>();
    try {
      for (String line : lines.subList(1, lines.size())) {
        int space = line.indexOf(' ');
        String key = space < 0 ? line : line.substring(0, space);
        String value = space < 0 ? "" : line.substring(space + 1);
        switch (key) {
          case "source" -> {
            if (source != null) {
              entries.put(source, new Entry(fingerprint, inputs, outputs));
            }
            source = value;
            fingerprint = "";
            inputs = new ArrayList<>();
            outputs = new LinkedHashMap<>();
          }
          case "fingerprint" -> fingerprint = value;
          case "input" -> inputs.add(Path.of(value));
          case "output" -> {
            int split = value.indexOf(' ');
            outputs.put(Path.of(value.substring(split + 1)), value.substring(0, split));
          }
          default -> {
            return new BuildState(Map.of());
          }
        }
      }
    } catch (RuntimeException e) {
      return new BuildState(Map.of());
    }
    if (source != null) {
      entries.put(source, new Entry(fingerprint, inputs, outputs));
    }
    return new BuildState(entries);
  }

  /** Writes the state, touching the file only if its text changes. */
  void write(Path file) throws IOException {
    StringBuilder text = new StringBuilder(HEADER).append('\n');
    entries.forEach((source, e) -> {
      text.append("source ").append(source).append('\n');
      text.append("fingerprint ").append(e.fingerprint()).append('\n');
      e.inputs().forEach(p -> text.append("input ").append(p).append('\n'));
      new TreeMap<>(e.outputs()).forEach((p, hash) ->
          text.append("output ").append(hash).append(' ').append(p).append('\n'));
    });
    writeIfChanged(file, text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes {@code bytes} to {@code file} unless it already holds exactly them; returns whether it
   * wrote. The bytes go to a temporary sibling first, so readers never see half a file.
   */
  static boolean writeIfChanged(Path file, byte[] bytes) throws IOException {
    if (Files.isRegularFile(file) && MessageDigest.isEqual(Files.readAllBytes(file), bytes)) {
      return false;
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path temp = Files.createTempFile(file.toAbsolutePath().getParent(),
        file.getFileName().toString(), ".tmp");
    try {
      Files.write(temp, bytes);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    return true;
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
