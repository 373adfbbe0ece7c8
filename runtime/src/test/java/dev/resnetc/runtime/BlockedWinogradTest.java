package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.resnetc.runtime.Tensors.abs;
import static dev.resnetc.runtime.Tensors.blocked;
import static dev.resnetc.runtime.Tensors.random;
import static dev.resnetc.runtime.Tensors.shifted;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Winograd F(4x4, 3x3) and F(2x2, 3x3) over blocked activations against the scalar direct
 * convolution: tiles cut by the image's edges, strips of 14 or 8 tiles that are partial or span
 * images, output channels of one vector past a 32-channel panel, paddings 0-2, batches taken a
 * few images at a time, two threads, and every epilogue; each case with both tile sizes.
 */
class BlockedWinogradTest {
  private final Random random = new Random(23);

  @BeforeEach
  void needsSixteenFloatVectors() {
    assumeTrue(Layout.preferred() == Layout.BLOCKED, "the blocked layout needs AVX-512");
  }

  @Test
  void tilesAtImageEdgesAndPartialStrips() {
    check(new Conv2d(16, 8, 8, 16, 3, 1, 1, 1, 1), 1, true, true, true, 1);
    check(new Conv2d(32, 13, 13, 48, 3, 1, 1, 1, 1), 1, true, false, true, 2);
    check(new Conv2d(16, 6, 6, 32, 3, 1, 0, 1, 1), 2, false, false, false, 1);
    check(new Conv2d(16, 28, 29, 16, 3, 1, 2, 1, 1), 1, true, true, false, 2);
    check(new Conv2d(48, 5, 3, 32, 3, 1, 1, 1, 1), 1, true, true, true, 1);
  }

  @Test
  void stripsOfEightWhereTheyLeaveFewerTilesEmpty() {
    // the shapes here run both kernels: 4 and 16 tiles on strips of 8, 9 x 3 and 196 on 14
    assertThat(BlockedWinograd.stripFor(4)).isEqualTo(8);
    assertThat(BlockedWinograd.stripFor(16)).isEqualTo(8);
    assertThat(BlockedWinograd.stripFor(27)).isEqualTo(14);
    assertThat(BlockedWinograd.stripFor(49)).isEqualTo(14); // 7 empty either way
    assertThat(BlockedWinograd.stripFor(196)).isEqualTo(14);
  }

  @Test
  void stripsSpanImages() {
    // 9 tiles an image (F(4x4); 25 for F(2x2)): strips take one image and part of the next
    check(new Conv2d(16, 9, 10, 32, 3, 1, 1, 1, 1), 3, true, true, true, 1);
    check(new Conv2d(16, 9, 10, 32, 3, 1, 1, 1, 1), 3, false, true, true, 2);
  }

  @Test
  void resNetsSmallestImagesOnF2x2() {
    // 7x7: 16 tiles an image of 2x2, on strips of 8; at batch 3, 48
    Conv2d c = new Conv2d(64, 7, 7, 64, 3, 1, 1, 1, 1);
    check(c, 1, true, true, true, 1, 2);
    check(c, 3, true, false, true, 2, 2);
    check(new Conv2d(32, 14, 14, 48, 3, 1, 1, 1, 1), 2, false, true, true, 2, 2);
  }

  @Test
  void resNetShapesAndBatchesAFewImagesAtATime() {
    Conv2d c = new Conv2d(64, 56, 56, 32, 3, 1, 1, 1, 1);
    // 196 tiles, 14 whole strips; the transformed input of one image is 1.8 MB, so a batch of
    // three is taken as two images, then one
    assertThat(Winograd.positions(4) * 64L * 196 * Float.BYTES * 3)
        .isGreaterThan(BlockedWinograd.TRANSFORMED_BYTES);
    check(c, 3, true, true, true, 2);
    // 49 tiles at batch 1: three strips of 14, then 7 tiles on the 8-row kernel
    check(new Conv2d(128, 28, 28, 128, 3, 1, 1, 1, 1), 1, true, true, true, 1);
    check(new Conv2d(16, 28, 28, 48, 3, 1, 1, 1, 1), 1, false, true, false, 2);
  }

  @Test
  void residualMayBeTheOutput() {
    residualMayBeTheOutput(ConvWeights.Algorithm.WINOGRAD_4X4);
    residualMayBeTheOutput(ConvWeights.Algorithm.WINOGRAD_2X2);
  }

