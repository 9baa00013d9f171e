package dev.sluice.gateway.docs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API document as the contract test reads it: its operations in document order with their
 * parameters merged (an operation's own override its path's), every internal {@code $ref} replaced
 * by what it names, and JSON Schema 2020-12 checks by vertx-json-schema.
 */
final class OpenApiDocument {
  static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head");
  private static final JsonSchemaOptions SCHEMA_OPTIONS =
      new JsonSchemaOptions()
          .setDraft(Draft.DRAFT202012)
          .setBaseUri("https://sluice.dev/openapi.json")
          .setOutputFormat(OutputFormat.Basic);

  /** One operation: its path as written ({@code /v1/messages/{id}}), its method in upper case. */
  record Operation(String path, String method, JsonObject spec, List<JsonObject> parameters) {
    String id() {
      return spec.getString("operationId");
    }

    JsonObject responses() {
      return spec.getJsonObject("responses");
    }

    /** The media types of the request body, each with its schema and examples; empty when none. */
    JsonObject requestContent() {
      JsonObject body = spec.getJsonObject("requestBody");
      return body == null ? new JsonObject() : body.getJsonObject("content", new JsonObject());
    }
  }

  private final JsonObject raw;
  private final JsonObject resolved;

  OpenApiDocument(Buffer json) {
    raw = new JsonObject(json);
    resolved = (JsonObject) resolve(raw, raw);
  }

  /** The document as written. */
  JsonObject raw() {
    return raw;
  }

  /** The value at {@code pointer} ({@code /components/parameters/TenantPath}), refs resolved. */
  Object at(String pointer) {
    return pointer(resolved, pointer);
  }

  List<Operation> operations() {
    List<Operation> out = new ArrayList<>();
    JsonObject paths = resolved.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!METHODS.contains(method)) {
          continue;
        }
        JsonObject spec = item.getJsonObject(method);
        Map<String, JsonObject> parameters = new LinkedHashMap<>();
        for (JsonArray list :
            new JsonArray[] {
              item.getJsonArray("parameters", new JsonArray()),
              spec.getJsonArray("parameters", new JsonArray())
            }) {
          for (int i = 0; i < list.size(); i++) {
            JsonObject p = list.getJsonObject(i);
            parameters.put(p.getString("in") + ":" + p.getString("name"), p);
          }
        }
        out.add(new Operation(path, method.toUpperCase(), spec, List.copyOf(parameters.values())));
      }
    }
    return out;
  }

  /** Checks {@code instance} (a JSON value, or a text body as a string) against {@code schema}. */
  static List<String> validate(JsonObject schema, Object instance) {
    OutputUnit result = Validator.create(JsonSchema.of(schema), SCHEMA_OPTIONS).validate(instance);
    List<String> errors = new ArrayList<>();
    if (!Boolean.TRUE.equals(result.getValid())) {
      if (result.getErrors() == null || result.getErrors().isEmpty()) {
        errors.add(result.getError());
      } else {
        result.getErrors().forEach(e -> errors.add(e.getInstanceLocation() + ": " + e.getError()));
      }
    }
    return errors;
  }

  /** The example values of a media type, by name (an {@code example} alone is named "example"). */
  static Map<String, Object> examples(JsonObject mediaType) {
    Map<String, Object> out = new LinkedHashMap<>();
    JsonObject examples = mediaType.getJsonObject("examples", new JsonObject());
    for (String name : examples.fieldNames()) {
      out.put(name, examples.getJsonObject(name).getValue("value"));
    }
    if (mediaType.containsKey("example")) {
      out.put("example", mediaType.getValue("example"));
    }
    return out;
  }

  /**
   * A parameter's example for the request example {@code name} (null: a request without a body
   * example): its {@code examples} entry of that name, else its {@code example}; null when neither.
   * A request without a body example takes the first of {@code examples} when there is no {@code
   * example}.
   */
  static Object example(JsonObject parameter, String name) {
    JsonObject examples = parameter.getJsonObject("examples", new JsonObject());
    if (name != null && examples.containsKey(name)) {
      return examples.getJsonObject(name).getValue("value");
    }
    if (parameter.containsKey("example")) {
      return parameter.getValue("example");
    }
    if (name == null && !examples.isEmpty()) {
      return examples.getJsonObject(examples.fieldNames().iterator().next()).getValue("value");
    }
    return null;
  }

  private static Object resolve(Object node, JsonObject root) {
    if (node instanceof JsonObject o) {
      if (o.containsKey("$ref")) {
        return resolve(pointer(root, o.getString("$ref").substring(1)), root);
      }
      JsonObject out = new JsonObject();
      o.forEach(e -> out.put(e.getKey(), resolve(e.getValue(), root)));
      return out;
    }
    if (node instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(v -> out.add(resolve(v, root)));
      return out;
    }
    return node;
  }

  private static Object pointer(JsonObject root, String pointer) {
    Object at = root;
    for (String token : pointer.substring(1).split("/")) {
      String key = token.replace("~1", "/").replace("~0", "~");
      at =
          at instanceof JsonObject o
              ? o.getValue(key)
              : ((JsonArray) at).getValue(Integer.parseInt(key));
      if (at == null) {
        throw new IllegalArgumentException("nothing at " + pointer);
      }
    }
    return at;
  }
}
