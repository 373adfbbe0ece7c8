package dev.resnetc.maven;

import com.palantir.javapoet.JavaFile;
import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.compiler.lower.Program;
import dev.resnetc.compiler.lower.ProgramLoader;
import dev.resnetc.dsl.Ast;
import dev.resnetc.dsl.Diagnostic;
import dev.resnetc.dsl.DiagnosticPrinter;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.Severity;
import dev.resnetc.dsl.SourceFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.lang.model.SourceVersion;

/**
 * Turns the {@code .resnet} files under a source root into Java files under an output root,
 * recompiling only the sources whose fingerprint (their bytes, the bytes of every file they
 * import, the options and the tool version) changed since the last run, writing a file only when
 * its bytes change and deleting what deleted sources had generated. It knows nothing of Maven.
 */
final class NetworkGenerator {
  /**
   * Where and how to generate. {@code packageName} is null to take each package from the source's
   * sub-folder; {@code displayBase} is the directory that diagnostics name files relative to;
   * {@code tool} identifies the generator's version, so that a new version regenerates everything.
   */
  record Settings(Path sourceRoot, Path outputRoot, Path stateFile, Path displayBase,
      String packageName, int optimize, String tool) {}

  /** What a run did: files written and deleted, sources skipped and compiled, and messages. */
  record Outcome(List<Path> written, List<Path> deleted, int upToDate, int compiled,
      List<Message> messages, Set<Path> checked) {
    boolean hasErrors() {
      return messages.stream().anyMatch(m -> m.severity() == Severity.ERROR);
    }
  }

  private final Settings settings;
  private final List<Path> written = new ArrayList<>();
  private final List<Path> deleted = new ArrayList<>();
  private final List<Message> messages = new ArrayList<>();
  private final Set<Path> checked = new LinkedHashSet<>();
  private final Map<Path, String> producers = new HashMap<>();
  private int upToDate;
  private int compiled;

  NetworkGenerator(Settings settings) {
    this.settings = settings;
  }

  /** Brings the output root up to date with {@code sources}, paths relative to the source root. */
  Outcome run(List<String> sources) throws IOException {
    BuildState previous = BuildState.read(settings.stateFile());
    Map<String, BuildState.Entry> next = new LinkedHashMap<>();
    for (String source : new TreeSet<>(sources)) {
      BuildState.Entry before = previous.entries().get(source);
      BuildState.Entry after = generate(source, before);
      if (after != null) {
        next.put(source, after);
        after.outputs().keySet().forEach(p -> producers.put(p, source));
      }
    }
    Set<Path> live = new HashSet<>(producers.keySet());
    for (BuildState.Entry before : previous.entries().values()) {
      for (Path output : before.outputs().keySet()) {
        if (!live.contains(output)) {
          delete(output);
        }
      }
    }
    new BuildState(next).write(settings.stateFile());
    return new Outcome(List.copyOf(written), List.copyOf(deleted), upToDate, compiled,
        List.copyOf(messages), Set.copyOf(checked));
  }

  /** The new record of {@code source}, or null if it never compiled and has nothing to clean up. */
  private BuildState.Entry generate(String source, BuildState.Entry before) throws IOException {
    Path file = settings.sourceRoot().resolve(source).toAbsolutePath().normalize();
    Optional<String> packageName = packageOf(source, file);
    if (packageName.isEmpty()) {
      return before == null ? null : before.stale();
    }
    String options = "resnetc " + settings.tool() + "\noptimize " + settings.optimize()
        + "\npackage " + packageName.get() + "\nsource " + source + "\n";
    if (before != null && fingerprint(options, before.inputs()).equals(before.fingerprint())
        && intact(before.outputs())) {
      upToDate++;
      return before;
    }
    compiled++;
    Diagnostics diagnostics = new Diagnostics();
    Optional<BuildState.Entry> entry;
    try {
      entry = compile(file, options, packageName.get(), diagnostics);
    } catch (NoSuchFileException e) {
      messages.add(new Message(Severity.ERROR, file, 0, 0, display(file) + ": error: no such file"));
      entry = Optional.empty();
    } catch (IOException e) {
      messages.add(new Message(Severity.ERROR, file, 0, 0,
          display(file) + ": error: cannot read: " + e.getMessage()));
      entry = Optional.empty();
    }
    report(diagnostics);
    if (entry.isPresent()) {
      return entry.get();
    }
    return before == null ? null : before.stale();
  }

