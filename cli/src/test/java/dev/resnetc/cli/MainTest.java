package dev.resnetc.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end runs of the command line through {@link Main#run}, checking output and exit codes. */
class MainTest {
  /**
   * By hand: conv 3*2*3*3 + 3 = 57, batchnorm 3 + 3 = 6 (its running statistics are buffers),
   * dense 3*500 + 500 = 2,000; 2,063 parameters in all.
   */
  private static final String SMALL = """
      network Small(input: [2, 4, 4]) {
        c: conv(3, kernel=3, padding=1)
        bn: batchnorm
        relu
        global_avgpool
        flatten
        fc: dense(500)
      }
      """;

  private static final String BROKEN = """
      network Broken(input: [3, 8, 8]) {
        c1: conv(8, kernel=3, paddin=1)
        relu
        c2: convv(8, kernel=3)
        fc: dense(10)
      }
      """;

  @TempDir
  Path dir;

  /** What one run printed and returned. */
  private record Result(int status, String out, String err) {}

  private static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(new PrintWriter(out), new PrintWriter(err), env, args);
    return new Result(status, out.toString(), err.toString());
  }

  private static Result run(String... args) {
    return run(Map.of(), args);
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  private static void assertNoStackTrace(Result r) {
    assertThat(r.err()).doesNotContain("\tat ");
    assertThat(r.err()).doesNotContain("Exception");
    assertThat(r.out()).doesNotContain("\tat ");
  }

  @Test
  void compileWritesTheClassUnderItsPackageDirectory() throws IOException {
    Path source = write("Small.resnet", SMALL);
    Path out = dir.resolve("out");
    Result r = run("compile", source.toString(), "-o", out.toString(), "-p", "com.example.nets");
    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isEqualTo(0);
    Path java = out.resolve("com/example/nets/Small.java");
    assertThat(r.out()).isEqualTo("wrote " + java + "\n");
    String text = Files.readString(java);
    assertThat(text).contains("package com.example.nets;");
    assertThat(text).contains("public final class Small");
  }

  @Test
  void compileReportPrintsWhatTheOptimizerDid() throws IOException {
    Path source = write("Small.resnet", SMALL);
    Result r = run("compile", source.toString(), "-o", dir.resolve("out").toString(), "--report");
    assertThat(r.status()).isEqualTo(0);
    // Small: conv -> batchnorm -> relu -> global_avgpool -> flatten -> dense
    assertThat(r.out()).contains("folded batchnorm: 1\n");
    assertThat(r.out()).contains("fused residual add: 0\n");
    assertThat(r.out()).contains("fused relu: 1\n");
    assertThat(r.out()).contains("kernel calls: 5 -> 3\n");
    // the conv output (3x4x4 = 48 floats) and the pooled 3 floats are live together at the
    // pooling step, in the arena; the input and the 500 outputs are the caller's arrays
    assertThat(r.out()).contains("activation memory: 204 bytes (lower bound 204, unplanned 204)");
    assertThat(r.out()).contains("convolutions: 1 channels\n"); // a 4x4 output: small
    assertThat(r.out()).contains("winograd weight memory: +0 bytes over the weight file\n");
  }

  @Test
  void compileReportSaysWhichConvolutionsRunWinograd() throws IOException {
    Path r18 = Path.of("..", "samples", "resnet18.resnet");
    Result r = run("compile", r18.toString(), "-o", dir.resolve("out").toString(), "--report");
    assertThat(r.status()).isEqualTo(0);
    // 3x3 stride-1 layers: 4 at 56x56, 3 at 28x28 and 3 at 14x14 (16 tiles) on Winograd
    // F(4x4), 3 at 7x7 on F(2x2); the 3 strided 3x3 layers and the 2 1x1 projections into 14x14
    // and 7x7 with output channels in the vectors; the stem and the projection into 28x28 direct
    assertThat(r.out()).contains(
        "convolutions: 2 direct, 3 winograd_2x2, 10 winograd_4x4, 5 channels\n");
    long extra = (4 * 64 * 64 + 3 * 128 * 128 + 3 * 256 * 256) * 27 // 36 - 9 floats a kernel
        + 3 * 512 * 512 * 7; // 16 - 9
    assertThat(r.out()).contains("winograd weight memory: +"
        + extra * Float.BYTES + " bytes over the weight file\n");
    // with vectors under 16 floats, the same Winograd layers, and the rest runs direct
    assertThat(r.out()).contains(
        "convolutions with narrower vectors: 7 direct, 3 winograd_2x2, 10 winograd_4x4\n");
    assertThat(r.out()).contains("winograd weight memory with narrower vectors: +"
        + extra * Float.BYTES + " bytes\n");
  }

  @Test
  void compileAtO0KeepsEveryLayer() throws IOException {
    Path source = write("Small.resnet", SMALL);
    Result r = run("compile", source.toString(), "-o", dir.resolve("out").toString(), "-O0",
        "--report");
    assertThat(r.status()).isEqualTo(0);
    assertThat(r.out()).contains("folded batchnorm: 0\n");
    assertThat(r.out()).contains("kernel calls: 5 -> 5\n");
    assertThat(Files.readString(dir.resolve("out/Small.java"))).contains("Kernels.batchNorm(");
  }

  @Test
  void dumpIrAfterAPassPrintsTheRewrittenGraph() throws IOException {
    Path source = write("Small.resnet", SMALL);
    Result r = run("compile", source.toString(), "-o", dir.resolve("out").toString(),
        "--dump-ir-after", "FoldBatchNorm");
    assertThat(r.status()).isEqualTo(0);
    assertThat(r.out()).contains("== IR after FoldBatchNorm");
    assertThat(r.out()).contains("= conv 3x3 c(%0) +batchnorm bn : [3, 4, 4]");
    assertThat(r.out()).doesNotContain("== IR after FuseResidualEpilogue");
  }

  @Test
  void dumpIrAfterAnUnknownPassIsAUsageError() throws IOException {
    Path source = write("Small.resnet", SMALL);
    Result r = run("compile", source.toString(), "--dump-ir-after", "Fold");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("unknown pass 'Fold'");
    assertThat(r.err()).contains("FoldBatchNorm");
  }

  @Test
  void compilePrintsNotesToStderr() throws IOException {
    Path source = write("Proj.resnet", """
        network Proj(input: [4, 8, 8]) {
          r: residual {
            conv(8, kernel=3, stride=2, padding=1, bias=false)
          }
        }
        """);
    Result r = run("compile", source.toString(), "-o", dir.resolve("out").toString());
    assertThat(r.status()).isEqualTo(0);
    assertThat(r.err()).contains(source + ":2:3: note: inserted W_s");
    assertThat(Files.exists(dir.resolve("out/Proj.java"))).isTrue();
  }

  @Test
  void compileOfABrokenFileWritesNothingAndReturnsOne() throws IOException {
    Path source = write("broken.resnet", BROKEN);
    Path out = dir.resolve("out");
    Result r = run("compile", source.toString(), "-o", out.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(Files.exists(out)).isFalse();
  }

  @Test
  void compileRejectsAnInvalidPackageName() throws IOException {
    Path source = write("Small.resnet", SMALL);
    Result r = run("compile", source.toString(), "-o", dir.toString(), "-p", "com.1x");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("resnetc: error: invalid package name 'com.1x'\n");
  }

  @Test
  void checkPrintsEveryErrorWithItsLineAndCaretAndReturnsOne() throws IOException {
    Path source = write("broken.resnet", BROKEN);
    Result r = run("check", source.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains(source + ":2:25: error: conv has no argument 'paddin'");
    assertThat(r.err()).contains("\n      c1: conv(8, kernel=3, paddin=1)\n"
        + "                            ^\n  hint: did you mean 'padding'?\n");
    assertThat(r.err()).contains(source + ":4:7: error: unknown layer or block 'convv'");
    assertThat(r.err()).endsWith("2 errors\n");
  }

  @Test
  void errorsInAnImportedFileQuoteThatFile() throws IOException {
    Files.createDirectories(dir.resolve("lib"));
    write("lib/blocks.resnet", "block b(c) {\n  conv(c, kernel=3, paddin=1)\n}\n");
    Path main = write("main.resnet",
        "import \"lib/blocks.resnet\"\nnetwork N(input: [3, 8, 8]) {\n  x: b(4)\n}\n");
    Result r = run("check", main.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).startsWith(dir.resolve("lib/blocks.resnet") + ":2:21: error: ");
    assertThat(r.err()).contains("\n      conv(c, kernel=3, paddin=1)\n                        ^\n");
  }

  @Test
  void diagnosticsNameTheFileAsTheUserTypedIt() throws IOException {
    // Surefire runs in the module directory, so this path is relative to the working directory.
    Path relative = Path.of("target", "cli-test", "broken.resnet");
    Files.createDirectories(relative.getParent());
    Files.writeString(relative, BROKEN);
    Result r = run("check", relative.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).startsWith(relative + ":2:25: error: ");
  }

  @Test
  void checkOfAGoodFilePrintsTheShapeOfEachLayer() throws IOException {
    Path source = write("Small.resnet", SMALL);
    Result r = run("check", source.toString());
    assertThat(r.status()).isEqualTo(0);
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("Small\nLayer ");
    assertThat(r.out()).containsMatch("\nc +conv 3x3 +\\[3, 4, 4\\]\n");
    assertThat(r.out()).containsMatch("\nfc +dense +\\[500\\]\n");
  }

  @Test
  void summaryPrintsTheParameterCount() throws IOException {
    Path source = write("Small.resnet", SMALL);
    Result r = run("summary", source.toString());
    assertThat(r.status()).isEqualTo(0);
    assertThat(r.out()).contains("\nTotal params: 2,063\n");
    assertThat(r.out()).contains("\nMultiply-adds: 2.36 K\n");
    assertThat(r.out()).containsMatch("\nfc +dense +\\[500\\] +2,000 +1,500\n");
  }

  @Test
  void missingFileIsAOneLineErrorWithStatusTwo() {
    String missing = dir.resolve("nope.resnet").toString();
    for (String command : new String[] {"check", "summary", "compile"}) {
      Result r = run(command, missing);
      assertThat(r.status()).isEqualTo(2);
      assertThat(r.err()).isEqualTo("resnetc: error: cannot read '" + missing
          + "': no such file\n");
      assertNoStackTrace(r);
    }
  }

  @Test
  void directoryIsNotASourceFile() {
    Result r = run("check", dir.toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("resnetc: error: cannot read '" + dir + "': is a directory\n");
  }

  @Test
  void unknownSubcommandIsAUsageError() {
    Result r = run("chek", "x.resnet");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).startsWith("resnetc: error: Unmatched argument");
    assertThat(r.err()).contains("resnetc check");
    assertNoStackTrace(r);
  }

  @Test
  void missingOperandAndNoSubcommandAreUsageErrors() {
    assertThat(run("check").status()).isEqualTo(2);
    assertThat(run("summary", "--frobnicate", "x.resnet").status()).isEqualTo(2);
    Result none = run();
    assertThat(none.status()).isEqualTo(2);
    assertThat(none.err()).contains("Usage: resnetc");
  }

  @Test
  void helpAndVersion() {
    Result help = run("--help");
    assertThat(help.status()).isEqualTo(0);
    assertThat(help.out()).contains("compile");
    assertThat(help.out()).contains("summary");
    for (String command : new String[] {"compile", "check", "summary"}) {
      Result sub = run(command, "--help");
      assertThat(sub.status()).isEqualTo(0);
      assertThat(sub.out()).startsWith("Usage: resnetc " + command);
    }
    assertThat(run("help", "check").out()).startsWith("Usage: resnetc check");
    Result version = run("--version");
    assertThat(version.status()).isEqualTo(0);
    assertThat(version.out()).matches("resnetc \\d+\\.\\d+\\.\\d+.*\n");
  }

  @Test
  void internalErrorsAskForAReportAndHideTheTraceUnlessAsked() {
    StringWriter err = new StringWriter();
    int status = Main.failure(new IllegalStateException("boom"), new PrintWriter(err), false);
    assertThat(status).isEqualTo(3);
    assertThat(err.toString()).startsWith(
        "resnetc: internal error: java.lang.IllegalStateException: boom\n");
    assertThat(err.toString()).contains("report");
    assertThat(err.toString()).doesNotContain("\tat ");

    StringWriter traced = new StringWriter();
    Main.failure(new IllegalStateException("boom"), new PrintWriter(traced), true);
    assertThat(traced.toString()).contains("\tat ");
  }

  @Test
  void stacktraceOptionIsAcceptedAfterTheSubcommand() throws IOException {
    Path source = write("Small.resnet", SMALL);
    assertThat(run("check", "--stacktrace", source.toString()).status()).isEqualTo(0);
    assertThat(run(Map.of(Main.STACKTRACE_ENV, "1"), "summary", source.toString()).status())
        .isEqualTo(0);
  }
}
