package dev.sluice.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Reply;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The only dispatching instance dies with sends in flight; another instance takes its partitions
 * and in-flight messages over once their claim and lease run out. Nothing is lost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DispatcherCrashIT {
  private static FakeProvider fake;
  private static IngressHarness h;

  @BeforeAll
  static void start() {
    fake = FakeProvider.whatsApp();
    // The harness instance serves the API only.
    h =
        IngressHarness.start(
            Map.of(
                "whatsapp.baseUrl", fake.baseUrl(),
                "providers.requestTimeoutMs", "2000",
                "dispatch.claimMs", "3000",
                "dispatch.enabled", "false"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  @Test
  void aDispatcherKilledMidFlightLosesNothing() throws Exception {
    String app = TestBackends.uniqueId("app");
    h.metaApp(app, "crash-secret", "verify");
    Tenant t = h.tenant("crash");
    String phoneNumberId = "4" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String channel = TestBackends.uniqueId("crash-wa");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "t")));
    AtomicBoolean slow = new AtomicBoolean(true);
    fake.script(
        phoneNumberId,
        c -> {
          if (!slow.get()) {
            return null;
          }
          Promise<Void> later = Promise.promise();
          fake.vertx().setTimer(1_500, x -> later.complete());
          Reply ok = Reply.ok("wamid.SLOW" + System.nanoTime());
          return new Reply(ok.status(), ok.body(), Map.of(), later.future());
        });

    Gateway doomed = h.anotherInstance(Map.of("dispatch.enabled", "true"));
    Gateway survivor = null;
    try {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        HttpResponse<Buffer> r =
            h.client
                .post("/v1/messages")
                .putHeader("Authorization", "Bearer " + t.apiKey())
                .sendJsonObject(
                    new JsonObject()
                        .put("channel", channel)
                        .put("to", "+49151123402" + (10 + i))
                        .put("text", "k" + i))
                .await();
        assertThat(r.statusCode()).isEqualTo(202);
        ids.add(r.bodyAsJsonObject().getString("id"));
      }
      Await.until(
          "the doomed instance's first send",
          Duration.ofSeconds(30),
          () -> !fake.callsFor(phoneNumberId).isEmpty());
      doomed.close().await(); // its sends are in flight: their outcomes are never recorded
      doomed = null;
      slow.set(false);
      survivor = h.anotherInstance(Map.of("dispatch.enabled", "true"));

      for (String id : ids) {
        Await.until(
            "message " + id + " sent by the survivor",
            Duration.ofSeconds(60),
            () -> "sent".equals(status(t, id)));
      }
      List<String> texts = new ArrayList<>();
      fake.callsFor(phoneNumberId).forEach(c -> texts.add(c.text()));
      assertThat(texts).containsAll(List.of("k0", "k1", "k2", "k3", "k4", "k5"));
      // At least once: only what was in flight at the crash may have gone twice.
      assertThat(texts.size()).isLessThanOrEqualTo(12);
    } finally {
      if (doomed != null) {
        doomed.close().await();
      }
      if (survivor != null) {
        survivor.close().await();
      }
    }
  }

  private static String status(Tenant t, String id) {
    HttpResponse<Buffer> r =
        h.client
            .get("/v1/messages/" + id)
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .send()
            .await();
    return r.statusCode() == 200 ? r.bodyAsJsonObject().getString("status") : null;
  }
}
