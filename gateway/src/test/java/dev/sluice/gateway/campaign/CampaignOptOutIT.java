package dev.sluice.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.ingress.WebhookSigning;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Call;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Opt-outs meet campaigns: a STOP texted through a signed Twilio webhook puts the sender on the
 * suppression list, a START takes another sender off it, and a campaign on that channel then counts
 * the opted-out row as suppressed and never sends to it, while the others are sent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CampaignOptOutIT {
  private static final String AUTH_TOKEN = "twilio-auth-token-campaign";

  private static Vertx vertx;
  private static FakeProvider provider;
  private static IngressHarness h;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    provider =
        FakeProvider.start(vertx)
            .answer(201, new JsonObject().put("sid", "SM0123456789abcdef0123456789abcde1"))
            .answer(201, new JsonObject().put("sid", "SM0123456789abcdef0123456789abcde2"));
    h =
        IngressHarness.start(
            Map.of("twilio.baseUrl", provider.baseUrl(), "providers.allowHttp", "true"));
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
  void stopThroughTwilioSuppressesTheRowAndStartLetsItGo() {
    Tenant t = h.tenant("optout");
    String channel = TestBackends.uniqueId("cmp-tw");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "twilio")
            .put("address", "+15550001111")
            .put("publicUrl", publicUrl(channel))
            .put(
                "credentials",
                new JsonObject()
                    .put("accountSid", "AC0123456789abcdef0123456789abcdef")
                    .put("authToken", AUTH_TOKEN)));
    String stopped = "+14155550101";
    String restarted = "+14155550102";
    String plain = "+14155550103";
    assertThat(postTwilio(channel, form("SM1", stopped, "STOP")).statusCode()).isEqualTo(200);
    assertThat(postTwilio(channel, form("SM2", restarted, "stop")).statusCode()).isEqualTo(200);
    assertThat(postTwilio(channel, form("SM3", restarted, " Start ")).statusCode()).isEqualTo(200);

    HttpResponse<Buffer> created =
        h.client
            .post("/v1/campaigns")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put("name", "alerts")
                    .put("channel", channel)
                    .put("message", new JsonObject().put("text", "Storm warning for {{city}}"))
                    .put(
                        "audience",
                        new JsonArray()
                            .add(new JsonObject().put("phone", stopped).put("city", "Reno"))
                            .add(new JsonObject().put("phone", restarted).put("city", "Elko"))
                            .add(new JsonObject().put("phone", plain).put("city", "Ely"))))
            .await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");

    JsonObject[] last = new JsonObject[1];
    try {
      Await.until(
          "the campaign to complete",
          Duration.ofSeconds(30),
          () ->
              "completed"
                  .equals(
                      (last[0] =
                              h.client
                                  .get("/v1/campaigns/" + id)
                                  .putHeader("Authorization", "Bearer " + t.apiKey())
                                  .send()
                                  .await()
                                  .bodyAsJsonObject())
                          .getString("status")));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
    }
    JsonObject counts = last[0].getJsonObject("counts");
    assertThat(counts.getLong("suppressed")).isEqualTo(1);
    assertThat(counts.getLong("sent")).isEqualTo(2);
    List<String> to = provider.calls().stream().map(c -> c.form().get("To")).toList();
    assertThat(to).containsExactlyInAnyOrder(restarted, plain);
    assertThat(provider.calls().stream().map(Call::form).map(f -> f.get("Body")))
        .contains("Storm warning for Elko", "Storm warning for Ely");

    String rejected =
        h.client
            .get("/v1/campaigns/" + id + "/rejected")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .send()
            .await()
            .bodyAsString();
    assertThat(rejected.lines().toList())
        .contains("1,+14155550101,suppressed,the recipient opted out");
  }

  private static String publicUrl(String channel) {
    return "https://hooks.sluice.example/webhooks/twilio/" + channel;
  }

  private static byte[] form(String sid, String from, String body) {
    String s =
        "MessageSid="
            + sid
            + "&AccountSid=AC0123456789abcdef0123456789abcdef&From="
            + URLEncoder.encode(from, StandardCharsets.UTF_8)
            + "&To=%2B15550001111&Body="
            + URLEncoder.encode(body, StandardCharsets.UTF_8)
            + "&NumMedia=0";
    return s.getBytes(StandardCharsets.UTF_8);
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
}