  private void residualMayBeTheOutput(ConvWeights.Algorithm algorithm) {
    Conv2d c = new Conv2d(32, 10, 10, 32, 3, 1, 1, 1, 1);
    int batch = 2, plane = 100;
    float[] in = random(random, batch * c.inSize());
    float[] w = random(random, c.weightSize());
    float[] b = random(random, c.outChannels());
    float[] res = random(random, batch * c.outSize());
    float[] expected = new float[res.length];
    Kernels.conv2d(c, batch, in, 0, w, b, res, 0, true, expected, 0);
    float[] y = blocked(c.outChannels(), plane, batch, res);
    Kernels.conv2d(Parallel.of(2), c, batch, blocked(c.inChannels(), plane, batch, in), 0,
        Kernels.prepare(c, w, algorithm, Layout.BLOCKED), b, y, 0, true, y, 0);
    float[] actual = new float[res.length];
    Layout.BLOCKED.toNchw(batch, c.outChannels(), plane, y, 0, actual, 0);
    compare(c, batch, in, w, b, res, expected, actual);
  }

  @Test
  void theRuntimeChoosesItForWinogradBetweenBlockedTensors() {
    Conv2d c = new Conv2d(32, 12, 12, 32, 3, 1, 1, 1, 1);
    float[] w = new float[c.weightSize()];
    assertThat(Kernels.prepare(c, w, ConvWeights.Algorithm.WINOGRAD_4X4, Layout.BLOCKED)
        .algorithm()).isEqualTo(ConvWeights.Algorithm.BLOCKED_WINOGRAD_4X4);
    assertThat(Kernels.prepare(c, w, ConvWeights.Algorithm.WINOGRAD_2X2, Layout.BLOCKED)
        .algorithm()).isEqualTo(ConvWeights.Algorithm.BLOCKED_WINOGRAD_2X2);
    // the stem-like input of 3 channels is not blocked: the direct blocked kernel takes it
    Conv2d nchwIn = new Conv2d(3, 12, 12, 32, 3, 1, 1, 1, 1);
    assertThat(Kernels.prepare(nchwIn, new float[nchwIn.weightSize()],
        ConvWeights.Algorithm.WINOGRAD_4X4, Layout.BLOCKED).algorithm())
        .isEqualTo(ConvWeights.Algorithm.BLOCKED);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Kernels.prepare(c, w, ConvWeights.Algorithm.BLOCKED_WINOGRAD_4X4, Layout.NCHW));
    assertThat(e).hasMessageThat().contains("in Layout.BLOCKED");
    assertThrows(IllegalArgumentException.class, () -> Kernels.prepare(nchwIn,
        new float[nchwIn.weightSize()], ConvWeights.Algorithm.BLOCKED_WINOGRAD_4X4,
        Layout.BLOCKED));
  }

  @Test
  void deferredWeightsRunTheDirectKernelUntilTheirTransformHasRun() {
    Conv2d c = new Conv2d(32, 7, 7, 48, 3, 1, 1, 1, 1);
    for (ConvWeights.Algorithm algorithm : new ConvWeights.Algorithm[] {
        ConvWeights.Algorithm.WINOGRAD_2X2, ConvWeights.Algorithm.WINOGRAD_4X4}) {
      float[] w = random(random, c.weightSize());
      float[] in = blocked(c.inChannels(), 49, 1, random(random, c.inSize()));
      float[] b = random(random, c.outChannels());
      float[] direct = blockedConv(c, in, Kernels.prepare(c, w, ConvWeights.Algorithm.BLOCKED,
          Layout.BLOCKED), b);
      float[] winograd = blockedConv(c, in, Kernels.prepare(c, w, algorithm, Layout.BLOCKED), b);
      assertWithMessage("F(%sx%s) and direct round alike: this test could not tell them apart",
          algorithm.tile(), algorithm.tile()).that(winograd).isNotEqualTo(direct);
      List<Runnable> later = new ArrayList<>();
      ConvWeights deferred = Kernels.prepareDeferred(c, w, algorithm, Layout.BLOCKED, later::add);
      assertThat(later).hasSize(1);
      assertThat(deferred.algorithm()).isEqualTo(ConvWeights.Algorithm.BLOCKED);
      // the direct weights are the replaceable weights' only array, dropped at the switch
      assertThat(deferred.data).isNull();
      assertThat(deferred.current().data).isNotNull();
      assertThat(blockedConv(c, in, deferred, b)).isEqualTo(direct);
      later.get(0).run();
      assertThat(deferred.algorithm().tile()).isEqualTo(algorithm.tile());
      assertThat(deferred.algorithm().blockedWinograd()).isTrue();
      assertThat(blockedConv(c, in, deferred, b)).isEqualTo(winograd);
      // where nothing takes the transform, it runs at once
      ConvWeights now = Kernels.prepareDeferred(c, w, algorithm, Layout.BLOCKED, task -> false);
      assertThat(now.algorithm().tile()).isEqualTo(algorithm.tile());
      assertThat(blockedConv(c, in, now, b)).isEqualTo(winograd);
    }
  }

  /**
   * With whole panels of 32 output channels the load packs a layer's weights into the array it
   * was handed, and the deferred transform reads them back out of the panels: the same outputs,
   * bit for bit, as weights prepared from copies.
   */
  @Test
  void deferredWeightsPackedInTheirOwnArrayTransformAsFromACopy() {
    Conv2d c = new Conv2d(32, 7, 7, 64, 3, 1, 1, 1, 1);
    for (ConvWeights.Algorithm algorithm : new ConvWeights.Algorithm[] {
        ConvWeights.Algorithm.WINOGRAD_2X2, ConvWeights.Algorithm.WINOGRAD_4X4}) {
      float[] w = random(random, c.weightSize());
      float[] in = blocked(c.inChannels(), 49, 1, random(random, c.inSize()));
      float[] b = random(random, c.outChannels());
      float[] direct = blockedConv(c, in, Kernels.prepare(c, w.clone(),
          ConvWeights.Algorithm.BLOCKED, Layout.BLOCKED), b);
      float[] winograd = blockedConv(c, in, Kernels.prepare(c, w.clone(), algorithm,
          Layout.BLOCKED), b);
      float[] handed = w.clone();
      List<Runnable> later = new ArrayList<>();
      ConvWeights deferred = Kernels.prepareDeferred(c, handed, algorithm, Layout.BLOCKED,
          later::add);
      assertThat(deferred.current().data).isSameInstanceAs(handed);
      assertThat(handed).isNotEqualTo(w);
      assertThat(blockedConv(c, in, deferred, b)).isEqualTo(direct);
      later.get(0).run();
      assertThat(blockedConv(c, in, deferred, b)).isEqualTo(winograd);
    }
  }

  @Test
  void onlyWinogradOverBlockedActivationsIsDeferred() {
    List<Runnable> later = new ArrayList<>();
    Conv2d strided = new Conv2d(32, 8, 8, 32, 3, 2, 1, 1, 1);
    assertThat(Kernels.prepareDeferred(strided, new float[strided.weightSize()],
        ConvWeights.Algorithm.DIRECT, Layout.BLOCKED, later::add).algorithm())
        .isEqualTo(ConvWeights.Algorithm.BLOCKED);
    Conv2d c = new Conv2d(32, 8, 8, 32, 3, 1, 1, 1, 1);
    assertThat(Kernels.prepareDeferred(c, new float[c.weightSize()],
        ConvWeights.Algorithm.WINOGRAD_4X4, Layout.NCHW, later::add).algorithm())
        .isEqualTo(ConvWeights.Algorithm.WINOGRAD_4X4);
    // a 3-channel input is not blocked, so blocked Winograd does not apply
    Conv2d nchwIn = new Conv2d(3, 8, 8, 32, 3, 1, 1, 1, 1);
    assertThat(Kernels.prepareDeferred(nchwIn, new float[nchwIn.weightSize()],
        ConvWeights.Algorithm.WINOGRAD_4X4, Layout.BLOCKED, later::add).algorithm())
        .isEqualTo(ConvWeights.Algorithm.BLOCKED);
    assertThat(later).isEmpty();
  }

  @Test
  void aTransformLeftToTheWarmUpThreadHasRunWhenAwaitWarmUpReturns() throws Exception {
    boolean[] ran = new boolean[1];
    // taken if this JVM's warm-up is still running (as when this test class runs first)
    boolean taken = VectorKernels.afterWarmUp(() -> ran[0] = true);
    Kernels.awaitWarmUp();
    assertThat(ran[0]).isEqualTo(taken);
    assertThat(VectorKernels.warmingUp()).isFalse();
    assertThat(VectorKernels.afterWarmUp(() -> { })).isFalse();
    Conv2d c = new Conv2d(32, 8, 8, 32, 3, 1, 1, 1, 1);
    assertThat(Kernels.prepareDeferred(c, new float[c.weightSize()],
        ConvWeights.Algorithm.WINOGRAD_4X4, Layout.BLOCKED).algorithm())
        .isEqualTo(ConvWeights.Algorithm.BLOCKED_WINOGRAD_4X4);
  }

  /** One blocked image through {@code c} with bias and ReLU, as NCHW. */
  private static float[] blockedConv(Conv2d c, float[] in, ConvWeights w, float[] b) {
    float[] out = new float[c.outSize()];
    Kernels.conv2d(Parallel.of(1), c, 1, in, 0, w, b, null, 0, true, out, 0);
    float[] nchw = new float[c.outSize()];
    Layout.BLOCKED.toNchw(1, c.outChannels(), c.outHeight() * c.outWidth(), out, 0, nchw, 0);
    return nchw;
  }

  /** {@link #check(Conv2d, int, boolean, boolean, boolean, int, int) check} on both tiles. */
  private void check(Conv2d c, int batch, boolean bias, boolean residual, boolean relu,
      int threads) {
    check(c, batch, bias, residual, relu, threads, 4);
    check(c, batch, bias, residual, relu, threads, 2);
  }

  private void check(Conv2d c, int batch, boolean bias, boolean residual, boolean relu,
      int threads, int m) {
    int plane = c.inHeight() * c.inWidth(), outPlane = c.outHeight() * c.outWidth();
    float[] in = random(random, batch * c.inSize());
    float[] w = random(random, c.weightSize());
    float[] b = bias ? random(random, c.outChannels()) : null;
    int size = batch * c.outSize();
    float[] res = residual ? random(random, size) : null;
    float[] expected = new float[size];
    Kernels.conv2d(c, batch, in, 0, w, b, res, 0, relu, expected, 0);
    // at offsets, NaN around the output: nothing outside it may be written
    float[] blockedIn = shifted(5, blocked(c.inChannels(), plane, batch, in));
    float[] blockedRes = res == null ? null
        : shifted(3, blocked(c.outChannels(), outPlane, batch, res));
    float[] out = new float[size + 7 + 4];
    Arrays.fill(out, Float.NaN);
    ConvWeights prepared = Kernels.prepare(c, w, m == 4 ? ConvWeights.Algorithm.WINOGRAD_4X4
        : ConvWeights.Algorithm.WINOGRAD_2X2, Layout.BLOCKED);
    assertThat(prepared.algorithm()).isEqualTo(m == 4
        ? ConvWeights.Algorithm.BLOCKED_WINOGRAD_4X4 : ConvWeights.Algorithm.BLOCKED_WINOGRAD_2X2);
    Kernels.conv2d(Parallel.of(threads), c, batch, blockedIn, 5, prepared, b, blockedRes, 3,
        relu, out, 7);
    assertWithMessage("%s F(%sx%s) before the output", c, m, m).that(Float.isNaN(out[6]))
        .isTrue();
    assertWithMessage("%s F(%sx%s) after the output", c, m, m)
        .that(Float.isNaN(out[size + 7])).isTrue();
    float[] actual = new float[size];
    Layout.BLOCKED.toNchw(batch, c.outChannels(), outPlane, out, 7, actual, 0);
    compare(c, batch, in, w, b, res, expected, actual);
  }

  /**
   * Within F(4x4)'s bound of {@code VectorConvTest}: 1e-4 times the terms,
   * {@code sum |w x| + |bias| + |residual|}, plus 1e-6.
   */
  private static void compare(Conv2d c, int batch, float[] in, float[] w, float[] b,
      float[] res, float[] expected, float[] actual) {
    float[] terms = new float[expected.length];
    Kernels.conv2d(c, batch, abs(in), 0, abs(w), b == null ? null : abs(b),
        res == null ? null : abs(res), 0, false, terms, 0);
    for (int i = 0; i < expected.length; i++) {
      float tolerance = 1e-4f * terms[i] + 1e-6f;
      if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
        assertWithMessage("%s batch %s at %s", c, batch, i).that(actual[i])
            .isWithin(tolerance).of(expected[i]);
      }
    }
  }
}
