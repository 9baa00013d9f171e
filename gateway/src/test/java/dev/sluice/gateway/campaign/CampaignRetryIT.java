package dev.sluice.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Call;
import dev.sluice.gateway.testing.FakeProvider.Reply;
import dev.sluice.gateway.testing.MetricsText;
import dev.sluice.gateway.testing.RunsAlone;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Retrying a campaign's failures: rows whose message failed after the provider kept answering 503
 * are sent again by {@code retry-failed}, as new messages; a row that failed for good (an invalid
 * recipient) is not; and a campaign with too many failures pauses itself.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@RunsAlone
class CampaignRetryIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static FakeProvider fake;
  private static IngressHarness h;
  private static String app;

  @BeforeAll
  static void start() {
    fake = FakeProvider.whatsApp();
    h =
        IngressHarness.start(
            Map.of(
                "whatsapp.baseUrl", fake.baseUrl(),
                "providers.allowHttp", "true",
                "dispatch.maxAttempts", "2",
                "dispatch.retryBaseMs", "20",
                "dispatch.retryMaxMs", "50",
                "dispatch.breakerWindow", "1000",
                "dispatch.breakerMinimumCalls", "1000"));
    app = TestBackends.uniqueId("app");
    h.metaApp(app, "secret-retry", "verify");
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

  private record Line(Tenant tenant, String channel, String phoneNumberId) {}

  private static Line line(String name) {
    Tenant t = h.tenant(name);
    String phoneNumberId = "9" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String channel = TestBackends.uniqueId(name);
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-r")));
    return new Line(t, channel, phoneNumberId);
  }

  private static JsonObject get(Line line, String path) {
    return h.client
        .get(path)
        .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
        .send()
        .await()
        .bodyAsJsonObject();
  }

  private static String create(Line line, JsonArray audience) {
    return create(line, audience, null);
  }

  private static String create(Line line, JsonArray audience, Integer rate) {
    HttpResponse<Buffer> r =
        h.client
            .post("/v1/campaigns")
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put("name", "retry")
                    .put("channel", line.channel())
                    .put("message", new JsonObject().put("text", "hello"))
                    .put("audience", audience)
                    .put("ratePerSecond", rate))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  private static JsonObject awaitStatus(Line line, String id, String status) {
    JsonObject[] last = new JsonObject[1];
    try {
      Await.until(
          "campaign to be " + status,
          WAIT,
          () -> status.equals((last[0] = get(line, "/v1/campaigns/" + id)).getString("status")));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
    }
    return last[0];
  }

  @Test
  void retryFailedSendsAgainOnlyTheRowsWhoseRetriesRanOut() {
    Line line = line("retry");
    AtomicBoolean down = new AtomicBoolean(true);
    Set<String> outage = Set.of("14155550201", "14155550202");
    fake.script(
        line.phoneNumberId(),
        c -> {
          String to = c.json().getString("to");
          if (to.equals("14155550203")) {
            return Reply.error(400, 131026, "Message undeliverable", Map.of());
          }
          return outage.contains(to) && down.get()
              ? Reply.error(503, 2, "Service temporarily unavailable", Map.of())
              : null;
        });
    JsonArray audience = new JsonArray();
    for (int i = 201; i <= 210; i++) {
      audience.add(new JsonObject().put("phone", "+1415555" + String.format("%04d", i)));
    }
    String id = create(line, audience);
    JsonObject done = awaitStatus(line, id, "completed");
    assertThat(done.getJsonObject("counts").getLong("failed")).isEqualTo(3);
    assertThat(done.getJsonObject("counts").getLong("sent")).isEqualTo(7);
    JsonArray failed =
        get(line, "/v1/campaigns/" + id + "/messages?status=failed").getJsonArray("messages");
    assertThat(failed).hasSize(3);

    down.set(false);
    HttpResponse<Buffer> retried =
        h.client
            .post("/v1/campaigns/" + id + "/retry-failed")
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
            .send()
            .await();
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(200);
    assertThat(retried.bodyAsJsonObject().getInteger("retried")).isEqualTo(2);

    JsonObject again = awaitStatus(line, id, "completed");
    assertThat(again.getJsonObject("counts").getLong("sent")).isEqualTo(9);
    List<Call> toOutage =
        fake.callsFor(line.phoneNumberId()).stream()
            .filter(c -> c.json().getString("to").equals("14155550201"))
            .toList();
    // Two attempts that failed, then the retried row's new message, which succeeded.
    assertThat(toOutage).hasSize(3);
    String report =
        h.client
            .get("/v1/campaigns/" + id + "/report")
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
            .send()
            .await()
            .bodyAsString();
    assertThat(report.lines().filter(l -> l.startsWith("1,")))
        .singleElement()
        .asString()
        .contains(",sent,");
    assertThat(report.lines().filter(l -> l.startsWith("3,")))
        .singleElement()
        .asString()
        .contains(",failed,131026");
  }

  @Test
  void aCampaignWhoseSendsMostlyFailPausesItself() {
    Line line = line("ratio");
    Map<String, Boolean> seen = new ConcurrentHashMap<>();
    fake.script(
        line.phoneNumberId(),
        c -> {
          seen.put(c.json().getString("to"), true);
          return Reply.error(400, 131026, "Message undeliverable", Map.of());
        });
    JsonArray audience = new JsonArray();
    for (int i = 0; i < 1_000; i++) {
      audience.add(new JsonObject().put("phone", "+1415556" + String.format("%04d", i)));
    }
    double before = pausedByFailures().orElseThrow();
    String id = create(line, audience, 100);
    JsonObject paused = awaitStatus(line, id, "paused");
    assertThat(paused.getString("reason")).startsWith("failure_ratio");
    assertThat(seen.size()).isLessThan(1_000);
    // The gauge behind the SluiceCampaignPausedByFailures alert, sampled every few seconds.
    Await.until(
        "sluice_campaigns_paused_by_failures to count the campaign",
        WAIT,
        () -> pausedByFailures().equals(OptionalDouble.of(before + 1)));
  }

  private static OptionalDouble pausedByFailures() {
    return MetricsText.value(
        h.client.get("/metrics").send().await().bodyAsString(),
        "sluice_campaigns_paused_by_failures");
  }
}
