package dev.resnetc.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Param;
import dev.resnetc.dsl.Diagnostic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The samples are the architectures they claim to be: parameter names, shapes and totals equal
 * torchvision's (keys dumped from torchvision 0.14.1 into {@code src/test/resources/torchvision}),
 * multiply-adds match the published figures, and W_s appears exactly where the shapes differ.
 */
class SampleArchitecturesTest {
  @Test
  void everyRequiredSampleExists() {
    assertThat(Samples.files()).containsAtLeast("resnet18.resnet", "resnet34.resnet",
        "resnet50.resnet", "resnet101.resnet", "resnet152.resnet", "resnet20.resnet",
        "resnet32.resnet", "resnet44.resnet", "resnet56.resnet", "resnet110.resnet",
        "plain20.resnet", "plain56.resnet", "plain18.resnet", "plain34.resnet",
        "preact_resnet18.resnet", "residual_mlp.resnet");
  }

  @ParameterizedTest
  @CsvSource({
      "resnet18, 11689512, 1.814",
      "resnet34, 21797672, 3.664",
      "resnet50, 25557032, 4.089",
      "resnet101, 44549160, 7.801",
      "resnet152, 60192808, 11.514",
  })
  void torchvisionSamplesHaveTorchvisionTotals(String net, long params, double gigaMacs) {
    Samples.Sample s = Samples.load(net + ".resnet");
    assertThat(s.compilation().parameterCount()).isEqualTo(params);
    assertThat(s.compilation().multiplyAdds() / 1e9).isWithin(0.005).of(gigaMacs);
  }

  @ParameterizedTest
  @CsvSource({"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"})
  void torchvisionSamplesHaveExactlyTheStateDictKeysAndShapes(String net) throws IOException {
    List<String> expected = Files.readAllLines(
        Path.of("src/test/resources/torchvision", net + ".txt"), StandardCharsets.UTF_8).stream()
        .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    List<String> actual = Samples.load(net + ".resnet").compilation().params().stream()
        .map(p -> p.name() + " " + Arrays.stream(p.shape()).mapToObj(Integer::toString)
            .collect(Collectors.joining("x")))
        .toList();
    assertThat(actual).containsExactlyElementsIn(expected).inOrder();
  }

  @ParameterizedTest
  @CsvSource({
      // He et al. 2015 section 4.2: 0.27M, 0.46M, 0.66M, 0.85M, 1.7M with option A shortcuts.
      "resnet20, 269722", "resnet32, 464154", "resnet44, 658586", "resnet56, 853018",
      "resnet110, 1727962",
  })
  void cifarResNetsHaveThePaperSizesAndNoProjections(String net, long params) {
    Samples.Sample s = Samples.load(net + ".resnet");
    assertThat(s.compilation().parameterCount()).isEqualTo(params);
    assertThat(s.notes().stream().map(Diagnostic::message).toList()).containsExactly(
        "padded shortcut (option A): [16, 32, 32] -> [32, 16, 16], stride 2, 16 zero channels"
            + " (shortcut of layer2.0)",
        "padded shortcut (option A): [32, 16, 16] -> [64, 8, 8], stride 2, 32 zero channels"
            + " (shortcut of layer3.0)");
  }

  @ParameterizedTest
  @CsvSource({"plain20, resnet20", "plain56, resnet56", "plain18, resnet18", "plain34, resnet34"})
  void plainNetsAreTheResidualNetsWithoutShortcuts(String plain, String residual) {
    Samples.Sample p = Samples.load(plain + ".resnet");
    Samples.Sample r = Samples.load(residual + ".resnet");
    assertThat(p.compilation().graph().nodes().stream().filter(n -> n instanceof Node.Residual)
        .count()).isEqualTo(0);
    assertThat(p.notes()).isEmpty();
    long projections = r.compilation().params().stream()
        .filter(q -> q.name().contains(".downsample.") && q.trainable())
        .mapToLong(Param::size).sum();
    assertThat(p.compilation().parameterCount())
        .isEqualTo(r.compilation().parameterCount() - projections);
    assertThat(p.compilation().multiplyAdds()).isAtMost(r.compilation().multiplyAdds());
  }

  @Test
  void resnet18ReportsEachInsertedProjectionWhereItsBlockIsUsed() {
    Samples.Sample s = Samples.load("resnet18.resnet");
    assertThat(s.notes().stream().map(d -> d.headline()).toList()).containsExactly(
        "resnet18.resnet:10:3: note: inserted W_s: 1x1 conv 64→128 stride 2 + batchnorm"
            + " (shortcut of layer2.0) [N001]",
        "resnet18.resnet:11:3: note: inserted W_s: 1x1 conv 128→256 stride 2 + batchnorm"
            + " (shortcut of layer3.0) [N001]",
        "resnet18.resnet:12:3: note: inserted W_s: 1x1 conv 256→512 stride 2 + batchnorm"
            + " (shortcut of layer4.0) [N001]");
  }

  @Test
  void residualMlpGetsA256By128ProjectionMatrix() {
    Samples.Sample s = Samples.load("residual_mlp.resnet");
    List<Param> projections = s.compilation().params().stream()
        .filter(p -> p.name().contains("shortcut")).toList();
    assertThat(projections).hasSize(1);
    assertThat(projections.get(0).name()).isEqualTo("block2.shortcut.weight");
    assertThat(projections.get(0).shape()).asList().containsExactly(256, 128).inOrder();
    assertThat(s.compilation().parameterCount()).isEqualTo(298_762);
  }

  @Test
  void preActivationNetHasNoActivationAfterItsAdds() {
    Samples.Sample s = Samples.load("preact_resnet18.resnet");
    List<Node> nodes = s.compilation().graph().nodes();
    for (Node n : nodes) {
      if (n instanceof Node.Residual) {
        boolean reluAfter = nodes.stream().anyMatch(
            m -> m instanceof Node.Relu && m.inputs().contains(n.id()));
        assertWithMessage(n.name()).that(reluAfter).isFalse();
      }
    }
    assertThat(s.notes()).hasSize(3);
  }
}
