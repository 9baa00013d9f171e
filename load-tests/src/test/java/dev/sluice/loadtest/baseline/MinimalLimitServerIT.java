package dev.sluice.loadtest.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.loadtest.Signatures;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The minimal limit server against a real Redis ({@code SLUICE_TEST_REDIS_URL}), its keys under a
 * prefix of this run's own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MinimalLimitServerIT {
  private static final String SECRET = "limit-secret";
  private static final String REDIS_URL = redisUrl();
  private static final String PREFIX = "min-it-" + UUID.randomUUID() + ":";

  private static Vertx vertx;
  private static Redis redis;
  private static HttpClient http;
  private static Context context;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    MinimalLimitServer.loadFunctions(vertx, REDIS_URL);
    MinimalLimitServer.Settings s =
        new MinimalLimitServer.Settings("127.0.0.1", 0, REDIS_URL, PREFIX, SECRET, 60, 100, 10_000);
    MinimalLimitVerticle[] v = new MinimalLimitVerticle[1];
    vertx
        .deployVerticle(
            () -> v[0] = new MinimalLimitVerticle(s), new DeploymentOptions().setInstances(1))
        .await();
    port = v[0].port();
    redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(REDIS_URL));
    http = vertx.createHttpClient();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void signedWebhookIsEnqueuedOnceAndItsRedeliveryIsAbsorbed() {
    String wamid = "wamid.it." + UUID.randomUUID();
    byte[] body = webhook(wamid);
    long before = xlen(PREFIX + "{m}:in");

    assertThat(post(body, Signatures.meta(SECRET, body)).statusCode()).isEqualTo(200);
    assertThat(post(body, Signatures.meta(SECRET, body)).statusCode()).isEqualTo(200);

    assertThat(xlen(PREFIX + "{m}:in")).isEqualTo(before + 1);
    assertThat(exists(PREFIX + "{m}:dd:" + wamid)).isTrue();
  }

  @Test
  void badSignatureIsRefusedWithJson401AndNothingIsWritten() {
    String wamid = "wamid.it." + UUID.randomUUID();
    byte[] body = webhook(wamid);
    Answer r = post(body, Signatures.meta("other-secret", body));

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).contains("\"code\":\"bad_signature\"");
    assertThat(exists(PREFIX + "{m}:dd:" + wamid)).isFalse();
  }

  @Test
  void webhookWithoutAMessageIsRefusedWithJson400() {
    byte[] body =
        "{\"object\":\"whatsapp_business_account\",\"entry\":[]}".getBytes(StandardCharsets.UTF_8);
    Answer r = post(body, Signatures.meta(SECRET, body));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/json");
  }

  private static byte[] webhook(String wamid) {
    return ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
            + "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"phone_number_id\":"
            + "\"106540352242000\"},\"messages\":[{\"from\":\"14155550123\",\"id\":\""
            + wamid
            + "\",\"timestamp\":\"1750000000\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}]},"
            + "\"field\":\"messages\"}]}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** An answer read whole: its body is taken before the response ends, never after. */
  private record Answer(int statusCode, String contentType, String body) {
    String getHeader(String name) {
      return "Content-Type".equals(name) ? contentType : null;
    }
  }

  /**
   * One exchange, run on one event-loop context. Driven from the test thread instead, a response
   * can reach a pooled connection's loop before the test's {@code body()} call is registered, and
   * Vert.x 5 then drops the body (eclipse-vertx/vert.x#5904, #6038): the request hangs.
   */
  private static Answer post(byte[] body, String signature) {
    Promise<Answer> done = Promise.promise();
    context.runOnContext(
        v ->
            http.request(HttpMethod.POST, port, "127.0.0.1", "/webhooks/meta/app1")
                .compose(
                    req ->
                        req.putHeader("X-Hub-Signature-256", signature)
                            .putHeader("Content-Type", "application/json")
                            .send(Buffer.buffer(body)))
                .compose(
                    r ->
                        r.body()
                            .map(
                                b ->
                                    new Answer(
                                        r.statusCode(), r.getHeader("Content-Type"), b.toString())))
                .onComplete(done));
    return done.future().timeout(10, TimeUnit.SECONDS).await();
  }

  private static long xlen(String key) {
    return redis.send(Request.cmd(Command.XLEN).arg(key)).await().toLong();
  }

  private static boolean exists(String key) {
    return redis.send(Request.cmd(Command.EXISTS).arg(key)).await().toInteger() == 1;
  }

  /** {@code SLUICE_TEST_REDIS_URL}, or the local Redis when it is unset or blank. */
  private static String redisUrl() {
    String url = System.getenv("SLUICE_TEST_REDIS_URL");
    return url == null || url.isBlank() ? "redis://127.0.0.1:6379" : url.trim();
  }
}
