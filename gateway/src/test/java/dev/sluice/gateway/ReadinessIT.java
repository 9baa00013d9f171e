package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.MetricsText;
import dev.sluice.gateway.testing.RedisServerProcess;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readiness, and the {@code sluice_backend_up} gauge, follow Redis down and back up, without
 * restarting the gateway.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReadinessIT {
  private static final String DB = TestBackends.uniqueId("sluice_ready").replace('-', '_');

  private static RedisServerProcess redis;
  private static Gateway gateway;
  private static Vertx vertx;
  private static WebClient client;

  @BeforeAll
  static void start() throws Exception {
    TestBackends.requirePostgres();
    redis = new RedisServerProcess();
    redis.start();
    int port = FreePorts.find();
    Map<String, String> settings = TestGateways.settings(port, DB);
    settings.put("redis.url", redis.url());
    settings.put("redis.commandTimeoutMs", "500");
    settings.put("health.checkTimeoutMs", "500");
    gateway = Gateway.start(TestGateways.config(settings));
    vertx = Vertx.vertx();
    client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close().await();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (redis != null) {
      redis.close();
    }
    TestGateways.dropDatabase(DB);
  }

  @Test
  void readinessFlipsTo503WhenRedisStopsAndBackWhenItReturns() throws Exception {
    assertThat(readyStatus()).isEqualTo(200);

    redis.stop();
    JsonObject down = awaitReady(503);
    assertThat(down.getJsonObject("checks").getJsonObject("redis").getString("status"))
        .isEqualTo("down");
    assertThat(down.getJsonObject("checks").getJsonObject("postgres").getString("status"))
        .isEqualTo("up");

    redis.start();
    JsonObject up = awaitReady(200);
    assertThat(up.getString("status")).isEqualTo("up");
  }

  @Test
  void backendGaugeFollowsRedisDownAndBackUp() throws Exception {
    awaitBackendUp("redis", 1);
    awaitBackendUp("postgres", 1);

    redis.stop();
    awaitBackendUp("redis", 0);
    assertThat(backendUp("postgres")).hasValue(1.0);

    redis.start();
    awaitBackendUp("redis", 1);
  }

  private OptionalDouble backendUp(String backend) {
    String scrape = client.get("/metrics").send().await().bodyAsString();
    return MetricsText.value(scrape, "sluice_backend_up{backend=\"" + backend + "\"}");
  }

  /** Polls /metrics until {@code sluice_backend_up{backend}} is {@code value}. */
  private void awaitBackendUp(String backend, double value) {
    Await.until(
        "sluice_backend_up{backend=" + backend + "} to be " + value,
        Duration.ofSeconds(30),
        () -> backendUp(backend).equals(OptionalDouble.of(value)));
  }

  private int readyStatus() {
    return client.get("/health/ready").send().await().statusCode();
  }

  /** Polls readiness until it answers {@code status}. */
  private JsonObject awaitReady(int status) {
    AtomicReference<JsonObject> body = new AtomicReference<>();
    Await.until(
        "/health/ready to answer " + status,
        Duration.ofSeconds(30),
        () -> {
          var r = client.get("/health/ready").send().await();
          body.set(r.statusCode() == status ? r.bodyAsJsonObject() : null);
          return body.get() != null;
        });
    return body.get();
  }
}
