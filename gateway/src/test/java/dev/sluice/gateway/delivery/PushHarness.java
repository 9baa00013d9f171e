package dev.sluice.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A gateway for push-delivery tests ({@link IngressHarness} with loopback endpoints allowed and
 * short retry delays), a Meta app, and tenants' endpoints as real HTTP servers on loopback.
 */
final class PushHarness implements AutoCloseable {
  static final String APP_SECRET = "meta-app-secret-delivery";

  /** Loopback endpoints allowed, retries fast, the breaker short. */
  static final Map<String, String> FAST =
      Map.of(
          "delivery.allowHttp", "true",
          "delivery.allowPrivate", "true",
          "delivery.retryBaseMs", "100",
          "delivery.retryMaxMs", "400",
          "delivery.breakerOpenMs", "300",
          "delivery.idlePollMs", "20");

  final IngressHarness h;
  final Vertx vertx = Vertx.vertx();
  final String app = TestBackends.uniqueId("app");
  private final AtomicInteger phones = new AtomicInteger();

  PushHarness(Map<String, String> overrides) {
    Map<String, String> settings = new HashMap<>(FAST);
    settings.putAll(overrides);
    h = IngressHarness.start(settings);
    h.metaApp(app, APP_SECRET, "verify");
  }

  @Override
  public void close() throws Exception {
    try {
      vertx.close().await();
    } finally {
      h.close();
    }
  }

  /** A request the endpoint got, the status it answers, and whether the answer went out. */
  record Hit(MultiMap headers, String body, int status, AtomicBoolean answered) {
    JsonArray events() {
      return new JsonArray(body);
    }

    /** Answered 2xx: the gateway got the acknowledgement. */
    boolean acknowledged() {
      return answered.get() && status / 100 == 2;
    }
  }

  /** A tenant's endpoint: answers {@code status} after {@code delayMs}; records every request. */
  final class Receiver {
    final List<Hit> hits = new CopyOnWriteArrayList<>();
    volatile IntSupplier status = () -> 200;
    volatile long delayMs;
    final HttpServer server;

    Receiver() {
      server =
          vertx
              .createHttpServer()
              .requestHandler(req -> req.body().onSuccess(body -> answer(req, body)))
              .listen(0, "127.0.0.1")
              .await();
    }

    private void answer(HttpServerRequest req, Buffer body) {
      int code = status.getAsInt();
      long delay = delayMs;
      Hit hit =
          new Hit(req.headers(), body.toString(StandardCharsets.UTF_8), code, new AtomicBoolean());
      hits.add(hit);
      if (delay > 0) {
        vertx.setTimer(delay, t -> respond(req, hit));
      } else {
        respond(req, hit);
      }
    }

    private void respond(HttpServerRequest req, Hit hit) {
      if (req.response().closed()) {
        return; // the gateway gave up (timeout) or stopped: no acknowledgement
      }
      req.response().setStatusCode(hit.status()).end().onSuccess(v -> hit.answered().set(true));
    }

    String url() {
      return "http://127.0.0.1:" + server.actualPort() + "/hooks/sluice?x=1";
    }

    /** Events of the requests answered 2xx, in the order the requests came. */
    List<JsonObject> acknowledged() {
      List<JsonObject> out = new ArrayList<>();
      for (Hit hit : hits) {
        if (hit.acknowledged()) {
          hit.events().forEach(e -> out.add((JsonObject) e));
        }
      }
      return out;
    }

    long failures() {
      return hits.stream().filter(x -> x.status() / 100 != 2).count();
    }
  }

  Receiver receiver() {
    return new Receiver();
  }

  /** A tenant in push mode: its channel's phone number id and its endpoint's secret. */
  record Push(Tenant tenant, String address, String secret) {}

  /** A tenant with a WhatsApp channel, in push mode to {@code receiver}. */
  Push pushTenant(Receiver receiver, int batchSize) {
    return pushTenant(receiver.url(), batchSize);
  }

  /** A tenant with a WhatsApp channel, in push mode to the endpoint at {@code url}. */
  Push pushTenant(String url, int batchSize) {
    Tenant t = h.tenant("dl");
    String address = "77" + System.nanoTime() % 1_000_000_000L;
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", TestBackends.uniqueId("dl-wa"))
            .put("provider", "whatsapp")
            .put("address", address)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "t")));
    HttpResponse<Buffer> r =
        h.client
            .put("/v1/endpoint")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(new JsonObject().put("url", url).put("batchSize", batchSize))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    String secret = r.bodyAsJsonObject().getString("secret");
    assertThat(secret).startsWith("whsec_");
    return new Push(t, address, secret);
  }

  /** A phone number no other test used. */
  String newPhone() {
    return "1555" + String.format("%07d", phones.incrementAndGet());
  }

  /** An inbound WhatsApp message from {@code from}; its text is the wamid. */
  void send(Push p, String from, String wamid) {
    assertThat(
            h.postMeta(
                    app, APP_SECRET, IngressHarness.whatsappText(p.address(), from, wamid, wamid))
                .statusCode())
        .isEqualTo(200);
  }

  /** A tenant API call that must succeed; its JSON body. */
  JsonObject api(Tenant t, HttpMethod method, String path, JsonObject body) {
    HttpResponse<Buffer> r =
        h.client
            .request(method, path)
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendBuffer(body == null ? Buffer.buffer() : body.toBuffer())
            .await();
    assertThat(r.statusCode()).as("%s %s → %s", method, path, r.bodyAsString()).isBetween(200, 299);
    return r.body() == null || r.body().length() == 0 ? new JsonObject() : r.bodyAsJsonObject();
  }

  /** The text of each event (the tests send the wamid as the text). */
  static List<String> texts(List<JsonObject> events) {
    List<String> out = new ArrayList<>();
    events.forEach(e -> out.add(e.getString("text")));
    return out;
  }

  /** Standard Webhooks, computed independently: {@code v1,base64(HMAC-SHA256(key, id.ts.body))}. */
  static String expectedSignature(String secret, String id, String ts, String body)
      throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(
        new SecretKeySpec(
            Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
    byte[] sig = mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8));
    return "v1," + Base64.getEncoder().encodeToString(sig);
  }
}
