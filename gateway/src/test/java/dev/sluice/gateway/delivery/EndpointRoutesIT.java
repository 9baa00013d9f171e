package dev.sluice.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The push-mode endpoint API on a real gateway: secrets shown once, updates, rotation, deletion
 * back to pull mode, the URL policy with its default (strict) and relaxed settings, bad input.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EndpointRoutesIT {
  /** A public address literal: passes the strict policy without a DNS lookup. */
  private static final String PUBLIC_URL = "https://93.184.216.34/sluice/hook";

  private static IngressHarness strict;
  private static IngressHarness relaxed;
  private static Vertx vertx;
  private static Redis redis;

  @BeforeAll
  static void start() {
    strict = IngressHarness.start(Map.of("delivery.enabled", "false"));
    relaxed =
        IngressHarness.start(
            Map.of(
                "delivery.enabled", "false",
                "delivery.allowHttp", "true",
                "delivery.allowPrivate", "true"));
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, strict.redisOptions());
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      redis.close();
      vertx.close().await();
    }
    if (relaxed != null) {
      relaxed.close();
    }
    if (strict != null) {
      strict.close();
    }
  }

  @Test
  void creatingShowsTheSecretOnceAndUpdatingKeepsIt() throws Exception {
    Tenant t = strict.tenant("ep");

    HttpResponse<Buffer> created = put(strict, t, new JsonObject().put("url", PUBLIC_URL));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject body = created.bodyAsJsonObject();
    assertThat(body.getString("url")).isEqualTo(PUBLIC_URL);
    assertThat(body.getInteger("batchSize")).isEqualTo(1);
    String secret = body.getString("secret");
    assertThat(secret).startsWith("whsec_");
    assertThat(Base64.getDecoder().decode(secret.substring("whsec_".length()))).hasSize(32);
    byte[] sealed = sealedSecrets(strict, t.id());

    HttpResponse<Buffer> updated =
        put(
            strict,
            t,
            new JsonObject().put("url", "https://93.184.216.34/other").put("batchSize", 50));
    assertThat(updated.statusCode()).as(updated.bodyAsString()).isEqualTo(200);
    assertThat(updated.bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("url", "https://93.184.216.34/other").put("batchSize", 50));
    assertThat(sealedSecrets(strict, t.id())).as("secret unchanged by an update").isEqualTo(sealed);

    HttpResponse<Buffer> got = call(strict, t, HttpMethod.GET, "/v1/endpoint", null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.bodyAsJsonObject())
        .isEqualTo(
            new JsonObject()
                .put("mode", "push")
                .put("url", "https://93.184.216.34/other")
                .put("batchSize", 50));
    assertThat(got.bodyAsString()).doesNotContain(secret.substring(6));
  }

  @Test
  void rotatingGivesANewSecretAndKeepsTheOldOneForTheGracePeriod() throws Exception {
    Tenant t = strict.tenant("ep");
    String first =
        put(strict, t, new JsonObject().put("url", PUBLIC_URL))
            .bodyAsJsonObject()
            .getString("secret");
    byte[] sealed = sealedSecrets(strict, t.id());
    Instant before = Instant.now();

    HttpResponse<Buffer> rotated =
        call(strict, t, HttpMethod.POST, "/v1/endpoint/rotate-secret", null);
    assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(200);
    String second = rotated.bodyAsJsonObject().getString("secret");
    assertThat(second).startsWith("whsec_").isNotEqualTo(first);
    assertThat(Base64.getDecoder().decode(second.substring(6))).hasSize(32);
    Instant until = Instant.parse(rotated.bodyAsJsonObject().getString("previousSecretValidUntil"));
    assertThat(until)
        .isBetween(
            before.plus(Duration.ofHours(24)).minusSeconds(1),
            Instant.now().plus(Duration.ofHours(24)));
    assertThat(sealedSecrets(strict, t.id())).isNotEqualTo(sealed);

    JsonObject got = call(strict, t, HttpMethod.GET, "/v1/endpoint", null).bodyAsJsonObject();
    assertThat(Instant.parse(got.getString("previousSecretValidUntil"))).isEqualTo(until);
    assertThat(got.encode()).doesNotContain(first.substring(6)).doesNotContain(second.substring(6));
  }

  @Test
  void inPullModeGetAndRotateAnswerNotFound() {
    Tenant t = strict.tenant("ep");
    HttpResponse<Buffer> got = call(strict, t, HttpMethod.GET, "/v1/endpoint", null);
    assertThat(got.statusCode()).isEqualTo(404);
    assertThat(errorCode(got)).isEqualTo("not_found");
    HttpResponse<Buffer> rotated =
        call(strict, t, HttpMethod.POST, "/v1/endpoint/rotate-secret", null);
    assertThat(rotated.statusCode()).isEqualTo(404);
    assertThat(errorCode(rotated)).isEqualTo("not_found");
  }

  @Test
  void pushModeRefusesPullingTheInboundLaneUntilTheEndpointIsDeleted() throws Exception {
    Tenant t = strict.tenant("ep");
    assertThat(strict.pullResponse(t.apiKey(), "?max=1").statusCode()).isEqualTo(200);

    assertThat(put(strict, t, new JsonObject().put("url", PUBLIC_URL)).statusCode()).isEqualTo(201);
    assertThat(workUnit(t.id(), 0)).as("partition made due").isNotNull();
    HttpResponse<Buffer> refused = strict.pullResponse(t.apiKey(), "?max=1");
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(errorCode(refused)).isEqualTo("push_mode");
    assertThat(strict.pullResponse(t.apiKey(), "?max=1&lane=quarantine").statusCode())
        .as("quarantine lane stays readable")
        .isEqualTo(200);

    HttpResponse<Buffer> deleted = call(strict, t, HttpMethod.DELETE, "/v1/endpoint", null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(workUnit(t.id(), 0)).as("partition left the work set").isNull();
    assertThat(strict.pullResponse(t.apiKey(), "?max=1").statusCode()).isEqualTo(200);
    assertThat(call(strict, t, HttpMethod.GET, "/v1/endpoint", null).statusCode()).isEqualTo(404);
    assertThat(call(strict, t, HttpMethod.DELETE, "/v1/endpoint", null).statusCode())
        .as("deleting again is harmless")
        .isEqualTo(204);
  }

  @Test
  void byDefaultOnlyHttpsToPublicAddressesIsAccepted() throws Exception {
    Tenant t = strict.tenant("ep");
    Map<String, String> refusals =
        Map.of(
            "http://93.184.216.34/hook", "endpoint_not_allowed",
            "https://127.0.0.1/hook", "endpoint_not_allowed",
            "https://10.1.2.3/hook", "endpoint_not_allowed",
            "https://169.254.169.254/latest/meta-data", "endpoint_not_allowed",
            "https://[::1]/hook", "endpoint_not_allowed",
            "https://user:pw@93.184.216.34/hook", "invalid_url",
            "not a url", "invalid_url");
    for (Map.Entry<String, String> e : refusals.entrySet()) {
      HttpResponse<Buffer> r = put(strict, t, new JsonObject().put("url", e.getKey()));
      assertThat(r.statusCode()).as(e.getKey() + " → " + r.bodyAsString()).isEqualTo(422);
      assertThat(errorCode(r)).as(e.getKey()).isEqualTo(e.getValue());
    }
    assertThat(call(strict, t, HttpMethod.GET, "/v1/endpoint", null).statusCode())
        .as("nothing written")
        .isEqualTo(404);
    assertThat(sealedSecrets(strict, t.id())).isNull();
  }

  @Test
  void operatorsMayAllowHttpAndPrivateAddresses() {
    Tenant t = relaxed.tenant("ep");
    HttpResponse<Buffer> r =
        put(
            relaxed,
            t,
            new JsonObject().put("url", "http://127.0.0.1:9/hook").put("batchSize", 100));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    assertThat(r.bodyAsJsonObject().getInteger("batchSize")).isEqualTo(100);
  }

  @Test
  void badInputIsRefusedAndWritesNothing() throws Exception {
    Tenant t = strict.tenant("ep");
    assertThat(status(strict, t, "{not json")).isEqualTo(400);
    assertThat(status(strict, t, "[]")).isEqualTo(400);
    assertThat(status(strict, t, "")).isEqualTo(400);
    assertThat(status(strict, t, "{}")).isEqualTo(400);
    assertThat(status(strict, t, "{\"url\":42}")).isEqualTo(400);
    for (Object size : new Object[] {0, 101, -1, "5", 2.5, true}) {
      HttpResponse<Buffer> r =
          put(strict, t, new JsonObject().put("url", PUBLIC_URL).put("batchSize", size));
      assertThat(r.statusCode()).as("batchSize " + size).isEqualTo(400);
      assertThat(errorCode(r)).isEqualTo("invalid");
    }
    assertThat(
            put(strict, t, new JsonObject().put("url", PUBLIC_URL).put("secret", "whsec_AAAA"))
                .statusCode())
        .as("a tenant cannot choose its secret")
        .isEqualTo(400);
    assertThat(sealedSecrets(strict, t.id())).as("nothing written").isNull();

    // A bad update leaves the endpoint as it was.
    put(strict, t, new JsonObject().put("url", PUBLIC_URL).put("batchSize", 7));
    assertThat(
            put(strict, t, new JsonObject().put("url", "https://10.0.0.1/").put("batchSize", 9))
                .statusCode())
        .isEqualTo(422);
    assertThat(
            put(strict, t, new JsonObject().put("url", PUBLIC_URL).put("batchSize", 0))
                .statusCode())
        .isEqualTo(400);
    JsonObject got = call(strict, t, HttpMethod.GET, "/v1/endpoint", null).bodyAsJsonObject();
    assertThat(got.getString("url")).isEqualTo(PUBLIC_URL);
    assertThat(got.getInteger("batchSize")).isEqualTo(7);
  }

  @Test
  void theEndpointApiNeedsAnApiKey() {
    HttpResponse<Buffer> r =
        strict
            .client
            .put("/v1/endpoint")
            .sendJsonObject(new JsonObject().put("url", PUBLIC_URL))
            .await();
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(strict.client.get("/v1/endpoint").send().await().statusCode()).isEqualTo(401);
  }

  // ---- helpers ----

  private static HttpResponse<Buffer> put(IngressHarness h, Tenant t, JsonObject body) {
    return call(h, t, HttpMethod.PUT, "/v1/endpoint", body.toBuffer());
  }

  private static int status(IngressHarness h, Tenant t, String body) {
    return call(h, t, HttpMethod.PUT, "/v1/endpoint", Buffer.buffer(body)).statusCode();
  }

  private static HttpResponse<Buffer> call(
      IngressHarness h, Tenant t, HttpMethod method, String path, Buffer body) {
    return h.client
        .request(method, path)
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .putHeader("Content-Type", "application/json")
        .sendBuffer(body == null ? Buffer.buffer() : body)
        .await();
  }

  private static String errorCode(HttpResponse<Buffer> r) {
    return r.bodyAsJsonObject().getJsonObject("error").getString("code");
  }

  private static Response workUnit(String tenantId, int partition) {
    return redis
        .send(
            Request.cmd(Command.ZSCORE)
                .arg(DeliveryWork.key(strict.keyPrefix()))
                .arg(DeliveryWork.unit(tenantId, partition)))
        .await();
  }

  /** The endpoint's sealed secrets as stored, or null when the tenant has no endpoint. */
  static byte[] sealedSecrets(IngressHarness h, String tenantId) throws Exception {
    GatewayConfig.Postgres pg =
        TestGateways.config(Map.of("pg.url", TestGateways.pgUrl(h.database))).pg();
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + pg.database(),
                pg.user(),
                pg.password().reveal());
        PreparedStatement s =
            c.prepareStatement("SELECT secrets FROM endpoints WHERE tenant_id = ?")) {
      s.setString(1, tenantId);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getBytes(1) : null;
      }
    }
  }
}
