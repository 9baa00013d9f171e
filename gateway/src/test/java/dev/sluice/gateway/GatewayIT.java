package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.MetricsText;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gateway started in-process against the real Redis and PostgreSQL. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GatewayIT {
  private static final String DB = TestBackends.uniqueId("sluice_it").replace('-', '_');

  private static Gateway gateway;
  private static Vertx vertx;
  private static WebClient client;

  @BeforeAll
  static void start() {
    TestBackends.requireRedis();
    TestBackends.requirePostgres();
    int port = FreePorts.find();
    gateway = Gateway.start(TestGateways.config(TestGateways.settings(port, DB)));
    vertx = Vertx.vertx();
    client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  @AfterAll
  static void stop() throws Exception {
    TestGateways.close(gateway, vertx);
    TestGateways.dropDatabase(DB);
  }

  @Test
  void readinessIsUpWhenRedisAndPostgresAnswer() {
    HttpResponse<Buffer> r = client.get("/health/ready").send().await();

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(r.getHeader("Cache-Control")).as("never cached").isEqualTo("no-store");
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("up");
    assertThat(body.getJsonObject("checks").getJsonObject("redis").getString("status"))
        .isEqualTo("up");
    assertThat(body.getJsonObject("checks").getJsonObject("postgres").getString("status"))
        .isEqualTo("up");
  }

  @Test
  void livenessAnswers() {
    HttpResponse<Buffer> r = client.get("/health/live").send().await();

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(r.getHeader("Cache-Control")).as("never cached").isEqualTo("no-store");
    assertThat(r.bodyAsJsonObject().getString("status")).isEqualTo("up");
  }

  @Test
  void metricsPassPromtoolAndCoverJvmHttpAndSluice() throws Exception {
    client.get("/health/live").send().await(); // so the HTTP server meters have a sample
    HttpResponse<Buffer> r = client.get("/metrics").send().await();

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).startsWith("text/plain; version=0.0.4");
    String text = r.bodyAsString();
    assertThat(text).contains("jvm_memory_used_bytes", "vertx_http_server_requests_total");
    assertThat(text).contains("sluice_build_info");

    Process promtool = new ProcessBuilder("promtool", "check", "metrics").start();
    try (OutputStream in = promtool.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    String verdict =
        new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            + new String(promtool.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(promtool.exitValue()).as("promtool says: %s", verdict).isZero();
  }

  @Test
  void eventLoopDelayIsSampledOnEveryLoop() {
    // Two event loops in the test settings, each sampled every second.
    Await.until(
        "event-loop delay samples from both loops",
        Duration.ofSeconds(20),
        () -> {
          String text = client.get("/metrics").send().await().bodyAsString();
          return MetricsText.value(text, "sluice_eventloop_delay_seconds_count").orElse(0) >= 4;
        });
  }

  @Test
  void unknownPathIsAJsonNotFound() {
    HttpResponse<Buffer> r = client.get("/no/such/path").send().await();

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("not_found");
  }

  @Test
  void oversizedBodyIsAJson413() {
    Buffer big = Buffer.buffer(new byte[2 * 1024 * 1024]);
    HttpResponse<Buffer> r = client.post("/anything").sendBuffer(big).await();

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("body_too_large");
  }

  @Test
  void databaseIsCreatedAndMigratedOnStart() throws Exception {
    var pg = TestGateways.config(TestGateways.settings(1, DB)).pg();
    try (Connection c =
            DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password().reveal());
        ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
      rs.next();
      assertThat(rs.getInt(1)).isPositive();
    }
  }
}
