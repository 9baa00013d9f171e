package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tenant pull API: leases, visibility timeout, order per conversation, validation. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventsApiIT {
  private static final String SECRET = "meta-app-secret-events";

  private static IngressHarness h;
  private static String app;
  private static String phoneId;

  /** Each tenant's phone number id: phoneId and a counter (a hash could give two tenants one). */
  private static final Map<String, String> ADDRESSES = new ConcurrentHashMap<>();

  private static final AtomicInteger ADDRESS_SUFFIX = new AtomicInteger(100);

  @BeforeAll
  static void start() {
    h = IngressHarness.start(Map.of("ingress.visibilityTimeoutMs", "300"));
    app = TestBackends.uniqueId("app");
    h.metaApp(app, SECRET, "verify");
    phoneId = "9" + System.nanoTime() % 1_000_000_000L;
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  /** A fresh tenant with its own channel, so tests do not see each other's events. */
  private static Tenant freshTenant() {
    Tenant t = h.tenant("ev");
    ADDRESSES.put(t.id(), phoneId + ADDRESS_SUFFIX.incrementAndGet());
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", TestBackends.uniqueId("ev-wa"))
            .put("provider", "whatsapp")
            .put("address", address(t))
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "t")));
    return t;
  }

  private static String address(Tenant t) {
    return ADDRESSES.get(t.id());
  }

  private static void send(Tenant t, String from, String wamid) {
    assertThat(
            h.postMeta(app, SECRET, IngressHarness.whatsappText(address(t), from, wamid, wamid))
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void anUnacknowledgedEventComesBackAfterTheVisibilityTimeout() throws Exception {
    Tenant t = freshTenant();
    send(t, "111", "wamid.V1");

    JsonArray first = h.pull(t.apiKey(), "inbound", 10);
    assertThat(first).hasSize(1);
    assertThat(h.pull(t.apiKey(), "inbound", 10)).isEmpty();

    AtomicReference<JsonArray> redelivered = new AtomicReference<>();
    Await.until(
        "the unacknowledged event to come back",
        Duration.ofSeconds(30),
        () -> {
          redelivered.set(h.pull(t.apiKey(), "inbound", 10));
          return !redelivered.get().isEmpty();
        });
    JsonArray again = redelivered.get();
    assertThat(again.getJsonObject(0).getString("id"))
        .isEqualTo(first.getJsonObject(0).getString("id"));

    assertThat(h.ack(t.apiKey(), again)).isEqualTo(1);
    assertThat(h.ack(t.apiKey(), again)).isZero();
  }

  @Test
  void aConversationsNextEventWaitsForTheEarlierOneWhileOthersProceed() {
    Tenant t = freshTenant();
    send(t, "222", "wamid.A1");

    JsonArray a1 = h.pull(t.apiKey(), "inbound", 1);
    assertThat(a1.getJsonObject(0).getString("providerMessageId")).isEqualTo("wamid.A1");

    send(t, "222", "wamid.A2");
    send(t, "333", "wamid.B1");
    JsonArray next = h.pull(t.apiKey(), "inbound", 10);
    assertThat(next)
        .extracting(e -> ((JsonObject) e).getString("providerMessageId"))
        .containsExactly("wamid.B1");

    h.ack(t.apiKey(), a1);
    assertThat(h.pull(t.apiKey(), "inbound", 10))
        .extracting(e -> ((JsonObject) e).getString("providerMessageId"))
        .containsExactly("wamid.A2");
  }

  @Test
  void anotherTenantCannotAcknowledgeMyEvents() {
    Tenant mine = freshTenant();
    Tenant other = freshTenant();
    send(mine, "444", "wamid.M1");
    JsonArray events = h.pull(mine.apiKey(), "inbound", 10);

    assertThat(h.ack(other.apiKey(), events)).isZero();
    assertThat(h.ack(mine.apiKey(), events)).isEqualTo(1);
  }

  @Test
  void badRequestsGetClearJsonErrors() {
    Tenant t = freshTenant();
    assertThat(status(h.pullResponse(t.apiKey(), "?max=0"))).isEqualTo(400);
    assertThat(status(h.pullResponse(t.apiKey(), "?max=1001"))).isEqualTo(400);
    assertThat(status(h.pullResponse(t.apiKey(), "?max=ten"))).isEqualTo(400);
    assertThat(status(h.pullResponse(t.apiKey(), "?lane=vip"))).isEqualTo(400);
    assertThat(status(h.pullResponse("sk_not_a_key", ""))).isEqualTo(401);
    assertThat(h.client.get("/v1/events").send().await().statusCode()).isEqualTo(401);

    for (String body :
        new String[] {
          "",
          "not json",
          "[]",
          "{}",
          "{\"ids\":[]}",
          "{\"ids\":\"x\"}",
          "{\"ids\":[1]}",
          "{\"ids\":[\"i99999:1-1\"]}",
          "{\"ids\":[\"x1:1-1\"]}"
        }) {
      HttpResponse<Buffer> r =
          h.client
              .post("/v1/events/ack")
              .putHeader("Authorization", "Bearer " + t.apiKey())
              .sendBuffer(Buffer.buffer(body))
              .await();
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code")).isNotBlank();
    }
  }

  private static int status(HttpResponse<Buffer> r) {
    assertThat(r.getHeader("content-type")).startsWith("application/json");
    return r.statusCode();
  }
}
