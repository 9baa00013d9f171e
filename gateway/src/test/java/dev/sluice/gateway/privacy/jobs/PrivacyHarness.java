package dev.sluice.gateway.privacy.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Reply;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A gateway for the privacy tests ({@link IngressHarness} with a fake WhatsApp Cloud API, loopback
 * push endpoints, fast retries, privacy jobs polled often), a Meta app, and what the tests read
 * behind the gateway's back: every Redis key of its namespace with its value, and every row of its
 * database.
 */
final class PrivacyHarness implements AutoCloseable {
  static final String APP_SECRET = "meta-app-secret-privacy";
  static final Duration WAIT = Duration.ofSeconds(60);

  /** Whatever a test sends to the fake with this in its text is refused as rate-limited. */
  static final String REFUSED = "-refused-";

  /** Whatever a test sends with this in its text is answered "retry in an hour", once. */
  static final String HELD = "-held-";

  static final Map<String, String> SETTINGS =
      Map.ofEntries(
          Map.entry("providers.allowHttp", "true"),
          Map.entry("providers.requestTimeoutMs", "2000"),
          Map.entry("dispatch.claimMs", "3000"),
          Map.entry("dispatch.retryBaseMs", "100"),
          Map.entry("dispatch.retryMaxMs", "1000"),
          Map.entry("dispatch.maxAttempts", "2"),
          Map.entry("delivery.allowHttp", "true"),
          Map.entry("delivery.allowPrivate", "true"),
          Map.entry("delivery.retryBaseMs", "100"),
          Map.entry("delivery.retryMaxMs", "300"),
          Map.entry("delivery.breakerOpenMs", "300"),
          Map.entry("delivery.idlePollMs", "20"),
          Map.entry("delivery.maxAgeSeconds", "2"),
          Map.entry("privacy.pollMs", "100"));

  final FakeProvider fake = FakeProvider.whatsApp();
  final IngressHarness h;
  final String app = TestBackends.uniqueId("app");
  final Vertx vertx = Vertx.vertx();

  private final Redis redis;

  PrivacyHarness(Map<String, String> overrides) {
    Map<String, String> settings = new HashMap<>(SETTINGS);
    settings.put("whatsapp.baseUrl", fake.baseUrl());
    settings.putAll(overrides);
    h = IngressHarness.start(settings);
    h.metaApp(app, APP_SECRET, "verify");
    redis = Redis.createClient(vertx, h.redisOptions());
  }

  @Override
  public void close() throws Exception {
    try {
      redis.close().await();
      vertx.close().await();
      fake.close();
    } finally {
      h.close();
    }
  }

  /** A tenant's WhatsApp channel. */
  record Line(Tenant tenant, String channel, String phoneNumberId) {}

