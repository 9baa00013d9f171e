package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A tenant whose backlog is full gets 503 + Retry-After; nothing is evicted or dropped. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BacklogIT {
  private static final String SECRET = "meta-app-secret-backlog";

  private static IngressHarness h;
  private static String app;
  private static Tenant tenant;
  private static String phoneId;

  @BeforeAll
  static void start() {
    // 4 partitions, 8 events in all: 2 per partition.
    h = IngressHarness.start(Map.of("ingress.partitions", "4", "ingress.maxBacklogPerTenant", "8"));
    app = TestBackends.uniqueId("app");
    h.metaApp(app, SECRET, "verify");
    tenant = h.tenant("full");
    phoneId = "8" + System.nanoTime() % 1_000_000_000L;
    h.channel(
        tenant.id(),
        new JsonObject()
            .put("id", TestBackends.uniqueId("full-wa"))
            .put("provider", "whatsapp")
            .put("address", phoneId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "t")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void fullTenantGets503WithRetryAfterAndTheRedeliveryIsTakenOnceThereIsRoom() {
    String refused = null;
    int accepted = 0;
    for (int i = 0; i < 200 && refused == null; i++) {
      String body = IngressHarness.whatsappText(phoneId, "3300000" + i, "wamid.F" + i, "f" + i);
      HttpResponse<Buffer> r = h.postMeta(app, SECRET, body);
      if (r.statusCode() == 503) {
        assertThat(r.getHeader("Retry-After")).isEqualTo("30");
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
            .isEqualTo("backlog_full");
        refused = body;
      } else {
        assertThat(r.statusCode()).isEqualTo(200);
        accepted++;
      }
    }
    assertThat(refused).as("some partition filled up").isNotNull();
    assertThat(accepted).isLessThanOrEqualTo(8);

    // Nothing was evicted: everything accepted is still there; then there is room again.
    assertThat(h.drain(tenant.apiKey(), "inbound")).hasSize(accepted);
    assertThat(h.postMeta(app, SECRET, refused).statusCode()).isEqualTo(200);
    assertThat(h.drain(tenant.apiKey(), "inbound")).hasSize(1);
  }
}
