package dev.sluice.gateway.http;

import dev.sluice.gateway.core.GatewayException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The JSON object a request carries, read with typed getters. A body that is empty, not JSON or not
 * an object is a 400 {@code bad_request}. After that, every refusal names the field by its path
 * ({@code credentials.botToken}) and is answered as the body's {@link Errors} say. The send API's
 * hot path has its own streaming reader ({@code outbound.MessageJson}) and does not come here.
 */
public final class JsonBody {
  /**
   * How the refusals of a readable body are answered. The APIs settled on different answers before
   * this reader existed, and their clients may rely on them, so each keeps its own.
   */
  public enum Errors {
    /**
     * A value of the wrong JSON type is a 400 {@code bad_request}; a missing, unknown or
     * unacceptable value a 422 {@code invalid}. The operator API, and the rule for new routes.
     */
    TYPE_400_VALUE_422,
    /**
     * Every refusal of a value, its type included, is a 400 {@code invalid}: the tenant's pull,
     * push and replay API.
     */
    ALL_400;

    /** A value that is read but not acceptable; the message names it. */
    public GatewayException invalid(String message) {
      return this == ALL_400
          ? GatewayException.malformed("invalid", message)
          : GatewayException.invalid("invalid", message);
    }

    GatewayException wrongType(String message) {
      return this == ALL_400
          ? GatewayException.malformed("invalid", message)
          : GatewayException.malformed("bad_request", message);
    }
  }

  private static final String AN_OBJECT = "a JSON object";

  private final JsonObject json;
  private final String path;
  private final Errors errors;

  private JsonBody(JsonObject json, String path, Errors errors) {
    this.json = json;
    this.path = path;
    this.errors = errors;
  }

  /** The body as a JSON object whose refusals are {@link Errors#TYPE_400_VALUE_422}. */
  public static JsonBody read(Buffer body) {
    return read(body, AN_OBJECT, Errors.TYPE_400_VALUE_422);
  }

  /**
   * The body as a JSON object.
   *
   * @param shape what the body must be, for the message of a 400 when it is not an object ({@code a
   *     JSON object {"url","batchSize"}})
   * @throws GatewayException 400 {@code bad_request} if the body is empty, not JSON or not an
   *     object
   */
  public static JsonBody read(Buffer body, String shape, Errors errors) {
    if (body == null || body.length() == 0) {
      throw GatewayException.malformed("bad_request", "the body must be " + shape);
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw GatewayException.malformed("bad_request", "the body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject object)) {
      throw GatewayException.malformed("bad_request", "the body must be " + shape);
    }
    return new JsonBody(object, "", errors);
  }

  /** A JSON object built by the gateway, read as a body whose refusals are 400 / 422. */
  public static JsonBody of(JsonObject json) {
    return new JsonBody(json, "", Errors.TYPE_400_VALUE_422);
  }

  /** A 422 {@code invalid}: a value that is read but not acceptable (the usual answer). */
  public static GatewayException invalid(String message) {
    return Errors.TYPE_400_VALUE_422.invalid(message);
  }

  /** The field's path as messages name it ({@code limits.inbound.burst}). */
  private String path(String name) {
    return path + name;
  }

  public Set<String> names() {
    return json.fieldNames();
  }

  /** Whether the field is present, even as JSON null. */
  public boolean has(String name) {
    return json.containsKey(name);
  }

  /** Refuses the first field not in {@code allowed}, naming it. */
  public void allowOnly(Set<String> allowed) {
    for (String name : json.fieldNames()) {
      if (!allowed.contains(name)) {
        throw errors.invalid(path(name) + " is not a known field");
      }
    }
  }

  /** The string, or {@code null} if absent or JSON null; refused if not a string. */
  public String string(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw wrongType(name, "a string");
    }
    return s;
  }

  /** The field's value as parsed (a JSON object or array, a string, a number…), or null. */
  public Object raw(String name) {
    return json.getValue(name);
  }

  /** The nested object, or {@code null} if absent or JSON null; refused if not an object. */
  public JsonBody object(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject o)) {
      throw wrongType(name, "an object");
    }
    return new JsonBody(o, path(name) + ".", errors);
  }

  /** The nested object, or an empty one if absent or JSON null; refused if not an object. */
  public JsonBody objectOrEmpty(String name) {
    JsonBody o = object(name);
    return o != null ? o : new JsonBody(new JsonObject(), path(name) + ".", errors);
  }

  /** The array of strings, or {@code null} if absent or JSON null; refused if anything else. */
  public List<String> strings(String name) {
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

  /**
   * The integer in {@code [min, max]}; refused if absent, not an integral number or out of range.
   */
  public int requiredInt(String name, long min, long max) {
    Object value = json.getValue(name);
    if (value == null) {
      throw errors.invalid(path(name) + " is required");
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
      throw wrongType(name, "an integer");
    }
    Number n = (Number) value;
    if (value instanceof BigInteger || n.longValue() < min || n.longValue() > max) {
      throw errors.invalid(path(name) + " must be " + min + ".." + max);
    }
    return n.intValue();
  }

  /** An optional integer in {@code [min, max]}; {@code null} when absent or JSON null. */
  public Integer optionalInt(String name, long min, long max) {
    return json.getValue(name) == null ? null : requiredInt(name, min, max);
  }

  /** The boolean, or {@code fallback} if absent or JSON null; refused if not a boolean. */
  public boolean bool(String name, boolean fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw wrongType(name, "true or false");
    }
    return b;
  }

  /** A time with its offset ({@code 2026-05-01T10:00:00Z}); refused if absent or anything else. */
  public Instant instant(String name) {
    String expected = "an ISO-8601 time with an offset, e.g. 2026-05-01T10:00:00Z";
    Object value = json.getValue(name);
    if (value == null) {
      throw errors.invalid(path(name) + " is required");
    }
    if (!(value instanceof String s)) {
      throw wrongType(name, expected);
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw errors.invalid(path(name) + " must be " + expected);
    }
  }

  private GatewayException wrongType(String name, String expected) {
    return errors.wrongType(path(name) + " must be " + expected);
  }
}
