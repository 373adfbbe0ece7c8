import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * ONNX Runtime's time to first result in a fresh JVM, the figure {@code ColdStart.java} is
 * compared with: the environment (which loads the native library), the session on {@code T}
 * threads, and one run of a zero image. From the checkout, after {@code bench/run.sh} (which
 * builds the bench module's class path and exports the models):
 * <pre>
 * javac -cp "$(cat bench/target/classpath.txt)" -d /tmp/ortcold tools/probes/OrtColdStart.java
 * java -cp "/tmp/ortcold:$(cat bench/target/classpath.txt)" OrtColdStart \
 *     bench/target/reference/resnet18/model.onnx 1
 * </pre>
 */
public final class OrtColdStart {
  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[1]);
    long start = System.nanoTime();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    double envMs = (System.nanoTime() - start) / 1e6;
    long sessionStart = System.nanoTime();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(threads);
    options.setInterOpNumThreads(1);
    OrtSession session = env.createSession(args[0], options);
    String input = session.getInputNames().iterator().next();
    float[] x = new float[3 * 224 * 224];
    long[] shape = {1, 3, 224, 224};
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
        OrtSession.Result r = session.run(Map.of(input, t))) {
      float first = ((float[][]) r.get(0).getValue())[0][0];
      long end = System.nanoTime();
      System.out.printf("env_ms: %.0f%nsession_and_first_run_ms: %.0f%nfirst_result_ms: %.0f%n"
          + "y[0]: %.4f%n", envMs, (end - sessionStart) / 1e6, (end - start) / 1e6, first);
    }
  }
}
