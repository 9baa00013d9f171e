package dev.sluice.loadtest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.loadtest.Signatures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The simulator as a real HTTP server on port 0, driven by a real client. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProviderSimulatorIT {
  private static Vertx vertx;
  private HttpClient client;
  private Context context;
  private final List<String> deployments = new ArrayList<>();
  private final List<HttpServer> receivers = new ArrayList<>();
  private int port;

  /** A request the fake receiver got: headers and raw body. */
  record Received(MultiMap headers, String body, String uri) {}

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @AfterEach
  void undeploy() {
    client.close().await();
    deployments.forEach(id -> vertx.undeploy(id).await());
    receivers.forEach(server -> server.close().await());
  }

  private void start(Map<String, ?> patch) {
    ProviderSimulator sim =
        new ProviderSimulator(SimulatorSettings.defaults().with(patch), "127.0.0.1", 0);
    deployments.add(vertx.deployVerticle(sim).await());
    client = vertx.createHttpClient();
    context = vertx.getOrCreateContext();
    port = sim.port();
  }

  /**
   * Runs a client exchange on one event-loop context. Driven from the test thread instead, a
   * response can reach a pooled connection's loop before the test's {@code body()} call is
   * registered, and Vert.x 5 then drops the body (eclipse-vertx/vert.x#5904): the request hangs.
   */
  private <T> T exchange(Supplier<Future<T>> op) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> op.get().onComplete(done));
    return done.future().timeout(10, TimeUnit.SECONDS).await();
  }

  private record Answer(int status, JsonObject body) {}

  private Answer post(String path, String contentType, String body, String authorization) {
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI(path)
            .putHeader("Content-Type", contentType);
    if (authorization != null) {
      o.putHeader("Authorization", authorization);
    }
    return exchange(
        () ->
            client
                .request(o)
                .compose(req -> req.send(Buffer.buffer(body)))
                .compose(
                    resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toJsonObject()))));
  }

  private Answer whatsApp(String to, String text) {
    return post(
        "/v23.0/106540352242922/messages",
        "application/json",
        new JsonObject()
            .put("messaging_product", "whatsapp")
            .put("to", to)
            .put("type", "text")
            .put("text", new JsonObject().put("body", text))
            .encode(),
        "Bearer token");
  }

  private JsonObject get(String path) {
    return exchange(
            () ->
                client
                    .request(HttpMethod.GET, port, "127.0.0.1", path)
                    .compose(req -> req.send())
                    .compose(resp -> resp.body()))
        .toJsonObject();
  }

  private List<Received> receiver(int[] portOut) {
    List<Received> got = new CopyOnWriteArrayList<>();
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              synchronized (got) {
                                got.add(new Received(req.headers(), b.toString(), req.uri()));
                                got.notifyAll();
                              }
                              req.response().end();
                            }))
            .listen(0, "127.0.0.1")
            .await();
    receivers.add(server);
    portOut[0] = server.actualPort();
    return got;
  }

  /** Waits until the receiver has {@code n} requests (it notifies on each one), at most 10 s. */
  private static void awaitSize(List<?> list, int n) throws InterruptedException {
    await(list, () -> list.size() >= n);
    assertThat(list).hasSizeGreaterThanOrEqualTo(n);
  }

  /**
   * Waits until the condition holds, looking again each time the receiver notifies; 10 s at most.
   */
  private static void await(List<?> list, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    synchronized (list) {
      long left;
      while (!condition.getAsBoolean() && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(list, left);
      }
    }
  }

  @Test
  void whatsAppOverThroughputIsRejectedWith130429() {
    start(Map.of("whatsappMps", 5, "whatsappBurst", 5));
    List<Answer> answers = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      answers.add(whatsApp("1650555000" + i, "hello " + i));
    }
    assertThat(answers.subList(0, 5)).allMatch(a -> a.status() == 200);
    assertThat(answers.get(0).body().getJsonArray("messages").getJsonObject(0).getString("id"))
        .startsWith("wamid.");
    Answer rejected = answers.get(5);
    assertThat(rejected.status()).isEqualTo(400);
    JsonObject error = rejected.body().getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(130429);
    assertThat(error.getString("message")).isEqualTo("(#130429) Rate limit hit");
    assertThat(error.getString("type")).isEqualTo("OAuthException");
    assertThat(error.getJsonObject("error_data").getString("details"))
        .isEqualTo(
            "Message failed to send because there were too many messages sent from this phone"
                + " number in a short period of time");
    assertThat(error.getString("fbtrace_id")).isNotBlank();
    assertThat(get("/stats").getJsonObject("rejections").getLong("whatsapp:130429")).isEqualTo(2);
  }

  @Test
  void pairRateOverBurstIsRejectedWith131056() {
    start(Map.of("pairBurst", 2));
    assertThat(whatsApp("16505551234", "a").status()).isEqualTo(200);
    assertThat(whatsApp("16505551234", "b").status()).isEqualTo(200);
    Answer third = whatsApp("16505551234", "c");
    assertThat(third.status()).isEqualTo(400);
    assertThat(third.body().getJsonObject("error").getInteger("code")).isEqualTo(131056);
    assertThat(whatsApp("16505559999", "d").status()).isEqualTo(200);
  }

  @Test
  void telegramSecondMessageToOneChatWithinASecondGets429WithRetryAfter() {
    start(Map.of());
    String path = "/bot123456:ABC-DEF/sendMessage";
    Answer first = post(path, "application/json", "{\"chat_id\":42,\"text\":\"one\"}", null);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.body().getBoolean("ok")).isTrue();
    assertThat(first.body().getJsonObject("result").getJsonObject("chat").getLong("id"))
        .isEqualTo(42);
    Answer second = post(path, "application/x-www-form-urlencoded", "chat_id=42&text=two", null);
    assertThat(second.status()).isEqualTo(429);
    assertThat(second.body().getBoolean("ok")).isFalse();
    assertThat(second.body().getInteger("error_code")).isEqualTo(429);
    assertThat(second.body().getJsonObject("parameters").getInteger("retry_after")).isEqualTo(1);
    assertThat(post(path, "application/json", "{\"chat_id\":43,\"text\":\"x\"}", null).status())
        .isEqualTo(200);
  }

  @Test
  void statusWebhooksAreSignedLikeMetaAndGoSentDeliveredRead() throws Exception {
    int[] receiverPort = new int[1];
    List<Received> got = receiver(receiverPort);
    start(
        Map.of(
            "statusWebhookUrl", "http://127.0.0.1:" + receiverPort[0] + "/webhooks/meta/app",
            "appSecret", "app-secret",
            "sentDelayMs", 10,
            "deliveredDelayMs", 40,
            "readDelayMs", 120,
            "readShare", 1,
            "duplicateShare", 0,
            "reorderShare", 0,
            "batchWindowMs", 5));
    String wamid =
        whatsApp("16505551234", "hi")
            .body()
            .getJsonArray("messages")
            .getJsonObject(0)
            .getString("id");
    // The simulator may batch statuses into fewer webhooks: wait for three statuses in all.
    await(got, () -> statusesIn(got, wamid).size() >= 3);
    List<String> statuses = statusesIn(got, wamid);
    assertThat(statuses).containsExactly("sent", "delivered", "read");
  }

  /** The statuses in the received Meta webhooks, in arrival order, each checked for shape. */
  private static List<String> statusesIn(List<Received> got, String wamid) {
    List<String> statuses = new ArrayList<>();
    for (Received r : got) {
      assertThat(r.headers().get("X-Hub-Signature-256"))
          .isEqualTo(Signatures.meta("app-secret", r.body().getBytes(StandardCharsets.UTF_8)));
      JsonObject value =
          new JsonObject(r.body())
              .getJsonArray("entry")
              .getJsonObject(0)
              .getJsonArray("changes")
              .getJsonObject(0)
              .getJsonObject("value");
      assertThat(value.getJsonObject("metadata").getString("phone_number_id"))
          .isEqualTo("106540352242922");
      JsonArray s = value.getJsonArray("statuses");
      for (int i = 0; i < s.size(); i++) {
        assertThat(s.getJsonObject(i).getString("id")).isEqualTo(wamid);
        statuses.add(s.getJsonObject(i).getString("status"));
      }
    }
    return statuses;
  }

  @Test
  void injectedAsyncFailureSendsFailedStatusWithErrors() throws Exception {
    int[] receiverPort = new int[1];
    List<Received> got = receiver(receiverPort);
    start(
        Map.of(
            "statusWebhookUrl", "http://127.0.0.1:" + receiverPort[0] + "/wh",
            "appSecret", "s",
            "asyncFailureRate", 1,
            "sentDelayMs", 5,
            "deliveredDelayMs", 30,
            "duplicateShare", 0,
            "batchWindowMs", 0));
    whatsApp("16505551234", "hi");
    awaitSize(got, 2);
    JsonObject failed =
        new JsonObject(got.get(1).body())
            .getJsonArray("entry")
            .getJsonObject(0)
            .getJsonArray("changes")
            .getJsonObject(0)
            .getJsonObject("value")
            .getJsonArray("statuses")
            .getJsonObject(0);
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getJsonArray("errors").getJsonObject(0).getInteger("code")).isEqualTo(131026);
  }

  @Test
  void sameTextAcceptedTwiceIsCountedAsADuplicate() {
    start(Map.of("countBy", "text"));
    whatsApp("16505550001", "order 17 shipped");
    whatsApp("16505550002", "order 18 shipped");
    whatsApp("16505550003", "order 17 shipped");
    JsonObject stats = get("/stats?duplicates=true");
    assertThat(stats.getLong("accepted")).isEqualTo(3);
    assertThat(stats.getLong("unique")).isEqualTo(2);
    assertThat(stats.getLong("duplicates")).isEqualTo(1);
    assertThat(stats.getJsonArray("duplicateKeys").getJsonObject(0).getString("key"))
        .isEqualTo("order 17 shipped");
  }

  @Test
  void outageAnswers503UntilTheControlEndpointEndsIt() {
    start(Map.of());
    post("/control", "application/json", "{\"outageForMs\":60000}", null);
    Answer during = whatsApp("16505551234", "x");
    assertThat(during.status()).isEqualTo(503);
    assertThat(during.body().getJsonObject("error").getInteger("code")).isEqualTo(2);
    Answer control = post("/control", "application/json", "{\"outageUntilEpochMs\":0}", null);
    assertThat(control.body().getLong("outageUntilEpochMs")).isZero();
    assertThat(whatsApp("16505551234", "y").status()).isEqualTo(200);
    assertThat(post("/control", "application/json", "{\"nope\":1}", null).status()).isEqualTo(400);
  }

  @Test
  void twilioStatusCallbackIsSignedWithTheRequestsAuthToken() throws Exception {
    int[] receiverPort = new int[1];
    List<Received> got = receiver(receiverPort);
    start(Map.of("sentDelayMs", 5, "deliveredDelayMs", 20));
    String callback = "http://127.0.0.1:" + receiverPort[0] + "/status?x=1";
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString("AC123:auth-token".getBytes(StandardCharsets.UTF_8));
    Answer created =
        post(
            "/2010-04-01/Accounts/AC123/Messages.json",
            "application/x-www-form-urlencoded",
            "To=%2B14155550100&From=%2B14155550199&Body=hi&StatusCallback="
                + java.net.URLEncoder.encode(callback, StandardCharsets.UTF_8),
            basic);
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.body().getString("sid")).startsWith("SM").hasSize(34);
    awaitSize(got, 2);
    for (Received r : got) {
      Map<String, String> params = new TreeMap<>();
      for (String pair : r.body().split("&")) {
        String[] kv = pair.split("=", 2);
        params.put(
            URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
            URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
      }
      assertThat(r.headers().get("X-Twilio-Signature"))
          .isEqualTo(Signatures.twilio("auth-token", callback, params));
      assertThat(params.get("MessageSid")).isEqualTo(created.body().getString("sid"));
    }
  }

  @Test
  void twilioCallbacksCanBeTurnedOff() throws Exception {
    int[] receiverPort = new int[1];
    List<Received> got = receiver(receiverPort);
    start(Map.of("sentDelayMs", 1, "deliveredDelayMs", 2, "twilioCallbackShare", 0));
    String form =
        "To=%2B14155550100&From=%2B14155550199&StatusCallback="
            + java.net.URLEncoder.encode(
                "http://127.0.0.1:" + receiverPort[0] + "/status", StandardCharsets.UTF_8)
            + "&Body=";
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString("AC123:auth-token".getBytes(StandardCharsets.UTF_8));
    String path = "/2010-04-01/Accounts/AC123/Messages.json";
    String contentType = "application/x-www-form-urlencoded";
    Answer silent = post(path, contentType, form + "first", basic);
    post("/control", "application/json", "{\"twilioCallbackShare\":1}", null);
    Answer reported = post(path, contentType, form + "second", basic);

    // The first message's callbacks would have been due before the second's: once the second's
    // two have arrived, the first's would have too.
    awaitSize(got, 2);
    assertThat(got)
        .allSatisfy(r -> assertThat(r.body()).contains(reported.body().getString("sid")))
        .noneSatisfy(r -> assertThat(r.body()).contains(silent.body().getString("sid")));
  }

  @Test
  void infobipAcceptsEveryDestination() {
    start(Map.of());
    Answer a =
        post(
            "/sms/3/messages",
            "application/json",
            "{\"messages\":[{\"sender\":\"InfoSMS\",\"destinations\":[{\"to\":\"41793026727\"},"
                + "{\"to\":\"41793026728\"}],\"content\":{\"text\":\"hello\"}}]}",
            "App key");
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body().getJsonArray("messages")).hasSize(2);
    assertThat(
            a.body()
                .getJsonArray("messages")
                .getJsonObject(0)
                .getJsonObject("status")
                .getString("name"))
        .isEqualTo("MESSAGE_ACCEPTED");
  }
}
