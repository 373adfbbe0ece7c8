package dev.resnetc.compiler.opt;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.compiler.interp.Interpreter;
import dev.resnetc.compiler.ir.Epilogue;
import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.SourceFile;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Each optimization pass on its own: what it rewrites, what it must leave alone, that running it
 * twice changes nothing, that the IR check holds after it, and that the interpreter computes the
 * same function before and after.
 */
class PassesTest {
  /** A CIFAR-style block with an identity shortcut, then one with W_s, then a head with dropout. */
  private static final String NET = """
      network Net(input: [3, 8, 8]) {
        stem: conv(4, kernel=3, padding=1, bias=false)
        stem_bn: batchnorm
        relu
        same: unit(4)
        wider: unit(8, stride=2)
        pool: global_avgpool
        flatten
        dropout(p=0.3)
        identity
        head: dense(5)
      }
      block unit(c, stride=1) {
        residual(projection=downsample) {
          conv1: conv(c, kernel=3, stride=stride, padding=1, bias=false)
          bn1: batchnorm
          relu
          conv2: conv(c, kernel=3, padding=1)
          bn2: batchnorm
        }
      }
      """;

  private static Compilation compile(String text) {
    Diagnostics diagnostics = new Diagnostics();
    return Resnetc.analyze(SourceFile.of("net.resnet", text), diagnostics)
        .orElseThrow(() -> new AssertionError(diagnostics.all().toString()));
  }

  private static Compilation apply(Compilation c, Pass pass, OptimizationStats stats) {
    Graph g = pass.run(c.graph(), stats);
    return new Compilation(c.source(), g, IrCheck.check(g, c.params(), pass.name()), c.params());
  }

