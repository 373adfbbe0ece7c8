package com.acme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.acme.nets.TinyNet;
import com.acme.testnets.TestMlp;
import dev.resnetc.runtime.TensorSpec;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GeneratedNetworksTest {
  /** Weights from a fixed sequence; variances stay positive. */
  private static Map<String, float[]> weights(Iterable<TensorSpec> specs) {
    Map<String, float[]> weights = new HashMap<>();
    int k = 0;
    for (TensorSpec spec : specs) {
      float[] values = new float[(int) spec.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = spec.name().endsWith("running_var") ? 1f : ((k++ % 7) - 3) / 10f;
      }
      weights.put(spec.name(), values);
    }
    return weights;
  }

  @Test
  void mainNetworkRunsOnABatch() {
    TinyNet net = new TinyNet(weights(TinyNet.parameters()));
    float[] input = new float[2 * 3 * 8 * 8];
    for (int i = 0; i < input.length; i++) {
      input[i] = (i % 11) / 11f;
    }
    float[] y = net.forward(input);
    assertArrayEquals(new int[] {3}, TinyNet.outputShape());
    assertEquals(6, y.length);
    for (float v : y) {
      assertTrue(Float.isFinite(v));
    }
    assertArrayEquals(y, net.forward(input));
  }

  @Test
  void testNetworkIsGeneratedFromSrcTestResnet() {
    TestMlp net = new TestMlp(weights(TestMlp.parameters()));
    assertEquals(2, net.forward(new float[] {1, 2, 3, 4}).length);
  }
}
