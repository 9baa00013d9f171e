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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Webhooks through admission into tenant queues, read back with the pull API. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdmissionIT {
  private static final String SECRET = "meta-app-secret-for-admission";

  private static IngressHarness h;
  private static String app;
  private static Tenant acme;
  private static Tenant globex;
  private static String acmePhoneId;
  private static String limitedPhoneId;

  @BeforeAll
  static void start() {
    TestBackends.requireRedis();
    h = IngressHarness.start();
    app = TestBackends.uniqueId("app");
    h.metaApp(app, SECRET, "verify-token");
    acme = h.tenant("acme");
    globex = h.tenant("globex");
    acmePhoneId = digits();
    limitedPhoneId = digits();
    h.channel(
        acme.id(),
        whatsapp(
            TestBackends.uniqueId("acme-wa"),
            acmePhoneId,
            new JsonObject().put("perPhonePerMinute", 6000).put("burst", 100)));
    h.channel(
        acme.id(),
        whatsapp(
            TestBackends.uniqueId("acme-lim"),
            limitedPhoneId,
            new JsonObject().put("perPhonePerMinute", 60).put("burst", 5)));
    h.channel(globex.id(), whatsapp(TestBackends.uniqueId("globex-wa"), digits(), null));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  private static JsonObject whatsapp(String id, String phoneNumberId, JsonObject inbound) {
    JsonObject c =
        new JsonObject()
            .put("id", id)
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-test-token"));
    if (inbound != null) {
      c.put("limits", new JsonObject().put("inbound", inbound));
    }
    return c;
  }

  private static String digits() {
    return Long.toString(100_000_000_000L + (long) (Math.random() * 899_999_999_999L));
  }

  @Test
  void sameSignedWebhookTwiceEnqueuesOneEvent() {
    String body = IngressHarness.whatsappText(acmePhoneId, "16505551234", "wamid.TWICE1", "hello");

    assertThat(h.postMeta(app, SECRET, body).statusCode()).isEqualTo(200);
    assertThat(h.postMeta(app, SECRET, body).statusCode()).isEqualTo(200);

    JsonArray events = h.drain(acme.apiKey(), "inbound");
    List<Object> twice =
        events.stream()
            .filter(e -> "wamid.TWICE1".equals(((JsonObject) e).getString("providerMessageId")))
            .toList();
    assertThat(twice).hasSize(1);
    JsonObject e = (JsonObject) twice.get(0);
    assertThat(e.getString("provider")).isEqualTo("whatsapp");
    assertThat(e.getString("kind")).isEqualTo("message");
    assertThat(e.getString("from")).isEqualTo("+16505551234");
    assertThat(e.getString("to")).isEqualTo("+15550783881");
    assertThat(e.getString("profileName")).isEqualTo(IngressHarness.PROFILE_NAME);
    assertThat(e.getString("type")).isEqualTo("text");
    assertThat(e.getString("text")).isEqualTo("hello");
    assertThat(e.getLong("timestamp")).isEqualTo(1749416383L);
    assertThat(e.getString("id")).isNotBlank();
    assertThat(e.getJsonObject("raw").getString("id")).isEqualTo("wamid.TWICE1");
  }

  @Test
  void burstFromOnePhoneBeyondItsLimitLandsInQuarantineAndNothingIsLost() {
    String phone = "4915100000001";
    for (int i = 0; i < 20; i++) {
      String body = IngressHarness.whatsappText(limitedPhoneId, phone, "wamid.BURST" + i, "b" + i);
      assertThat(h.postMeta(app, SECRET, body).statusCode()).isEqualTo(200);
    }

    JsonArray inbound = fromPhone(h.drain(acme.apiKey(), "inbound"), phone);
    JsonArray quarantined = fromPhone(h.drain(acme.apiKey(), "quarantine"), phone);

    // burst 5 above a steady 1/s: the first 6 pass at once, the rest are kept aside.
    assertThat(inbound.size()).isBetween(6, 7);
    assertThat(inbound.size() + quarantined.size()).isEqualTo(20);
    List<String> texts = new ArrayList<>();
    inbound.forEach(e -> texts.add(((JsonObject) e).getString("text")));
    quarantined.forEach(e -> texts.add(((JsonObject) e).getString("text")));
    assertThat(texts)
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, 20).mapToObj(i -> "b" + i).toList());

    // Another end user on the same channel is not held back by the first one's burst.
    String other = "4915100000002";
    h.postMeta(
        app, SECRET, IngressHarness.whatsappText(limitedPhoneId, other, "wamid.OTHER", "hi"));
    assertThat(fromPhone(h.drain(acme.apiKey(), "inbound"), other)).hasSize(1);
  }

  @Test
  void eventsOfOneConversationComeInTheOrderTheyArrived() {
    String phone = "447700900123";
    for (int i = 0; i < 30; i++) {
      assertThat(
              h.postMeta(
                      app,
                      SECRET,
                      IngressHarness.whatsappText(acmePhoneId, phone, "wamid.ORD" + i, "m" + i))
                  .statusCode())
          .isEqualTo(200);
    }

    JsonArray events = fromPhone(h.drain(acme.apiKey(), "inbound"), phone);

    List<String> texts = new ArrayList<>();
    events.forEach(e -> texts.add(((JsonObject) e).getString("text")));
    assertThat(texts)
        .containsExactlyElementsOf(
            java.util.stream.IntStream.range(0, 30).mapToObj(i -> "m" + i).toList());
  }

  @Test
  void aTenantNeverSeesAnotherTenantsEvents() {
    h.postMeta(
        app,
        SECRET,
        IngressHarness.whatsappText(acmePhoneId, "15550001111", "wamid.ISO1", "for acme"));

    assertThat(h.drain(globex.apiKey(), "inbound").encode()).doesNotContain("wamid.ISO1");
    assertThat(h.drain(acme.apiKey(), "inbound").encode()).contains("wamid.ISO1");
  }

  @Test
  void aBatchedWebhookIsSplitIntoItsEvents() {
    JsonObject one =
        new JsonObject(IngressHarness.whatsappText(acmePhoneId, "15550002222", "wamid.B1", "x"));
    JsonObject two =
        new JsonObject(IngressHarness.whatsappText(acmePhoneId, "15550003333", "wamid.B2", "y"));
    JsonObject entry = one.getJsonArray("entry").getJsonObject(0);
    entry
        .getJsonArray("changes")
        .add(two.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0));
    JsonObject status =
        new JsonObject()
            .put("field", "messages")
            .put(
                "value",
                new JsonObject()
                    .put("messaging_product", "whatsapp")
                    .put("metadata", new JsonObject().put("phone_number_id", acmePhoneId))
                    .put(
                        "statuses",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("id", "wamid.OUT1")
                                    .put("status", "delivered")
                                    .put("timestamp", "1750857384")
                                    .put("recipient_id", "15550004444"))));
    one.getJsonArray("entry")
        .add(new JsonObject().put("id", "x").put("changes", new JsonArray().add(status)));

    HttpResponse<Buffer> r = h.postMeta(app, SECRET, one.encode());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getInteger("events")).isEqualTo(3);
    String all = h.drain(acme.apiKey(), "inbound").encode();
    assertThat(all).contains("wamid.B1", "wamid.B2", "\"status\":\"delivered\"");
  }

  @Test
  void anEventForAnUnknownNumberIsAcknowledgedButNotEnqueued() {
    HttpResponse<Buffer> r =
        h.postMeta(
            app, SECRET, IngressHarness.whatsappText("999000111", "15550005555", "wamid.NO", "?"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getInteger("events")).isZero();
    assertThat(h.drain(acme.apiKey(), "inbound").encode()).doesNotContain("wamid.NO");
  }

  @Test
  void metricsCountEventsByResultAndShowEachTenantsBacklog() throws Exception {
    Tenant t = h.tenant("metrics");
    String phoneId = digits();
    h.channel(t.id(), whatsapp(TestBackends.uniqueId("m-wa"), phoneId, null));
    String body = IngressHarness.whatsappText(phoneId, "15550009999", "wamid.MET1", "m");
    h.postMeta(app, SECRET, body);
    h.postMeta(app, SECRET, body);

    String backlog =
        "sluice_ingress_backlog_events{lane=\"inbound\",tenant=\"" + t.id() + "\"} 1.0";
    AtomicReference<String> scraped = new AtomicReference<>();
    Await.until( // the gauge is sampled every few seconds
        "the backlog gauge to show one event",
        Duration.ofSeconds(30),
        () -> {
          scraped.set(h.client.get("/metrics").send().await().bodyAsString());
          return scraped.get().contains(backlog);
        });
    String metrics = scraped.get();

    assertThat(metrics)
        .containsPattern(
            "sluice_ingress_events_total\\{provider=\"whatsapp\",result=\"duplicate\"\\} [1-9]")
        .containsPattern(
            "sluice_ingress_requests_total\\{outcome=\"accepted\",source=\"meta\"\\} [1-9]")
        .contains("sluice_ingress_latency_seconds_bucket");
  }

  private static JsonArray fromPhone(JsonArray events, String phone) {
    JsonArray out = new JsonArray();
    events.forEach(
        e -> {
          if (("+" + phone).equals(((JsonObject) e).getString("from"))) {
            out.add(e);
          }
        });
    return out;
  }
}
