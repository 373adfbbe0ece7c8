package dev.resnetc.runtime;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict RFC 8259 JSON parser for safetensors headers.
 *
 * <p>Objects become {@code LinkedHashMap<String, Object>} in document order (duplicate keys are
 * an error), arrays {@code List<Object>}, strings {@code String}, integers without fraction or
 * exponent {@code Long} (or {@code BigDecimal} when too large), other numbers {@code BigDecimal},
 * {@code true}/{@code false} {@code Boolean}, and {@code null} {@link #NULL}.
 */
final class Json {
  /** Stands for JSON {@code null}, so maps never hold Java nulls. */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  static final int MAX_DEPTH = 64;

  /** A syntax error; the message says what and where, without a file name. */
  static final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxException(String message) {
      super(message);
    }
  }

  private final String text;
  private int pos;

  private Json(String text) {
    this.text = text;
  }

  /** Parses one JSON value optionally surrounded by whitespace. */
  static Object parse(String text) throws SyntaxException {
    Json json = new Json(text);
    json.skipWhitespace();
    Object value = json.value(0);
    json.skipWhitespace();
    if (json.pos != text.length()) {
      throw json.error("unexpected " + json.describeNext() + " after the end of the JSON value");
    }
    return value;
  }

  private Object value(int depth) throws SyntaxException {
    if (pos >= text.length()) {
      throw error("unexpected end of input, expected a value");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", NULL);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("unexpected " + describeNext() + ", expected a value");
    }
  }

  private Map<String, Object> object(int depth) throws SyntaxException {
    checkDepth(depth);
    pos++;
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return map;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("unexpected " + describeNext() + ", expected a string key");
      }
      int keyStart = pos;
      String key = string();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      Object value = value(depth);
      if (map.containsKey(key)) {
        pos = keyStart;
        throw error("duplicate key \"" + key + "\"");
      }
      map.put(key, value);
      skipWhitespace();
      if (peek() == ',') {
        pos++;
      } else if (peek() == '}') {
        pos++;
        return map;
      } else {
        throw error("unexpected " + describeNext() + ", expected ',' or '}'");
      }
    }
  }

  private List<Object> array(int depth) throws SyntaxException {
    checkDepth(depth);
    pos++;
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return Collections.unmodifiableList(list);
    }
    while (true) {
      skipWhitespace();
      list.add(value(depth));
      skipWhitespace();
      if (peek() == ',') {
        pos++;
      } else if (peek() == ']') {
        pos++;
        return Collections.unmodifiableList(list);
      } else {
        throw error("unexpected " + describeNext() + ", expected ',' or ']'");
      }
    }
  }

  private String string() throws SyntaxException {
    int start = pos;
    pos++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        pos = start;
        throw error("unterminated string");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        pos--;
        throw error("control character U+" + hex4(c) + " in string, it must be escaped");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) {
        throw error("unterminated escape sequence");
      }
      char e = text.charAt(pos++);
      switch (e) {
        case '"': sb.append('"'); break;
        case '\\': sb.append('\\'); break;
        case '/': sb.append('/'); break;
        case 'b': sb.append('\b'); break;
        case 'f': sb.append('\f'); break;
        case 'n': sb.append('\n'); break;
        case 'r': sb.append('\r'); break;
        case 't': sb.append('\t'); break;
        case 'u':
          if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
          }
          int code = 0;
          for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(pos + i), 16);
            if (digit < 0) {
              throw error("invalid \\u escape \"\\u" + text.substring(pos, pos + 4) + "\"");
            }
            code = code * 16 + digit;
          }
          pos += 4;
          sb.append((char) code);
          break;
        default:
          pos -= 2;
          throw error("invalid escape sequence \"\\" + e + "\"");
      }
    }
  }

  private Object number() throws SyntaxException {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
      if (isDigit(peek())) {
        pos = start;
        throw error("number with a leading zero");
      }
    } else if (isDigit(peek())) {
      while (isDigit(peek())) {
        pos++;
      }
    } else {
      throw error("expected a digit in number");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!isDigit(peek())) {
        throw error("expected a digit after the decimal point");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw error("expected a digit in the exponent");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    String literal = text.substring(start, pos);
    if (integral && literal.length() <= 18) {
      return Long.parseLong(literal);
    }
    return new BigDecimal(literal);
  }

  private Object literal(String word, Object value) throws SyntaxException {
    if (!text.startsWith(word, pos)) {
      throw error("unexpected " + describeNext() + ", expected a value");
    }
    pos += word.length();
    return value;
  }

  private void expect(char c) throws SyntaxException {
    if (peek() != c) {
      throw error("unexpected " + describeNext() + ", expected '" + c + "'");
    }
    pos++;
  }

  private void checkDepth(int depth) throws SyntaxException {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  /** The next character, or -1 at the end. */
  private int peek() {
    return pos < text.length() ? text.charAt(pos) : -1;
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private String describeNext() {
    if (pos >= text.length()) {
      return "end of input";
    }
    char c = text.charAt(pos);
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : "U+" + hex4(c);
  }

  private static String hex4(char c) {
    return String.format("%04X", (int) c);
  }

  private SyntaxException error(String message) {
    return new SyntaxException(message + " at character " + pos);
  }
}
