package dev.sluice.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A channel this instance's directory does not know yet: the API instance (A) knows the channel,
 * the dispatching instance (B) polls PostgreSQL only every ten minutes. B must ask PostgreSQL
 * before it fails a message as {@code channel_deleted}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UnknownChannelIT {
  /** Directories that never catch up by polling within a test. */
  private static final String SLOW_POLL = "600000";

  private static FakeProvider fake;
  private static IngressHarness a;
  private static String app;

  @BeforeAll
  static void start() {
    fake = FakeProvider.whatsApp();
    a =
        IngressHarness.start(
            Map.of(
                "whatsapp.baseUrl", fake.baseUrl(),
                "providers.allowHttp", "true",
                "providers.requestTimeoutMs", "2000",
                "dispatch.claimMs", "3000",
                "dispatch.enabled", "false",
                "pg.directoryPollMs", SLOW_POLL));
    app = TestBackends.uniqueId("app");
    a.metaApp(app, "unknown-channel-secret", "verify");
  }

  @AfterAll
  static void stop() throws Exception {
    if (a != null) {
      a.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  /** The dispatching instance, on the same Redis and database, with a directory of its own. */
  private static Gateway dispatcher() {
    return a.anotherInstance(Map.of("dispatch.enabled", "true", "pg.directoryPollMs", SLOW_POLL));
  }

  @Test
  void aMessageForAChannelCreatedOnAnotherInstanceIsSent() throws Exception {
    Gateway b = dispatcher(); // its directory is loaded before the channel exists
    try {
      Tenant t = a.tenant("fresh");
      String phoneNumberId = "6" + Math.abs(System.nanoTime() % 1_000_000_000L);
      String channel = channel(t, phoneNumberId);
      String id = send(t, channel, "+4915112340001");

      JsonObject message = awaitFinal(t, id, Duration.ofSeconds(30));

      assertThat(message.getString("status")).as(message.encode()).isEqualTo("sent");
      assertThat(fake.callsFor(phoneNumberId)).hasSize(1);
    } finally {
      b.close().await();
    }
  }

  @Test
  void aMessageForADeletedChannelStillFailsAsChannelDeleted() throws Exception {
    Tenant t = a.tenant("gone");
    String phoneNumberId = "6" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String channel = channel(t, phoneNumberId);
    String id = send(t, channel, "+4915112340002");
    a.admin(HttpMethod.DELETE, "/admin/tenants/" + t.id() + "/channels/" + channel, null);
    Gateway b = dispatcher(); // no dispatcher ran before the channel was deleted
    try {
      JsonObject message = awaitFinal(t, id, Duration.ofSeconds(30));

      assertThat(message.getString("status")).as(message.encode()).isEqualTo("failed");
      assertThat(message.getJsonObject("error").getString("code")).isEqualTo("channel_deleted");
      assertThat(fake.callsFor(phoneNumberId)).isEmpty();
    } finally {
      b.close().await();
    }
  }

  private static String channel(Tenant t, String phoneNumberId) {
    String channel = TestBackends.uniqueId("unk-wa");
    a.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "t")));
    return channel;
  }

  private static String send(Tenant t, String channel, String to) {
    HttpResponse<Buffer> r =
        a.client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put("channel", channel)
                    .put("to", to)
                    .put("type", "text")
                    .put("text", "hello"))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    return r.bodyAsJsonObject().getString("id");
  }

  /** Polls {@code GET /v1/messages/{id}} until the message is sent or failed. */
  private static JsonObject awaitFinal(Tenant t, String id, Duration timeout)
      throws InterruptedException {
    AtomicReference<JsonObject> found = new AtomicReference<>();
    Await.until(
        "message " + id + " to be sent or failed",
        timeout,
        () -> {
          HttpResponse<Buffer> r =
              a.client
                  .get("/v1/messages/" + id)
                  .putHeader("Authorization", "Bearer " + t.apiKey())
                  .send()
                  .await();
          boolean done =
              r.statusCode() == 200
                  && Set.of("sent", "failed").contains(r.bodyAsJsonObject().getString("status"));
          found.set(done ? r.bodyAsJsonObject() : null);
          return done;
        });
    return found.get();
  }
}
