package dev.resnetc.cli;

import dev.resnetc.compiler.run.GeneratedNetwork;
import dev.resnetc.runtime.WeightsException;
import java.io.IOException;
import javax.tools.ToolProvider;

/** Compiles a network's class in memory and loads weights into it, for {@code run} and {@code bench}. */
final class Networks {
  private Networks() {}

  /** Fails with a usage error unless a Java compiler is at hand; {@code command} names the caller. */
  static void requireJdk(String command) {
    if (ToolProvider.getSystemJavaCompiler() == null) {
      throw new CliException("resnetc " + command
          + " compiles Java in memory and needs a JDK, not a JRE");
    }
  }

  /**
   * Loads {@code weights} into {@code network}, the class of {@code file}; a file that cannot be
   * read, is malformed or does not fit the network is the user's error, in one line.
   */
  static GeneratedNetwork.Model load(GeneratedNetwork network, String file, String weights,
      String stripPrefix) {
    try {
      return network.load(Frontend.toPath(weights), stripPrefix);
    } catch (WeightsException e) {
      throw new CliException("weights '" + weights + "' do not fit " + file + ": "
          + e.getMessage());
    } catch (IOException e) {
      throw new CliException("cannot load weights '" + weights + "': " + Frontend.describe(e));
    }
  }
}
