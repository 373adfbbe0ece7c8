package dev.resnetc.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The JVM options that the scripts launching Java pass ({@code tools/java-options.sh}): this
 * build's JDK starts with them, reads the compiler directives (which it refuses to start without
 * if the file does not parse), and says so on stderr, not on stdout, where {@code resnetc run}
 * writes its results.
 */
class JavaOptionsTest {
  private static final Path TOOLS = Path.of("..", "tools").toAbsolutePath().normalize();

  @Test
  void thisJdkStartsWithTheLaunchersOptionsAndReadsTheDirectives()
      throws IOException, InterruptedException {
    // the script takes JAVA_HOME's java, here the one running this test
    Process p = new ProcessBuilder(List.of("bash", "-c",
        "JAVA_HOME=\"$1\"; source \"$2/java-options.sh\"; "
            + "exec \"$java_cmd\" \"${vector_options[@]}\" -version",
        "bash", System.getProperty("java.home"), TOOLS.toString())).start();
    CompletableFuture<String> stderr =
        CompletableFuture.supplyAsync(() -> text(p.getErrorStream()));
    String stdout = text(p.getInputStream());

    assertThat(p.waitFor()).isEqualTo(0);
    assertThat(stdout).isEmpty();
    assertThat(stderr.join()).contains("1 compiler directives added");
  }

  private static String text(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
