package dev.sluice.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tenant message API over HTTP: {@code POST /v1/messages}, {@code POST /v1/messages/batch} and
 * {@code GET /v1/messages/{id}} against a gateway on the real Redis and PostgreSQL. Dispatch is off
 * (messages stay queued, no provider is called) except in the opt-out test, which runs its own
 * gateway with a fake Twilio.
 *
 * <p>"Queued" is counted with the streams' {@code entries-added} (XINFO STREAM), not XLEN: a
 * dispatcher may remove an entry it sent, but cannot make an added entry un-added. Each gateway
 * keeps its keys under its own {@code redis.keyPrefix}, so no dispatcher takes another's entries.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class OutboundApiIT {
  private static final int PARTITIONS = 16;
  private static final String PHONE = "+4915112345678";
  private static final AtomicLong ADDRESSES = new AtomicLong(System.nanoTime() % 1_000_000_000L);

  private static IngressHarness h;
  private static String app;
  private static Vertx vertx;
  private static Redis redis;

  @BeforeAll
  static void start() {
    h =
        IngressHarness.start(
            Map.of("dispatch.enabled", "false", "ingress.partitions", "" + PARTITIONS));
    app = TestBackends.uniqueId("out-app");
    h.metaApp(app, "meta-app-secret-outbound", "verify");
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, h.redisOptions());
  }

  @AfterAll
  static void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (h != null) {
      h.close();
    }
  }

  // ---- accepted messages ----

  @Test
  void everySupportedKindOfMessageIsAcceptedWithAnId() {
    Fixture f = fixture(h);
    List<JsonObject> bodies =
        List.of(
            text(f.whatsapp, PHONE, "hi"),
            new JsonObject()
                .put("channel", f.whatsapp)
                .put("to", PHONE)
                .put("type", "template")
                .put(
                    "template",
                    new JsonObject()
                        .put("name", "order_update")
                        .put("language", "en_US")
                        .put(
                            "components",
                            new JsonArray()
                                .add(
                                    new JsonObject()
                                        .put("type", "body")
                                        .put(
                                            "parameters",
                                            new JsonArray()
                                                .add(
                                                    new JsonObject()
                                                        .put("type", "text")
                                                        .put("text", "42")))))),
            media(f.whatsapp, PHONE, new JsonObject().put("kind", "image").put("link", LINK)),
            media(f.whatsapp, PHONE, new JsonObject().put("kind", "document").put("id", "1234567")),
            text(f.telegram, "123456789", "hi"),
            text(f.telegram, "-1001234567890", "hi group"),
            text(f.telegram, "@sluice_news", "hi channel"),
            text(f.twilio, PHONE, "hi"),
            media(f.twilio, PHONE, new JsonObject().put("kind", "image").put("link", LINK)),
            text(f.infobip, PHONE, "hi"),
            text(f.whatsapp, PHONE, "campaign").put("lane", "low").put("clientRef", "cmp-7"),
            new JsonObject().put("channel", f.whatsapp).put("to", PHONE).put("text", "no type"));

    Set<String> ids = new HashSet<>();
    for (JsonObject body : bodies) {
      HttpResponse<Buffer> r = post(f.key(), body);
      assertThat(r.statusCode()).as("%s → %s", body, r.bodyAsString()).isEqualTo(202);
      JsonObject answer = r.bodyAsJsonObject();
      assertThat(answer.fieldNames()).containsExactlyInAnyOrder("id", "status");
      assertThat(answer.getString("status")).isEqualTo("accepted");
      assertThat(UUID.fromString(answer.getString("id"))).isNotNull();
      assertThat(r.getHeader("Idempotent-Replayed")).isNull();
      ids.add(answer.getString("id"));
    }
    assertThat(ids).hasSize(bodies.size());
    assertThat(queued(f, "hi")).isEqualTo(bodies.size() - 1);
    assertThat(queued(f, "lo")).isEqualTo(1);
  }

  @Test
  void anAcceptedMessageCanBeReadBackWithItsNormalisedRecipientAndHistory() {
    Fixture f = fixture(h);
    JsonObject body =
        text(f.twilio, "+49 151 1234-5678", "hello").put("lane", "low").put("clientRef", "ord-42");
    String id = accepted(post(f.key(), body));

    JsonObject m = awaitMessage(f.key(), id);
    assertThat(m.getString("id")).isEqualTo(id);
    assertThat(m.getString("status")).isEqualTo("accepted");
    assertThat(m.getString("channel")).isEqualTo(f.twilio);
    assertThat(m.getString("to")).isEqualTo(PHONE);
    assertThat(m.getString("lane")).isEqualTo("low");
    assertThat(m.getString("clientRef")).isEqualTo("ord-42");
    JsonArray history = m.getJsonArray("history");
    assertThat(history).hasSize(1);
    assertThat(history.getJsonObject(0).getString("status")).isEqualTo("accepted");
    assertThat(history.getJsonObject(0).getString("at")).isNotBlank();
    assertThat(queued(f, "lo")).isEqualTo(1);
    assertThat(queued(f, "hi")).isZero();

    String telegram = accepted(post(f.key(), text(f.telegram, "@sluice_news", "hi")));
    JsonObject t = awaitMessage(f.key(), telegram);
    assertThat(t.getString("to")).isEqualTo("@sluice_news");
    assertThat(t.getString("lane")).isEqualTo("high");
    assertThat(t.getValue("clientRef")).isNull();
  }

  /**
   * {@code GET /v1/messages}: the tenant's own messages, newest first, in pages that follow each
   * other through {@code next}; each filter narrows them, and a recipient is found however its
   * number is written.
   */
  @Test
  void messagesAreListedNewestFirstInPagesAndFiltered() {
    Fixture f = fixture(h);
    Fixture other = fixture(h);
    String otherId = accepted(post(other.key(), text(other.whatsapp, PHONE, "not yours")));
    // Oldest first, each in a later millisecond than the one before: createdAt is shown, and
    // since/until read, to the millisecond.
    List<String> ids = new ArrayList<>();
    for (JsonObject m :
        List.of(
            text(f.whatsapp, PHONE, "one"),
            text(f.twilio, "+14155552671", "two"),
            text(f.whatsapp, "+14155552671", "three"),
            text(f.telegram, "@sluice_news", "four"),
            text(f.whatsapp, PHONE, "five"))) {
      ids.add(accepted(post(f.key(), m)));
      long now = System.currentTimeMillis();
      while (System.currentTimeMillis() == now) {
        Thread.onSpinWait();
      }
    }
    for (String id : ids) {
      awaitMessage(f.key(), id);
    }
    awaitMessage(other.key(), otherId);
    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);

    // Pages of two, each starting after the last one.
    List<String> paged = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = list(f.key(), "limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
      page.getJsonArray("messages").forEach(m -> paged.add(((JsonObject) m).getString("id")));
      cursor = page.getString("next");
      pages++;
    } while (cursor != null && pages < 10);
    assertThat(paged).isEqualTo(newestFirst);
    assertThat(pages).isEqualTo(3);

    JsonObject first = list(f.key(), "").getJsonArray("messages").getJsonObject(0);
    assertThat(first.getString("id")).isEqualTo(ids.get(4));
    assertThat(first.getString("status")).isEqualTo("accepted");
    assertThat(first.getString("to")).isEqualTo(PHONE);
    assertThat(first.getString("channel")).isEqualTo(f.whatsapp);
    assertThat(first.getInteger("attempts")).isZero();
    assertThat(first.containsKey("history")).isFalse();
    assertThat(first.containsKey("content")).isFalse();

    assertThat(listed(f.key(), "to=" + enc("+49 151 1234-5678")))
        .containsExactly(ids.get(4), ids.get(0));
    assertThat(listed(f.key(), "to=" + enc("+14155552671")))
        .containsExactly(ids.get(2), ids.get(1));
    assertThat(listed(f.key(), "to=" + enc("@sluice_news"))).containsExactly(ids.get(3));
    assertThat(listed(f.key(), "channel=" + f.twilio)).containsExactly(ids.get(1));
    assertThat(listed(f.key(), "channel=" + f.whatsapp + "&to=" + enc(PHONE)))
        .containsExactly(ids.get(4), ids.get(0));
    assertThat(listed(f.key(), "status=accepted")).isEqualTo(newestFirst);
    assertThat(listed(f.key(), "status=sent")).isEmpty();
    assertThat(listed(f.key(), "campaignId=" + UUID.randomUUID())).isEmpty();
    String middle = awaitMessage(f.key(), ids.get(2)).getString("createdAt");
    assertThat(listed(f.key(), "since=" + enc(middle)))
        .containsExactly(ids.get(4), ids.get(3), ids.get(2));
    assertThat(listed(f.key(), "until=" + enc(middle))).containsExactly(ids.get(1), ids.get(0));
    assertThat(listed(other.key(), "")).containsExactly(otherId);

    for (String bad :
        List.of(
            "status=lost",
            "limit=0",
            "limit=201",
            "limit=x",
            "since=yesterday",
            "campaignId=42",
            "cursor=bm90LWEtY3Vyc29y",
            "to=" + enc("+49123"),
            "colour=red",
            "limit=1&limit=2")) {
      HttpResponse<Buffer> r =
          h.client
              .get("/v1/messages?" + bad)
              .putHeader("Authorization", "Bearer " + f.key())
              .send()
              .await();
      assertThat(r.statusCode()).as("%s → %s", bad, r.bodyAsString()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("bad_request");
    }
  }

  private static JsonObject list(String apiKey, String query) {
    HttpResponse<Buffer> r =
        h.client
            .get("/v1/messages" + (query.isEmpty() ? "" : "?" + query))
            .putHeader("Authorization", "Bearer " + apiKey)
            .send()
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static List<String> listed(String apiKey, String query) {
    List<String> out = new ArrayList<>();
    list(apiKey, query)
        .getJsonArray("messages")
        .forEach(m -> out.add(((JsonObject) m).getString("id")));
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A template's language may be written as Meta's API takes it: {@code {"code":"en_US"}}. */
  @Test
  void aTemplateLanguageIsTakenInMetasOwnShapeToo() {
    Fixture f = fixture(h);
    for (JsonObject language :
        List.of(
            new JsonObject().put("code", "en_US"),
            new JsonObject().put("policy", "deterministic").put("code", "en_US"))) {
      String id = accepted(post(f.key(), template(f.whatsapp, language)));
      JsonObject content = awaitMessage(f.key(), id).getJsonObject("content");
      assertThat(content.getString("type")).isEqualTo("template");
      assertThat(content.getString("language")).as("%s", language).isEqualTo("en_US");
      assertThat(payloads(f).get(id).getJsonObject("content").getString("language"))
          .isEqualTo("en_US");
    }
    Map<JsonObject, String> refused =
        Map.of(
            new JsonObject(),
            "template.language.code is required",
            new JsonObject().put("code", 5),
            "template.language.code must be a string",
            new JsonObject().put("code", "english!"),
            "template.language must be a language code",
            new JsonObject().put("code", "en").put("x", 1),
            "template.language.x is not a known",
            new JsonObject().put("code", "en").put("policy", "fallback"),
            "template.language.policy must be deterministic");
    refused.forEach(
        (language, message) -> {
          HttpResponse<Buffer> r = post(f.key(), template(f.whatsapp, language));
          assertThat(r.statusCode()).as("%s → %s", language, r.bodyAsString()).isEqualTo(422);
          assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message"))
              .startsWith(message);
        });
    assertThat(queued(f)).isEqualTo(2);
  }

  private static JsonObject template(String channel, JsonObject language) {
    return new JsonObject()
        .put("channel", channel)
        .put("to", PHONE)
        .put("type", "template")
        .put("template", new JsonObject().put("name", "order_update").put("language", language));
  }

  @Test
  void aMessageIsNotFoundForAnotherTenantOrAnUnknownOrMalformedId() {
    Fixture mine = fixture(h);
    Fixture other = fixture(h);
    String id = accepted(post(mine.key(), text(mine.whatsapp, PHONE, "mine")));
    awaitMessage(mine.key(), id);

    assertNotFound(get(other.key(), id));
    assertNotFound(get(mine.key(), UUID.randomUUID().toString()));
    for (String bad : new String[] {"not-a-uuid", "123", id + "0", id.replace('-', 'x'), "%20"}) {
      assertNotFound(get(mine.key(), bad));
    }
    assertThat(get("sk_wrong", id).statusCode()).isEqualTo(401);
  }

  /** A path asked with a method it does not have: 405, and {@code Allow} names those it has. */
  @Test
  void aWrongMethodIs405WithTheMethodsThePathHas() {
    Fixture f = fixture(h);
    String id = UUID.randomUUID().toString();
    Map<String, String> cases =
        Map.of(
            "PUT /v1/messages",
            "GET, POST",
            "DELETE /v1/messages/" + id,
            "GET",
            "PUT /v1/messages/batch",
            "GET, POST",
            "POST /health/live",
            "GET",
            "DELETE /v1/events/ack",
            "POST");
    cases.forEach(
        (request, allow) -> {
          String[] parts = request.split(" ");
          HttpResponse<Buffer> r =
              h.client
                  .request(HttpMethod.valueOf(parts[0]), parts[1])
                  .putHeader("Authorization", "Bearer " + f.key())
                  .send()
                  .await();
          assertThat(r.statusCode()).as(request).isEqualTo(405);
          assertThat(r.getHeader("Allow")).as(request).isEqualTo(allow);
          assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
              .isEqualTo("method_not_allowed");
        });
  }

  // ---- validation ----

  @Test
  void invalidMessagesAre422NamingTheFieldAndNothingIsQueued() {
    Fixture f = fixture(h);
    Fixture other = fixture(h);
    String messenger = TestBackends.uniqueId("out-ms");
    h.channel(
        f.tenant.id(),
        new JsonObject()
            .put("id", messenger)
            .put("provider", "messenger")
            .put("address", address())
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-test")));
    String standard = TestBackends.uniqueId("out-std");
    h.channel(
        f.tenant.id(),
        new JsonObject()
            .put("id", standard)
            .put("provider", "standard")
            .put(
                "credentials",
                new JsonObject()
                    .put(
                        "secret",
                        "whsec_"
                            + Base64.getEncoder()
                                .encodeToString(
                                    "standard-secret".getBytes(StandardCharsets.UTF_8)))));

    List<Map.Entry<String, JsonObject>> cases = new ArrayList<>();
    cases.add(Map.entry("channel", new JsonObject().put("to", PHONE).put("text", "hi")));
    cases.add(Map.entry("channel", text(other.whatsapp, PHONE, "another tenant's channel")));
    cases.add(Map.entry("channel", text("no-such-channel", PHONE, "unknown channel")));
    cases.add(Map.entry("channel", text(messenger, PHONE, "messenger")));
    cases.add(Map.entry("channel", text(standard, PHONE, "standard")));
    cases.add(Map.entry("to", text(f.whatsapp, "+49123", "invalid phone")));
    cases.add(Map.entry("to", text(f.whatsapp, "4915112345678", "no plus")));
    cases.add(Map.entry("to", text(f.whatsapp, "+4915112345678abc", "letters")));
    cases.add(Map.entry("to", text(f.telegram, "+4915112345678", "phone to telegram")));
    cases.add(Map.entry("to", text(f.telegram, "@abc", "short username")));
    cases.add(Map.entry("to", new JsonObject().put("channel", f.whatsapp).put("text", "no to")));
    cases.add(Map.entry("text", text(f.whatsapp, PHONE, "x".repeat(4097))));
    cases.add(Map.entry("text", text(f.twilio, PHONE, "x".repeat(1601))));
    cases.add(Map.entry("text", text(f.infobip, PHONE, "x".repeat(1601))));
    cases.add(Map.entry("text", text(f.whatsapp, PHONE, "   \n\t ")));
    cases.add(Map.entry("text", text(f.whatsapp, PHONE, "")));
    cases.add(Map.entry("text", text(f.whatsapp, PHONE, "hi").put("text", (Object) null)));
    cases.add(Map.entry("colour", text(f.whatsapp, PHONE, "hi").put("colour", "red")));
    cases.add(
        Map.entry(
            "template",
            text(f.telegram, "123456", null)
                .put("type", "template")
                .put(
                    "template",
                    new JsonObject().put("name", "order_update").put("language", "en"))));
    cases.add(
        Map.entry(
            "template",
            text(f.whatsapp, PHONE, null)
                .put("type", "template")
                .put(
                    "template",
                    new JsonObject().put("name", "Order Update").put("language", "en"))));
    cases.add(
        Map.entry(
            "template.components",
            text(f.whatsapp, PHONE, null)
                .put("type", "template")
                .put(
                    "template",
                    new JsonObject()
                        .put("name", "order_update")
                        .put("language", "en")
                        .put("components", "not a list"))));
    cases.add(Map.entry("media", media(f.whatsapp, PHONE, new JsonObject().put("kind", "image"))));
    cases.add(
        Map.entry(
            "media",
            media(
                f.whatsapp,
                PHONE,
                new JsonObject().put("kind", "image").put("link", LINK).put("id", "1"))));
    cases.add(
        Map.entry(
            "media.kind",
            media(f.whatsapp, PHONE, new JsonObject().put("kind", "sticker").put("link", LINK))));
    cases.add(
        Map.entry(
            "media.link",
            media(
                f.whatsapp,
                PHONE,
                new JsonObject().put("kind", "image").put("link", "ftp://x/y"))));
    cases.add(
        Map.entry(
            "media.id",
            media(f.twilio, PHONE, new JsonObject().put("kind", "image").put("id", "1234567"))));
    cases.add(
        Map.entry(
            "media",
            media(f.telegram, "123456", new JsonObject().put("kind", "image").put("link", LINK))));
    cases.add(Map.entry("text", text(f.whatsapp, PHONE, "hi").put("media", new JsonObject())));
    cases.add(Map.entry("type", text(f.whatsapp, PHONE, "hi").put("type", "sticker")));
    cases.add(Map.entry("lane", text(f.whatsapp, PHONE, "hi").put("lane", "urgent")));
    cases.add(
        Map.entry("clientRef", text(f.whatsapp, PHONE, "hi").put("clientRef", "r".repeat(129))));
    // Wrong JSON types.
    cases.add(Map.entry("channel", text(f.whatsapp, PHONE, "hi").put("channel", 42)));
    cases.add(Map.entry("to", text(f.whatsapp, PHONE, "hi").put("to", 4915112345678L)));
    cases.add(
        Map.entry("text", text(f.whatsapp, PHONE, "hi").put("text", new JsonArray().add("hi"))));
    cases.add(Map.entry("type", text(f.whatsapp, PHONE, "hi").put("type", true)));
    cases.add(Map.entry("lane", text(f.whatsapp, PHONE, "hi").put("lane", 1)));
    cases.add(
        Map.entry("clientRef", text(f.whatsapp, PHONE, "hi").put("clientRef", new JsonObject())));
    cases.add(
        Map.entry(
            "template",
            text(f.whatsapp, PHONE, null).put("type", "template").put("template", "order_update")));
    cases.add(
        Map.entry("media", text(f.whatsapp, PHONE, null).put("type", "media").put("media", "x")));

    for (Map.Entry<String, JsonObject> c : cases) {
      String field = c.getKey();
      HttpResponse<Buffer> r = post(f.key(), c.getValue());
      assertThat(r.statusCode()).as("%s → %s", c.getValue(), r.bodyAsString()).isEqualTo(422);
      JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
      assertThat(error.getString("code")).as(c.getValue().encode()).isEqualTo("invalid");
      assertThat(error.getString("message")).as(c.getValue().encode()).contains(field);
    }
    assertThat(queued(f)).isZero();
    assertThat(queued(other)).isZero();
  }

  @Test
  void aNulInAnyFieldTheLedgerStoresIsRefusedWithAJsonErrorAndNothingIsQueued() {
    // PostgreSQL text cannot hold NUL: a message carrying one must never reach the ledger.
    Fixture f = fixture(h);
    List<Map.Entry<String, JsonObject>> cases =
        List.of(
            Map.entry("channel", text(f.whatsapp + "\u0000", PHONE, "hi")),
            Map.entry("to", text(f.whatsapp, PHONE + "\u0000", "hi")),
            Map.entry("to", text(f.telegram, "12345\u00006", "hi")),
            Map.entry("to", text(f.telegram, "@sluice\u0000news", "hi")),
            Map.entry("text", text(f.whatsapp, PHONE, "h\u0000i")),
            Map.entry("lane", text(f.whatsapp, PHONE, "hi").put("lane", "low\u0000")),
            Map.entry("clientRef", text(f.whatsapp, PHONE, "hi").put("clientRef", "ref\u0000")));
    JsonArray batch = new JsonArray();
    for (Map.Entry<String, JsonObject> c : cases) {
      HttpResponse<Buffer> r = post(f.key(), c.getValue());
      assertThat(r.statusCode()).as("%s → %s", c.getValue(), r.bodyAsString()).isEqualTo(422);
      assertThat(r.getHeader("Content-Type")).startsWith("application/json");
      JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("invalid");
      assertThat(error.getString("message")).contains(c.getKey());
      batch.add(c.getValue());
    }
    HttpResponse<Buffer> r = postBatch(f.key(), new JsonObject().put("messages", batch));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    for (Object item : r.bodyAsJsonObject().getJsonArray("results")) {
      assertThat(((JsonObject) item).getJsonObject("error").getString("code"))
          .as(item.toString())
          .isEqualTo("invalid");
    }
    assertThat(queued(f)).isZero();
  }

  @Test
  void aBodyThatIsNotAJsonObjectIs400() {
    Fixture f = fixture(h);
    for (String body :
        new String[] {"", "not json", "[]", "[{\"channel\":\"x\"}]", "null", "42", "\"hi\"", "{"}) {
      for (String path : new String[] {"/v1/messages", "/v1/messages/batch"}) {
        HttpResponse<Buffer> r = postRaw(path, f.key(), Buffer.buffer(body));
        assertThat(r.statusCode()).as("%s %s", path, body).isEqualTo(400);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
            .isEqualTo("bad_request");
      }
    }
    assertThat(queued(f)).isZero();
  }

  @Test
  void aMissingOrWrongApiKeyIs401() {
    Fixture f = fixture(h);
    JsonObject body = text(f.whatsapp, PHONE, "hi");
    for (String path : new String[] {"/v1/messages", "/v1/messages/batch"}) {
      JsonObject b = path.endsWith("batch") ? batch(body) : body;
      assertUnauthorized(h.client.post(path).sendJsonObject(b).await());
      for (String auth :
          new String[] {
            "Bearer sk_wrong", "Bearer ", "Basic " + f.key(), f.key(), "Bearer " + f.key() + "x"
          }) {
        assertUnauthorized(
            h.client.post(path).putHeader("Authorization", auth).sendJsonObject(b).await());
      }
    }
    assertUnauthorized(h.client.get("/v1/messages/" + UUID.randomUUID()).send().await());
    assertThat(queued(f)).isZero();
  }

  @Test
  void aBodyOverTheLimitIs413OnBothSendRoutesWithOrWithoutALength() throws Exception {
    Fixture f = fixture(h);
    java.nio.file.Path big = java.nio.file.Files.createTempFile("sluice-big", ".json");
    try {
      java.nio.file.Files.write(big, new byte[2 * 1024 * 1024]);
      for (String path : new String[] {"/v1/messages", "/v1/messages/batch"}) {
        assertTooLarge(postRaw(path, f.key(), Buffer.buffer(new byte[2 * 1024 * 1024])));
        // before authentication, as the router's body handler did
        assertTooLarge(
            h.client.post(path).sendBuffer(Buffer.buffer(new byte[1024 * 1024 + 1])).await());
        io.vertx.core.file.AsyncFile file =
            vertx.fileSystem().open(big.toString(), new io.vertx.core.file.OpenOptions()).await();
        // no Content-Length: sent chunked, refused once the limit is passed. The server answers 413
        // and closes the connection; a client still writing may see the close before the answer.
        try {
          assertTooLarge(
              h.client
                  .post(path)
                  .putHeader("Authorization", "Bearer " + f.key())
                  .timeout(10_000)
                  .sendStream(file)
                  .await());
        } catch (io.vertx.core.http.HttpClosedException e) {
          // refused by closing the connection: nothing was queued either (checked below)
        }
      }
    } finally {
      java.nio.file.Files.deleteIfExists(big);
    }
    assertThat(queued(f)).isZero();
  }

  @Test
  void aMessageIsAcceptedWhateverItsContentTypeSaysAndAFormNeverGetsA5xx() {
    Fixture f = fixture(h);
    String body = text(f.twilio, PHONE, "hi").encode();
    for (String type : new String[] {"text/plain", "application/json; charset=utf-8", "x/y"}) {
      HttpResponse<Buffer> r =
          h.client
              .post("/v1/messages")
              .putHeader("Authorization", "Bearer " + f.key())
              .putHeader("Content-Type", type)
              .sendBuffer(Buffer.buffer(body))
              .await();
      assertThat(r.statusCode()).as(type).isEqualTo(202);
    }
    for (String type :
        new String[] {"application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
      HttpResponse<Buffer> r =
          h.client
              .post("/v1/messages")
              .putHeader("Authorization", "Bearer " + f.key())
              .putHeader("Content-Type", type)
              .sendBuffer(Buffer.buffer(body))
              .await();
      assertThat(r.statusCode()).as(type).isLessThan(500);
      assertThat(r.getHeader("Content-Type")).as(type).isEqualTo("application/json");
    }
  }

  @Test
  void aSendWithoutAValidKeyAsksForBearerAuthentication() {
    for (String path : new String[] {"/v1/messages", "/v1/messages/batch"}) {
      HttpResponse<Buffer> r = h.client.post(path).sendBuffer(Buffer.buffer("{}")).await();
      assertUnauthorized(r);
      assertThat(r.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    }
  }

  @Test
  void aDuplicateFieldCountsWithItsLastValue() {
    Fixture f = fixture(h);
    String body =
        "{\"channel\":\"nope\",\"to\":42,\"text\":\"hi\",\"channel\":\""
            + f.twilio
            + "\",\"to\":\""
            + PHONE
            + "\"}";

    HttpResponse<Buffer> r = postRaw("/v1/messages", f.key(), Buffer.buffer(body));

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    assertThat(queued(f)).isEqualTo(1);
  }

  private static void assertTooLarge(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(413);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("body_too_large");
  }

  // ---- idempotency ----

  @Test
  void aRepeatedIdempotencyKeyReturnsTheFirstIdAndQueuesNothingNew() {
    Fixture f = fixture(h);
    HttpResponse<Buffer> first =
        post(f.key(), text(f.whatsapp, PHONE, "first"), "Idempotency-Key", "order-1");
    String id = accepted(first);
    assertThat(first.getHeader("Idempotent-Replayed")).isNull();

    // The same request again, its JSON written in another order and spacing.
    Buffer reordered =
        Buffer.buffer(
            "{ \"text\": \"first\", \"type\": \"text\", \"to\": \""
                + PHONE
                + "\",\n"
                + "  \"channel\": \""
                + f.whatsapp
                + "\" }");
    HttpResponse<Buffer> again =
        h.client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + f.key())
            .putHeader("Idempotency-Key", "order-1")
            .sendBuffer(reordered)
            .await();
    assertThat(accepted(again)).isEqualTo(id);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(queued(f)).isEqualTo(1);

    String other = accepted(post(f.key(), text(f.whatsapp, PHONE, "x"), "Idempotency-Key", "o-2"));
    assertThat(other).isNotEqualTo(id);
    assertThat(queued(f)).isEqualTo(2);

    // Without a key every request is a new message.
    String a = accepted(post(f.key(), text(f.whatsapp, PHONE, "same")));
    String b = accepted(post(f.key(), text(f.whatsapp, PHONE, "same")));
    assertThat(a).isNotEqualTo(b);
    assertThat(queued(f)).isEqualTo(4);

    // The history is the first message's: accepted once.
    JsonObject m = awaitMessage(f.key(), id);
    assertThat(m.getJsonArray("history")).hasSize(1);
  }

  /** A key names one request: reused with another message it is refused, whatever differs. */
  @Test
  void anIdempotencyKeyReusedForAnotherRequestIs422AndQueuesNothing() {
    Fixture f = fixture(h);
    String key = "reused-" + UUID.randomUUID();
    String first = accepted(post(f.key(), text(f.whatsapp, PHONE, "a"), "Idempotency-Key", key));
    List<JsonObject> others =
        List.of(
            text(f.whatsapp, PHONE, "b"),
            text(f.whatsapp, PHONE, "a").put("lane", "low"),
            text(f.whatsapp, PHONE, "a").put("clientRef", "c1"),
            text(f.twilio, PHONE, "a"));
    for (JsonObject other : others) {
      HttpResponse<Buffer> r = post(f.key(), other, "Idempotency-Key", key);
      assertThat(r.statusCode()).as("%s → %s", other, r.bodyAsString()).isEqualTo(422);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("idempotency_mismatch");
      assertThat(r.getHeader("Idempotent-Replayed")).isNull();
    }
    // Another recipient lives in another partition: the key's owner record leads there.
    List<String> answers = new ArrayList<>();
    for (String to :
        new String[] {"+14155552671", "+447911123456", "+33612345678", "+4915112345679"}) {
      HttpResponse<Buffer> r = post(f.key(), text(f.whatsapp, to, "a"), "Idempotency-Key", key);
      answers.add(r.statusCode() + " " + r.bodyAsString());
    }
    assertThat(answers)
        .allSatisfy(r -> assertThat(r).startsWith("422").contains("idempotency_mismatch"));
    assertThat(queued(f)).isEqualTo(1);
    // The first request still replays.
    HttpResponse<Buffer> same = post(f.key(), text(f.whatsapp, PHONE, "a"), "Idempotency-Key", key);
    assertThat(accepted(same)).isEqualTo(first);
    assertThat(same.getHeader("Idempotent-Replayed")).isEqualTo("true");
  }

  @Test
  void idempotencyKeysArePerTenant() {
    Fixture one = fixture(h);
    Fixture two = fixture(h);
    String key = "shared-" + UUID.randomUUID();
    String first =
        accepted(post(one.key(), text(one.whatsapp, PHONE, "a"), "Idempotency-Key", key));
    HttpResponse<Buffer> r =
        post(two.key(), text(two.whatsapp, PHONE, "b"), "Idempotency-Key", key);
    assertThat(accepted(r)).isNotEqualTo(first);
    assertThat(r.getHeader("Idempotent-Replayed")).isNull();
    assertThat(queued(one)).isEqualTo(1);
    assertThat(queued(two)).isEqualTo(1);
  }

  @Test
  void aMalformedIdempotencyKeyIs400AndQueuesNothing() {
    Fixture f = fixture(h);
    for (String key : new String[] {"", "k".repeat(256), "schlüssel", "two words", "tab\tkey"}) {
      HttpResponse<Buffer> r = post(f.key(), text(f.whatsapp, PHONE, "hi"), "Idempotency-Key", key);
      assertThat(r.statusCode()).as("key '%s' → %s", key, r.bodyAsString()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("invalid_idempotency_key");
    }
    assertThat(queued(f)).isZero();
    String longest = "k".repeat(255);
    assertThat(
            post(f.key(), text(f.whatsapp, PHONE, "hi"), "Idempotency-Key", longest).statusCode())
        .isEqualTo(202);
  }

  // ---- send windows ----

  @Test
  void aSendWindowIsAcceptedOnBothRoutesAndTravelsWithTheQueuedMessage() {
    Fixture f = fixture(h);
    JsonObject window =
        new JsonObject()
            .put("from", "08:00")
            .put("to", "21:00")
            .put("days", new JsonArray().add("mon").add("Tuesday"));
    HttpResponse<Buffer> single =
        post(f.key(), text(f.whatsapp, PHONE, "in hours").put("window", window));
    String id = accepted(single);
    assertThat(single.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder("id", "status");
    HttpResponse<Buffer> r =
        postBatch(
            f.key(),
            batch(
                text(f.twilio, PHONE, "berlin hours")
                    .put("window", window.copy().put("timezone", "Europe/Berlin")),
                text(f.telegram, "@sluice_news", "tokyo nights")
                    .put(
                        "window",
                        new JsonObject()
                            .put("from", "22:00")
                            .put("to", "02:00")
                            .put("timezone", "Asia/Tokyo")),
                text(f.whatsapp, PHONE, "any time").put("window", (Object) null)));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray results = r.bodyAsJsonObject().getJsonArray("results");
    for (int i = 0; i < 3; i++) {
      assertThat(results.getJsonObject(i).getString("status"))
          .as(results.getJsonObject(i).encode())
          .isEqualTo("accepted");
    }

    Map<String, JsonObject> queued = payloads(f);
    JsonArray monTue = new JsonArray().add("mon").add("tue");
    assertThat(queued.get(id).getJsonObject("window"))
        .isEqualTo(
            new JsonObject()
                .put("from", "08:00")
                .put("to", "21:00")
                .put("days", monTue)
                .put("timezone", "recipient"));
    assertThat(queued.get(results.getJsonObject(0).getString("id")).getJsonObject("window"))
        .isEqualTo(
            new JsonObject()
                .put("from", "08:00")
                .put("to", "21:00")
                .put("days", monTue)
                .put("timezone", "Europe/Berlin"));
    JsonObject tokyo = queued.get(results.getJsonObject(1).getString("id")).getJsonObject("window");
    assertThat(tokyo.getString("timezone")).isEqualTo("Asia/Tokyo");
    assertThat(tokyo.getJsonArray("days")).hasSize(7);
    assertThat(queued.get(results.getJsonObject(2).getString("id")).containsKey("window"))
        .isFalse();
  }

  @Test
  void aSendWindowThatIsNotOneIs400InvalidWindowOnBothRoutesAndNothingIsQueued() {
    Fixture f = fixture(h);
    List<Map.Entry<String, Object>> cases = new ArrayList<>();
    cases.add(Map.entry("window must be an object", "08:00-21:00"));
    cases.add(Map.entry("window must be an object", new JsonArray().add("08:00")));
    cases.add(Map.entry("window.from", new JsonObject().put("to", "21:00")));
    cases.add(Map.entry("window.from", hours("8:00", "21:00")));
    cases.add(Map.entry("window.to", hours("08:00", "24:00")));
    cases.add(Map.entry("window.from", new JsonObject().put("from", 800).put("to", "21:00")));
    cases.add(Map.entry("must differ", hours("08:00", "08:00")));
    cases.add(Map.entry("window.days", hours("08:00", "21:00").put("days", new JsonArray())));
    cases.add(
        Map.entry("window.days", hours("08:00", "21:00").put("days", new JsonArray().add("fun"))));
    cases.add(Map.entry("window.days", hours("08:00", "21:00").put("days", "mon")));
    cases.add(
        Map.entry("window.timezone", hours("08:00", "21:00").put("timezone", "Mars/Olympus")));
    cases.add(Map.entry("window.timezone", hours("08:00", "21:00").put("timezone", 5)));
    cases.add(Map.entry("window.colour", hours("08:00", "21:00").put("colour", "red")));
    for (Map.Entry<String, Object> c : cases) {
      JsonObject body = text(f.whatsapp, PHONE, "hi").put("window", c.getValue());
      assertInvalidWindow(post(f.key(), body), c.getKey(), body);
    }
    // A chat id has no time zone; a number whose zones never share the window is refused now,
    // not failed later (US toll-free numbers span every US zone, Guam to Pago Pago).
    JsonObject telegram =
        text(f.telegram, "123456789", "hi").put("window", hours("08:00", "21:00"));
    assertInvalidWindow(post(f.key(), telegram), "window.timezone", telegram);
    telegram.getJsonObject("window").put("timezone", "recipient");
    assertInvalidWindow(post(f.key(), telegram), "window.timezone", telegram);
    JsonObject tollFree =
        text(f.whatsapp, "+18005550123", "hi").put("window", hours("09:00", "10:00"));
    assertInvalidWindow(post(f.key(), tollFree), "never open", tollFree);

    HttpResponse<Buffer> r =
        postBatch(
            f.key(),
            batch(
                text(f.whatsapp, PHONE, "bad").put("window", hours("08:00", "25:00")),
                text(f.whatsapp, PHONE, "good").put("window", hours("08:00", "21:00"))));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray results = r.bodyAsJsonObject().getJsonArray("results");
    JsonObject error = results.getJsonObject(0).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("invalid_window");
    assertThat(error.getString("message")).contains("window.to");
    assertThat(results.getJsonObject(1).getString("status")).isEqualTo("accepted");
    assertThat(queued(f)).isEqualTo(1);
  }

  private static JsonObject hours(String from, String to) {
    return new JsonObject().put("from", from).put("to", to);
  }

  private static void assertInvalidWindow(
      HttpResponse<Buffer> r, String messagePart, JsonObject body) {
    assertThat(r.statusCode()).as("%s → %s", body, r.bodyAsString()).isEqualTo(400);
    JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).as(body.encode()).isEqualTo("invalid_window");
    assertThat(error.getString("message")).as(body.encode()).contains(messagePart);
  }

  // ---- batch ----

  @Test
  void aBatchAnswersEveryItemInOrderAndBadItemsDoNotSinkGoodOnes() {
    Fixture f = fixture(h);
    String key = "batch-" + UUID.randomUUID();
    JsonArray items =
        new JsonArray()
            .add(text(f.whatsapp, PHONE, "good 0"))
            .add(text(f.whatsapp, "4915112345678", "no plus"))
            .add("not an object")
            .add(text(f.telegram, "@sluice_news", "good 3"))
            .add(text(f.twilio, "+14155552671", "keyed").put("idempotencyKey", key))
            .add(text(f.whatsapp, PHONE, "hi").put("lane", "urgent"))
            .add(text(f.twilio, "+14155552671", "keyed").put("idempotencyKey", key))
            .add(text(f.infobip, PHONE, "bad key").put("idempotencyKey", ""))
            .add(text(f.whatsapp, PHONE, "good 8").put("lane", "low").put("clientRef", "c8"));
    HttpResponse<Buffer> r = postBatch(f.key(), new JsonObject().put("messages", items));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray results = r.bodyAsJsonObject().getJsonArray("results");
    assertThat(results).hasSize(items.size());
    for (int i = 0; i < results.size(); i++) {
      assertThat(results.getJsonObject(i).getInteger("index")).isEqualTo(i);
    }
    for (int i : new int[] {0, 3, 4, 6, 8}) {
      JsonObject ok = results.getJsonObject(i);
      assertThat(ok.getString("status")).as("item %d: %s", i, ok).isEqualTo("accepted");
      assertThat(ok.getString("id")).isNotBlank();
      assertThat(ok.containsKey("error")).isFalse();
    }
    assertThat(results.getJsonObject(6).getString("id"))
        .isEqualTo(results.getJsonObject(4).getString("id"));
    Map<Integer, String> errors =
        Map.of(1, "invalid", 2, "invalid", 5, "invalid", 7, "invalid_idempotency_key");
    errors.forEach(
        (i, code) -> {
          JsonObject bad = results.getJsonObject(i);
          assertThat(bad.getJsonObject("error").getString("code")).as("item %d", i).isEqualTo(code);
          assertThat(bad.getJsonObject("error").getString("message")).isNotBlank();
          assertThat(bad.containsKey("id")).isFalse();
        });
    assertThat(results.getJsonObject(1).getJsonObject("error").getString("message")).contains("to");
    assertThat(results.getJsonObject(5).getJsonObject("error").getString("message"))
        .contains("lane");
    assertThat(queued(f, "hi")).isEqualTo(3);
    assertThat(queued(f, "lo")).isEqualTo(1);

    // The batch item's key is the tenant's key: a single send of the same message replays the
    // item, and another message under it is refused, there and in a batch.
    HttpResponse<Buffer> single =
        post(f.key(), text(f.twilio, "+14155552671", "keyed"), "Idempotency-Key", key);
    assertThat(accepted(single)).isEqualTo(results.getJsonObject(4).getString("id"));
    assertThat(single.getHeader("Idempotent-Replayed")).isEqualTo("true");
    HttpResponse<Buffer> other =
        post(f.key(), text(f.twilio, "+14155552671", "single"), "Idempotency-Key", key);
    assertThat(other.statusCode()).as(other.bodyAsString()).isEqualTo(422);
    JsonObject again =
        postBatch(
                f.key(),
                batch(
                    text(f.twilio, "+14155552671", "other").put("idempotencyKey", key),
                    text(f.twilio, "+14155552671", "keyed").put("idempotencyKey", key)))
            .bodyAsJsonObject();
    assertThat(again.getJsonArray("results").getJsonObject(0).getJsonObject("error"))
        .isEqualTo(
            new JsonObject()
                .put("code", "idempotency_mismatch")
                .put(
                    "message",
                    "this idempotency key was used for another request in the last 24 hours"));
    assertThat(again.getJsonArray("results").getJsonObject(1).getString("id"))
        .isEqualTo(results.getJsonObject(4).getString("id"));
    assertThat(queued(f, "hi")).isEqualTo(3);

    JsonObject m = awaitMessage(f.key(), results.getJsonObject(8).getString("id"));
    assertThat(m.getString("clientRef")).isEqualTo("c8");
    assertThat(m.getString("lane")).isEqualTo("low");
  }

  @Test
  void aBatchItemWhoseIdempotencyKeyIsNotAStringIsRefused() {
    Fixture f = fixture(h);
    JsonArray items =
        new JsonArray()
            .add(text(f.whatsapp, PHONE, "numeric key").put("idempotencyKey", 42))
            .add(text(f.whatsapp, PHONE, "object key").put("idempotencyKey", new JsonObject()));
    HttpResponse<Buffer> r = postBatch(f.key(), new JsonObject().put("messages", items));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray results = r.bodyAsJsonObject().getJsonArray("results");
    for (int i = 0; i < 2; i++) {
      JsonObject error = results.getJsonObject(i).getJsonObject("error");
      assertThat(error).as("item %d: %s", i, results.getJsonObject(i)).isNotNull();
      assertThat(error.getString("message")).contains("idempotencyKey");
    }
    assertThat(queued(f)).isZero();
  }

  @Test
  void aBatchMustHoldOneToAThousandMessages() {
    Fixture f = fixture(h);
    JsonObject one = text(f.whatsapp, PHONE, "hi");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 1001; i++) {
      tooMany.add(one.copy());
    }
    for (JsonObject body :
        new JsonObject[] {
          new JsonObject(),
          new JsonObject().put("messages", new JsonArray()),
          new JsonObject().put("messages", tooMany),
          new JsonObject().put("messages", one),
          new JsonObject().put("messages", "[]"),
          new JsonObject().put("messages", (Object) null),
        }) {
      HttpResponse<Buffer> r = postBatch(f.key(), body);
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(422);
      JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("invalid");
      assertThat(error.getString("message")).contains("messages");
    }
    assertThat(queued(f)).isZero();

    tooMany.remove(0);
    HttpResponse<Buffer> full = postBatch(f.key(), new JsonObject().put("messages", tooMany));
    assertThat(full.statusCode()).isEqualTo(200);
    assertThat(full.bodyAsJsonObject().getJsonArray("results")).hasSize(1000);
    assertThat(queued(f)).isEqualTo(1000);
  }

  // ---- backlog bound ----

  @Test
  void aTenantAtItsBacklogBoundIsToldToRetryLaterAndNothingIsQueued() throws Exception {
    try (IngressHarness g =
        IngressHarness.start(
            Map.of(
                "dispatch.enabled",
                "false",
                "ingress.partitions",
                "" + PARTITIONS,
                "dispatch.maxBacklogPerTenant",
                "" + 2 * PARTITIONS))) {
      Fixture f = fixture(g);
      // Two per partition: the same recipient's messages share one partition.
      accepted(send(g, f.key(), text(f.twilio, PHONE, "one")));
      accepted(send(g, f.key(), text(f.twilio, PHONE, "two")));

      HttpResponse<Buffer> refused = send(g, f.key(), text(f.twilio, PHONE, "three"));

      assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(503);
      assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
      assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("backlog_full");
      assertThat(queued(f)).isEqualTo(2);

      String other = "+1415555267" + 1;
      for (int d = 2; g.partition(other.substring(1)) == g.partition(PHONE.substring(1)); d++) {
        other = "+1415555267" + d; // a recipient in another partition, which has room
      }
      HttpResponse<Buffer> batch =
          postJson(
              g,
              "/v1/messages/batch",
              f.key(),
              batch(text(f.twilio, PHONE, "four"), text(f.twilio, other, "other")));
      JsonArray results = batch.bodyAsJsonObject().getJsonArray("results");
      assertThat(results.getJsonObject(0).getJsonObject("error").getString("code"))
          .isEqualTo("backlog_full");
      assertThat(results.getJsonObject(1).getString("status")).isEqualTo("accepted");
      assertThat(queued(f)).isEqualTo(3);
    }
  }

  // ---- opt-out ----

  @Test
  void aRecipientWhoOptedOutOnAChannelIsRefusedThereButNotOnAnotherChannel() throws Exception {
    try (FakeProvider twilio = FakeProvider.start(vertx);
        IngressHarness g =
            IngressHarness.start(
                Map.of(
                    "twilio.baseUrl",
                    twilio.baseUrl(),
                    "whatsapp.baseUrl",
                    closedUrl(),
                    "telegram.baseUrl",
                    closedUrl(),
                    "ingress.partitions",
                    "" + PARTITIONS,
                    "dispatch.retryBaseMs",
                    "60000"))) {
      Fixture f = fixture(g);
      String second = twilioChannel(g, f.tenant);
      twilio.answer(
          400,
          new JsonObject()
              .put("code", 21610)
              .put("message", "Attempt to send to unsubscribed recipient")
              .put("status", 400));

      accepted(send(g, f.key(), text(f.twilio, PHONE, "first")));
      assertThat(twilio.received().path()).contains("/Messages.json");
      awaitOptOut(f, f.twilio);

      HttpResponse<Buffer> refused = send(g, f.key(), text(f.twilio, PHONE, "again"));
      assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(422);
      assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("recipient_opted_out");

      HttpResponse<Buffer> batch =
          postJson(
              g,
              "/v1/messages/batch",
              f.key(),
              batch(text(f.twilio, PHONE, "again"), text(f.twilio, "+14155552671", "other")));
      JsonArray results = batch.bodyAsJsonObject().getJsonArray("results");
      assertThat(results.getJsonObject(0).getJsonObject("error").getString("code"))
          .isEqualTo("recipient_opted_out");
      assertThat(results.getJsonObject(1).getString("status")).isEqualTo("accepted");

      accepted(send(g, f.key(), text(second, PHONE, "other channel")));
      accepted(send(g, f.key(), text(f.whatsapp, PHONE, "other provider")));
    }
  }

  // ---- fuzz ----

  @Test
  void garbageRequestsNeverGetA5xxAndAlwaysGetAJsonError() {
    Fixture f = fixture(h);
    Random random = new Random(20260301L);
    List<JsonObject> seeds =
        List.of(
            text(f.whatsapp, PHONE, "hi"),
            text(f.telegram, "@sluice_news", "hi"),
            media(f.twilio, PHONE, new JsonObject().put("kind", "image").put("link", LINK)),
            new JsonObject()
                .put("channel", f.whatsapp)
                .put("to", PHONE)
                .put("type", "template")
                .put("template", new JsonObject().put("name", "a").put("language", "en")));
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      int endpoint = random.nextInt(3);
      HttpRequest<Buffer> req;
      Buffer body;
      String what;
      if (endpoint == 2) {
        String id = randomString(random, 1 + random.nextInt(60));
        what = "GET " + id;
        req =
            h.client.get(
                "/v1/messages/"
                    + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20"));
        body = null;
      } else {
        String path = endpoint == 0 ? "/v1/messages" : "/v1/messages/batch";
        Object value = mutate(random, seeds.get(random.nextInt(seeds.size())), 0);
        if (endpoint == 1 && random.nextInt(4) > 0) {
          JsonArray items = new JsonArray();
          int n = random.nextInt(5);
          for (int k = 0; k < n; k++) {
            items.add(mutate(random, seeds.get(random.nextInt(seeds.size())), 0));
          }
          value = new JsonObject().put("messages", items);
        }
        body = garble(random, value == null ? "null" : Json.encode(value));
        what = "POST " + path + " " + body.toString(StandardCharsets.ISO_8859_1);
        req = h.client.post(path);
      }
      switch (random.nextInt(6)) {
        case 0 -> req.putHeader("Authorization", "Bearer " + headerValue(random));
        case 1 -> {
          // no Authorization
        }
        default -> req.putHeader("Authorization", "Bearer " + f.key());
      }
      if (random.nextInt(3) == 0) {
        req.putHeader("Idempotency-Key", headerValue(random));
      }
      if (random.nextInt(3) == 0) {
        req.putHeader("Content-Type", headerValue(random));
      }
      if (random.nextInt(4) == 0) {
        req.putHeader("X-Fuzz-" + random.nextInt(100), headerValue(random));
      }
      HttpResponse<Buffer> r = body == null ? req.send().await() : req.sendBuffer(body).await();
      if (r.statusCode() >= 500) {
        failures.add(r.statusCode() + " for " + what);
      } else if (r.statusCode() >= 400) {
        try {
          JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
          if (error.getString("code").isBlank() || error.getString("message").isBlank()) {
            failures.add("blank error for " + what);
          }
        } catch (RuntimeException e) {
          failures.add(r.statusCode() + " without a JSON error (" + r.bodyAsString() + ") " + what);
        }
      }
    }
    assertThat(failures).isEmpty();
  }

  // ---- fixtures ----

  private static final String LINK = "https://cdn.example.com/img/1.jpg";

  /** A tenant with one channel of each sendable provider. */
  /** A tenant with one channel per provider, on a gateway whose keys start with keyPrefix. */
  private record Fixture(
      Tenant tenant,
      String whatsapp,
      String telegram,
      String twilio,
      String infobip,
      String keyPrefix) {
    String key() {
      return tenant.apiKey();
    }
  }

  private static Fixture fixture(IngressHarness g) {
    Tenant t = g.tenant("out");
    String wa = TestBackends.uniqueId("out-wa");
    g.channel(
        t.id(),
        new JsonObject()
            .put("id", wa)
            .put("provider", "whatsapp")
            .put("address", address())
            .put("metaApp", metaApp(g))
            .put("credentials", new JsonObject().put("accessToken", "EAAG-test")));
    String tg = TestBackends.uniqueId("out-tg");
    g.channel(
        t.id(),
        new JsonObject()
            .put("id", tg)
            .put("provider", "telegram")
            .put(
                "credentials",
                new JsonObject().put("botToken", "123:abc").put("secretToken", "tg_secret")));
    String tw = twilioChannel(g, t);
    String ib = TestBackends.uniqueId("out-ib");
    g.channel(
        t.id(),
        new JsonObject()
            .put("id", ib)
            .put("provider", "infobip")
            .put("address", "InfoSMS" + address())
            .put(
                "credentials",
                new JsonObject()
                    .put("apiKey", "ib-key")
                    .put("baseUrl", "https://ib.example.com")
                    .put("webhookSecret", "ib-hook")));
    return new Fixture(t, wa, tg, tw, ib, g.keyPrefix());
  }

  private static final Map<IngressHarness, String> META_APPS = new ConcurrentHashMap<>();

  private static String metaApp(IngressHarness g) {
    if (g == h) {
      return app;
    }
    return META_APPS.computeIfAbsent(
        g,
        k -> {
          String id = TestBackends.uniqueId("out-app");
          k.metaApp(id, "meta-app-secret-outbound", "verify");
          return id;
        });
  }

  private static String twilioChannel(IngressHarness g, Tenant t) {
    String id = TestBackends.uniqueId("out-tw");
    g.channel(
        t.id(),
        new JsonObject()
            .put("id", id)
            .put("provider", "twilio")
            .put("address", "+1555" + address())
            .put("publicUrl", "https://gw.example.com/webhooks/twilio/" + id)
            .put(
                "credentials",
                new JsonObject().put("accountSid", "ACtest").put("authToken", "tw-auth")));
    return id;
  }

  /** A URL where nothing listens, so a dispatcher that tries it fails fast and stays local. */
  private static String closedUrl() {
    return "http://127.0.0.1:" + FakeProvider.closedPort();
  }

  private static String address() {
    return Long.toString(ADDRESSES.incrementAndGet());
  }

  private static JsonObject text(String channel, String to, String text) {
    JsonObject o = new JsonObject().put("channel", channel).put("to", to).put("type", "text");
    return text == null ? o.put("type", null) : o.put("text", text);
  }

  private static JsonObject media(String channel, String to, JsonObject media) {
    return new JsonObject()
        .put("channel", channel)
        .put("to", to)
        .put("type", "media")
        .put("media", media);
  }

  private static JsonObject batch(JsonObject... items) {
    JsonArray a = new JsonArray();
    for (JsonObject i : items) {
      a.add(i);
    }
    return new JsonObject().put("messages", a);
  }

  // ---- HTTP ----

  private static HttpResponse<Buffer> post(String apiKey, JsonObject body, String... headers) {
    return send(h, apiKey, body, headers);
  }

  private static HttpResponse<Buffer> send(
      IngressHarness g, String apiKey, JsonObject body, String... headers) {
    HttpRequest<Buffer> req =
        g.client.post("/v1/messages").putHeader("Authorization", "Bearer " + apiKey);
    for (int i = 0; i < headers.length; i += 2) {
      req.putHeader(headers[i], headers[i + 1]);
    }
    return req.sendJsonObject(body).await();
  }

  private static HttpResponse<Buffer> postJson(
      IngressHarness g, String path, String apiKey, JsonObject body) {
    return g.client
        .post(path)
        .putHeader("Authorization", "Bearer " + apiKey)
        .sendJsonObject(body)
        .await();
  }

  private static HttpResponse<Buffer> postBatch(String apiKey, JsonObject body) {
    return postJson(h, "/v1/messages/batch", apiKey, body);
  }

  private static HttpResponse<Buffer> postRaw(String path, String apiKey, Buffer body) {
    return h.client
        .post(path)
        .putHeader("Authorization", "Bearer " + apiKey)
        .sendBuffer(body)
        .await();
  }

  private static HttpResponse<Buffer> get(String apiKey, String id) {
    return h.client
        .request(HttpMethod.GET, "/v1/messages/" + id)
        .putHeader("Authorization", "Bearer " + apiKey)
        .send()
        .await();
  }

  /** The id of a 202 answer. */
  private static String accepted(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    assertThat(r.bodyAsJsonObject().getString("status")).isEqualTo("accepted");
    return r.bodyAsJsonObject().getString("id");
  }

  /** The message once the ledger writer has put it in PostgreSQL (it writes within ~a second). */
  private static JsonObject awaitMessage(String apiKey, String id) {
    AtomicReference<JsonObject> found = new AtomicReference<>();
    Await.until(
        "message " + id + " to reach the ledger",
        Duration.ofSeconds(15),
        () -> {
          HttpResponse<Buffer> r = get(apiKey, id);
          if (r.statusCode() != 200) {
            assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(404);
            return false;
          }
          found.set(r.bodyAsJsonObject());
          return true;
        });
    return found.get();
  }

  private static void assertNotFound(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(404);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("not_found");
  }

  private static void assertUnauthorized(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(401);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("unauthorized");
  }

  // ---- Redis ----

  /** Entries ever added to the fixture tenant's outbound streams of both lanes. */
  private static long queued(Fixture f) {
    return queued(f, "hi") + queued(f, "lo");
  }

  private static long queued(Fixture f, String lane) {
    long total = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      String key = f.keyPrefix() + "{t:" + f.tenant().id() + ":" + p + "}:out:" + lane;
      if (redis.send(Request.cmd(Command.EXISTS).arg(key)).await().toInteger() == 0) {
        continue;
      }
      total += entriesAdded(redis.send(Request.cmd(Command.XINFO).arg("STREAM").arg(key)).await());
    }
    return total;
  }

  /** {@code entries-added} of an XINFO STREAM reply, RESP3 map or RESP2 flat list. */
  private static long entriesAdded(Response info) {
    if (info.containsKey("entries-added")) {
      return info.get("entries-added").toLong();
    }
    for (int i = 0; i + 1 < info.size(); i += 2) {
      if ("entries-added".equals(info.get(i).toString())) {
        return info.get(i + 1).toLong();
      }
    }
    throw new IllegalStateException("XINFO STREAM without entries-added (Redis 7 needed)");
  }

  /** The queued payloads of the fixture tenant's messages (both lanes), by message id. */
  private static Map<String, JsonObject> payloads(Fixture f) {
    Map<String, JsonObject> out = new java.util.HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (String lane : List.of("hi", "lo")) {
        String key = f.keyPrefix() + "{t:" + f.tenant().id() + ":" + p + "}:out:" + lane;
        for (Response entry :
            redis.send(Request.cmd(Command.XRANGE).arg(key).arg("-").arg("+")).await()) {
          Response fields = entry.get(1);
          for (int i = 0; i + 1 < fields.size(); i += 2) {
            if ("m".equals(fields.get(i).toString())) {
              JsonObject m = new JsonObject(fields.get(i + 1).toString());
              out.put(m.getString("id"), m);
            }
          }
        }
      }
    }
    return out;
  }

  /** Waits until the dispatcher put a conversation of {@code channel} in the opt-out set. */
  private static void awaitOptOut(Fixture f, String channel) {
    Await.until(
        "the dispatcher to opt the recipient out",
        Duration.ofSeconds(15),
        () -> {
          for (int p = 0; p < PARTITIONS; p++) {
            Response members =
                redis
                    .send(
                        Request.cmd(Command.SMEMBERS)
                            .arg(f.keyPrefix() + "{t:" + f.tenant().id() + ":" + p + "}:optout"))
                    .await();
            for (Response m : members) {
              if (m.toString().startsWith(channel + ":")) {
                return true;
              }
            }
          }
          return false;
        });
  }

  // ---- fuzz helpers ----

  private static final String[] FIELDS = {
    "channel",
    "to",
    "type",
    "text",
    "template",
    "media",
    "lane",
    "clientRef",
    "idempotencyKey",
    "name",
    "language",
    "components",
    "kind",
    "link",
    "id",
    "messages",
    "",
    "\u0000",
    "__proto__"
  };

  /** A random change of a JSON value: drop, add, retype or recurse. */
  private static Object mutate(Random random, Object value, int depth) {
    if (depth > 3 || random.nextInt(5) == 0) {
      return randomValue(random, depth);
    }
    if (value instanceof JsonObject o) {
      JsonObject copy = o.copy();
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        List<String> names = new ArrayList<>(copy.fieldNames());
        switch (random.nextInt(3)) {
          case 0 -> {
            if (!names.isEmpty()) {
              copy.remove(names.get(random.nextInt(names.size())));
            }
          }
          case 1 -> copy.put(FIELDS[random.nextInt(FIELDS.length)], randomValue(random, depth + 1));
          default -> {
            if (!names.isEmpty()) {
              String n = names.get(random.nextInt(names.size()));
              copy.put(n, mutate(random, copy.getValue(n), depth + 1));
            }
          }
        }
      }
      return copy;
    }
    if (value instanceof String s && random.nextBoolean()) {
      return s + randomString(random, random.nextInt(8));
    }
    return randomValue(random, depth);
  }

  private static Object randomValue(Random random, int depth) {
    return switch (random.nextInt(depth > 2 ? 7 : 9)) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextLong();
      case 3 -> random.nextDouble() * 1e300;
      case 4 -> randomString(random, random.nextInt(40));
      case 5 -> "+" + Math.abs(random.nextLong());
      case 6 -> random.nextBoolean() ? "x".repeat(5000) : "";
      case 7 -> {
        JsonArray a = new JsonArray();
        for (int i = random.nextInt(4); i > 0; i--) {
          a.add(randomValue(random, depth + 1));
        }
        yield a;
      }
      default -> {
        JsonObject o = new JsonObject();
        for (int i = random.nextInt(4); i > 0; i--) {
          o.put(FIELDS[random.nextInt(FIELDS.length)], randomValue(random, depth + 1));
        }
        yield o;
      }
    };
  }

  /** Sometimes breaks the encoded body: truncation, random bytes, deep nesting, bad UTF-8. */
  private static Buffer garble(Random random, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return switch (random.nextInt(10)) {
      case 0 -> Buffer.buffer(json.substring(0, random.nextInt(json.length() + 1)));
      case 1 -> {
        byte[] noise = new byte[random.nextInt(200)];
        random.nextBytes(noise);
        yield Buffer.buffer(noise);
      }
      case 2 -> {
        if (bytes.length > 0) {
          bytes[random.nextInt(bytes.length)] = (byte) (0x80 + random.nextInt(0x80));
        }
        yield Buffer.buffer(bytes);
      }
      case 3 -> Buffer.buffer("[".repeat(2000 + random.nextInt(5000)));
      case 4 ->
          Buffer.buffer(
              "{\"messages\":" + "[".repeat(500 + random.nextInt(2000)) + "]".repeat(100) + "}");
      default -> Buffer.buffer(bytes);
    };
  }

  private static String randomString(Random random, int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(
          switch (random.nextInt(6)) {
            case 0 -> (char) (random.nextInt(0x20));
            case 1 -> (char) (0x80 + random.nextInt(0x700));
            case 2 -> "\uD83D\uDE00";
            case 3 -> "\"\\/{}[]%".charAt(random.nextInt(8));
            default -> (char) (0x20 + random.nextInt(0x5f));
          });
    }
    return s.toString();
  }

  /** A header value the HTTP client will send: visible ASCII, spaces and Latin-1. */
  private static String headerValue(Random random) {
    int length = random.nextInt(4) == 0 ? 200 + random.nextInt(200) : random.nextInt(30);
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(
          random.nextInt(8) == 0
              ? (char) (0xa0 + random.nextInt(0x60))
              : (char) (0x21 + random.nextInt(0x5e)));
    }
    return s.toString();
  }
}
