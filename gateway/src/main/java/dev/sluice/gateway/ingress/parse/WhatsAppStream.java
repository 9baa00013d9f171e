package dev.sluice.gateway.ingress.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.sluice.gateway.core.InboundEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The streaming fast path of {@link MetaPayloadParser} for the body Meta sends most: a WhatsApp
 * payload whose first field is {@code "object":"whatsapp_business_account"}. It walks the envelope
 * ({@code entry[].changes[].value}) token by token, skips what admission does not need ({@code
 * errors}, other fields) without building it, and builds a tree only of {@code contacts} (the
 * senders' profile names) and of each {@code messages[]} and {@code statuses[]} element, which
 * {@link MetaPayloadParser} turns into an event exactly as on the tree path (the same code, so the
 * same fields and the same {@code raw}).
 *
 * <p>It decides nothing on its own: any body it is not sure of (another first field or object, a
 * wrong shape, a duplicate key, bad JSON, an event the tree path would reject) gives {@code null},
 * and the tree parser then reads the whole body and accepts or rejects it as before. So both paths
 * give the same events for every body, and the error messages stay the tree path's. Duplicate keys
 * are refused here because a tree keeps only the last value of a repeated key, which a stream
 * cannot know until the object ends. Stateless and thread-safe.
 */
final class WhatsAppStream {
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(Json.MAX_NESTING_DEPTH).build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /** Reads one element as a tree and stops there (the stream goes on after it). */
  private static final ObjectReader ELEMENT =
      Json.MAPPER.readerFor(JsonNode.class).without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private WhatsAppStream() {}

  /**
   * The events of a WhatsApp body in payload order, or {@code null} when the tree path must decide.
   */
  static List<InboundEvent> tryParse(byte[] body) {
    try (JsonParser p = FACTORY.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT
          || p.nextToken() != JsonToken.FIELD_NAME
          || !"object".equals(p.currentName())
          || p.nextToken() != JsonToken.VALUE_STRING
          || !"whatsapp_business_account".equals(p.getText())) {
        return null;
      }
      List<InboundEvent> events = new ArrayList<>();
      boolean entries = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("entry".equals(name)) {
          if (value != JsonToken.START_ARRAY || !entries(p, body, events)) {
            return null;
          }
          entries = true;
        } else {
          p.skipChildren();
        }
      }
      if (!entries || p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
      return events;
    } catch (IOException | RuntimeException e) {
      // Bad JSON, a limit, a duplicate key or an event the tree path rejects: it decides.
      return null;
    }
  }

  /** {@code entry[]}, positioned on its START_ARRAY. */
  private static boolean entries(JsonParser p, byte[] body, List<InboundEvent> events)
      throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("changes".equals(name) && value != JsonToken.VALUE_NULL) {
          if (value != JsonToken.START_ARRAY || !changes(p, body, events)) {
            return false;
          }
        } else {
          p.skipChildren();
        }
      }
    }
    return true;
  }

  /** {@code changes[]}, positioned on its START_ARRAY. */
  private static boolean changes(JsonParser p, byte[] body, List<InboundEvent> events)
      throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        return false;
      }
      Value value = null;
      String field = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if ("value".equals(name) && v == JsonToken.START_OBJECT) {
          value = value(p, body);
          if (value == null) {
            return false;
          }
        } else if ("field".equals(name) && v == JsonToken.VALUE_STRING) {
          field = p.getText();
        } else {
          p.skipChildren();
        }
      }
      // Meta puts "field" after "value", so the events are built once the change has ended.
      if ("messages".equals(field) && value != null) {
        for (Element m : value.messages) {
          events.add(
              MetaPayloadParser.whatsAppMessage(
                  m.node, m.raw, value.phoneNumberId, value.display, value.profileNames));
        }
        for (Element s : value.statuses) {
          InboundEvent e =
              MetaPayloadParser.whatsAppStatus(s.node, s.raw, value.phoneNumberId, value.display);
          if (e != null) {
            events.add(e);
          }
        }
      }
    }
    return true;
  }

  /** What a change's {@code value} holds for routing. */
  private static final class Value {
    String phoneNumberId;
    String display;
    Map<String, String> profileNames = Map.of();
    List<Element> messages = List.of();
    List<Element> statuses = List.of();
  }

  /**
   * One {@code messages[]} or {@code statuses[]} element: its tree, and its bytes as text when they
   * are already compact (else {@code null}: the tree is written out as on the tree path).
   */
  private record Element(JsonNode node, String raw) {}

  /**
   * A change's {@code value} object, positioned on its START_OBJECT; {@code null} = wrong shape.
   */
  private static Value value(JsonParser p, byte[] body) throws IOException {
    Value v = new Value();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      switch (name) {
        case "metadata" -> {
          if (t == JsonToken.START_OBJECT) {
            metadata(p, v);
          } else {
            p.skipChildren();
          }
        }
        case "contacts" -> {
          if (t == JsonToken.START_ARRAY) {
            v.profileNames = MetaPayloadParser.profileNames(ELEMENT.readTree(p));
          } else {
            p.skipChildren();
          }
        }
        case "messages", "statuses" -> {
          if (t == JsonToken.VALUE_NULL) {
            continue;
          }
          List<Element> elements = elements(p, body, t);
          if (elements == null) {
            return null;
          }
          if (name.equals("messages")) {
            v.messages = elements;
          } else {
            v.statuses = elements;
          }
        }
        default -> p.skipChildren();
      }
    }
    return v;
  }

  private static void metadata(JsonParser p, Value v) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      if ("phone_number_id".equals(name)) {
        v.phoneNumberId = id(p);
      } else if ("display_phone_number".equals(name)) {
        v.display = id(p);
      } else {
        p.skipChildren();
      }
    }
  }

  /** {@link Json#id} on the current token; skips a structured value. */
  private static String id(JsonParser p) throws IOException {
    switch (p.currentToken()) {
      case VALUE_STRING -> {
        String s = p.getText();
        return s.isBlank() ? null : s;
      }
      case VALUE_NUMBER_INT -> {
        // The tree's canonical decimal form: "-0" reads as 0, big numbers as BigInteger.
        return switch (p.getNumberType()) {
          case INT -> Integer.toString(p.getIntValue());
          case LONG -> Long.toString(p.getLongValue());
          default -> p.getBigIntegerValue().toString();
        };
      }
      default -> {
        p.skipChildren();
        return null;
      }
    }
  }

  /** The elements of an array of objects; {@code null} when it is anything else. */
  private static List<Element> elements(JsonParser p, byte[] body, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      return null;
    }
    List<Element> out = new ArrayList<>(1);
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        return null;
      }
      long from = p.currentTokenLocation().getByteOffset();
      JsonNode node = ELEMENT.readTree(p);
      long to = p.currentLocation().getByteOffset();
      // Duplicate keys never get here (the parser refuses them), so the slice is the whole tree.
      String raw =
          from >= 0 && to > from && to <= body.length
              ? Json.canonicalSlice(body, (int) from, (int) to)
              : null;
      out.add(new Element(node, raw));
    }
    return out;
  }
}
