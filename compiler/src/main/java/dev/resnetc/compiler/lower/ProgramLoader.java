package dev.resnetc.compiler.lower;

import dev.resnetc.dsl.Ast;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.ErrorCode;
import dev.resnetc.dsl.SourceFile;
import dev.resnetc.dsl.SourceParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and parses a {@code .resnet} file and, transitively, the files it imports. Import paths are
 * relative to the importing file; each file is read once, and a cycle is reported, not followed.
 */
public final class ProgramLoader {
  private final Diagnostics diagnostics;
  private final Map<Path, Ast.File> loaded = new LinkedHashMap<>();
  private final Set<Path> inProgress = new HashSet<>();

  private ProgramLoader(Diagnostics diagnostics) {
    this.diagnostics = diagnostics;
  }

  /**
   * Loads {@code main}, named {@code name} in diagnostics. A main file that cannot be read is an
   * {@link IOException}; problems in imports are diagnostics at the import statement.
   */
  public static Optional<Program> load(Path main, String name, Diagnostics diagnostics)
      throws IOException {
    Optional<SourceFile> source = SourceFile.read(main, name, diagnostics);
    if (source.isEmpty()) {
      return Optional.empty();
    }
    return load(source.get(), diagnostics);
  }

  /** Loads a source already in memory; its imports are read relative to its path, if any. */
  public static Optional<Program> load(SourceFile main, Diagnostics diagnostics) {
    ProgramLoader loader = new ProgramLoader(diagnostics);
    int errorsBefore = diagnostics.errorCount();
    Optional<Ast.File> file = SourceParser.parse(main, diagnostics);
    if (file.isEmpty()) {
      return Optional.empty();
    }
    Path key = main.path() == null ? null : main.path().toAbsolutePath().normalize();
    if (key != null) {
      loader.inProgress.add(key);
    }
    loader.loadImports(file.get(), main);
    List<Ast.File> imports = new ArrayList<>(loader.loaded.values());
    if (diagnostics.errorCount() > errorsBefore) {
      return Optional.empty();
    }
    return Optional.of(new Program(file.get(), imports));
  }

  private void loadImports(Ast.File file, SourceFile source) {
    for (Ast.Import imp : file.imports()) {
      Path base = source.path() == null ? Path.of("") : source.path().toAbsolutePath().getParent();
      Path target = base.resolve(imp.path()).normalize();
      if (inProgress.contains(target)) {
        diagnostics.error(ErrorCode.IMPORT_CYCLE, imp.pos(),
            "import cycle: \"" + imp.path() + "\" is already being imported",
            "move the shared blocks into a file that imports nothing");
        continue;
      }
      if (loaded.containsKey(target)) {
        continue;
      }
      String name = displayName(source, imp.path());
      Optional<SourceFile> imported;
      try {
        imported = SourceFile.read(target, name, diagnostics);
      } catch (NoSuchFileException e) {
        diagnostics.error(ErrorCode.IMPORT_NOT_FOUND, imp.pos(),
            "cannot find imported file \"" + imp.path() + "\" (looked for " + target + ")",
            "import paths are relative to the importing file");
        continue;
      } catch (IOException e) {
        diagnostics.error(ErrorCode.IMPORT_NOT_FOUND, imp.pos(),
            "cannot read imported file \"" + imp.path() + "\": " + e.getMessage());
        continue;
      }
      if (imported.isEmpty() || Files.isDirectory(target)) {
        continue;
      }
      Optional<Ast.File> parsed = SourceParser.parse(imported.get(), diagnostics);
      if (parsed.isEmpty()) {
        continue;
      }
      inProgress.add(target);
      loadImports(parsed.get(), imported.get());
      inProgress.remove(target);
      loaded.put(target, parsed.get());
    }
  }

  /** Names an imported file the way the user would find it: next to the importing file's name. */
  private static String displayName(SourceFile importer, String importPath) {
    Path parent = Path.of(importer.name()).getParent();
    return (parent == null ? Path.of(importPath) : parent.resolve(importPath)).normalize()
        .toString();
  }
}
