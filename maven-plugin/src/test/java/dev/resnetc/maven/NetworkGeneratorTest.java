package dev.resnetc.maven;

import static com.google.common.truth.Truth.assertThat;

import dev.resnetc.dsl.Severity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkGeneratorTest {
  private static final String BLOCK = "block unit(f) {\n  residual {\n    fc1: dense(f)\n    relu\n  }\n}\n";
  private static final String NET_A = "import \"../blocks/dense.resnet\"\n\n"
      + "network NetA(input: [6]) {\n  a: unit(6)\n  head: dense(2)\n}\n";
  private static final String NET_B = "network NetB(input: [4]) {\n  head: dense(3)\n}\n";

  @TempDir
  Path project;
  Path sources;
  Path output;

  @BeforeEach
  void layOut() throws IOException {
    sources = project.resolve("src/main/resnet");
    output = project.resolve("target/generated-sources/resnetc");
    write("com/acme/blocks/dense.resnet", BLOCK);
    write("com/acme/nets/a.resnet", NET_A);
    write("com/acme/nets/b.resnet", NET_B);
  }

  private void write(String source, String text) throws IOException {
    Path file = sources.resolve(source);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  private NetworkGenerator.Outcome run(String packageName, int optimize, String... files)
      throws IOException {
    return new NetworkGenerator(new NetworkGenerator.Settings(sources, output,
        project.resolve("target/resnetc/generate-default.state"), project, packageName, optimize,
        "0.1.0")).run(List.of(files));
  }

  private NetworkGenerator.Outcome run(String... files) throws IOException {
    return run(null, 1, files);
  }

  private static final String[] ALL = {
      "com/acme/blocks/dense.resnet", "com/acme/nets/a.resnet", "com/acme/nets/b.resnet"};

  private Path generated(String name) {
    return output.resolve(name);
  }

  /** Sets every generated file's time far back, so that a rewrite would show. */
  private void ageOutputs() throws IOException {
    for (String name : List.of("com/acme/nets/NetA.java", "com/acme/nets/NetB.java")) {
      if (Files.exists(generated(name))) {
        Files.setLastModifiedTime(generated(name), FileTime.fromMillis(1_000_000L));
      }
    }
  }

  @Test
  void generatesOneClassPerNetworkInThePackageOfItsFolder() throws IOException {
    NetworkGenerator.Outcome outcome = run(ALL);

    assertThat(outcome.hasErrors()).isFalse();
    assertThat(outcome.written()).containsExactly(
        generated("com/acme/nets/NetA.java"), generated("com/acme/nets/NetB.java"));
    assertThat(Files.readString(generated("com/acme/nets/NetA.java")))
        .contains("package com.acme.nets;");
    assertThat(Files.exists(output.resolve("com/acme/blocks"))).isFalse();
  }

  @Test
  void secondRunWithNothingChangedWritesNothing() throws IOException {
    run(ALL);
    ageOutputs();
    // Same bytes, new timestamps: content, not time, decides.
    write("com/acme/nets/a.resnet", NET_A);

    NetworkGenerator.Outcome outcome = run(ALL);

    assertThat(outcome.compiled()).isEqualTo(0);
    assertThat(outcome.upToDate()).isEqualTo(3);
    assertThat(outcome.written()).isEmpty();
    assertThat(Files.getLastModifiedTime(generated("com/acme/nets/NetA.java")).toMillis())
        .isEqualTo(1_000_000L);
  }

  @Test
  void changedImportRegeneratesOnlyTheNetworksThatImportIt() throws IOException {
    run(ALL);
    ageOutputs();
    write("com/acme/blocks/dense.resnet", BLOCK.replace("    relu\n", "    relu\n    fc2: dense(f)\n"));

    NetworkGenerator.Outcome outcome = run(ALL);

    assertThat(outcome.written()).containsExactly(generated("com/acme/nets/NetA.java"));
    assertThat(Files.readString(generated("com/acme/nets/NetA.java"))).contains("a.fc2.weight");
    assertThat(Files.getLastModifiedTime(generated("com/acme/nets/NetB.java")).toMillis())
        .isEqualTo(1_000_000L);
  }

  @Test
  void deletedSourceLosesItsClassAndEmptiedFolders() throws IOException {
    write("org/other/c.resnet", NET_B.replace("NetB", "NetC"));
    run("com/acme/nets/b.resnet", "org/other/c.resnet");
    assertThat(Files.exists(generated("org/other/NetC.java"))).isTrue();

    NetworkGenerator.Outcome outcome = run("com/acme/nets/b.resnet");

    assertThat(outcome.deleted()).containsExactly(generated("org/other/NetC.java"));
    assertThat(Files.exists(output.resolve("org"))).isFalse();
    assertThat(Files.exists(generated("com/acme/nets/NetB.java"))).isTrue();
  }

  @Test
  void renamedNetworkReplacesItsOldClass() throws IOException {
    run("com/acme/nets/b.resnet");
    write("com/acme/nets/b.resnet", NET_B.replace("NetB", "NetB2"));

    NetworkGenerator.Outcome outcome = run("com/acme/nets/b.resnet");

    assertThat(outcome.written()).containsExactly(generated("com/acme/nets/NetB2.java"));
    assertThat(outcome.deleted()).containsExactly(generated("com/acme/nets/NetB.java"));
  }

  @Test
  void newOptimizationLevelRegeneratesWithThatLevel() throws IOException {
    run(ALL);
    String optimized = Files.readString(generated("com/acme/nets/NetA.java"));

    NetworkGenerator.Outcome outcome = run(null, 0, ALL);

    assertThat(outcome.compiled()).isEqualTo(3);
    assertThat(Files.readString(generated("com/acme/nets/NetA.java"))).isNotEqualTo(optimized);
  }

  @Test
  void changedSourceThatGeneratesTheSameBytesRewritesNothing() throws IOException {
    run(ALL);
    ageOutputs();
    write("com/acme/nets/b.resnet", "# a comment changes the source, not the class\n" + NET_B);

    NetworkGenerator.Outcome outcome = run(ALL);

    assertThat(outcome.compiled()).isEqualTo(1);
    assertThat(outcome.written()).isEmpty();
  }

  @Test
  void generatedFileEditedByHandIsGeneratedAgain() throws IOException {
    run(ALL);
    Files.writeString(generated("com/acme/nets/NetB.java"), "// edited");

    NetworkGenerator.Outcome outcome = run(ALL);

    assertThat(outcome.written()).containsExactly(generated("com/acme/nets/NetB.java"));
    assertThat(Files.readString(generated("com/acme/nets/NetB.java"))).contains("class NetB");
  }

  @Test
  void packageNameSettingPutsEveryClassInThatPackage() throws IOException {
    run("com.example", 1, ALL);

    assertThat(Files.readString(output.resolve("com/example/NetA.java")))
        .contains("package com.example;");
  }

  @Test
  void errorsNameTheFileRelativeToTheProjectWithLineAndColumn() throws IOException {
    write("broken.resnet", "network Broken(input: [3, 8, 8]) {\n  conv1: convv(16, kernel=3)\n}\n");

    NetworkGenerator.Outcome outcome = run("broken.resnet");

    assertThat(outcome.hasErrors()).isTrue();
    Message error = outcome.messages().get(0);
    assertThat(error.headline()).isEqualTo(
        "src/main/resnet/broken.resnet:2:10: error: unknown layer or block 'convv' [E200]");
    assertThat(error.text()).contains("hint: did you mean 'conv'?");
    assertThat(error.file()).isEqualTo(sources.resolve("broken.resnet"));
    assertThat(error.line()).isEqualTo(2);
  }

  @Test
  void errorInAnImportedBlockPointsIntoThatFile() throws IOException {
    write("com/acme/blocks/dense.resnet", BLOCK.replace("dense(f)", "dense(f, bais=false)"));

    NetworkGenerator.Outcome outcome = run("com/acme/nets/a.resnet");

    assertThat(outcome.messages().get(0).headline())
        .startsWith("src/main/resnet/com/acme/blocks/dense.resnet:3:19: error:");
  }

  @Test
  void sourceWithErrorsIsReportedAgainOnTheNextRun() throws IOException {
    write("broken.resnet", "network Broken(input: [3, 8, 8]) {\n  convv(4)\n}\n");
    run("broken.resnet");

    NetworkGenerator.Outcome again = run("broken.resnet");

    assertThat(again.compiled()).isEqualTo(1);
    assertThat(again.hasErrors()).isTrue();
  }

  @Test
  void folderThatIsNotAJavaPackageIsAnError() throws IOException {
    write("my-nets/b.resnet", NET_B);

    NetworkGenerator.Outcome outcome = run("my-nets/b.resnet");

    assertThat(outcome.messages().get(0).text()).contains(
        "src/main/resnet/my-nets/b.resnet: error: folder 'my-nets' is not a Java package name");
    assertThat(outcome.messages().get(0).severity()).isEqualTo(Severity.ERROR);
  }

  @Test
  void twoSourcesGeneratingTheSameClassIsAnError() throws IOException {
    write("com/acme/nets/b_copy.resnet", NET_B);

    NetworkGenerator.Outcome outcome = run("com/acme/nets/b.resnet", "com/acme/nets/b_copy.resnet");

    assertThat(outcome.hasErrors()).isTrue();
    assertThat(outcome.messages().get(0).text()).contains(
        "generates com/acme/nets/NetB.java, which src/main/resnet/com/acme/nets/b.resnet"
            + " generates too");
  }

  @Test
  void damagedStateFileRebuildsEverything() throws IOException {
    run(ALL);
    Files.writeString(project.resolve("target/resnetc/generate-default.state"), "garbage\n");

    NetworkGenerator.Outcome outcome = run(ALL);

    assertThat(outcome.compiled()).isEqualTo(3);
    assertThat(outcome.written()).isEmpty();
  }
}