  private Optional<BuildState.Entry> compile(Path file, String options, String packageName,
      Diagnostics diagnostics) throws IOException {
    checked.add(file);
    Optional<Program> program = ProgramLoader.load(file, display(file), diagnostics);
    if (program.isEmpty()) {
      return Optional.empty();
    }
    List<Path> inputs = new ArrayList<>();
    for (Ast.File f : program.get().files()) {
      Path path = f.source().path().toAbsolutePath().normalize();
      inputs.add(path);
      checked.add(path);
    }
    String fingerprint = fingerprint(options, inputs);
    if (program.get().main().networks().isEmpty()) {
      // A file of blocks only: checked here, compiled into the networks that import it.
      return Optional.of(new BuildState.Entry(fingerprint, inputs, Map.of()));
    }
    Optional<Compilation> compilation = Resnetc.analyze(program.get(), diagnostics);
    if (compilation.isEmpty() || diagnostics.hasErrors()) {
      return Optional.empty();
    }
    JavaFile javaFile =
        Resnetc.generate(compilation.get(), packageName, settings.optimize(), (pass, c) -> {}).file();
    Path relative = Path.of(packageName.replace('.', '/'), javaFile.typeSpec().name() + ".java");
    Path output = settings.outputRoot().resolve(relative);
    String other = producers.get(relative);
    if (other != null) {
      messages.add(new Message(Severity.ERROR, file, 0, 0, display(file) + ": error: generates "
          + relative + ", which " + display(settings.sourceRoot().resolve(other))
          + " generates too; rename one of the networks or put them in different packages"));
      return Optional.empty();
    }
    byte[] bytes = javaFile.toString().getBytes(StandardCharsets.UTF_8);
    if (BuildState.writeIfChanged(output, bytes)) {
      written.add(output);
    }
    return Optional.of(new BuildState.Entry(fingerprint, inputs,
        Map.of(relative, BuildState.sha256(bytes))));
  }

  /**
   * The package of a source: the {@code packageName} setting, or the source's folder under the
   * source root ({@code com/acme/nets/resnet50.resnet} is in {@code com.acme.nets}).
   */
  private Optional<String> packageOf(String source, Path file) {
    if (settings.packageName() != null) {
      return Optional.of(settings.packageName());
    }
    Path folder = Path.of(source).getParent();
    if (folder == null) {
      return Optional.of("");
    }
    List<String> parts = new ArrayList<>();
    folder.forEach(p -> parts.add(p.toString()));
    String name = String.join(".", parts);
    if (!SourceVersion.isName(name)) {
      messages.add(new Message(Severity.ERROR, file, 0, 0, display(file)
          + ": error: folder '" + folder + "' is not a Java package name"
          + "\n  hint: rename the folder, or set the plugin's <packageName>"));
      return Optional.empty();
    }
    return Optional.of(name);
  }

  /** Hashes the options and every input's path and bytes; "" if an input has gone. */
  private static String fingerprint(String options, List<Path> inputs) throws IOException {
    MessageDigest digest = BuildState.digest();
    digest.update(options.getBytes(StandardCharsets.UTF_8));
    for (Path input : inputs) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(input);
      } catch (NoSuchFileException e) {
        return "";
      }
      digest.update((input + "\n" + BuildState.sha256(bytes) + "\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    return BuildState.sha256(digest.digest());
  }

  /** Whether every output is still there with the bytes that were written. */
  private boolean intact(Map<Path, String> outputs) throws IOException {
    for (Map.Entry<Path, String> e : outputs.entrySet()) {
      Path file = settings.outputRoot().resolve(e.getKey());
      if (!Files.isRegularFile(file)
          || !BuildState.sha256(Files.readAllBytes(file)).equals(e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Deletes a generated file and the package folders it leaves empty. */
  private void delete(Path relative) throws IOException {
    Path file = settings.outputRoot().resolve(relative);
    if (Files.deleteIfExists(file)) {
      deleted.add(file);
    }
    Path root = settings.outputRoot().toAbsolutePath().normalize();
    for (Path dir = file.toAbsolutePath().normalize().getParent();
        dir != null && dir.startsWith(root) && !dir.equals(root); dir = dir.getParent()) {
      try {
        Files.deleteIfExists(dir);
      } catch (DirectoryNotEmptyException e) {
        return;
      }
    }
  }

  private void report(Diagnostics diagnostics) {
    DiagnosticPrinter printer = new DiagnosticPrinter();
    Set<String> files = new LinkedHashSet<>();
    diagnostics.all().forEach(d -> files.add(d.pos().file()));
    for (String name : files) {
      quotable(name).ifPresent(printer::withSource);
    }
    for (Diagnostic d : diagnostics.all()) {
      String text = printer.format(d).stripTrailing();
      Path file = settings.displayBase().resolve(d.pos().file()).normalize();
      messages.add(new Message(d.severity(), file, d.pos().line(), d.pos().column(), text));
    }
  }

  /** The text of a file a diagnostic names, so that the message can quote the line. */
  private Optional<SourceFile> quotable(String name) {
    try {
      Path path = settings.displayBase().resolve(name);
      if (!Files.isRegularFile(path) || Files.size(path) > SourceFile.MAX_BYTES) {
        return Optional.empty();
      }
      return Optional.of(SourceFile.of(name, Files.readString(path, StandardCharsets.UTF_8)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A file as diagnostics name it: relative to the display base (the project directory). */
  private String display(Path file) {
    Path base = settings.displayBase().toAbsolutePath().normalize();
    Path absolute = file.toAbsolutePath().normalize();
    return absolute.startsWith(base) ? base.relativize(absolute).toString() : absolute.toString();
  }
}
