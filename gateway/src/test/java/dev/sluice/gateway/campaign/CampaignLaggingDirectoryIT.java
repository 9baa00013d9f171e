package dev.sluice.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A campaign expanded by an instance whose tenant directory has not seen the campaign's channel yet
 * (it was created through another instance a moment ago; directories poll PostgreSQL): the instance
 * waits until it knows the channel, as its dispatcher does, and does not pause the campaign as if
 * the channel had been deleted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CampaignLaggingDirectoryIT {
  private static final int ROWS = 50;

  private FakeProvider fake;
  private IngressHarness h;
  private Gateway lagging;

  @BeforeEach
  void start() {
    fake = FakeProvider.whatsApp();
    // The API's instance runs no campaigns; the only one that does never polls its directory
    // within the test, so it learns of the channel only by asking PostgreSQL.
    h =
        IngressHarness.start(
            Map.of(
                "whatsapp.baseUrl", fake.baseUrl(),
                "providers.requestTimeoutMs", "2000",
                "campaigns.enabled", "false"));
    lagging =
        h.anotherInstance(Map.of("campaigns.enabled", "true", "pg.directoryPollMs", "600000"));
  }

  @AfterEach
  void stop() throws Exception {
    if (lagging != null) {
      lagging.close().await();
    }
    if (h != null) {
      h.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  @Test
  void anInstanceThatHasNotSeenTheChannelYetWaitsForItInsteadOfPausingTheCampaign() {
    // Given a channel created after the campaign-running instance last read its directory
    String app = TestBackends.uniqueId("app");
    h.metaApp(app, "meta-app-secret-lag", "verify");
    Tenant t = h.tenant("lag");
    String phoneNumberId = "8" + Math.abs(System.nanoTime() % 1_000_000_000L);
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", "wa")
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-lag")));

    // When a campaign on it is created at once
    JsonArray audience = new JsonArray();
    for (int i = 0; i < ROWS; i++) {
      audience.add(new JsonObject().put("phone", String.format("+4915115%06d", i)));
    }
    HttpResponse<Buffer> created =
        h.client
            .post("/v1/campaigns")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put("name", "lag")
                    .put("channel", "wa")
                    .put("message", new JsonObject().put("text", "hello"))
                    .put("audience", audience))
            .await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");

    // Then it runs to the end, never paused
    JsonObject[] last = new JsonObject[1];
    Await.until(
        "the campaign to complete",
        Duration.ofSeconds(60),
        () -> {
          last[0] =
              h.client
                  .get("/v1/campaigns/" + id)
                  .putHeader("Authorization", "Bearer " + t.apiKey())
                  .send()
                  .await()
                  .bodyAsJsonObject();
          assertThat(last[0].getString("status")).as(last[0].encode()).isNotEqualTo("paused");
          return "completed".equals(last[0].getString("status"));
        });
    assertThat(last[0].getJsonObject("counts").getInteger("sent")).isEqualTo(ROWS);
    assertThat(fake.callsFor(phoneNumberId)).hasSize(ROWS);
  }
}
