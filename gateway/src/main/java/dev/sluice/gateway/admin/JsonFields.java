package dev.sluice.gateway.admin;

import dev.sluice.gateway.core.GatewayException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Typed reads of a JSON request object. A value of the wrong type is a 400 {@code bad_request}; a
 * missing, unknown or out-of-range value a 422 {@code invalid}. Every message names the field by
 * its path ({@code credentials.botToken}).
 */
final class JsonFields {
  private final JsonObject json;
  private final String path;

  private JsonFields(JsonObject json, String path) {
    this.json = json;
    this.path = path;
  }

  /** The body as a JSON object; 400 if it is not one. */
  static JsonFields body(Buffer body) {
    if (body == null || body.length() == 0) {
      throw GatewayException.malformed("bad_request", "the body must be a JSON object");
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw GatewayException.malformed("bad_request", "the body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject object)) {
      throw GatewayException.malformed("bad_request", "the body must be a JSON object");
    }
    return new JsonFields(object, "");
  }

  /** An empty object at this path (an absent optional object). */
  static JsonFields empty(String path) {
    return new JsonFields(new JsonObject(), path);
  }

  String path(String name) {
    return path + name;
  }

  Set<String> names() {
    return json.fieldNames();
  }

  /** 422 naming the first field not in {@code allowed}. */
  void allowOnly(Set<String> allowed) {
    for (String name : json.fieldNames()) {
      if (!allowed.contains(name)) {
        throw invalid(path(name) + " is not a known field");
      }
    }
  }

  /** The string, or {@code null} if absent or JSON null; 400 if not a string. */
  String string(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw wrongType(name, "a string");
    }
    return s;
  }

  /** The nested object, or {@code null} if absent or JSON null; 400 if not an object. */
  JsonFields object(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject o)) {
      throw wrongType(name, "an object");
    }
    return new JsonFields(o, path(name) + ".");
  }

  /** The array of strings, or {@code null} if absent or JSON null; 400 if anything else. */
  List<String> strings(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray array)) {
      throw wrongType(name, "an array of strings");
    }
    List<String> out = new ArrayList<>(array.size());
    for (Object item : array) {
      if (!(item instanceof String s)) {
        throw wrongType(name, "an array of strings");
      }
      out.add(s);
    }
    return out;
  }

  /** The integer; 400 if present but not an integral number, 422 if absent or out of range. */
  int requiredInt(String name, long min, long max) {
    Object value = json.getValue(name);
    if (value == null) {
      throw invalid(path(name) + " is required");
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
      throw wrongType(name, "an integer");
    }
    Number n = (Number) value;
    if (value instanceof BigInteger || n.longValue() < min || n.longValue() > max) {
      throw invalid(path(name) + " must be " + min + ".." + max);
    }
    return n.intValue();
  }

  /** An optional integer in {@code [min, max]}; {@code null} when absent. */
  Integer optionalInt(String name, long min, long max) {
    return json.getValue(name) == null ? null : requiredInt(name, min, max);
  }

  static GatewayException invalid(String message) {
    return GatewayException.invalid("invalid", message);
  }

  private GatewayException wrongType(String name, String expected) {
    return GatewayException.malformed("bad_request", path(name) + " must be " + expected);
  }
}
