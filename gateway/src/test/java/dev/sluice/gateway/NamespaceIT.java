package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.core.StartupException;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.RedisClusterProcess;
import dev.sluice.gateway.testing.RedisServerProcess;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two deployments (each with its own PostgreSQL database) on one Redis database: each keeps every
 * key under its own {@code redis.keyPrefix}, and a gateway refuses a namespace that another
 * database has stamped. The Redis is the test's own, so that every key in it can be accounted for:
 * a redis-server, or in the cluster pass of the tests a three-master cluster (whose every node is
 * scanned).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NamespaceIT {
  private static final String APP_SECRET = "meta-app-secret-namespace";

  private static AutoCloseable redis;
  private static List<RedisServerProcess> nodes;
  private static Map<String, String> redisSettings;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    TestBackends.requirePostgres();
    if (TestBackends.isRedisCluster()) {
      RedisClusterProcess cluster = new RedisClusterProcess().start();
      redis = cluster;
      nodes = cluster.nodes();
      redisSettings =
          Map.of("redis.type", "cluster", "redis.url", String.join(",", cluster.urls()));
    } else {
      RedisServerProcess server = new RedisServerProcess().start();
      redis = server;
      nodes = List.of(server);
      redisSettings = Map.of("redis.url", server.url());
    }
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().await();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void aGatewayRefusesANamespaceThatAnotherDatabaseStamped() throws Exception {
    String prefix = TestBackends.uniqueId("shared") + ":";
    Map<String, String> firstSettings = new HashMap<>(redisSettings);
    firstSettings.put("redis.keyPrefix", prefix);
    try (IngressHarness first = IngressHarness.start(firstSettings)) {
      String other = TestBackends.uniqueId("sluice_ns").replace('-', '_');
      Map<String, String> settings = TestGateways.settings(FreePorts.find(), other);
      settings.putAll(redisSettings);
      settings.put("redis.keyPrefix", prefix);
      try {
        assertThatThrownBy(() -> Gateway.start(TestGateways.config(settings)))
            .isInstanceOf(StartupException.class)
            .hasMessageContaining(first.database)
            .hasMessageContaining(other)
            .hasMessageContaining("redis.keyPrefix (SLUICE_REDIS_KEY_PREFIX)")
            .hasMessageNotContaining("\n");
      } finally {
        TestGateways.dropDatabase(other);
      }

      // The namespace's own database is welcome: another instance of the first deployment starts.
      first.anotherInstance(Map.of()).close().await();
    }
  }

  @Test
  void twoDeploymentsWithTheirOwnPrefixesEachSendAndDeliverOnlyTheirOwnWork() throws Exception {
    String prefixA = TestBackends.uniqueId("dep-a") + ":";
    String prefixB = TestBackends.uniqueId("dep-b") + ":";
    try (FakeProvider metaA = FakeProvider.start(vertx);
        FakeProvider metaB = FakeProvider.start(vertx);
        Deployment a = new Deployment(prefixA, metaA);
        Deployment b = new Deployment(prefixB, metaB)) {

      String sentA = a.send("from a");
      String sentB = b.send("from b");
      a.receive("wamid.a-in");
      b.receive("wamid.b-in");

      JsonObject messageA = a.awaitStatus(sentA, "sent");
      JsonObject messageB = b.awaitStatus(sentB, "sent");
      assertThat(statuses(messageA)).doesNotContain("failed");
      assertThat(statuses(messageB)).doesNotContain("failed");
      assertThat(metaA.received().path()).contains(a.phoneNumberId);
      assertThat(metaB.received().path()).contains(b.phoneNumberId);
      assertThat(a.lookUp(sentB).statusCode()).isEqualTo(404); // not in a's database
      assertThat(b.lookUp(sentA).statusCode()).isEqualTo(404);
      await("a's inbound event at a's endpoint", () -> a.delivered().contains("wamid.a-in"));
      await("b's inbound event at b's endpoint", () -> b.delivered().contains("wamid.b-in"));
      assertThat(a.delivered()).doesNotContain("wamid.b-in");
      assertThat(b.delivered()).doesNotContain("wamid.a-in");
      assertThat(metaA.pending() + metaB.pending()).as("provider calls beyond one each").isZero();

      List<String> keys = allKeys();
      assertThat(keys)
          .allSatisfy(
              k -> assertThat(k.startsWith(prefixA) || k.startsWith(prefixB)).as(k).isTrue())
          .contains(prefixA + "sluice:owner", prefixB + "sluice:owner")
          .contains(prefixA + "{ledger}:events", prefixB + "{ledger}:events")
          .anySatisfy(k -> assertThat(k).startsWith(prefixA + "{t:" + a.tenant.id()))
          .anySatisfy(k -> assertThat(k).startsWith(prefixB + "{t:" + b.tenant.id()));
    }
  }

  /** A gateway of one deployment: its database, its prefix, a tenant in push mode. */
  private static final class Deployment implements AutoCloseable {
    final IngressHarness h;
    final Tenant tenant;
    final String app = TestBackends.uniqueId("ns-app");
    final String phoneNumberId = "6" + Math.abs(System.nanoTime() % 1_000_000_000L);
    final String channel = TestBackends.uniqueId("ns-wa");
    final HttpServer endpoint;
    final List<String> received = new CopyOnWriteArrayList<>();

    Deployment(String prefix, FakeProvider meta) {
      Map<String, String> settings = new HashMap<>(redisSettings);
      settings.put("redis.keyPrefix", prefix);
      settings.put("whatsapp.baseUrl", meta.baseUrl());
      settings.put("delivery.allowHttp", "true");
      settings.put("delivery.allowPrivate", "true");
      h = IngressHarness.start(settings);
      meta.answer(
          200,
          new JsonObject()
              .put("messaging_product", "whatsapp")
              .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid." + app))));
      h.metaApp(app, APP_SECRET, "verify");
      tenant = h.tenant("ns");
      h.channel(
          tenant.id(),
          new JsonObject()
              .put("id", channel)
              .put("provider", "whatsapp")
              .put("address", phoneNumberId)
              .put("metaApp", app)
              .put("credentials", new JsonObject().put("accessToken", "EAAG-ns")));
      endpoint =
          vertx
              .createHttpServer()
              .requestHandler(
                  req ->
                      req.body()
                          .onSuccess(
                              body -> {
                                received.add(body.toString());
                                req.response().setStatusCode(200).end();
                              }))
              .listen(0, "127.0.0.1")
              .await();
      HttpResponse<Buffer> r =
          h.client
              .put("/v1/endpoint")
              .putHeader("Authorization", "Bearer " + tenant.apiKey())
              .sendJsonObject(
                  new JsonObject()
                      .put("url", "http://127.0.0.1:" + endpoint.actualPort() + "/hooks"))
              .await();
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    }

    /** Sends a text with an idempotency key; the message id. */
    String send(String text) {
      HttpResponse<Buffer> r =
          h.client
              .post("/v1/messages")
              .putHeader("Authorization", "Bearer " + tenant.apiKey())
              .putHeader("Idempotency-Key", TestBackends.uniqueId("idem"))
              .sendJsonObject(
                  new JsonObject()
                      .put("channel", channel)
                      .put("to", "+4915112345678")
                      .put("type", "text")
                      .put("text", text))
              .await();
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
      return r.bodyAsJsonObject().getString("id");
    }

    /** An inbound WhatsApp message whose text is its wamid. */
    void receive(String wamid) {
      String body = IngressHarness.whatsappText(phoneNumberId, "14155550123", wamid, wamid);
      assertThat(h.postMeta(app, APP_SECRET, body).statusCode()).isEqualTo(200);
    }

    HttpResponse<Buffer> lookUp(String id) {
      return h.client
          .get("/v1/messages/" + id)
          .putHeader("Authorization", "Bearer " + tenant.apiKey())
          .send()
          .await();
    }

    JsonObject awaitStatus(String id, String status) throws InterruptedException {
      JsonObject[] last = {null};
      await(
          "message " + id + " " + status,
          () -> {
            HttpResponse<Buffer> r = lookUp(id);
            last[0] = r.statusCode() == 200 ? r.bodyAsJsonObject() : null;
            return last[0] != null && status.equals(last[0].getString("status"));
          });
      return last[0];
    }

    /** Everything the tenant's endpoint got, as one string. */
    String delivered() {
      return String.join("\n", received);
    }

    @Override
    public void close() throws Exception {
      try {
        endpoint.close().await();
      } finally {
        h.close();
      }
    }
  }

  private static List<String> statuses(JsonObject message) {
    List<String> out = new ArrayList<>();
    message.getJsonArray("history").forEach(e -> out.add(((JsonObject) e).getString("status")));
    return out;
  }

  /** The keys of every server (a SCAN covers one server only, so each node is asked directly). */
  private static List<String> allKeys() {
    List<String> keys = new ArrayList<>();
    for (RedisServerProcess node : nodes) {
      Redis client = Redis.createClient(vertx, node.url());
      try {
        String cursor = "0";
        do {
          Response r =
              client.send(Request.cmd(Command.SCAN).arg(cursor).arg("COUNT").arg(1000)).await();
          cursor = r.get(0).toString();
          r.get(1).forEach(k -> keys.add(k.toString()));
        } while (!cursor.equals("0"));
      } finally {
        client.close().await();
      }
    }
    return keys;
  }

  private static void await(String what, BooleanSupplier condition) {
    Await.until(what, Duration.ofSeconds(30), condition);
  }
}
