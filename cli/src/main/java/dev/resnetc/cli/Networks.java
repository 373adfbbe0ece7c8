package dev.resnetc.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.resnetc.compiler.run.GeneratedNetwork;
import dev.resnetc.runtime.WeightsException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.tools.ToolProvider;

/**
 * Compiles a network's class in memory and loads weights into it, for {@code run} and
 * {@code bench}, and says what the JVM lacks for the fast kernels.
 */
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

  /**
   * What keeps this JVM from running the fast kernels at their speed, as warnings for the user:
   * the Vector API's module missing, or from JDK 25 on C2's scheduling before register allocation
   * left on, which makes the 6 x 16 micro-kernels spill an accumulator in their inner loop
   * (tools/java-options.sh; docs/PERFORMANCE.md, fifteenth session).
   */
  static List<String> kernelWarnings() {
    return kernelWarnings(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        Runtime.version().feature(), vmOption("OptoRegScheduling"));
  }

  /**
   * {@link #kernelWarnings()} for a JVM with or without the Vector API's module, of feature
   * version {@code jdk}, whose {@code OptoRegScheduling} flag has the given value (empty where
   * the JVM has no such flag).
   */
  static List<String> kernelWarnings(boolean vectorModule, int jdk,
      Optional<String> optoRegScheduling) {
    List<String> warnings = new ArrayList<>();
    if (!vectorModule) {
      warnings.add("the JVM runs without --add-modules jdk.incubator.vector, so the scalar"
          + " kernels run");
    } else if (jdk >= 25 && optoRegScheduling.orElse("false").equals("true")) {
      warnings.add("on JDK " + jdk + " the fast kernels need -XX:-OptoRegScheduling (./resnetc"
          + " passes it): without it C2 spills a register in their inner loop and ResNets take"
          + " about 1.5 times as long");
    }
    return warnings;
  }

  /** The value of the HotSpot flag {@code name}, or empty where the JVM does not have it. */
  private static Optional<String> vmOption(String name) {
    try {
      return Optional.ofNullable(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class))
          .map(hotspot -> hotspot.getVMOption(name).getValue());
    } catch (IllegalArgumentException e) { // not HotSpot, or no such flag
      return Optional.empty();
    }
  }
}
