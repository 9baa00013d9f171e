package dev.sluice.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.queue.TenantQueueKeys;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The delivery log, dead-letter, redrive and replay API on a real gateway. The push engine is off
 * ({@code delivery.enabled=false}); the test writes the Redis structures it would write, in their
 * documented formats, and reads the results back through the API and the pull API.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeliveryRoutesIT {
  private static IngressHarness h;
  private static Vertx vertx;
  private static Redis redis;

  @BeforeAll
  static void start() {
    h = IngressHarness.start(Map.of("delivery.enabled", "false"));
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, h.redisOptions());
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      redis.close();
      vertx.close().await();
    }
    if (h != null) {
      h.close();
    }
  }

  // ---- GET /v1/deliveries ----

  @Test
  void deliveriesAreListedNewestFirstAndFilteredByOutcome() {
    Tenant t = h.tenant("dl");
    String log = TenantQueueKeys.deliveryLog(h.keyPrefix(), t.id());
    xadd(
        log,
        "1790000000000-0",
        "ok",
        "1",
        "status",
        "200",
        "error",
        "",
        "ms",
        "12",
        "n",
        "3",
        "wid",
        "msg_a");
    xadd(
        log,
        "1790000001000-0",
        "ok",
        "0",
        "status",
        "0",
        "error",
        "timeout",
        "ms",
        "10000",
        "n",
        "1",
        "wid",
        "msg_b");
    xadd(
        log,
        "1790000002000-0",
        "ok",
        "0",
        "status",
        "503",
        "error",
        "http_status",
        "ms",
        "40",
        "n",
        "2",
        "wid",
        "msg_c");

    JsonArray all = get(t, "/v1/deliveries").getJsonArray("deliveries");
    assertThat(all).hasSize(3);
    assertThat(all.getJsonObject(0))
        .isEqualTo(
            new JsonObject()
                .put("at", Instant.ofEpochMilli(1790000002000L).toString())
                .put("outcome", "failed")
                .put("statusCode", 503)
                .put("latencyMs", 40)
                .put("events", 2)
                .put("webhookId", "msg_c")
                .put("error", "http_status"));
    assertThat(all.getJsonObject(1).getValue("statusCode")).as("no HTTP status").isNull();
    assertThat(all.getJsonObject(1).getString("error")).isEqualTo("timeout");
    assertThat(all.getJsonObject(2).getString("outcome")).isEqualTo("succeeded");
    assertThat(all.getJsonObject(2).getValue("error")).isNull();

    assertThat(webhookIds(get(t, "/v1/deliveries?status=failed")))
        .containsExactly("msg_c", "msg_b");
    assertThat(webhookIds(get(t, "/v1/deliveries?status=succeeded"))).containsExactly("msg_a");
    assertThat(webhookIds(get(t, "/v1/deliveries?status=failed&max=1"))).containsExactly("msg_c");
    assertThat(webhookIds(get(t, "/v1/deliveries?max=2"))).containsExactly("msg_c", "msg_b");

    assertThat(call(t, "GET", "/v1/deliveries?status=pending", null).statusCode()).isEqualTo(400);
    assertThat(call(t, "GET", "/v1/deliveries?max=0", null).statusCode()).isEqualTo(400);
    assertThat(call(t, "GET", "/v1/deliveries?max=1001", null).statusCode()).isEqualTo(400);
  }

  @Test
  void anotherTenantsDeliveriesAreNotVisible() {
    Tenant a = h.tenant("dl");
    Tenant b = h.tenant("dl");
    xadd(
        TenantQueueKeys.deliveryLog(h.keyPrefix(), a.id()),
        "*",
        "ok",
        "1",
        "status",
        "200",
        "error",
        "",
        "ms",
        "1",
        "n",
        "1",
        "wid",
        "msg_only_a");
    assertThat(get(b, "/v1/deliveries").getJsonArray("deliveries")).isEmpty();
  }

  // ---- GET /v1/dead-letters ----

  @Test
  void deadLettersAreListedOldestFirstAcrossPartitionsWithTheirEvents() {
    Tenant t = h.tenant("dl");
    deadLetter(t, 3, "1790000002000-0", "1789999000000-5", "b", "later");
    deadLetter(t, 0, "1790000001000-0", "1789999000000-1", "a", "earlier");

    JsonArray letters = get(t, "/v1/dead-letters").getJsonArray("deadLetters");
    assertThat(letters).hasSize(2);
    JsonObject first = letters.getJsonObject(0);
    assertThat(first.getString("id")).isEqualTo("d0:1790000001000-0");
    assertThat(first.getString("eventId")).isEqualTo("i0:1789999000000-1");
    assertThat(first.getString("reason")).isEqualTo("expired");
    assertThat(first.getInteger("attempts")).isEqualTo(7);
    assertThat(first.getString("deadAt"))
        .isEqualTo(Instant.ofEpochMilli(1790000001000L).toString());
    JsonObject event = first.getJsonObject("event");
    assertThat(event.getString("id")).isEqualTo("i0:1789999000000-1");
    assertThat(event.getString("text")).isEqualTo("earlier");
    assertThat(event.getJsonObject("raw")).isEqualTo(new JsonObject().put("provider", "raw"));
    assertThat(letters.getJsonObject(1).getString("id")).isEqualTo("d3:1790000002000-0");

    assertThat(get(t, "/v1/dead-letters?max=1").getJsonArray("deadLetters")).hasSize(1);
  }

  // ---- POST /v1/dead-letters/redrive ----

  @Test
  void redrivenDeadLettersAreQueuedAgainAndCanBePulled() {
    Tenant t = h.tenant("dl");
    deadLetter(t, 2, "1790000001000-0", "1789999000000-1", "a", "first");
    deadLetter(t, 2, "1790000002000-0", "1789999000000-2", "b", "second");

    JsonObject r =
        post(
            t,
            "/v1/dead-letters/redrive",
            new JsonObject()
                .put("ids", new JsonArray().add("d2:1790000001000-0").add("d2:1790000001000-0")));
    assertThat(r.getInteger("redriven")).as("a repeated id moves once").isEqualTo(1);
    assertThat(xlen(new TenantQueueKeys(h.keyPrefix(), t.id(), 2).inboundDeadLetters()))
        .isEqualTo(1);

    JsonArray pulled = h.pull(t.apiKey(), "inbound", 10);
    assertThat(pulled).hasSize(1);
    assertThat(pulled.getJsonObject(0).getString("text")).isEqualTo("first");
    assertThat(pulled.getJsonObject(0).getString("id"))
        .as("a new queue entry")
        .startsWith("i2:")
        .isNotEqualTo("i2:1789999000000-1");

    JsonObject again =
        post(
            t,
            "/v1/dead-letters/redrive",
            new JsonObject().put("ids", new JsonArray().add("d2:1790000001000-0")));
    assertThat(again.getInteger("redriven")).as("already redriven").isZero();
  }

  @Test
  void redriveWithoutIdsMovesEveryPartitionsDeadLetters() {
    Tenant t = h.tenant("dl");
    deadLetter(t, 0, "1790000001000-0", "1789999000000-1", "a", "one");
    deadLetter(t, 5, "1790000002000-0", "1789999000000-2", "b", "two");
    deadLetter(t, 15, "1790000003000-0", "1789999000000-3", "c", "three");

    assertThat(post(t, "/v1/dead-letters/redrive", new JsonObject()).getInteger("redriven"))
        .isEqualTo(3);
    assertThat(get(t, "/v1/dead-letters").getJsonArray("deadLetters")).isEmpty();
    assertThat(texts(h.drain(t.apiKey(), "inbound")))
        .containsExactlyInAnyOrder("one", "two", "three");
  }

  @Test
  void forgedOrMalformedDeadLetterIdsAreRefusedAndMoveNothing() {
    Tenant t = h.tenant("dl");
    deadLetter(t, 1, "1790000001000-0", "1789999000000-1", "a", "kept");
    for (String id :
        List.of(
            "d16:1790000001000-0",
            "d99999:1-0",
            "i1:1790000001000-0",
            "d1:abc",
            "d-1:1-0",
            "d1:1790000001000-0 ",
            "")) {
      HttpResponse<Buffer> r =
          call(
              t,
              "POST",
              "/v1/dead-letters/redrive",
              new JsonObject()
                  .put("ids", new JsonArray().add("d1:1790000001000-0").add(id))
                  .toBuffer());
      assertThat(r.statusCode()).as("'%s' → %s", id, r.bodyAsString()).isEqualTo(400);
    }
    for (String body : List.of("{\"ids\":[]}", "{\"ids\":\"d1:1-0\"}", "[]", "{bad", "{\"x\":1}")) {
      assertThat(call(t, "POST", "/v1/dead-letters/redrive", Buffer.buffer(body)).statusCode())
          .as(body)
          .isEqualTo(400);
    }
    assertThat(xlen(new TenantQueueKeys(h.keyPrefix(), t.id(), 1).inboundDeadLetters()))
        .isEqualTo(1);
  }

  @Test
  void aTenantCannotRedriveAnotherTenantsDeadLetters() {
    Tenant victim = h.tenant("dl");
    Tenant attacker = h.tenant("dl");
    deadLetter(victim, 1, "1790000001000-0", "1789999000000-1", "a", "private");
    assertThat(
            post(
                    attacker,
                    "/v1/dead-letters/redrive",
                    new JsonObject().put("ids", new JsonArray().add("d1:1790000001000-0")))
                .getInteger("redriven"))
        .isZero();
    assertThat(post(attacker, "/v1/dead-letters/redrive", new JsonObject()).getInteger("redriven"))
        .isZero();
    assertThat(xlen(new TenantQueueKeys(h.keyPrefix(), victim.id(), 1).inboundDeadLetters()))
        .isEqualTo(1);
  }

  // ---- POST /v1/events/replay ----

  @Test
  void replayByRangeQueuesTheEventsThatArrivedInItAgain() {
    Tenant t = h.tenant("dl");
    long base = System.currentTimeMillis() - 3_600_000;
    // Archive entries are added in delivery order (stream ids only grow).
    archived(t, 4, base + 500, base - 1_000, "before");
    archived(t, 4, base + 2_000, base + 1_000, "in-range-1");
    archived(t, 9, base + 6_000, base + 5_000, "in-range-2");
    archived(t, 4, base + 21_000, base + 20_000, "after");
    archived(t, 4, base + 30_000, base + 9_000, "arrived-in-range-delivered-late");

    JsonObject r =
        post(
            t,
            "/v1/events/replay",
            new JsonObject()
                .put("from", Instant.ofEpochMilli(base).toString())
                .put("to", Instant.ofEpochMilli(base + 10_000).toString()));
    assertThat(r.getInteger("replayed")).isEqualTo(3);
    assertThat(r.getJsonArray("notFound")).isEmpty();
    assertThat(r.getBoolean("truncated")).isFalse();
    assertThat(texts(h.drain(t.apiKey(), "inbound")))
        .containsExactlyInAnyOrder("in-range-1", "in-range-2", "arrived-in-range-delivered-late");
  }

  @Test
  void replayByIdsReportsTheIdsNotInTheArchive() {
    Tenant t = h.tenant("dl");
    long base = System.currentTimeMillis() - 3_600_000;
    archived(t, 7, base + 2_000, base + 1_000, "wanted");
    archived(t, 7, base + 3_000, base + 2_000, "not-asked-for");

    String wanted = "i7:" + (base + 1_000) + "-0";
    String missing = "i7:" + (base + 1_500) + "-0";
    String quarantined = "q7:" + (base + 1_000) + "-0";
    JsonObject r =
        post(
            t,
            "/v1/events/replay",
            new JsonObject().put("ids", new JsonArray().add(wanted).add(missing).add(quarantined)));
    assertThat(r.getInteger("replayed")).isEqualTo(1);
    assertThat(r.getJsonArray("notFound").getList()).containsExactly(missing, quarantined);
    JsonArray pulled = h.drain(t.apiKey(), "inbound");
    assertThat(texts(pulled)).containsExactly("wanted");
    assertThat(pulled.getJsonObject(0).getString("id"))
        .as("a new queue entry")
        .isNotEqualTo(wanted);
  }

  @Test
  void badReplayRequestsAreRefusedAndQueueNothing() {
    Tenant t = h.tenant("dl");
    long base = System.currentTimeMillis() - 3_600_000;
    archived(t, 1, base + 2_000, base + 1_000, "x");
    String from = Instant.ofEpochMilli(base).toString();
    String to = Instant.ofEpochMilli(base + 10_000).toString();
    List<JsonObject> bad =
        List.of(
            new JsonObject().put("from", to).put("to", from), // from after to
            new JsonObject().put("from", from), // no to
            new JsonObject().put("from", "yesterday").put("to", to),
            new JsonObject().put("from", "2026-01-01T00:00:00").put("to", to), // no offset
            new JsonObject().put("from", "2026-01-01T00:00:00Z").put("to", "2026-03-01T00:00:00Z"),
            new JsonObject()
                .put("from", from)
                .put("to", to)
                .put("ids", new JsonArray().add("i1:1-0")),
            new JsonObject().put("ids", new JsonArray().add("i16:1-0")), // partition out of range
            new JsonObject().put("ids", new JsonArray().add("d1:1-0")),
            new JsonObject().put("ids", new JsonArray().add(42)),
            new JsonObject().put("ids", new JsonArray()),
            new JsonObject());
    for (JsonObject body : bad) {
      assertThat(call(t, "POST", "/v1/events/replay", body.toBuffer()).statusCode())
          .as(body.encode())
          .isEqualTo(400);
    }
    assertThat(call(t, "POST", "/v1/events/replay", Buffer.buffer("{nope")).statusCode())
        .isEqualTo(400);
    assertThat(xlen(new TenantQueueKeys(h.keyPrefix(), t.id(), 1).inbound())).isZero();
  }

  @Test
  void inPushModeRedriveAndReplayMakeThePartitionsDue() {
    Tenant t = h.tenant("dl");
    HttpResponse<Buffer> set =
        call(
            t,
            "PUT",
            "/v1/endpoint",
            new JsonObject().put("url", "https://93.184.216.34/h").toBuffer());
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(201);
    clearWork(t);

    deadLetter(t, 3, "1790000001000-0", "1789999000000-1", "a", "dead");
    assertThat(post(t, "/v1/dead-letters/redrive", new JsonObject()).getInteger("redriven"))
        .isEqualTo(1);
    assertThat(workScore(t, 3)).as("due again after a redrive").isNotNull();

    clearWork(t);
    long base = System.currentTimeMillis() - 3_600_000;
    archived(t, 6, base + 2_000, base + 1_000, "again");
    JsonObject r =
        post(
            t,
            "/v1/events/replay",
            new JsonObject().put("ids", new JsonArray().add("i6:" + (base + 1_000) + "-0")));
    assertThat(r.getInteger("replayed")).isEqualTo(1);
    assertThat(workScore(t, 6)).as("due again after a replay").isNotNull();
    assertThat(xlen(new TenantQueueKeys(h.keyPrefix(), t.id(), 6).inbound())).isEqualTo(1);
  }

  @Test
  void theDeliveryApiNeedsAnApiKey() {
    assertThat(h.client.get("/v1/deliveries").send().await().statusCode()).isEqualTo(401);
    assertThat(h.client.get("/v1/dead-letters").send().await().statusCode()).isEqualTo(401);
    assertThat(
            h.client
                .post("/v1/dead-letters/redrive")
                .sendJsonObject(new JsonObject())
                .await()
                .statusCode())
        .isEqualTo(401);
    assertThat(
            h.client
                .post("/v1/events/replay")
                .sendJsonObject(new JsonObject())
                .await()
                .statusCode())
        .isEqualTo(401);
  }

  // ---- seeding (the formats the push engine writes) ----

  private static JsonObject payload(String conversation, String text) {
    return new JsonObject()
        .put("channel", "ch-" + conversation)
        .put("provider", "whatsapp")
        .put("kind", "message")
        .put("type", "text")
        .put("text", text);
  }

  private static void deadLetter(
      Tenant t, int partition, String entryId, String original, String conv, String text) {
    xadd(
        new TenantQueueKeys(h.keyPrefix(), t.id(), partition).inboundDeadLetters(),
        entryId,
        "id",
        original,
        "c",
        conv,
        "e",
        payload(conv, text).encode(),
        "r",
        new JsonObject().put("provider", "raw").encode(),
        "reason",
        "expired",
        "attempts",
        "7");
  }

  /** An archived (delivered) event: archive entry at {@code deliveredMs}, arrived at arrivalMs. */
  private static void archived(
      Tenant t, int partition, long deliveredMs, long arrivalMs, String text) {
    xadd(
        new TenantQueueKeys(h.keyPrefix(), t.id(), partition).delivered(),
        deliveredMs + "-0",
        "id",
        arrivalMs + "-0",
        "c",
        text,
        "e",
        payload(text, text).encode(),
        "r",
        "");
  }

  private static void xadd(String key, String id, String... fields) {
    Request r = Request.cmd(Command.XADD).arg(key).arg(id);
    for (String f : fields) {
      r.arg(f);
    }
    redis.send(r).await();
  }

  private static long xlen(String key) {
    return redis.send(Request.cmd(Command.XLEN).arg(key)).await().toLong();
  }

  private static void clearWork(Tenant t) {
    Request zrem = Request.cmd(Command.ZREM).arg(DeliveryWork.key(h.keyPrefix()));
    for (int p = 0; p < 16; p++) {
      zrem.arg(DeliveryWork.unit(t.id(), p));
    }
    redis.send(zrem).await();
  }

  private static Response workScore(Tenant t, int partition) {
    return redis
        .send(
            Request.cmd(Command.ZSCORE)
                .arg(DeliveryWork.key(h.keyPrefix()))
                .arg(DeliveryWork.unit(t.id(), partition)))
        .await();
  }

  // ---- HTTP ----

  private static HttpResponse<Buffer> call(Tenant t, String method, String path, Buffer body) {
    return h.client
        .request(io.vertx.core.http.HttpMethod.valueOf(method), path)
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .putHeader("Content-Type", "application/json")
        .sendBuffer(body == null ? Buffer.buffer() : body)
        .await();
  }

  private static JsonObject get(Tenant t, String path) {
    HttpResponse<Buffer> r = call(t, "GET", path, null);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static JsonObject post(Tenant t, String path, JsonObject body) {
    HttpResponse<Buffer> r = call(t, "POST", path, body.toBuffer());
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static List<String> webhookIds(JsonObject deliveries) {
    List<String> out = new ArrayList<>();
    deliveries
        .getJsonArray("deliveries")
        .forEach(d -> out.add(((JsonObject) d).getString("webhookId")));
    return out;
  }

  private static List<String> texts(JsonArray events) {
    List<String> out = new ArrayList<>();
    events.forEach(e -> out.add(((JsonObject) e).getString("text")));
    return out;
  }
}
