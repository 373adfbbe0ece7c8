package dev.resnetc.compiler;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.resnetc.dsl.Diagnostic;
import dev.resnetc.dsl.DiagnosticPrinter;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.ErrorCode;
import dev.resnetc.dsl.SourceFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file in {@code src/test/resources/errors} marks each line that must get an error with
 * {@code # error: CODE}; the compiler must report exactly those (line, code) pairs, located and
 * formatted for the user. Inputs that cannot be written as text files are built here.
 */
class ErrorExpectationsTest {
  private static final Path ERRORS = Path.of("src/test/resources/errors");
  private static final Pattern EXPECT = Pattern.compile("#\\s*error:\\s*(E\\d+)");

  @TestFactory
  Stream<DynamicTest> eachErrorFileReportsExactlyItsMarkedErrors() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(ERRORS)) {
      files = s.filter(p -> p.toString().endsWith(".resnet")).sorted().toList();
    }
    assertThat(files.size()).isAtLeast(20);
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      List<String> lines = Files.readAllLines(f);
      TreeSet<String> expected = new TreeSet<>();
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = EXPECT.matcher(lines.get(i));
        while (m.find()) {
          expected.add((i + 1) + ":" + m.group(1));
        }
      }
      Diagnostics diagnostics = new Diagnostics();
      assertThat(Resnetc.analyze(f, f.toString(), diagnostics)).isEmpty();
      TreeSet<String> actual = new TreeSet<>();
      for (Diagnostic d : diagnostics.errors()) {
        actual.add(d.pos().line() + ":" + d.code().code());
        assertThat(d.headline()).startsWith(d.pos().file() + ":" + d.pos().line() + ":"
            + d.pos().column() + ": error: ");
      }
      assertWithMessage("errors in %s:\n%s", f, diagnostics.all()).that(actual)
          .isEqualTo(expected);
    }));
  }

  @Test
  void identityMismatchHintNamesAutoAndProjection() throws IOException {
    Diagnostic d = onlyError(ERRORS.resolve("identity_mismatch.resnet"));
    assertThat(d.message()).contains("[16, 8, 8]");
    assertThat(d.message()).contains("[32, 4, 4]");
    assertThat(d.hint()).contains("shortcut=auto");
    assertThat(d.hint()).contains("shortcut=projection");
  }

  @Test
  void unknownLayerSuggestsTheClosestName() throws IOException {
    Diagnostics diagnostics = new Diagnostics();
    Resnetc.analyze(ERRORS.resolve("unknown_layer.resnet"), "unknown_layer.resnet", diagnostics);
    assertThat(diagnostics.errors().get(0).hint()).isEqualTo("did you mean 'conv'?");
  }

  @Test
  void printedDiagnosticQuotesTheLineAndPointsACaretAtTheColumn() throws IOException {
    Path file = ERRORS.resolve("dense_on_image.resnet");
    Diagnostics diagnostics = new Diagnostics();
    Resnetc.analyze(file, "dense_on_image.resnet", diagnostics);
    String text = new DiagnosticPrinter()
        .withSource(SourceFile.of("dense_on_image.resnet", Files.readString(file)))
        .format(diagnostics.errors().get(0));
    assertThat(text).isEqualTo(
        "dense_on_image.resnet:3:3: error: dense needs a flat [F] input, got [4, 8, 8] [E304]\n"
            + "      fc: dense(10)    # error: E304\n"
            + "      ^\n"
            + "  hint: add flatten before it (after global_avgpool for a classifier head)\n");
  }

  @Test
  void emptyAndCommentOnlyFilesAreReportedAsEmpty() {
    for (String text : List.of("", "   \n\n", "# just a comment\n")) {
      Diagnostic d = onlyError(SourceFile.of("empty.resnet", text));
      assertThat(d.code()).isEqualTo(ErrorCode.EMPTY_FILE);
      assertThat(d.headline()).startsWith("empty.resnet:1:1: error: file is empty");
    }
  }

  @Test
  void fileThatIsNotUtf8IsReportedAtTheBadByte(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("latin1.resnet");
    Files.write(file, "network N(input: [3, 8, 8]) {\n  # caf\u00e9\n}\n"
        .getBytes(StandardCharsets.ISO_8859_1));
    Diagnostic d = onlyError(file);
    assertThat(d.code()).isEqualTo(ErrorCode.NOT_UTF8);
    assertThat(d.pos().line()).isEqualTo(2);
    assertThat(d.pos().column()).isEqualTo(8);
    assertThat(d.message()).contains("0xe9");
  }

  @Test
  void megabyteOfRandomBytesFailsQuicklyWithOneLocatedError(@TempDir Path dir) throws IOException {
    byte[] noise = new byte[1 << 20];
    new Random(42).nextBytes(noise);
    Path file = dir.resolve("noise.resnet");
    Files.write(file, noise);
    Diagnostic d = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> onlyError(file));
    assertThat(d.code()).isEqualTo(ErrorCode.NOT_UTF8);
  }

  @Test
  void megabyteOfRandomAsciiGivesBoundedErrorsWithoutHanging(@TempDir Path dir)
      throws IOException {
    Random random = new Random(7);
    StringBuilder text = new StringBuilder();
    String alphabet = "abc(){}[]:=,.#\n 0123456789+-*/\"xyz";
    while (text.length() < (1 << 20)) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    Path file = dir.resolve("ascii_noise.resnet");
    Files.writeString(file, text);
    Diagnostics diagnostics = new Diagnostics();
    assertTimeoutPreemptively(Duration.ofSeconds(60),
        () -> Resnetc.analyze(file, "ascii_noise.resnet", diagnostics));
    assertThat(diagnostics.hasErrors()).isTrue();
    assertThat(diagnostics.all().size()).isAtMost(Diagnostics.MAX_ERRORS + 1);
  }

  @Test
  void deeplyNestedBracketsAreAnErrorNotAStackOverflow() {
    String deep = "(".repeat(100_000) + "1" + ")".repeat(100_000);
    String text = "network N(input: [3, 8, 8]) {\n  c: conv(" + deep + ", kernel=1)\n}\n";
    Diagnostic d = onlyError(SourceFile.of("deep.resnet", text));
    assertThat(d.code()).isEqualTo(ErrorCode.NESTING_TOO_DEEP);
    assertThat(d.pos().line()).isEqualTo(2);
  }

  @Test
  void deeplyNestedBlocksAreAnErrorNotAStackOverflow() {
    String text = "network N(input: [3, 8, 8]) {\n" + "residual {\n".repeat(10_000) + "relu\n"
        + "}\n".repeat(10_000) + "}\n";
    Diagnostic d = onlyError(SourceFile.of("deep.resnet", text));
    assertThat(d.code()).isEqualTo(ErrorCode.NESTING_TOO_DEEP);
  }

  @Test
  void nestedRepeatsThatExplodeAreCutOff() {
    String text = "network N(input: [4, 8, 8]) {\n  s: repeat 1000 a()\n}\n"
        + "block a() {\n  t: repeat 1000 b()\n}\n"
        + "block b() {\n  relu\n}\n";
    Diagnostics diagnostics = new Diagnostics();
    assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> Resnetc.analyze(SourceFile.of("big.resnet", text), diagnostics));
    assertThat(diagnostics.errors()).hasSize(1);
    assertThat(diagnostics.errors().get(0).code()).isEqualTo(ErrorCode.NETWORK_TOO_LARGE);
  }

  @Test
  void missingFileIsAnIoExceptionForTheCallerNotADiagnostic() {
    assertThrows(NoSuchFileException.class, () -> Resnetc.analyze(
        Path.of("no/such/file.resnet"), "no/such/file.resnet", new Diagnostics()));
  }

  @Test
  void errorCodesAreUnique() {
    List<String> codes = new ArrayList<>();
    for (ErrorCode c : ErrorCode.values()) {
      codes.add(c.code());
    }
    assertThat(codes).containsNoDuplicates();
  }

  private static Diagnostic onlyError(Path file) throws IOException {
    Diagnostics diagnostics = new Diagnostics();
    assertThat(Resnetc.analyze(file, file.getFileName().toString(), diagnostics)).isEmpty();
    assertWithMessage("%s", diagnostics.all()).that(diagnostics.errors()).hasSize(1);
    return diagnostics.errors().get(0);
  }

  private static Diagnostic onlyError(SourceFile source) {
    Diagnostics diagnostics = new Diagnostics();
    assertThat(Resnetc.analyze(source, diagnostics)).isEmpty();
    assertWithMessage("%s", diagnostics.all()).that(diagnostics.errors()).hasSize(1);
    return diagnostics.errors().get(0);
  }
}