  /**
   * A tenant with a WhatsApp channel whose limits keep a person's inbound rate state and outbound
   * pacing state for minutes (one event and one message a minute, bursts of 20), so they are there
   * when a test looks.
   */
  Line line(String name) {
    Tenant t = h.tenant(name);
    String phoneNumberId = "6" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String channel = TestBackends.uniqueId(name + "-wa");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-" + name))
            .put(
                "limits",
                new JsonObject()
                    .put("inbound", new JsonObject().put("perPhonePerMinute", 1).put("burst", 20))
                    .put(
                        "outbound",
                        new JsonObject()
                            .put("perSecond", 1000)
                            .put("burst", 100)
                            .put("perRecipientPerMinute", 1)
                            .put("recipientBurst", 20))));
    fake.script(
        phoneNumberId,
        call -> {
          String text = call.text() == null ? "" : call.text();
          if (text.contains(REFUSED)) {
            return Reply.error(429, 130429, "Rate limit hit", Map.of());
          }
          if (text.contains(HELD)) {
            return Reply.error(429, 130429, "Rate limit hit", Map.of("Retry-After", "3600"));
          }
          return null;
        });
    return new Line(t, channel, phoneNumberId);
  }

  // ---- inbound ----

  /** An inbound WhatsApp text from {@code fromDigits}, with a wamid that names nothing. */
  void inbound(Line line, String fromDigits, String text) {
    String body =
        IngressHarness.whatsappText(
            line.phoneNumberId(), fromDigits, "wamid." + UUID.randomUUID(), text);
    assertThat(h.postMeta(app, APP_SECRET, body).statusCode()).isEqualTo(200);
  }

  /** A WhatsApp status webhook for a message we sent to {@code recipientDigits}. */
  void status(Line line, String recipientDigits, String wamid, String status) {
    JsonObject statusObject =
        new JsonObject()
            .put("id", wamid)
            .put("status", status)
            .put("timestamp", Long.toString(System.currentTimeMillis() / 1000))
            .put("recipient_id", recipientDigits);
    JsonObject value =
        new JsonObject()
            .put("messaging_product", "whatsapp")
            .put("metadata", new JsonObject().put("phone_number_id", line.phoneNumberId()))
            .put("statuses", new JsonArray().add(statusObject));
    JsonObject body =
        new JsonObject()
            .put("object", "whatsapp_business_account")
            .put(
                "entry",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("id", "1")
                            .put(
                                "changes",
                                new JsonArray()
                                    .add(
                                        new JsonObject()
                                            .put("field", "messages")
                                            .put("value", value)))));
    assertThat(h.postMeta(app, APP_SECRET, body.encode()).statusCode()).isEqualTo(200);
  }

  /** A tenant's push endpoint: answers each request with what {@code status} says of its body. */
  final class Endpoint {
    final List<String> acknowledged = new CopyOnWriteArrayList<>();
    final HttpServer server;

    Endpoint(Function<String, Integer> status) {
      server =
          vertx
              .createHttpServer()
              .requestHandler(
                  req ->
                      req.body()
                          .onSuccess(
                              body -> {
                                int code = status.apply(body.toString());
                                if (code / 100 == 2) {
                                  acknowledged.add(body.toString());
                                }
                                req.response().setStatusCode(code).end();
                              }))
              .listen(0, "127.0.0.1")
              .await();
    }

    String url() {
      return "http://127.0.0.1:" + server.actualPort() + "/hooks";
    }

    boolean got(String text) {
      return acknowledged.stream().anyMatch(b -> b.contains(text));
    }
  }

  /** Puts the tenant in push mode to a new endpoint. */
  Endpoint push(Tenant t, Function<String, Integer> status) {
    Endpoint e = new Endpoint(status);
    HttpResponse<Buffer> r =
        api(t, HttpMethod.PUT, "/v1/endpoint", new JsonObject().put("url", e.url()));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return e;
  }

  /** Pulls and acknowledges the inbound lane until it is empty; the texts of what was there. */
  List<String> drain(Tenant t) {
    List<String> texts = new ArrayList<>();
    for (Object e : h.drain(t.apiKey(), "inbound")) {
      texts.add(String.valueOf(((JsonObject) e).getValue("text")));
    }
    return texts;
  }

  // ---- the tenant API ----

  HttpResponse<Buffer> api(Tenant t, HttpMethod method, String path, JsonObject body) {
    return api(t, method, path, body, Map.of());
  }

  HttpResponse<Buffer> api(
      Tenant t, HttpMethod method, String path, JsonObject body, Map<String, String> headers) {
    HttpRequest<Buffer> req = h.client.request(method, path);
    if (t != null) {
      req.putHeader("Authorization", "Bearer " + t.apiKey());
    }
    headers.forEach(req::putHeader);
    return (body == null ? req.send() : req.sendBuffer(body.toBuffer())).await();
  }

  HttpResponse<Buffer> admin(HttpMethod method, String path, JsonObject body) {
    return api(
        null, method, path, body, Map.of("Authorization", "Bearer " + IngressHarness.ADMIN_TOKEN));
  }

  /** Sends a text; its message id. */
  String send(Line line, String to, String text, String idempotencyKey) {
    HttpResponse<Buffer> r =
        api(
            line.tenant(),
            HttpMethod.POST,
            "/v1/messages",
            new JsonObject().put("channel", line.channel()).put("to", to).put("text", text),
            idempotencyKey == null ? Map.of() : Map.of("Idempotency-Key", idempotencyKey));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    return r.bodyAsJsonObject().getString("id");
  }

  /** {@code GET /v1/messages/{id}}, or null when it is not (or no longer) in the history. */
  JsonObject message(Tenant t, String id) {
    HttpResponse<Buffer> r = api(t, HttpMethod.GET, "/v1/messages/" + id, null);
    return r.statusCode() == 200 ? r.bodyAsJsonObject() : null;
  }

  JsonObject awaitStatus(Tenant t, String id, String status) {
    JsonObject[] last = new JsonObject[1];
    Await.until(
        "message " + id + " to be " + status,
        WAIT,
        () -> (last[0] = message(t, id)) != null && status.equals(last[0].getString("status")));
    return last[0];
  }

  /** Requests a job of the tenant's; its id. */
  String request(Tenant t, String kind, JsonObject body) {
    HttpResponse<Buffer> r = api(t, HttpMethod.POST, "/v1/privacy/" + kind + "s", body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    JsonObject answer = r.bodyAsJsonObject();
    assertThat(answer.getString("status")).isEqualTo("pending");
    assertThat(answer.getString("deadline")).isNotNull();
    return answer.getString("id");
  }

  /** Waits until a job of the tenant's has completed; what {@code GET} then shows. */
  JsonObject awaitCompleted(Tenant t, String kind, String id) {
    JsonObject[] last = new JsonObject[1];
    Await.until(
        kind + " " + id + " to complete",
        WAIT,
        () -> {
          HttpResponse<Buffer> r = api(t, HttpMethod.GET, "/v1/privacy/" + kind + "s/" + id, null);
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
          last[0] = r.bodyAsJsonObject();
          assertThat(last[0].getString("status")).isNotEqualTo("failed");
          return "completed".equals(last[0].getString("status"));
        });
    return last[0];
  }

  static String encoded(String phone) {
    return URLEncoder.encode(phone, StandardCharsets.UTF_8);
  }

  // ---- behind the gateway's back ----

  /**
   * Every key of the gateway's Redis namespace (the tenants' partitions, the shared {@code
   * {ledger}}, work and ownership keys) with its value read by its type, as one text. Each node of
   * a cluster is asked directly: a SCAN covers one server.
   */
  String redisDump() {
    StringBuilder out = new StringBuilder();
    for (String url : h.redisUrl().split(",")) {
      Redis client = Redis.createClient(vertx, url);
      try {
        String cursor = "0";
        do {
          Response r =
              client
                  .send(
                      Request.cmd(Command.SCAN)
                          .arg(cursor)
                          .arg("MATCH")
                          .arg(h.keyPrefix() + "*")
                          .arg("COUNT")
                          .arg(1000))
                  .await();
          cursor = r.get(0).toString();
          for (Response key : r.get(1)) {
            out.append("\n").append(key).append(" = ");
            flatten(out, value(client, key.toString()));
          }
        } while (!cursor.equals("0"));
      } finally {
        client.close().await();
      }
    }
    return out.toString();
  }

  private static Response value(Redis client, String key) {
    String type = client.send(Request.cmd(Command.TYPE).arg(key)).await().toString();
    Request read =
        switch (type) {
          case "string" -> Request.cmd(Command.GET).arg(key);
          case "hash" -> Request.cmd(Command.HGETALL).arg(key);
          case "set" -> Request.cmd(Command.SMEMBERS).arg(key);
          case "zset" -> Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1).arg("WITHSCORES");
          case "list" -> Request.cmd(Command.LRANGE).arg(key).arg(0).arg(-1);
          case "stream" -> Request.cmd(Command.XRANGE).arg(key).arg("-").arg("+");
          default -> null; // expired since the SCAN
        };
    return read == null ? null : client.send(read).await();
  }

  private static void flatten(StringBuilder out, Response r) {
    if (r == null) {
      return;
    }
    if (r.type() != ResponseType.MULTI) {
      out.append(r).append(' ');
      return;
    }
    java.util.Set<String> keys;
    try {
      keys = r.getKeys(); // a RESP3 map (HGETALL)
    } catch (RuntimeException array) {
      keys = java.util.Set.of();
    }
    if (!keys.isEmpty()) {
      for (String k : keys) {
        out.append(k).append(' ');
        flatten(out, r.get(k));
      }
      return;
    }
    for (Response item : r) {
      flatten(out, item);
    }
  }

  /** Every row of every table of the gateway's database, as JSON, as one text. */
  String pgDump() throws Exception {
    StringBuilder out = new StringBuilder();
    try (Connection c = connection();
        Statement s = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertThat(tables).contains("messages", "campaign_rows", "privacy_jobs");
      for (String table : tables) {
        try (ResultSet rs =
            s.executeQuery("SELECT row_to_json(t)::text FROM \"" + table + "\" t")) {
          while (rs.next()) {
            out.append("\n").append(table).append(": ").append(rs.getString(1));
          }
        }
      }
    }
    return out.toString();
  }

  /** A JDBC connection to the gateway's database (the test thread only). */
  Connection connection() throws Exception {
    GatewayConfig.Postgres pg =
        TestGateways.config(Map.of("pg.url", TestGateways.pgUrl(h.database))).pg();
    return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password().reveal());
  }

  /** Runs one SQL statement on the gateway's database; the first column of the first row. */
  Object sql(String statement) throws Exception {
    try (Connection c = connection();
        Statement s = c.createStatement()) {
      if (!s.execute(statement)) {
        return null;
      }
      try (ResultSet rs = s.getResultSet()) {
        return rs.next() ? rs.getObject(1) : null;
      }
    }
  }

  /** Sends one Redis command to the gateway's Redis (single server or cluster). */
  Response redis(Request request) {
    return redis.send(request).await();
  }

  /** The form body of a {@code signed_request}. */
  static MultiMap form(String signedRequest) {
    return MultiMap.caseInsensitiveMultiMap().add("signed_request", signedRequest);
  }
}
