package dev.resnetc.bench;

/**
 * One measured configuration: a model at one batch size and thread count, both sides' median
 * milliseconds, their first-result times and how far their outputs are apart.
 *
 * @param javaMs median milliseconds of the generated class's {@code forward}
 * @param ortMs median milliseconds of ONNX Runtime's {@code session.run}
 * @param javaFirstMs weights loaded and the first batch-1 {@code forward} done
 * @param ortFirstMs session created and the first batch-1 run done
 * @param errorVsOrt {@code max|y_java - y_ort| / max|y_ort|}
 * @param errorVsTorch {@code max|y_java - y_torch| / max|y_torch|}, PyTorch's float64 output
 */
record Cell(String model, int batch, int threads, double javaMs, double ortMs,
    double javaFirstMs, double ortFirstMs, double errorVsOrt, double errorVsTorch) {
  /** How many times longer the generated class takes than ONNX Runtime. */
  double ratio() {
    return javaMs / ortMs;
  }

  /** Whether both outputs agree within {@code tolerance}. */
  boolean agrees(double tolerance) {
    return errorVsOrt <= tolerance && errorVsTorch <= tolerance;
  }
}
