package dev.sluice.loadtest.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bare egress baseline against a real Redis ({@code SLUICE_TEST_REDIS_URL}, default
 * 127.0.0.1:6379) and a real HTTP server on port 0 playing the provider.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BareEgressIT {
  private static final String REDIS_URL = redisUrl();

  private Vertx vertx;
  private Redis redis;
  private HttpClientAgent http;
  private Context context;
  private final Set<String> delivered = ConcurrentHashMap.newKeySet();
  private final String stream = "bare-it:" + UUID.randomUUID();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(REDIS_URL));
    http = vertx.createHttpClient();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    redis.send(Request.cmd(Command.DEL).arg(stream)).await();
    vertx.close().await();
  }

  @Test
  void everyAcceptedMessageReachesTheProviderOnceAndLeavesTheStream() {
    int port = deploy(provider(201));
    List<Future<Integer>> posts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      posts.add(post(port, message("+14155550" + (100 + i), "lt-it-" + i)));
    }
    Future.all(posts).await();
    assertThat(posts).allSatisfy(f -> assertThat(f.result()).isEqualTo(202));

    waitFor(() -> delivered.size() < 200 ? Future.succeededFuture(false) : drained());
    assertThat(delivered).hasSize(200).contains("lt-it-0", "lt-it-199");
  }

  @Test
  void anEntryTheProviderRefusesStaysPending() {
    int port = deploy(provider(500));
    assertThat(post(port, message("+14155550100", "lt-refused")).await()).isEqualTo(202);

    waitFor(
        () ->
            delivered.contains("lt-refused")
                ? pendingCount().map(n -> n == 1)
                : Future.succeededFuture(false));
    assertThat(xlen()).isEqualTo(1);
  }

  @Test
  void aBodyWithoutRecipientOrTextIs400AndNothingIsQueued() {
    int port = deploy(provider(201));
    assertThat(post(port, new JsonObject().put("to", "+14155550100")).await()).isEqualTo(400);
    assertThat(post(port, new JsonObject().put("text", 7)).await()).isEqualTo(400);
    assertThat(xlen()).isZero();
  }

  private static JsonObject message(String to, String text) {
    return new JsonObject()
        .put("channel", "bare")
        .put("to", to)
        .put("type", "text")
        .put("text", text);
  }

  /** A provider answering every form POST with {@code status}, recording each Body. */
  private int provider(int status) {
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              MultiMap form = decode(b.toString());
                              delivered.add(form.get("Body"));
                              req.response().setStatusCode(status).end("{\"sid\":\"SM1\"}");
                            }))
            .listen(0, "127.0.0.1")
            .await();
    return server.actualPort();
  }

  private static MultiMap decode(String form) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      m.add(
          pair.substring(0, eq),
          java.net.URLDecoder.decode(
              pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
    }
    return m;
  }

  private int deploy(int providerPort) {
    BareEgressServer.Settings s =
        new BareEgressServer.Settings(
            "127.0.0.1",
            0,
            REDIS_URL,
            URI.create("http://127.0.0.1:" + providerPort + "/bare"),
            stream,
            64,
            16);
    BareEgressServer.createGroup(vertx, s);
    BareEgressVerticle[] first = new BareEgressVerticle[1];
    int[] n = {0};
    vertx
        .deployVerticle(
            () -> {
              BareEgressVerticle v = new BareEgressVerticle(s, "c" + n[0]++);
              if (first[0] == null) {
                first[0] = v;
              }
              return v;
            },
            new DeploymentOptions().setInstances(2))
        .await();
    return first[0].port();
  }

  /**
   * One exchange, run on one event-loop context so the response's {@code body()} is asked for on
   * the connection's loop (eclipse-vertx/vert.x#5904, #6038: from another thread it can be lost).
   */
  private Future<Integer> post(int port, JsonObject body) {
    Promise<Integer> done = Promise.promise();
    context.runOnContext(
        v ->
            http.request(HttpMethod.POST, port, "127.0.0.1", "/v1/messages")
                .compose(r -> r.send(body.toBuffer()))
                .compose(r -> r.body().map(b -> r.statusCode()))
                .onComplete(done));
    return done.future();
  }

  private long xlen() {
    return redis.send(Request.cmd(Command.XLEN).arg(stream)).await().toLong();
  }

  private Future<Long> pendingCount() {
    return redis
        .send(Request.cmd(Command.XPENDING).arg(stream).arg(BareEgressVerticle.GROUP))
        .map(r -> r.get(0).toLong());
  }

  /** True once the stream is empty and nothing is pending. */
  private Future<Boolean> drained() {
    return redis
        .send(Request.cmd(Command.XLEN).arg(stream))
        .compose(len -> pendingCount().map(p -> len.toLong() == 0 && p == 0));
  }

  /** Completes when the condition holds, checked on a Vert.x timer (no sleeping test thread). */
  private void waitFor(Supplier<Future<Boolean>> condition) {
    Promise<Void> done = Promise.promise();
    vertx.setPeriodic(
        20,
        id ->
            condition
                .get()
                .onSuccess(
                    ok -> {
                      if (ok) {
                        vertx.cancelTimer(id);
                        done.tryComplete();
                      }
                    }));
    done.future().timeout(20, TimeUnit.SECONDS).await();
  }

  /** {@code SLUICE_TEST_REDIS_URL}, or the local Redis when it is unset or blank. */
  private static String redisUrl() {
    String url = System.getenv("SLUICE_TEST_REDIS_URL");
    return url == null || url.isBlank() ? "redis://127.0.0.1:6379" : url.trim();
  }
}
