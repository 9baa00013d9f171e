package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.RedisClusterProcess;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The same admission and queue code on a three-master Redis Cluster. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterIT {
  private static final String SECRET = "meta-app-secret-cluster";

  private static RedisClusterProcess cluster;
  private static IngressHarness h;
  private static String app;
  private static Tenant tenant;
  private static String phoneId;

  @BeforeAll
  static void start() {
    cluster = new RedisClusterProcess().start();
    h =
        IngressHarness.start(
            Map.of(
                "redis.type", "cluster",
                "redis.url", String.join(",", cluster.urls()),
                "ingress.partitions", "16"));
    app = TestBackends.uniqueId("app");
    h.metaApp(app, SECRET, "verify");
    tenant = h.tenant("cluster");
    phoneId = "6" + System.nanoTime() % 1_000_000_000L;
    h.channel(
        tenant.id(),
        new JsonObject()
            .put("id", TestBackends.uniqueId("cl-wa"))
            .put("provider", "whatsapp")
            .put("address", phoneId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "t"))
            .put(
                "limits",
                new JsonObject()
                    .put(
                        "inbound", new JsonObject().put("perPhonePerMinute", 60).put("burst", 2))));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void admissionDedupQuarantineAndPullWorkAcrossClusterSlots() {
    // 40 end users spread over the 16 partitions, hence over all three masters.
    for (int i = 0; i < 40; i++) {
      String body =
          IngressHarness.whatsappText(phoneId, "4420000" + (100 + i), "wamid.C" + i, "c" + i);
      assertThat(h.postMeta(app, SECRET, body).statusCode()).isEqualTo(200);
      assertThat(h.postMeta(app, SECRET, body).statusCode()).isEqualTo(200); // redelivery
    }
    // One end user over its limit (burst 2): 3 pass, the rest are quarantined.
    for (int i = 0; i < 8; i++) {
      String body = IngressHarness.whatsappText(phoneId, "4429999999", "wamid.Q" + i, "q" + i);
      assertThat(h.postMeta(app, SECRET, body).statusCode()).isEqualTo(200);
    }

    JsonArray inbound = h.drain(tenant.apiKey(), "inbound");
    JsonArray quarantined = h.drain(tenant.apiKey(), "quarantine");

    Set<String> ids = new HashSet<>();
    Set<String> partitions = new HashSet<>();
    inbound.forEach(
        e -> {
          ids.add(((JsonObject) e).getString("providerMessageId"));
          partitions.add(((JsonObject) e).getString("id").split(":")[0]);
        });
    quarantined.forEach(e -> ids.add(((JsonObject) e).getString("providerMessageId")));
    assertThat(ids).hasSize(48);
    assertThat(inbound.size() + quarantined.size()).isEqualTo(48);
    assertThat(quarantined.size()).isBetween(4, 5);
    assertThat(partitions.size()).isGreaterThan(8);
  }
}
