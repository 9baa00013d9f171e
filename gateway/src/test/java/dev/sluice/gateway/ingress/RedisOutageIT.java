package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.RedisServerProcess;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis stops in the middle of a run: webhooks get 503 + Retry-After (never 500, never a 200 for
 * something not stored), nothing is half-written, and traffic resumes by itself when Redis is back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisOutageIT {
  private static final String SECRET = "meta-app-secret-outage";

  private static RedisServerProcess redis;
  private static IngressHarness h;
  private static String app;
  private static Tenant tenant;
  private static String phoneId;

  @BeforeAll
  static void start() throws Exception {
    // An append-only file, fsynced on every write: what was acknowledged survives the restart.
    redis = new RedisServerProcess("--appendonly", "yes", "--appendfsync", "always");
    redis.start();
    h =
        IngressHarness.start(
            Map.of(
                "redis.url", redis.url(),
                "redis.commandTimeoutMs", "500",
                "health.checkTimeoutMs", "500"));
    app = TestBackends.uniqueId("app");
    h.metaApp(app, SECRET, "verify");
    tenant = h.tenant("outage");
    phoneId = "7" + System.nanoTime() % 1_000_000_000L;
    h.channel(
        tenant.id(),
        new JsonObject()
            .put("id", TestBackends.uniqueId("out-wa"))
            .put("provider", "whatsapp")
            .put("address", phoneId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "t")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void redisStoppedMidRunGives503sNoHalfWrittenStateAndTrafficResumesByItself() throws Exception {
    List<String> before = bodies("pre", 20);
    for (String body : before) {
      assertThat(h.postMeta(app, SECRET, body).statusCode()).isEqualTo(200);
    }

    redis.stop();
    List<String> during = bodies("down", 10);
    for (String body : during) {
      HttpResponse<Buffer> r = h.postMeta(app, SECRET, body);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.getHeader("Retry-After")).isNotBlank();
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("unavailable");
    }

    redis.start();
    // The provider redelivers what got 503, and also (as Meta may) some of what got 200.
    for (String body : during) {
      Await.until(
          "a redelivered webhook to be taken once Redis is back",
          Duration.ofSeconds(30),
          () -> {
            HttpResponse<Buffer> r = h.postMeta(app, SECRET, body);
            assertThat(r.statusCode()).as(r.bodyAsString()).isIn(200, 503);
            return r.statusCode() == 200;
          });
    }
    for (String body : before.subList(0, 5)) {
      assertThat(h.postMeta(app, SECRET, body).statusCode()).isEqualTo(200);
    }

    JsonArray events = h.drain(tenant.apiKey(), "inbound");
    Set<String> ids = new HashSet<>();
    events.forEach(e -> ids.add(((JsonObject) e).getString("providerMessageId")));
    assertThat(events).hasSize(30);
    assertThat(ids).hasSize(30);
  }

  private List<String> bodies(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          IngressHarness.whatsappText(
              phoneId, "3161234" + (1000 + i), "wamid." + prefix + i, prefix + i));
    }
    return out;
  }
}