  private static Node named(Compilation c, String name) {
    return c.graph().nodes().stream().filter(n -> n.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no node " + name));
  }

  private static Epilogue epilogue(Compilation c, String name) {
    return Epilogue.of(named(c, name)).orElseThrow();
  }

  private static void assertSameFunction(Compilation before, Compilation after) {
    Map<String, float[]> w = Interpreter.randomWeights(before, 3);
    float[] x = Interpreter.randomInput(before, 2, 4);
    float[] expected = Interpreter.run(before, w, x, 2);
    float[] actual = Interpreter.run(after, w, x, 2);
    for (int i = 0; i < expected.length; i++) {
      assertWithMessage("output %s", i).that((double) actual[i])
          .isWithin(1e-5 * (1 + Math.abs(expected[i]))).of(expected[i]);
    }
  }

  private static void assertIdempotent(Pass pass, Compilation once) {
    OptimizationStats again = new OptimizationStats();
    assertThat(pass.run(once.graph(), again).nodes()).isEqualTo(once.graph().nodes());
    assertThat(again.foldedBatchNorms() + again.fusedResidualAdds() + again.fusedRelus()
        + again.removedNoOps()).isEqualTo(0);
  }

  @Test
  void removeNoOpsDropsDropoutAndIdentity() {
    Compilation c = compile(NET);
    OptimizationStats stats = new OptimizationStats();
    Compilation after = apply(c, new RemoveNoOps(), stats);
    assertThat(stats.removedNoOps()).isEqualTo(2);
    assertThat(after.graph().nodes().stream()
        .filter(n -> n instanceof Node.Dropout || n instanceof Node.Identity)).isEmpty();
    assertThat(after.graph().nodes()).hasSize(c.graph().nodes().size() - 2);
    assertIdempotent(new RemoveNoOps(), after);
    assertSameFunction(c, after);
  }

  @Test
  void removeNoOpsKeepsANoOpThatIsTheOutput() {
    Compilation c = compile("network N(input: [4]) {\n fc: dense(3)\n dropout\n}\n");
    Compilation after = apply(c, new RemoveNoOps(), new OptimizationStats());
    assertThat(after.graph().output()).isInstanceOf(Node.Dropout.class);
  }

  @Test
  void foldBatchNormMovesEveryBatchNormAfterAConvIntoItsEpilogue() {
    Compilation c = compile(NET);
    OptimizationStats stats = new OptimizationStats();
    Compilation after = apply(c, new FoldBatchNorm(), stats);
    // stem_bn; bn1 and bn2 of both blocks; downsample.1 of the wider one
    assertThat(stats.foldedBatchNorms()).isEqualTo(6);
    assertThat(after.graph().nodes().stream().filter(n -> n instanceof Node.BatchNorm))
        .isEmpty();
    assertThat(epilogue(after, "stem").batchNorm()).isEqualTo(Optional.of("stem_bn"));
    assertThat(epilogue(after, "wider.downsample.0").batchNorm())
        .isEqualTo(Optional.of("wider.downsample.1"));
    assertIdempotent(new FoldBatchNorm(), after);
    assertSameFunction(c, after);
  }

  @Test
  void foldBatchNormLeavesABatchNormWhoseConvHasOtherReaders() {
    Compilation c = compile("""
        network N(input: [2, 4, 4]) {
          c: conv(2, kernel=1)
          residual(shortcut=identity) {
            bn: batchnorm
          }
        }
        """);
    OptimizationStats stats = new OptimizationStats();
    Compilation after = apply(c, new FoldBatchNorm(), stats);
    assertThat(stats.foldedBatchNorms()).isEqualTo(0);
    assertThat(after.graph().nodes()).isEqualTo(c.graph().nodes());
  }

  @Test
  void foldBatchNormLeavesABatchNormAfterAnAddAsPreActivationNetsHave() {
    Compilation c = compile("""
        network N(input: [2, 4, 4]) {
          c: conv(2, kernel=1)
          relu
          bn: batchnorm
        }
        """);
    OptimizationStats stats = new OptimizationStats();
    apply(c, new FoldBatchNorm(), stats);
    assertThat(stats.foldedBatchNorms()).isEqualTo(0);
  }

  @Test
  void fuseEpilogueTurnsEachResidualBlockTailIntoOneConvolution() {
    Compilation c = compile(NET);
    Compilation folded = apply(c, new FoldBatchNorm(), new OptimizationStats());
    OptimizationStats stats = new OptimizationStats();
    Compilation after = apply(folded, new FuseResidualEpilogue(), stats);
    assertThat(stats.fusedResidualAdds()).isEqualTo(2);
    // stem, both conv1s, both post-add ReLUs
    assertThat(stats.fusedRelus()).isEqualTo(5);
    assertThat(after.graph().nodes().stream().filter(n -> n instanceof Node.Add)).isEmpty();
    assertThat(after.graph().nodes().stream().filter(n -> n instanceof Node.Relu)).isEmpty();

    Epilogue same = epilogue(after, "same.conv2");
    assertThat(same.relu()).isTrue();
    assertThat(same.residual()).isEqualTo(named(after, "stem").id());
    Epilogue wider = epilogue(after, "wider.conv2");
    assertThat(wider.residual()).isEqualTo(named(after, "wider.downsample.0").id());
    List<Node> nodes = after.graph().nodes();
    assertThat(nodes.indexOf(named(after, "wider.conv2")))
        .isGreaterThan(nodes.indexOf(named(after, "wider.downsample.0")));

    assertIdempotent(new FuseResidualEpilogue(), after);
    assertSameFunction(c, after);
  }

  @Test
  void fuseEpilogueFusesTheDenseResidualOfAnMlp() {
    Compilation c = compile("""
        network M(input: [6]) {
          a: residual { fc1: dense(6)  relu  fc2: dense(6) }
          b: residual { fc1: dense(9)  relu  fc2: dense(9) }
        }
        """);
    OptimizationStats stats = new OptimizationStats();
    Compilation after = apply(c, new FuseResidualEpilogue(), stats);
    assertThat(stats.fusedResidualAdds()).isEqualTo(2);
    assertThat(epilogue(after, "b.fc2").residual()).isEqualTo(named(after, "b.shortcut").id());
    assertSameFunction(c, after);
  }

  @Test
  void theO1PipelineComputesTheSameFunction() {
    Compilation c = compile(NET);
    OptimizationStats stats = new OptimizationStats();
    Compilation after = Optimizer.run(c, Optimizer.O1, stats, (pass, g) -> {});
    assertThat(after.params()).isEqualTo(c.params());
    assertThat(after.parameterCount()).isEqualTo(c.parameterCount());
    assertThat(after.multiplyAdds()).isEqualTo(c.multiplyAdds());
    assertSameFunction(c, after);
    Compilation twice = Optimizer.run(after, Optimizer.O1, new OptimizationStats(), (p, g) -> {});
    assertThat(twice.graph().nodes()).isEqualTo(after.graph().nodes());
  }

  @Test
  void irCheckRejectsAGraphThatLostAWeightTensor() {
    Compilation c = compile(NET);
    Graph withoutHead = c.graph().withNodes(
        c.graph().nodes().subList(0, c.graph().nodes().size() - 1));
    IllegalStateException e = assertThrows(
        IllegalStateException.class, () -> IrCheck.check(withoutHead, c.params(), "test"));
    assertThat(e).hasMessageThat().contains("head.weight");
  }
}
