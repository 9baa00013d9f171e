package dev.sluice.gateway.outbound;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import dev.sluice.gateway.core.GatewayException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads message requests with Jackson's streaming parser straight into {@link Fields}: no JSON
 * tree, no copy of the body. Only what validation looks at is kept: strings, JSON nulls, the
 * objects of a message's own fields (one level deep) and the text of {@code template.components}
 * and {@code window.days}; any other value is {@link #OTHER} and skipped token by token. Duplicate
 * fields keep the last value, like a JSON object would. A body that is not one JSON object, with
 * nothing after it, is a 400 {@code bad_request}, whatever the reason (syntax, invalid UTF-8,
 * Jackson's size limits).
 */
final class MessageJson {
  /** A value that is neither a string, nor null, nor an object or array validation looks into. */
  static final Object OTHER = new Object();

  /**
   * Fields of a message's objects whose array value is kept as JSON text: {@code
   * template.components}, {@code window.days}.
   */
  private static final Set<String> RAW_ARRAYS = Set.of("components", "days");

  /** Fields of a message's objects whose object value is read too: {@code template.language}. */
  private static final Set<String> NESTED_OBJECTS = Set.of("language");

  private MessageJson() {}

  /** The fields of one JSON object, in the order they first appeared. */
  static final class Fields {
    private final Map<String, Object> values = new LinkedHashMap<>();

    /** The value: a String, a nested {@code Fields}, a {@link RawArray}, {@link #OTHER} or null. */
    Object get(String name) {
      return values.get(name);
    }

    /** Whether the field is present (also with a JSON null). */
    boolean has(String name) {
      return values.containsKey(name);
    }

    Iterable<String> names() {
      return values.keySet();
    }

    /**
     * This object (one of a message's own, so one level deep) as a {@code JsonObject}, for readers
     * that take one: strings and nulls as they are, a kept array parsed, and any other value as
     * {@code false}, a JSON value of a type no such reader accepts where it expects a string or an
     * array.
     */
    JsonObject json() {
      JsonObject o = new JsonObject();
      values.forEach(
          (name, v) -> {
            if (v == null || v instanceof String) {
              o.put(name, v);
            } else if (v instanceof RawArray a) {
              o.put(name, new JsonArray(a.json()));
            } else {
              o.put(name, false);
            }
          });
      return o;
    }
  }

  /** An array kept as its compact JSON text. */
  record RawArray(String json) {}

  /** The body of a batch: its top-level field names and the items of {@code messages}. */
  record Batch(List<String> fieldNames, List<Object> messages) {
    /** Whether {@code messages} was an array (its items are {@link Fields} or {@link #OTHER}). */
    boolean hasMessages() {
      return messages != null;
    }
  }

  /** Reads a single message. */
  static Fields message(Buffer body) {
    try (JsonParser p = parser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw notAnObject();
      }
      Fields f = object(p, 0);
      end(p);
      return f;
    } catch (IOException e) {
      throw notAnObject();
    }
  }

  /** Reads a batch body, {@code {"messages":[…]}}. */
  static Batch batch(Buffer body) {
    try (JsonParser p = parser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw notAnObject();
      }
      List<String> names = new ArrayList<>();
      List<Object> messages = null;
      String name;
      while ((name = p.nextFieldName()) != null) {
        if (!names.contains(name)) {
          names.add(name);
        }
        JsonToken t = p.nextToken();
        if (name.equals("messages") && t == JsonToken.START_ARRAY) {
          messages = new ArrayList<>();
          JsonToken item;
          while ((item = p.nextToken()) != JsonToken.END_ARRAY) {
            if (item == JsonToken.START_OBJECT) {
              messages.add(object(p, 0));
            } else {
              p.skipChildren();
              messages.add(OTHER);
            }
          }
        } else {
          if (name.equals("messages")) {
            messages = null;
          }
          p.skipChildren();
        }
      }
      end(p);
      return new Batch(names, messages);
    } catch (IOException e) {
      throw notAnObject();
    }
  }

  /** Reads the object whose START_OBJECT was just read; depth 0 is a message. */
  private static Fields object(JsonParser p, int depth) throws IOException {
    Fields f = new Fields();
    String name;
    while ((name = p.nextFieldName()) != null) {
      f.values.put(name, value(p, p.nextToken(), name, depth));
    }
    return f;
  }

  private static Object value(JsonParser p, JsonToken t, String name, int depth)
      throws IOException {
    switch (t) {
      case VALUE_STRING:
        return p.getText();
      case VALUE_NULL:
        return null;
      case START_OBJECT:
        if (depth == 0 || (depth == 1 && NESTED_OBJECTS.contains(name))) {
          return object(p, depth + 1);
        }
        p.skipChildren();
        return OTHER;
      case START_ARRAY:
        if (depth == 1 && RAW_ARRAYS.contains(name)) {
          return new RawArray(copy(p));
        }
        p.skipChildren();
        return OTHER;
      default:
        // numbers (never converted, so any size is fine), booleans
        return OTHER;
    }
  }

  /** The compact JSON text of the array whose START_ARRAY was just read. */
  private static String copy(JsonParser p) throws IOException {
    SegmentedStringWriter out = new SegmentedStringWriter(MessageCodec.JSON._getBufferRecycler());
    try (JsonGenerator g = MessageCodec.JSON.createGenerator(out)) {
      g.copyCurrentStructure(p);
    }
    return out.getAndClear();
  }

  private static void end(JsonParser p) throws IOException {
    if (p.nextToken() != null) {
      throw notAnObject();
    }
  }

  private static JsonParser parser(Buffer body) throws IOException {
    if (body == null || body.length() == 0) {
      throw notAnObject();
    }
    ByteBuf buf = ((BufferInternal) body).getByteBuf();
    if (buf.hasArray()) {
      return MessageCodec.JSON.createParser(
          buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
    }
    return MessageCodec.JSON.createParser((InputStream) new ByteBufInputStream(buf.duplicate()));
  }

  private static GatewayException notAnObject() {
    return GatewayException.malformed("bad_request", "the body must be a JSON object");
  }
}
