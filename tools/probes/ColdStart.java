package cold;

import java.nio.file.Path;

/**
 * Time to first result in a fresh JVM, as an application would see it: the generated class
 * compiled beforehand, then load the weights, {@code withThreads(T)} and one {@code forward}.
 * From the checkout (after {@code mvn -B install -DskipTests} and {@code bench/run.sh}, which
 * writes the reference weights):
 * <pre>
 * ./resnetc compile samples/resnet18.resnet -o /tmp/cold/src -p cold
 * ./resnetc compile samples/resnet50.resnet -o /tmp/cold/src -p cold
 * javac --release 17 -cp runtime/target/resnetc-runtime-0.1.0-SNAPSHOT.jar -d /tmp/cold/classes \
 *     /tmp/cold/src/cold/*.java tools/probes/ColdStart.java
 * java --add-modules jdk.incubator.vector \
 *     -cp /tmp/cold/classes:runtime/target/resnetc-runtime-0.1.0-SNAPSHOT.jar cold.ColdStart \
 *     resnet18 bench/target/reference/resnet18/weights.safetensors 1
 * </pre>
 * The launchers' options for a sooner first result (README, "The JVM flag": C2's thresholds and
 * {@code tools/compiler-directives.json}) are {@code vector_options} after
 * {@code source tools/java-options.sh}, to pass as {@code "${vector_options[@]}"} instead of
 * {@code --add-modules jdk.incubator.vector}.
 * With a class-data-sharing archive (README, "The JVM flag"), whose class path takes jars only:
 * {@code jar cf /tmp/cold/cold.jar -C /tmp/cold/classes .}, one run with
 * {@code -XX:ArchiveClassesAtExit=/tmp/cold/cold.jsa -cp /tmp/cold/cold.jar:runtime/target/...jar},
 * then the timed runs with {@code -XX:SharedArchiveFile=/tmp/cold/cold.jsa} and the same class path.
 */
public final class ColdStart {
  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[2]);
    float[] x = new float[3 * 224 * 224];
    long start = System.nanoTime();
    double loadMs;
    float[] y;
    if (args[0].equals("resnet18")) {
      ResNet18 model = ResNet18.load(Path.of(args[1])).withThreads(threads);
      loadMs = (System.nanoTime() - start) / 1e6;
      y = model.forward(x);
    } else {
      ResNet50 model = ResNet50.load(Path.of(args[1])).withThreads(threads);
      loadMs = (System.nanoTime() - start) / 1e6;
      y = model.forward(x);
    }
    double firstMs = (System.nanoTime() - start) / 1e6;
    System.out.printf("load_ms: %.0f%nfirst_result_ms: %.0f%ny[0]: %.4f%n", loadMs, firstMs, y[0]);
    // the process's CPU time: on two vCPUs the cold start keeps both busy (the JIT's threads)
    var os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    System.out.printf("cpu_ms: %d%n", os.getProcessCpuTime() / 1_000_000);
    System.exit(0); // the model's pool threads
  }
}
