package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SMS opt-out keywords end to end, on the real Redis and PostgreSQL: an end user's STOP through a
 * signed Twilio webhook (or an Infobip one) reaches the tenant marked {@code "optOut": true} and
 * makes the send API refuse that number on that channel; START lifts it, and the next message
 * reaches the (fake) provider. A tenant's own keyword lists replace the defaults.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OptOutKeywordsIT {
  private static final String AUTH_TOKEN = "twilio-auth-token-keywords";
  private static final String IB_SECRET = "ib-secret-keywords";
  private static final AtomicLong IDS = new AtomicLong(System.nanoTime() % 1_000_000_000L);

  private static Vertx vertx;
  private static FakeProvider provider;
  private static IngressHarness h;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    provider = FakeProvider.start(vertx);
    h =
        IngressHarness.start(
            Map.of(
                "twilio.baseUrl", provider.baseUrl(),
                "providers.allowHttp", "true",
                "dispatch.retryBaseMs", "60000"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (provider != null) {
      provider.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void stopThroughTwilioOptsTheSenderOutOnThatChannelOnceAndStartOptsThemBackIn() {
    Tenant t = h.tenant("kw-tw");
    String channel = twilioChannel(t);
    String other = twilioChannel(t);
    String phone = "+14155552671";

    // STOP, in its own case and with spaces: the event arrives, marked, and sends are refused.
    byte[] stop = twilioForm(channel, phone, " stop ");
    assertThat(postTwilio(channel, stop).statusCode()).isEqualTo(200);
    JsonObject event = onlyMessage(t);
    assertThat(event.getString("text")).isEqualTo(" stop ");
    assertThat(event.getBoolean("optOut")).isTrue();
    assertRefused(send(t, channel, phone));
    provider.answer(201, new JsonObject().put("sid", "SM-other"));
    accepted(send(t, other, phone)); // another channel of the same tenant is not affected
    assertThat(provider.received().form().get("To")).isEqualTo(phone);

    JsonObject entry = suppression(t, phone, channel);
    assertThat(entry.getString("source")).isEqualTo("keyword");
    assertThat(entry.getString("reason")).isEqualTo("STOP");

    // START opts back in; the next message goes out.
    assertThat(postTwilio(channel, twilioForm(channel, phone, "Start")).statusCode())
        .isEqualTo(200);
    assertThat(onlyMessage(t).getBoolean("optOut")).isFalse();
    provider.answer(201, new JsonObject().put("sid", "SM-after-start"));
    accepted(send(t, channel, phone));
    FakeProvider.Call call = provider.received();
    assertThat(call.form().get("To")).isEqualTo(phone);
    assertThat(call.form().get("Body")).isEqualTo("hello");

    // Twilio redelivers the STOP (same MessageSid): a duplicate, acknowledged, applied once.
    assertThat(postTwilio(channel, stop).statusCode()).isEqualTo(200);
    assertThat(messages(t)).isEmpty();
    assertThat(suppressionStatus(t, phone, channel)).isEqualTo(404);
    provider.answer(201, new JsonObject().put("sid", "SM-still-in"));
    accepted(send(t, channel, phone));
    provider.received();

    // Any other text is no keyword, and says so.
    postTwilio(channel, twilioForm(channel, phone, "stop sending me offers"));
    assertThat(onlyMessage(t).getBoolean("optOut")).isFalse();
    assertThat(suppressionStatus(t, phone, channel)).isEqualTo(404);
  }

  @Test
  void aTenantsOwnKeywordsReplaceTheDefaultsOnInfobip() {
    Tenant t = h.tenant("kw-ib");
    String channel = infobipChannel(t);
    String phone = "+4915112345678";
    JsonObject set =
        h.admin(
            HttpMethod.PUT,
            "/admin/tenants/" + t.id() + "/opt-keywords",
            new JsonObject()
                .put("optOut", new JsonArray().add("Halt").add("arrêt"))
                .put("optIn", new JsonArray().add("weiter")));
    assertThat(set.getJsonArray("optOut")).containsExactly("HALT", "ARRÊT");

    // STOP is no keyword of this tenant.
    postInfobip(channel, phone, "STOP");
    assertThat(onlyMessage(t).getBoolean("optOut")).isFalse();
    accepted(send(t, channel, phone));

    postInfobip(channel, phone, "Arrêt");
    assertThat(onlyMessage(t).getBoolean("optOut")).isTrue();
    assertRefused(send(t, channel, phone));
    assertThat(suppression(t, phone, channel).getString("reason")).isEqualTo("ARRÊT");

    postInfobip(channel, phone, "WEITER");
    assertThat(onlyMessage(t).getBoolean("optOut")).isFalse();
    accepted(send(t, channel, phone));

    // Back to the defaults: an empty body object.
    h.admin(HttpMethod.PUT, "/admin/tenants/" + t.id() + "/opt-keywords", new JsonObject());
    postInfobip(channel, phone, "quit");
    assertThat(onlyMessage(t).getBoolean("optOut")).isTrue();
    assertRefused(send(t, channel, phone));
  }

  @Test
  void eventsOfOtherProvidersAndStatusesCarryNoOptOutField() {
    Tenant t = h.tenant("kw-none");
    String channel = twilioChannel(t);
    byte[] status =
        form(
            "MessageSid", "SM" + IDS.incrementAndGet(),
            "AccountSid", "AC0123456789abcdef0123456789abcdef",
            "MessageStatus", "delivered",
            "From", "+15550000000",
            "To", "+14155552671");
    assertThat(postTwilio(channel, status).statusCode()).isEqualTo(200);
    JsonArray events = h.drain(t.apiKey(), "inbound");
    assertThat(events).hasSize(1);
    JsonObject e = events.getJsonObject(0);
    assertThat(e.getString("kind")).isEqualTo("status");
    assertThat(e.containsKey("optOut")).isFalse();
  }

  // ---- helpers ----

  private static String twilioChannel(Tenant t) {
    String id = TestBackends.uniqueId("kw-tw");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", id)
            .put("provider", "twilio")
            .put("address", "+1555" + IDS.incrementAndGet())
            .put("publicUrl", publicUrl(id))
            .put(
                "credentials",
                new JsonObject()
                    .put("accountSid", "AC0123456789abcdef0123456789abcdef")
                    .put("authToken", AUTH_TOKEN)));
    return id;
  }

  private static String infobipChannel(Tenant t) {
    String id = TestBackends.uniqueId("kw-ib");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", id)
            .put("provider", "infobip")
            .put("address", "InfoSMS-" + IDS.incrementAndGet())
            .put(
                "credentials",
                new JsonObject()
                    .put("apiKey", "ib-api-key")
                    .put("baseUrl", "http://127.0.0.1:" + FakeProvider.closedPort())
                    .put("webhookSecret", IB_SECRET)));
    return id;
  }

  private static String publicUrl(String channel) {
    return "https://hooks.sluice.example/webhooks/twilio/" + channel;
  }

  /** An inbound SMS as Twilio posts it. */
  private static byte[] twilioForm(String channel, String from, String body) {
    return form(
        "MessageSid",
        "SM" + IDS.incrementAndGet(),
        "AccountSid",
        "AC0123456789abcdef0123456789abcdef",
        "From",
        from,
        "To",
        "+15557654321",
        "Body",
        body,
        "NumMedia",
        "0");
  }

  private static byte[] form(String... pairs) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      if (b.length() > 0) {
        b.append('&');
      }
      b.append(pairs[i])
          .append('=')
          .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static HttpResponse<Buffer> postTwilio(String channel, byte[] body) {
    return h.post(
        "/webhooks/twilio/" + channel,
        MultiMap.caseInsensitiveMultiMap()
            .add("Content-Type", "application/x-www-form-urlencoded")
            .add(
                "X-Twilio-Signature",
                WebhookSigning.twilioForm(AUTH_TOKEN, publicUrl(channel), body)),
        body);
  }

  private static void postInfobip(String channel, String from, String text) {
    JsonObject result =
        new JsonObject()
            .put("messageId", "ib-" + IDS.incrementAndGet())
            .put("from", from.substring(1))
            .put("to", "447860099299")
            .put("text", text)
            .put("receivedAt", "2026-03-01T10:00:00.000+0000");
    byte[] body =
        new JsonObject()
            .put("results", new JsonArray().add(result))
            .put("messageCount", 1)
            .put("pendingMessageCount", 0)
            .toBuffer()
            .getBytes();
    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/infobip/" + channel,
            MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/json")
                .add("Authorization", "Bearer " + IB_SECRET),
            body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
  }

  private static HttpResponse<Buffer> send(Tenant t, String channel, String to) {
    return h.client
        .post("/v1/messages")
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .sendJsonObject(new JsonObject().put("channel", channel).put("to", to).put("text", "hello"))
        .await();
  }

  private static void accepted(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
  }

  private static void assertRefused(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(422);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("recipient_opted_out");
  }

  private static HttpResponse<Buffer> getSuppression(Tenant t, String phone, String channel) {
    return h.client
        .get("/v1/suppressions/" + URLEncoder.encode(phone, StandardCharsets.UTF_8))
        .addQueryParam("channel", channel)
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .send()
        .await();
  }

  private static JsonObject suppression(Tenant t, String phone, String channel) {
    HttpResponse<Buffer> r = getSuppression(t, phone, channel);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static int suppressionStatus(Tenant t, String phone, String channel) {
    return getSuppression(t, phone, channel).statusCode();
  }

  /** The end users' messages waiting for the tenant (the status events of its sends left out). */
  private static JsonArray messages(Tenant t) {
    JsonArray out = new JsonArray();
    h.drain(t.apiKey(), "inbound").stream()
        .map(JsonObject.class::cast)
        .filter(e -> e.getString("kind").equals("message"))
        .forEach(out::add);
    return out;
  }

  private static JsonObject onlyMessage(Tenant t) {
    JsonArray events = messages(t);
    assertThat(events).hasSize(1);
    return events.getJsonObject(0);
  }
}
