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
    assertThat(of(32, 32, 3, 1)).isEqualTo(Algorithm.WINOGRAD_4X4);
    // 16 tiles of 4x4: ResNet's 14x14 layers, CIFAR's 16x16
    assertThat(of(256, 14, 3, 1)).isEqualTo(Algorithm.WINOGRAD_4X4);
    assertThat(of(32, 16, 3, 1)).isEqualTo(Algorithm.WINOGRAD_4X4);
    // wider than MAX_CHANNELS_WIDTH: 2 x 10 tiles of 4x4, or a single row of 10
    assertThat(KernelPlan.algorithm(new Conv2d(64, 8, 40, 64, 3, 1, 1, 1, 1)))
        .isEqualTo(Algorithm.WINOGRAD_4X4);
    assertThat(KernelPlan.algorithm(new Conv2d(64, 3, 40, 64, 3, 1, 1, 1, 1)))
        .isEqualTo(Algorithm.WINOGRAD_2X2);
  }

  @Test
  void smallerMapsRunTheSmallerTile() {
    // fewer than 16 tiles of 4x4: ResNet's 7x7 layers, CIFAR's 8x8
    assertThat(of(512, 7, 3, 1)).isEqualTo(Algorithm.WINOGRAD_2X2);
    assertThat(of(256, 12, 3, 1)).isEqualTo(Algorithm.WINOGRAD_2X2);
    assertThat(of(64, 8, 3, 1)).isEqualTo(Algorithm.WINOGRAD_2X2);
    assertThat(KernelPlan.narrowAlgorithm(new Conv2d(512, 7, 7, 512, 3, 1, 1, 1, 1)))
        .isEqualTo(Algorithm.WINOGRAD_2X2);
  }

  @Test
  void smallImagesRunWithOutputChannelsInTheVectors() {
    assertThat(of(16, 28, 3, 1)).isEqualTo(Algorithm.CHANNELS); // too few channels for Winograd
    // strided layers into outputs at most 28 wide, grouped and dilated ones too
    assertThat(of(64, 56, 3, 2)).isEqualTo(Algorithm.CHANNELS);
    assertThat(of(512, 14, 3, 2)).isEqualTo(Algorithm.CHANNELS);
    assertThat(KernelPlan.algorithm(new Conv2d(64, 14, 14, 64, 3, 1, 2, 2, 1)))
        .isEqualTo(Algorithm.CHANNELS);
    // 1x1 layers into 14x14 and 7x7
    assertThat(of(256, 14, 1, 1)).isEqualTo(Algorithm.CHANNELS);
    assertThat(of(2048, 7, 1, 1)).isEqualTo(Algorithm.CHANNELS);
    assertThat(of(512, 28, 1, 2)).isEqualTo(Algorithm.CHANNELS);
    assertThat(KernelPlan.algorithm(new Conv2d(64, 14, 14, 64, 3, 1, 1, 1, 2)))
        .isEqualTo(Algorithm.CHANNELS);
  }

  @Test
  void otherLayersRunTheDirectKernel() {
    assertThat(of(16, 32, 3, 1)).isEqualTo(Algorithm.DIRECT); // too few channels, 32 wide
    assertThat(of(64, 58, 3, 2)).isEqualTo(Algorithm.DIRECT); // 29 wide
    assertThat(of(64, 56, 1, 1)).isEqualTo(Algorithm.DIRECT);
    assertThat(of(512, 28, 1, 1)).isEqualTo(Algorithm.DIRECT); // 1x1 layers up to 14 wide only
    assertThat(of(512, 58, 1, 2)).isEqualTo(Algorithm.DIRECT);
    assertThat(of(64, 56, 7, 1)).isEqualTo(Algorithm.DIRECT);
    assertThat(of(3, 224, 7, 2)).isEqualTo(Algorithm.DIRECT); // ResNet's stem
    assertThat(KernelPlan.algorithm(new Conv2d(64, 56, 56, 64, 3, 1, 2, 2, 1)))
        .isEqualTo(Algorithm.DIRECT); // dilated
    assertThat(KernelPlan.algorithm(new Conv2d(64, 56, 56, 64, 3, 1, 1, 1, 2)))
        .isEqualTo(Algorithm.DIRECT); // grouped
  }
}
