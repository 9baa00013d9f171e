package dev.sluice.gateway.ingress.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;

/**
 * Reading webhook JSON and taking typed values out of it without ever throwing anything but {@link
 * PayloadException}. Accessors return {@code null} (or 0) for a field that is absent or of the
 * wrong type, so a number where a string belongs cannot surface as a ClassCastException.
 */
final class Json {

  /**
   * Real provider payloads nest at most ~15 levels (a Telegram reply inside a message inside an
   * update); the limit stops a 100k-level array before it costs stack or memory.
   */
  static final int MAX_NESTING_DEPTH = 64;

  /**
   * Thread-safe once configured. Floats stay doubles: with BigDecimal an exponent such as {@code
   * 1e2147483648} throws NumberFormatException out of the tree reader, a double just overflows.
   */
  static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Json() {}

  /** The body as a JSON object; anything else is a {@link PayloadException}. */
  static ObjectNode readObject(byte[] body) {
    if (body == null || body.length == 0) {
      throw new PayloadException("empty body");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (IOException e) {
      throw new PayloadException("body is not valid JSON");
    }
    if (node == null || !node.isObject()) {
      throw new PayloadException("body is not a JSON object");
    }
    return (ObjectNode) node;
  }

  /** Compact JSON text of a node read by {@link #MAPPER}. */
  static String compact(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      // A tree read within the nesting limit always serialises; kept for the checked signature.
      throw new PayloadException("body cannot be re-encoded");
    }
  }

  /**
   * The bytes {@code body[from, to)} of one JSON object as text when they are exactly what {@link
   * #compact} writes for the tree read from them, else {@code null}. That holds when the bytes hold
   * no whitespace outside strings, no escape at all, no fraction or exponent and no {@code -0} (the
   * tree rewrites these), and the caller knows them to be one valid object without duplicate keys
   * (a tree keeps only the last of them). Non-ASCII text is copied as it is, as the writer does.
   */
  static String canonicalSlice(byte[] body, int from, int to) {
    boolean inString = false;
    for (int i = from; i < to; i++) {
      byte b = body[i];
      if (b == '\\') {
        return null;
      }
      if (b == '"') {
        inString = !inString;
      } else if (!inString
          && (b == ' '
              || b == '\t'
              || b == '\n'
              || b == '\r'
              || b == '.'
              || ((b == 'e' || b == 'E') && i > from && body[i - 1] >= '0' && body[i - 1] <= '9')
              || (b == '-' && i + 1 < to && body[i + 1] == '0'))) {
        return null;
      }
    }
    return new String(body, from, to - from, StandardCharsets.UTF_8);
  }

  /** The child object, or {@code null} when absent or not an object. */
  static JsonNode object(JsonNode parent, String field) {
    JsonNode n = parent == null ? null : parent.get(field);
    return n != null && n.isObject() ? n : null;
  }

  /** The string value, or {@code null} when absent or not a string. */
  static String text(JsonNode parent, String field) {
    JsonNode n = parent == null ? null : parent.get(field);
    return n != null && n.isTextual() ? n.textValue() : null;
  }

  /**
   * An identifier or address: a non-blank string as given, or an integral number in canonical
   * decimal form (Telegram and Meta send some ids as numbers); {@code null} otherwise.
   */
  static String id(JsonNode parent, String field) {
    JsonNode n = parent == null ? null : parent.get(field);
    if (n == null) {
      return null;
    }
    if (n.isTextual()) {
      String s = n.textValue();
      return s.isBlank() ? null : s;
    }
    return n.isIntegralNumber() ? n.asText() : null;
  }

  /** True only for a JSON {@code true}. */
  static boolean isTrue(JsonNode parent, String field) {
    JsonNode n = parent == null ? null : parent.get(field);
    return n != null && n.isBoolean() && n.booleanValue();
  }

  /**
   * The elements of an optional array field: empty when absent or {@code null}; a present value of
   * another type is the wrong shape.
   */
  static Iterable<JsonNode> array(JsonNode parent, String field) {
    JsonNode n = parent == null ? null : parent.get(field);
    if (n == null || n.isNull()) {
      return Collections.emptyList();
    }
    if (!n.isArray()) {
      throw new PayloadException(field + " is not an array");
    }
    return n;
  }

  /** The elements of a required array field. */
  static Iterable<JsonNode> requiredArray(JsonNode parent, String field) {
    JsonNode n = parent == null ? null : parent.get(field);
    if (n == null || !n.isArray()) {
      throw new PayloadException("missing " + field + " array");
    }
    return n;
  }

  /** The element as an object; anything else inside an array we route is the wrong shape. */
  static JsonNode element(JsonNode n, String arrayName) {
    if (!n.isObject()) {
      throw new PayloadException(arrayName + " element is not an object");
    }
    return n;
  }
}
