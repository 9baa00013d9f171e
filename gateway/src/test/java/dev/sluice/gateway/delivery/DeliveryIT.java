package dev.sluice.gateway.delivery;

import static dev.sluice.gateway.delivery.PushHarness.expectedSignature;
import static dev.sluice.gateway.delivery.PushHarness.texts;
import static dev.sluice.gateway.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.core.signing.StandardWebhookVerifier;
import dev.sluice.gateway.core.signing.Verdict;
import dev.sluice.gateway.delivery.PushHarness.Hit;
import dev.sluice.gateway.delivery.PushHarness.Push;
import dev.sluice.gateway.delivery.PushHarness.Receiver;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Push delivery end to end: one gateway on the real backends, tenants' endpoints as real HTTP
 * servers on loopback. Requests may take 15 s here, so a 10-second endpoint is slow, not failed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeliveryIT {
  private static PushHarness push;

  @BeforeAll
  static void start() {
    push =
        new PushHarness(Map.of("delivery.requestTimeoutMs", "15000", "delivery.claimMs", "20000"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (push != null) {
      push.close();
    }
  }

  @Test
  void deliveriesAreSignedPerStandardWebhooksAndVerifyDuringARotation() throws Exception {
    Receiver receiver = push.receiver();
    Push p = push.pushTenant(receiver, 1);
    push.send(p, push.newPhone(), "wamid.SIG1");
    until("the first delivery", Duration.ofSeconds(10), () -> receiver.acknowledged().size() == 1);

    Hit hit = receiver.hits.get(0);
    String id = hit.headers().get("webhook-id");
    String ts = hit.headers().get("webhook-timestamp");
    String signature = hit.headers().get("webhook-signature");
    assertThat(hit.headers().get("Content-Type")).startsWith("application/json");
    assertThat(signature).isEqualTo(expectedSignature(p.secret(), id, ts, hit.body()));
    assertThat(
            new StandardWebhookVerifier()
                .verify(
                    p.secret(),
                    id,
                    ts,
                    signature,
                    hit.body().getBytes(StandardCharsets.UTF_8),
                    System.currentTimeMillis() / 1000,
                    300))
        .isEqualTo(Verdict.VALID);
    JsonObject event = hit.events().getJsonObject(0);
    assertThat(event.getString("id")).isEqualTo(id); // one event: webhook-id is its id
    assertThat(event.getString("kind")).isEqualTo("message");
    assertThat(event.getString("text")).isEqualTo("wamid.SIG1");
    assertThat(event.getJsonObject("raw")).isNotNull();

    JsonObject rotated = push.api(p.tenant(), HttpMethod.POST, "/v1/endpoint/rotate-secret", null);
    String newSecret = rotated.getString("secret");
    assertThat(newSecret).startsWith("whsec_").isNotEqualTo(p.secret());
    push.send(p, push.newPhone(), "wamid.SIG2");
    until(
        "a delivery signed with both secrets",
        Duration.ofSeconds(10),
        () -> receiver.hits.stream().anyMatch(x -> signatures(x).length == 2));
    Hit during =
        receiver.hits.stream().filter(x -> signatures(x).length == 2).findFirst().orElseThrow();
    String did = during.headers().get("webhook-id");
    String dts = during.headers().get("webhook-timestamp");
    assertThat(signatures(during)[0])
        .isEqualTo(expectedSignature(newSecret, did, dts, during.body()));
    assertThat(signatures(during)[1])
        .isEqualTo(expectedSignature(p.secret(), did, dts, during.body()));

    String metrics = push.h.client.get("/metrics").send().await().bodyAsString();
    assertThat(metrics)
        .contains(
            "sluice_delivery_attempts_total{outcome=\"succeeded\",tenant=\""
                + p.tenant().id()
                + "\"}");
  }

  private static String[] signatures(Hit hit) {
    return hit.headers().get("webhook-signature").split(" ");
  }

  @Test
  void anEndpointDownForAWhileGetsEverythingInOrderPerConversationWhenBack() throws Exception {
    Receiver receiver = push.receiver();
    receiver.status = () -> 503;
    Push p = push.pushTenant(receiver, 5);
    Map<String, List<String>> sent = new LinkedHashMap<>();
    for (int c = 0; c < 3; c++) {
      String phone = push.newPhone();
      List<String> wamids = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String wamid = "wamid.DOWN" + c + "x" + i;
        push.send(p, phone, wamid);
        wamids.add(wamid);
      }
      sent.put(phone, wamids);
    }
    until("several failed attempts", Duration.ofSeconds(20), () -> receiver.failures() >= 4);

    // The failures are listed for the tenant, with their status code and latency.
    JsonArray failed =
        push.api(p.tenant(), HttpMethod.GET, "/v1/deliveries?status=failed", null)
            .getJsonArray("deliveries");
    assertThat(failed).isNotEmpty();
    assertThat(failed.getJsonObject(0).getInteger("statusCode")).isEqualTo(503);
    assertThat(failed.getJsonObject(0).getLong("latencyMs")).isNotNull();

    // Operators see the tenant's breaker and how old its oldest undelivered event is.
    String tenantTag = "tenant=\"" + p.tenant().id() + "\"";
    until(
        "the breaker and backlog-age gauges",
        Duration.ofSeconds(15),
        () -> {
          String metrics = push.h.client.get("/metrics").send().await().bodyAsString();
          return metrics.contains("sluice_delivery_breaker_state{" + tenantTag + "}")
              && metrics
                  .lines()
                  .anyMatch(
                      l ->
                          l.startsWith("sluice_delivery_backlog_age_seconds{" + tenantTag + "}")
                              && !l.endsWith(" 0.0"));
        });

    receiver.status = () -> 200;
    until(
        "all 12 events acknowledged",
        Duration.ofSeconds(30),
        () -> receiver.acknowledged().size() >= 12);

    List<JsonObject> acked = receiver.acknowledged();
    assertThat(texts(acked))
        .containsExactlyInAnyOrderElementsOf(sent.values().stream().flatMap(List::stream).toList());
    for (Map.Entry<String, List<String>> conversation : sent.entrySet()) {
      List<String> order =
          acked.stream()
              .filter(e -> ("+" + conversation.getKey()).equals(e.getString("from")))
              .map(e -> e.getString("text"))
              .toList();
      assertThat(order).as("conversation order").containsExactlyElementsOf(conversation.getValue());
    }
    // A conversation's next event is never sent before the previous one was acknowledged.
    for (Hit hit : receiver.hits) {
      List<String> froms = new ArrayList<>();
      hit.events().forEach(e -> froms.add(((JsonObject) e).getString("from")));
      assertThat(froms).doesNotHaveDuplicates();
    }
    // Push and pull are exclusive.
    assertThat(push.h.pullResponse(p.tenant().apiKey(), "").statusCode()).isEqualTo(409);
  }

  @Test
  void aTenantWhoseEndpointTakesTenSecondsDoesNotDelayAHealthyTenant() throws Exception {
    Receiver slow = push.receiver();
    slow.delayMs = 10_000;
    Receiver healthy = push.receiver();
    Push s = push.pushTenant(slow, 1);
    Push ok = push.pushTenant(healthy, 1);
    for (int i = 0; i < 8; i++) {
      push.send(s, push.newPhone(), "wamid.SLOW" + i);
    }
    until("the slow endpoint busy", Duration.ofSeconds(10), () -> slow.hits.size() >= 1);
    long start = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      push.send(ok, push.newPhone(), "wamid.OK" + i);
    }
    until(
        "the healthy tenant's events",
        Duration.ofSeconds(5),
        () -> healthy.acknowledged().size() == 5);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // Each slow call takes 10 s; the healthy tenant's five went through long before one ended,
    // and the slow tenant never had more requests in flight than its cap.
    assertThat(tookMs).isLessThan(5_000);
    assertThat(slow.acknowledged()).isEmpty();
    assertThat(slow.hits.size()).isBetween(1, 4);
  }

  @Test
  void replayedEventsAreDeliveredAgainAsNewEvents() throws Exception {
    Receiver receiver = push.receiver();
    Push p = push.pushTenant(receiver, 1);
    push.send(p, push.newPhone(), "wamid.REPLAY1");
    push.send(p, push.newPhone(), "wamid.REPLAY2");
    until("two deliveries", Duration.ofSeconds(10), () -> receiver.acknowledged().size() == 2);
    JsonObject first = receiver.acknowledged().get(0);

    JsonObject byId =
        push.api(
            p.tenant(),
            HttpMethod.POST,
            "/v1/events/replay",
            new JsonObject().put("ids", new JsonArray().add(first.getString("id"))));
    assertThat(byId.getInteger("replayed")).isEqualTo(1);
    until("the replayed event", Duration.ofSeconds(10), () -> receiver.acknowledged().size() == 3);
    JsonObject again = receiver.acknowledged().get(2);
    assertThat(again.getString("text")).isEqualTo(first.getString("text"));
    assertThat(again.getString("id")).isNotEqualTo(first.getString("id"));
  }
}
