package dev.sluice.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.RedisServerProcess;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ledger stream refuses appends while the rest of Redis works (here: its key holds a string; in
 * production, a Redis Cluster node that owns only the ledger's slot is down): a message is accepted
 * and sent meanwhile, and its history still reaches PostgreSQL once appends work again, without the
 * message being sent twice. The gateway has a Redis server of its own.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LedgerAppendOutageIT {
  private static final String SECRET = "meta-app-secret-ledger-outage";

  private static RedisServerProcess redisServer;
  private static FakeProvider fake;
  private static IngressHarness h;
  private static Vertx vertx;
  private static Redis redis;

  @BeforeAll
  static void start() {
    redisServer = new RedisServerProcess().start();
    fake = FakeProvider.whatsApp();
    h =
        IngressHarness.start(
            Map.of(
                "redis.url", redisServer.url(),
                "whatsapp.baseUrl", fake.baseUrl(),
                "providers.requestTimeoutMs", "2000",
                "providers.allowHttp", "true",
                "delivery.enabled", "false"));
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, redisServer.url());
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
    if (fake != null) {
      fake.close();
    }
    if (redisServer != null) {
      redisServer.close();
    }
  }

  @Test
  void aMessageSentWhileLedgerAppendsFailStillReachesTheLedgerAndIsSentOnce() {
    String app = TestBackends.uniqueId("app");
    h.metaApp(app, SECRET, "verify");
    Tenant t = h.tenant("ledger-outage");
    String phoneNumberId = "5" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String channel = TestBackends.uniqueId("lo-wa");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-outage")));
    redis.send(Request.cmd(Command.DEL).arg(Ledger.stream(h.keyPrefix()))).await();
    redis
        .send(Request.cmd(Command.SET).arg(Ledger.stream(h.keyPrefix())).arg("not a stream"))
        .await();

    HttpResponse<Buffer> accepted =
        h.client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put("channel", channel)
                    .put("to", "+4915112345678")
                    .put("text", "sent while the ledger is out"))
            .await();
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    String id = accepted.bodyAsJsonObject().getString("id");
    // The dispatcher recorded the outcome (its "sent" status event is on the tenant's queue).
    List<JsonObject> statusEvents = new ArrayList<>();
    await(
        "the dispatcher's sent status event",
        () -> {
          JsonArray events = h.drain(t.apiKey(), "inbound");
          events.forEach(e -> statusEvents.add((JsonObject) e));
          return statusEvents.stream().anyMatch(e -> "sent".equals(e.getString("status")));
        });
    assertThat(message(t, id).statusCode()).as("nothing reached PostgreSQL yet").isEqualTo(404);

    redis.send(Request.cmd(Command.DEL).arg(Ledger.stream(h.keyPrefix()))).await();

    await(
        "message " + id + " in the ledger as sent",
        () -> {
          HttpResponse<Buffer> r = message(t, id);
          return r.statusCode() == 200 && "sent".equals(r.bodyAsJsonObject().getString("status"));
        });
    JsonObject m = message(t, id).bodyAsJsonObject();
    List<String> history = new ArrayList<>();
    m.getJsonArray("history").forEach(e -> history.add(((JsonObject) e).getString("status")));
    assertThat(history).containsExactly("accepted", "sent");
    assertThat(fake.callsFor(phoneNumberId)).hasSize(1);
  }

  private static HttpResponse<Buffer> message(Tenant t, String id) {
    return h.client
        .get("/v1/messages/" + id)
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .send()
        .await();
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      try {
        TimeUnit.MILLISECONDS.sleep(50); // poll interval
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
