package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tests the strict JSON parser used for safetensors headers. */
class JsonTest {
  private static Object parse(String text) throws Json.SyntaxException {
    return Json.parse(text);
  }

  private static String error(String text) {
    return assertThrows(Json.SyntaxException.class, () -> Json.parse(text)).getMessage();
  }

  @Test
  void parsesObjectsInDocumentOrderWithAllValueKinds() throws Exception {
    Object value = parse(" {\"b\": [1, -2, 0], \"a\": {\"x\": true, \"y\": false, \"z\": null},"
        + " \"c\": 1.5e3, \"d\": \"s\", \"e\": 12345678901234567890} ");
    assertThat(value).isInstanceOf(Map.class);
    Map<?, ?> map = (Map<?, ?>) value;
    assertThat(map.keySet()).containsExactly("b", "a", "c", "d", "e").inOrder();
    assertThat(map.get("b")).isEqualTo(List.of(1L, -2L, 0L));
    Map<?, ?> inner = (Map<?, ?>) map.get("a");
    assertThat(inner.get("x")).isEqualTo(true);
    assertThat(inner.get("y")).isEqualTo(false);
    assertThat(inner.get("z")).isSameInstanceAs(Json.NULL);
    assertThat(map.get("c")).isEqualTo(new BigDecimal("1.5e3"));
    assertThat(map.get("d")).isEqualTo("s");
    assertThat(map.get("e")).isEqualTo(new BigDecimal("12345678901234567890"));
  }

  @Test
  void decodesEveryEscapeIncludingUnicodeAndSurrogatePairs() throws Exception {
    assertThat(parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9\\u4E2D \\ud83d\\ude00\""))
        .isEqualTo("q\" b\\ s/ \b\f\n\r\t \u00e9\u4e2d \ud83d\ude00");
    assertThat(parse("\"caf\u00e9\"")).isEqualTo("caf\u00e9");
  }

  @Test
  void rejectsMalformedInputWithAPosition() {
    assertThat(error("{\"a\": 1,}")).contains("expected a string key at character 8");
    assertThat(error("{\"a\" 1}")).contains("expected ':'");
    assertThat(error("[1 2]")).contains("expected ',' or ']'");
    assertThat(error("{\"a\": 1} x")).contains("after the end of the JSON value");
    assertThat(error("\"abc")).contains("unterminated string");
    assertThat(error("\"a\\x\"")).contains("invalid escape sequence \"\\x\"");
    assertThat(error("\"\\u12G4\"")).contains("invalid \\u escape");
    assertThat(error("\"\\u12\"")).contains("\\u escape");
    assertThat(error("\"a\nb\"")).contains("control character U+000A");
    assertThat(error("01")).contains("leading zero");
    assertThat(error("1.")).contains("digit after the decimal point");
    assertThat(error("1e")).contains("digit in the exponent");
    assertThat(error("-")).contains("expected a digit");
    assertThat(error("tru")).contains("expected a value");
    assertThat(error("'a'")).contains("unexpected ''', expected a value");
    assertThat(error("")).contains("unexpected end of input");
    assertThat(error("{\"a\": NaN}")).contains("expected a value");
  }

  @Test
  void rejectsDuplicateKeys() {
    assertThat(error("{\"a\": 1, \"a\": 2}")).isEqualTo("duplicate key \"a\" at character 9");
  }

  @Test
  void limitsNestingDepth() throws Exception {
    String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
    assertThat(parse(ok)).isInstanceOf(List.class);
    String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
    assertThat(error(deep)).contains("nesting deeper than 64 levels");
    assertThat(error("{\"a\":".repeat(100_000))).contains("nesting deeper");
  }
}
