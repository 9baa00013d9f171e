package dev.sluice.gateway.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.docs.OpenApiDocument.Operation;
import dev.sluice.gateway.http.MountedRoute;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.WebhookSigning;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/openapi.yaml against a running gateway: the document is valid OpenAPI 3.1, names exactly the
 * routes the server mounts, carries an example for every request and answer that matches its
 * schema, and every request example, sent to the gateway, gets a documented status and an answer
 * that matches the documented schema of that status and content type (and the documented headers:
 * present where required, matching their schema where present).
 *
 * <p>The examples are a flow, run in document order (deletions last, in reverse): the operator
 * examples create the channels the webhook examples are signed for, the ids the gateway makes up
 * ({@code id}, {@code prefix}, {@code confirmation_code} in the answers to POSTs, the events
 * pulled) replace the example's values in later requests. A request example named like an answer
 * example must get that answer's status; a parameter's {@code examples} entry named like it goes
 * with that request alone.
 *
 * <p>Validator: vertx-openapi checks the document against the OpenAPI 3.1 schema, and
 * vertx-json-schema checks bodies (JSON Schema 2020-12). vertx-openapi's request and response
 * validators are not used: its contract loader refuses media types other than JSON, multipart and
 * text/plain (5.0: CSV, HTML, XML and form bodies are "unsupported"), which this API has.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OpenApiContractIT {
  private static final String ADMIN_TOKEN = "openapi-admin-token-0123456789";
  private static final Pattern PATH_PARAMETER = Pattern.compile("\\{[^}]+}|:[A-Za-z][A-Za-z0-9_]*");

  /** Answer fields that carry ids the gateway makes up, which later requests name. */
  private static final Set<String> ID_FIELDS = Set.of("id", "prefix", "confirmation_code");

  /** Where a body-less request is asked again while work behind it is asynchronous. */
  private static final Duration SETTLE = Duration.ofSeconds(15);

  private static Gateway gateway;
  private static Vertx vertx;
  private static WebClient client;
  private static String base;
  private static String database;
  private static OpenApiDocument doc;
  private static String apiKey;

  @BeforeAll
  static void start() {
    database = TestBackends.uniqueId("sluice_oa").replace('-', '_');
    int port = FreePorts.find();
    Map<String, String> settings = TestGateways.settings(port, database);
    settings.put("admin.token", ADMIN_TOKEN);
    // Nothing leaves the gateway: messages stay queued, events stay in the tenant's queue.
    settings.put("dispatch.enabled", "false");
    settings.put("delivery.enabled", "false");
    settings.put("delivery.allowHttp", "true");
    settings.put("delivery.allowPrivate", "true");
    gateway = Gateway.start(TestGateways.config(settings));
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    base = "http://127.0.0.1:" + port;

    HttpResponse<Buffer> served = client.getAbs(base + "/openapi.json").send().await();
    assertThat(served.statusCode()).isEqualTo(200);
    doc = new OpenApiDocument(served.body());

    // What the examples name but do not create: the tenant and the Meta app.
    JsonObject tenant = (JsonObject) doc.at("/components/parameters/TenantPath");
    apiKey =
        admin(
                HttpMethod.POST,
                "/admin/tenants",
                new JsonObject().put("id", tenant.getString("example")).put("name", "Acme Inc."),
                201)
            .getString("apiKey");
    admin(HttpMethod.POST, "/admin/meta-apps", metaApp(), 201);
  }

  @AfterAll
  static void stop() throws Exception {
    TestGateways.close(gateway, vertx);
    TestGateways.dropDatabase(database);
  }

  @Test
  void theGatewayServesDocsOpenapiYamlAsJson() throws Exception {
    Object source =
        new ObjectMapper(new YAMLFactory())
            .readValue(Path.of("..", "docs", "openapi.yaml").toFile(), Object.class);
    assertThat(doc.raw()).isEqualTo(JsonObject.mapFrom(source));
  }

  @Test
  void theDocumentIsValidOpenApi31() {
    OpenAPIVersion version = OpenAPIVersion.fromContract(doc.raw());
    assertThat(version).isEqualTo(OpenAPIVersion.V3_1);
    OutputUnit result =
        version
            .getRepository(vertx, "app://")
            .compose(repository -> version.validateContract(vertx, repository, doc.raw()))
            .await();
    assertThat(result.getValid()).as(String.valueOf(result.getErrors())).isTrue();
  }

  @Test
  void everyMountedRouteIsDocumentedAndEveryDocumentedRouteIsMounted() {
    Set<String> mounted = new TreeSet<>();
    for (MountedRoute r : gateway.routes()) {
      r.methods().forEach(m -> mounted.add(m + " " + normalised(r.path())));
    }
    Set<String> documented = new TreeSet<>();
    doc.operations().forEach(op -> documented.add(op.method() + " " + normalised(op.path())));

    Set<String> notMounted = new TreeSet<>(documented);
    notMounted.removeAll(mounted);
    Set<String> notDocumented = new TreeSet<>(mounted);
    notDocumented.removeAll(documented);
    assertThat(notMounted).as("documented, not mounted").isEmpty();
    // Every mounted endpoint is documented: there is no internal one to leave out.
    assertThat(notDocumented).as("mounted, not documented").isEmpty();
  }

  @Test
  void everyRequestAndAnswerHasAnExampleThatMatchesItsSchema() {
    List<String> problems = new ArrayList<>();
    for (Operation op : doc.operations()) {
      JsonObject request = op.requestContent();
      for (String type : request.fieldNames()) {
        checkExamples(op.id() + " request " + type, request.getJsonObject(type), problems);
      }
      JsonObject responses = op.responses();
      for (String status : responses.fieldNames()) {
        JsonObject content =
            responses.getJsonObject(status).getJsonObject("content", new JsonObject());
        for (String type : content.fieldNames()) {
          checkExamples(op.id() + " " + status + " " + type, content.getJsonObject(type), problems);
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyExampleRequestGetsADocumentedAnswer() {
    List<Operation> ordered = new ArrayList<>();
    List<Operation> deletions = new ArrayList<>();
    for (Operation op : doc.operations()) {
      (op.method().equals("DELETE") ? deletions : ordered).add(op);
    }
    for (int i = deletions.size() - 1; i >= 0; i--) {
      ordered.add(deletions.get(i));
    }
    Map<String, String> ids = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    int sent = 0;
    for (Operation op : ordered) {
      for (Call call : calls(op)) {
        problems.addAll(run(op, call, ids));
        sent++;
      }
    }
    assertThat(problems).isEmpty();
    assertThat(sent).isGreaterThanOrEqualTo(doc.operations().size());
  }

  // ---- the examples ----

  /** One request of an operation: a body example (name, media type, value), or none. */
  private record Call(String name, String type, Object body, String accept) {}

  private static List<Call> calls(Operation op) {
    List<Call> out = new ArrayList<>();
    JsonObject request = op.requestContent();
    for (String type : request.fieldNames()) {
      OpenApiDocument.examples(request.getJsonObject(type))
          .forEach((name, value) -> out.add(new Call(name, type, value, null)));
    }
    if (out.isEmpty()) {
      JsonObject responses = op.responses();
      for (String status : responses.fieldNames()) {
        if (status.startsWith("2")) {
          JsonObject content =
              responses.getJsonObject(status).getJsonObject("content", new JsonObject());
          content.fieldNames().forEach(type -> out.add(new Call(null, null, null, type)));
        }
      }
      if (out.isEmpty()) {
        out.add(new Call(null, null, null, null));
      }
    }
    return out;
  }

  private static List<String> run(Operation op, Call call, Map<String, String> ids) {
    String what =
        op.method() + " " + op.path() + (call.name() == null ? "" : " [" + call.name() + "]");
    String uri = op.path();
    StringBuilder query = new StringBuilder();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (JsonObject p : op.parameters()) {
      Object example = OpenApiDocument.example(p, call.name());
      if (example == null) {
        continue;
      }
      String value = substitute(String.valueOf(example), ids);
      switch (p.getString("in")) {
        case "path" -> uri = uri.replace("{" + p.getString("name") + "}", encode(value));
        case "query" ->
            query
                .append(query.isEmpty() ? "?" : "&")
                .append(encode(p.getString("name")))
                .append('=')
                .append(encode(value));
        case "header" -> headers.set(p.getString("name"), value);
        default -> throw new IllegalStateException("parameter in " + p.getString("in"));
      }
    }
    Buffer body = null;
    if (call.type() != null) {
      String boundary = "sluice-openapi-boundary";
      body = Buffer.buffer(substitute(encodeBody(op, call, boundary), ids));
      headers.set(
          "Content-Type",
          call.type().equals("multipart/form-data")
              ? call.type() + "; boundary=" + boundary
              : call.type());
    }
    if (call.accept() != null) {
      headers.set("Accept", call.accept());
    }
    sign(op, body == null ? Buffer.buffer() : body, headers);

    HttpMethod method = HttpMethod.valueOf(op.method());
    String url = base + uri + query;
    if (uri.endsWith("/download")) {
      // Asked for once the export is completed: a download racing the export's completion can
      // answer 410 export_gone (PrivacyRequests.download reads the job after the result).
      String job = base + uri.substring(0, uri.length() - "/download".length());
      Await.until(
          what + ": the export completed",
          SETTLE,
          () -> "completed".equals(jsonField(send(HttpMethod.GET, job, headers, null), "status")));
    }
    Buffer sentBody = body;
    AtomicReference<HttpResponse<Buffer>> answer =
        new AtomicReference<>(send(method, url, headers, sentBody));
    if (call.type() == null && op.method().equals("GET") && unsettled(answer.get())) {
      // Asynchronous work behind it (the ledger's history, a privacy job): asked again a while.
      try {
        Await.until(
            what + " settled",
            SETTLE,
            () -> !unsettled(answer.updateAndGet(r -> send(method, url, headers, sentBody))));
      } catch (AssertionError e) {
        // reported below with the last answer
      }
    }
    List<String> problems = check(op, call, answer.get(), what);
    if (problems.isEmpty()) {
      capture(op, call, answer.get(), ids);
    }
    return problems;
  }

  private static String jsonField(HttpResponse<Buffer> r, String field) {
    return r.statusCode() == 200 ? r.bodyAsJsonObject().getString(field) : null;
  }

  private static boolean unsettled(HttpResponse<Buffer> r) {
    return r.statusCode() == 404 || r.statusCode() == 409;
  }

  private static HttpResponse<Buffer> send(
      HttpMethod method, String url, MultiMap headers, Buffer body) {
    var request = client.requestAbs(method, url).putHeaders(headers);
    return (body == null ? request.send() : request.sendBuffer(body)).await();
  }

  private static List<String> check(Operation op, Call call, HttpResponse<Buffer> r, String what) {
    List<String> problems = new ArrayList<>();
    String status = Integer.toString(r.statusCode());
    String text = r.body() == null ? "" : r.bodyAsString();
    JsonObject responses = op.responses();
    if (!responses.containsKey(status)) {
      problems.add(what + ": status " + status + " is not documented: " + text);
      return problems;
    }
    String expected = call.name() == null ? null : statusOfExample(responses, call.name());
    if (expected != null && !expected.equals(status)) {
      problems.add(what + ": expected " + expected + ", got " + status + ": " + text);
    }
    if (call.name() == null && !status.startsWith("2")) {
      problems.add(what + ": expected a 2xx, got " + status + ": " + text);
    }
    JsonObject documentedHeaders =
        responses.getJsonObject(status).getJsonObject("headers", new JsonObject());
    for (String name : documentedHeaders.fieldNames()) {
      JsonObject header = documentedHeaders.getJsonObject(name);
      String value = r.getHeader(name);
      if (value == null) {
        if (header.getBoolean("required", false)) {
          problems.add(what + ": " + status + " without its header " + name);
        }
        continue;
      }
      OpenApiDocument.validate(header.getJsonObject("schema", new JsonObject()), value)
          .forEach(e -> problems.add(what + ": " + status + " header " + name + " " + e));
    }
    JsonObject content = responses.getJsonObject(status).getJsonObject("content");
    if (content == null) {
      if (!text.isEmpty()) {
        problems.add(what + ": " + status + " has no documented body, got " + text);
      }
      return problems;
    }
    String type = mediaType(r.getHeader("Content-Type"));
    JsonObject media = content.getJsonObject(type);
    if (media == null) {
      problems.add(what + ": " + status + " with Content-Type " + type + " is not documented");
      return problems;
    }
    Object instance;
    try {
      instance = type.endsWith("json") ? Json.decodeValue(text) : text;
    } catch (RuntimeException e) {
      problems.add(what + ": " + status + " is not JSON: " + text);
      return problems;
    }
    OpenApiDocument.validate(media.getJsonObject("schema", new JsonObject()), instance)
        .forEach(e -> problems.add(what + ": " + status + " " + e + " in " + text));
    return problems;
  }

  /** The status whose answer has an example of this name, or null. */
  private static String statusOfExample(JsonObject responses, String name) {
    for (String status : responses.fieldNames()) {
      JsonObject content =
          responses.getJsonObject(status).getJsonObject("content", new JsonObject());
      for (String type : content.fieldNames()) {
        if (OpenApiDocument.examples(content.getJsonObject(type)).containsKey(name)) {
          return status;
        }
      }
    }
    return null;
  }

  /**
   * Remembers the ids the gateway made up where the documented answer shows an example's own: in
   * the answers to POSTs (what they created) and in the events pulled.
   */
  private static void capture(
      Operation op, Call call, HttpResponse<Buffer> r, Map<String, String> ids) {
    if (!op.method().equals("POST") && !op.path().equals("/v1/events")) {
      return;
    }
    String type = mediaType(r.getHeader("Content-Type"));
    JsonObject media =
        op.responses()
            .getJsonObject(Integer.toString(r.statusCode()))
            .getJsonObject("content")
            .getJsonObject(type);
    if (!type.endsWith("json") || media == null) {
      return;
    }
    Map<String, Object> examples = OpenApiDocument.examples(media);
    Object example =
        call.name() != null && examples.containsKey(call.name())
            ? examples.get(call.name())
            : examples.values().iterator().next();
    pair(example, Json.decodeValue(r.bodyAsString()), ids);
  }

  private static void pair(Object example, Object actual, Map<String, String> ids) {
    if (example instanceof JsonObject e && actual instanceof JsonObject a) {
      for (String key : e.fieldNames()) {
        Object ev = e.getValue(key);
        Object av = a.getValue(key);
        if (ID_FIELDS.contains(key)
            && ev instanceof String es
            && av instanceof String as
            && !es.equals(as)) {
          ids.put(es, as);
        } else {
          pair(ev, av, ids);
        }
      }
    } else if (example instanceof JsonArray e
        && actual instanceof JsonArray a
        && !e.isEmpty()
        && !a.isEmpty()) {
      pair(e.getValue(0), a.getValue(0), ids);
    }
  }

  private static String substitute(String text, Map<String, String> ids) {
    String out = text;
    for (Map.Entry<String, String> id : ids.entrySet()) {
      out = out.replace(id.getKey(), id.getValue());
    }
    // The push endpoint of the examples is this machine (delivery.allowHttp/allowPrivate).
    return out.replace("https://crm.example.com/", "http://127.0.0.1:9/");
  }

  private static String encodeBody(Operation op, Call call, String boundary) {
    return switch (call.type()) {
      case "application/json" -> Json.encode(call.body());
      case "application/x-www-form-urlencoded" -> {
        StringBuilder form = new StringBuilder();
        ((JsonObject) call.body())
            .forEach(
                e ->
                    form.append(form.isEmpty() ? "" : "&")
                        .append(encode(e.getKey()))
                        .append('=')
                        .append(encode(String.valueOf(e.getValue()))));
        yield form.toString();
      }
      case "multipart/form-data" -> {
        JsonObject encoding =
            op.requestContent()
                .getJsonObject(call.type())
                .getJsonObject("encoding", new JsonObject());
        StringBuilder parts = new StringBuilder();
        ((JsonObject) call.body())
            .forEach(
                e -> {
                  String partType =
                      encoding
                          .getJsonObject(e.getKey(), new JsonObject())
                          .getString("contentType", "text/plain");
                  parts
                      .append("--")
                      .append(boundary)
                      .append("\r\n")
                      .append("Content-Disposition: form-data; name=\"")
                      .append(e.getKey())
                      .append('"');
                  if (!partType.equals("application/json")) {
                    parts.append("; filename=\"").append(e.getKey()).append(".csv\"");
                  }
                  parts
                      .append("\r\nContent-Type: ")
                      .append(partType)
                      .append("\r\n\r\n")
                      .append(e.getValue())
                      .append("\r\n");
                });
        yield parts.append("--").append(boundary).append("--\r\n").toString();
      }
      default -> String.valueOf(call.body());
    };
  }

  /** Sets the credentials the operation's first security requirement names. */
  private static void sign(Operation op, Buffer body, MultiMap headers) {
    JsonArray security = op.spec().getJsonArray("security", doc.raw().getJsonArray("security"));
    JsonObject requirement = security.isEmpty() ? new JsonObject() : security.getJsonObject(0);
    byte[] bytes = body.getBytes();
    for (String scheme : requirement.fieldNames()) {
      switch (scheme) {
        case "adminToken" -> headers.set("Authorization", "Bearer " + ADMIN_TOKEN);
        case "tenantKey" -> headers.set("Authorization", "Bearer " + apiKey);
        case "metaVerifyToken" -> {
          // the hub.verify_token query parameter's example is the app's token
        }
        case "metaSignature" ->
            headers.set(
                "X-Hub-Signature-256",
                "sha256=" + IngressHarness.hmacHex(metaApp().getString("appSecret"), bytes));
        case "telegramSecret" ->
            headers.set(
                "X-Telegram-Bot-Api-Secret-Token",
                credentials("telegram").getString("secretToken"));
        case "twilioSignature" ->
            headers.set(
                "X-Twilio-Signature",
                WebhookSigning.twilioForm(
                    credentials("twilio").getString("authToken"),
                    channel("twilio").getString("publicUrl"),
                    bytes));
        case "infobipAuth" ->
            headers.set(
                "Authorization", "App " + credentials("infobip").getString("webhookSecret"));
        case "standardWebhooks" -> {
          long now = System.currentTimeMillis() / 1000;
          headers.set("webhook-timestamp", Long.toString(now));
          headers.set(
              "webhook-signature",
              WebhookSigning.standard(
                  credentials("standard").getString("secret"),
                  headers.get("webhook-id"),
                  now,
                  bytes));
        }
        default -> throw new IllegalStateException("no way to sign for " + scheme);
      }
    }
  }

  /** The Meta app as the document's {@code PUT /admin/meta-apps/{id}} example sets it. */
  private static JsonObject metaApp() {
    Operation put = operation("putMetaApp");
    JsonObject example =
        (JsonObject)
            OpenApiDocument.examples(put.requestContent().getJsonObject("application/json"))
                .values()
                .iterator()
                .next();
    String id =
        put.parameters().stream()
            .filter(p -> p.getString("name").equals("id"))
            .findFirst()
            .orElseThrow()
            .getString("example");
    return example.copy().put("id", id);
  }

  /** The channel of this provider that the document's {@code createChannel} examples create. */
  private static JsonObject channel(String provider) {
    return OpenApiDocument.examples(
            operation("createChannel").requestContent().getJsonObject("application/json"))
        .values()
        .stream()
        .map(JsonObject.class::cast)
        .filter(c -> provider.equals(c.getString("provider")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no createChannel example for " + provider));
  }

  private static JsonObject credentials(String provider) {
    return channel(provider).getJsonObject("credentials");
  }

  private static Operation operation(String id) {
    return doc.operations().stream().filter(o -> id.equals(o.id())).findFirst().orElseThrow();
  }

  private static JsonObject admin(HttpMethod method, String path, JsonObject body, int expected) {
    HttpResponse<Buffer> r =
        client
            .requestAbs(method, base + path)
            .putHeader("Authorization", "Bearer " + ADMIN_TOKEN)
            .sendJsonObject(body)
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(expected);
    return r.bodyAsJsonObject();
  }

  private static void checkExamples(String where, JsonObject mediaType, List<String> problems) {
    Map<String, Object> examples = OpenApiDocument.examples(mediaType);
    if (examples.isEmpty()) {
      problems.add(where + ": no example");
    }
    JsonObject schema = mediaType.getJsonObject("schema", new JsonObject());
    examples.forEach(
        (name, value) ->
            OpenApiDocument.validate(schema, value)
                .forEach(e -> problems.add(where + " [" + name + "]: " + e)));
  }

  /** A path with its parameters as {@code {}}, whichever way they were written. */
  static String normalised(String path) {
    return PATH_PARAMETER.matcher(path).replaceAll("{}");
  }

  private static String mediaType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
