package dev.resnetc.compiler.report;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.SourceFile;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-layer and total parameter and multiply-add counts of {@link SummaryTable}. */
class SummaryTableTest {
  /**
   * By hand: conv 3*2*3*3 + 3 = 57 params and 48 outputs * 18 = 864 mult-adds; batchnorm 6 params
   * and 6 buffers; dense 3*500 + 500 = 2,000 params and 1,500 mult-adds.
   */
  static final String SMALL = """
      network Small(input: [2, 4, 4]) {
        c: conv(3, kernel=3, padding=1)
        bn: batchnorm
        relu
        global_avgpool
        flatten
        fc: dense(500)
      }
      """;

  static Compilation compile(String text) {
    Diagnostics diagnostics = new Diagnostics();
    Compilation c = Resnetc.analyze(SourceFile.of("small.resnet", text), diagnostics).orElse(null);
    assertWithMessage("%s", diagnostics.all()).that(c).isNotNull();
    return c;
  }

  @Test
  void countsParamsAndMultiplyAddsPerLayerAndInTotal() {
    SummaryTable table = SummaryTable.of(compile(SMALL));
    assertThat(table.totalParams()).isEqualTo(2_063);
    assertThat(table.buffers()).isEqualTo(6);
    assertThat(table.multiplyAdds()).isEqualTo(2_364);
    SummaryTable.Row conv = table.rows().get(1);
    assertThat(conv).isEqualTo(new SummaryTable.Row("c", "conv 3x3", "[3, 4, 4]", 57, 864));
    SummaryTable.Row fc = table.rows().get(table.rows().size() - 1);
    assertThat(fc).isEqualTo(new SummaryTable.Row("fc", "dense", "[500]", 2_000, 1_500));
  }

  @Test
  void rendersAlignedColumnsAndTotals() {
    String text = SummaryTable.of(compile(SMALL)).render();
    List<String> lines = text.lines().toList();
    assertThat(lines.get(0)).isEqualTo("Small");
    assertThat(lines.get(1)).matches("Layer +Type +Output shape +Params +Mult-adds");
    assertThat(text).contains("\nTotal params: 2,063\n");
    assertThat(text).contains("\nNon-trainable buffers: 6\n");
    assertThat(text).contains("\nMultiply-adds: 2.36 K\n");
    // Numbers are right-aligned: every layer line ends at the header's last column.
    int width = lines.get(1).length();
    for (String line : lines.subList(3, 3 + 7)) {
      assertWithMessage(line).that(line.length()).isEqualTo(width);
    }
    assertThat(text).doesNotContain(" \n");
  }

  @Test
  void insertedProjectionsAppearWithTheirParameters() {
    Compilation c = compile("""
        network P(input: [4, 8, 8]) {
          r: residual(projection=down) {
            conv(8, kernel=3, stride=2, padding=1, bias=false)
          }
        }
        """);
    SummaryTable table = SummaryTable.of(c);
    assertThat(table.totalParams()).isEqualTo(c.parameterCount());
    assertThat(table.rows().stream().map(SummaryTable.Row::name).toList())
        .containsAtLeast("r.down.0", "r.down.1");
  }

  @Test
  void resNet18TotalsMatchTorchvision() {
    String text = SummaryTable.of(compile("""
        network ResNet18(input: [3, 224, 224]) {
          conv1: conv(64, kernel=7, stride=2, padding=3, bias=false)
          bn1: batchnorm
          relu
          maxpool(kernel=3, stride=2, padding=1)
          layer1: repeat 2 basic(64)
          layer2: repeat 2 basic(128) first(stride=2)
          layer3: repeat 2 basic(256) first(stride=2)
          layer4: repeat 2 basic(512) first(stride=2)
          avgpool: global_avgpool
          flatten
          fc: dense(1000)
        }

        block basic(c, stride=1) {
          residual(projection=downsample) {
            conv1: conv(c, kernel=3, stride=stride, padding=1, bias=false)
            bn1: batchnorm
            relu
            conv2: conv(c, kernel=3, padding=1, bias=false)
            bn2: batchnorm
          }
        }
        """)).render();
    assertThat(text).contains("\nTotal params: 11,689,512\n");
    assertThat(text).contains("\nMultiply-adds: 1.81 G\n");
  }
}
