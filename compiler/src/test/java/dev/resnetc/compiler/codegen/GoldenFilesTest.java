package dev.resnetc.compiler.codegen;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import com.palantir.javapoet.JavaFile;
import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.dsl.Diagnostics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Pins the generated Java of the small networks in {@code src/test/resources/golden}: each
 * {@code X.resnet} must generate exactly {@code X.java.golden}, which must compile without warnings.
 * After an intended change, regenerate with {@code mvn test -Dgolden.update=true} and review the diff.
 */
class GoldenFilesTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden");

  @TestFactory
  Stream<DynamicTest> generatedSourceMatchesGoldenFile() throws IOException {
    List<Path> sources;
    try (Stream<Path> s = Files.list(GOLDEN)) {
      sources = s.filter(p -> p.toString().endsWith(".resnet")).sorted().toList();
    }
    assertThat(sources).isNotEmpty();
    boolean update = Boolean.getBoolean("golden.update");
    return sources.stream().map(src -> DynamicTest.dynamicTest(src.getFileName().toString(), () -> {
      Diagnostics diagnostics = new Diagnostics();
      String name = src.getFileName().toString();
      Compilation c = Resnetc.analyze(src, name, diagnostics).orElseThrow(
          () -> new AssertionError(diagnostics.all().toString()));
      JavaFile file = Resnetc.generate(c, "golden");
      String generated = file.toString();
      Path golden = GOLDEN.resolve(name.replace(".resnet", ".java.golden"));
      if (update) {
        Files.writeString(golden, generated);
      }
      assertWithMessage("%s is missing; run mvn test -Dgolden.update=true", golden)
          .that(Files.exists(golden)).isTrue();
      assertWithMessage("generated code for %s changed; if intended, regenerate with"
          + " -Dgolden.update=true and review the diff", name)
          .that(generated).isEqualTo(Files.readString(golden));
      assertThat(ClassCompiler.compile(file).getSimpleName()).isEqualTo(c.graph().name());
    }));
  }
}
