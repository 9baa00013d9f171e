package dev.sluice.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.RedisServerProcess;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis stopped: the delivery API answers 503 with Retry-After (never 500), and setting an endpoint
 * still succeeds and shows its secret once, since the endpoint lives in PostgreSQL and waking the
 * deliverers is only a shortcut their sweep makes up for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushApiRedisOutageIT {
  private static RedisServerProcess redis;
  private static IngressHarness h;

  @BeforeAll
  static void start() throws Exception {
    redis = new RedisServerProcess();
    redis.start();
    h =
        IngressHarness.start(
            Map.of(
                "redis.url", redis.url(),
                "redis.commandTimeoutMs", "500",
                "health.checkTimeoutMs", "500",
                "delivery.enabled", "false"));
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
  void withRedisDownTheDeliveryApiAnswers503AndEndpointsCanStillBeSet() throws Exception {
    Tenant t = h.tenant("outage");
    redis.stop();

    assertUnavailable(call(t, HttpMethod.GET, "/v1/deliveries", null));
    assertUnavailable(call(t, HttpMethod.GET, "/v1/dead-letters", null));
    assertUnavailable(call(t, HttpMethod.POST, "/v1/dead-letters/redrive", new JsonObject()));
    assertUnavailable(
        call(
            t,
            HttpMethod.POST,
            "/v1/events/replay",
            new JsonObject().put("ids", new JsonArray().add("i0:1790000000000-0"))));

    HttpResponse<Buffer> set =
        call(
            t,
            HttpMethod.PUT,
            "/v1/endpoint",
            new JsonObject().put("url", "https://93.184.216.34/hook"));
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(201);
    assertThat(set.bodyAsJsonObject().getString("secret")).startsWith("whsec_");
    assertThat(call(t, HttpMethod.DELETE, "/v1/endpoint", null).statusCode()).isEqualTo(204);
  }

  private static void assertUnavailable(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(503);
    assertThat(r.getHeader("Retry-After")).isNotBlank();
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("unavailable");
  }

  private static HttpResponse<Buffer> call(
      Tenant t, HttpMethod method, String path, JsonObject body) {
    return h.client
        .request(method, path)
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .putHeader("Content-Type", "application/json")
        .sendBuffer(body == null ? Buffer.buffer() : body.toBuffer())
        .await();
  }
}
