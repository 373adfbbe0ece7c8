package dev.resnetc.compiler.codegen;

import static com.google.common.truth.Truth.assertThat;

import dev.resnetc.runtime.Conv2d;
import dev.resnetc.runtime.ConvWeights.Algorithm;
import org.junit.jupiter.api.Test;

/** The compiler's choice of convolution algorithm per layer, from the layer's shape. */
class KernelPlanTest {
  private static Algorithm of(int channels, int size, int kernel, int stride) {
    return KernelPlan.algorithm(
        new Conv2d(channels, size, size, channels, kernel, stride, kernel / 2, 1, 1));
  }

  @Test
  void stride1ThreeByThreeLayersRunWinogradWithTheLargerTileOnLargerMaps() {
    assertThat(of(64, 56, 3, 1)).isEqualTo(Algorithm.WINOGRAD_4X4);
    assertThat(of(128, 28, 3, 1)).isEqualTo(Algorithm.WINOGRAD_4X4);
    assertThat(of(256, 14, 3, 1)).isEqualTo(Algorithm.WINOGRAD_4X4);
    assertThat(of(32, 16, 3, 1)).isEqualTo(Algorithm.WINOGRAD_4X4);
    // 7x7 and 8x8 maps have 4 tiles of 4x4 (mostly padding) but 16 of 2x2
    assertThat(of(512, 7, 3, 1)).isEqualTo(Algorithm.WINOGRAD_2X2);
    assertThat(of(64, 8, 3, 1)).isEqualTo(Algorithm.WINOGRAD_2X2);
  }

  @Test
  void otherLayersRunTheDirectKernel() {
    assertThat(of(16, 32, 3, 1)).isEqualTo(Algorithm.DIRECT); // too few channels
    assertThat(of(64, 56, 3, 2)).isEqualTo(Algorithm.DIRECT);
    assertThat(of(64, 56, 1, 1)).isEqualTo(Algorithm.DIRECT);
    assertThat(of(64, 56, 7, 1)).isEqualTo(Algorithm.DIRECT);
    assertThat(KernelPlan.algorithm(new Conv2d(64, 56, 56, 64, 3, 1, 2, 2, 1)))
        .isEqualTo(Algorithm.DIRECT); // dilated
    assertThat(KernelPlan.algorithm(new Conv2d(64, 56, 56, 64, 3, 1, 1, 1, 2)))
        .isEqualTo(Algorithm.DIRECT); // grouped
  }
}
