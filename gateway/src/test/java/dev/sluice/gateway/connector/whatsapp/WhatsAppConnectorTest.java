package dev.sluice.gateway.connector.whatsapp;

import static dev.sluice.gateway.connector.TestChannels.CLOCK;
import static dev.sluice.gateway.connector.TestChannels.MARK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.connector.OutboundMessage;
import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.connector.SendResult.Outcome;
import dev.sluice.gateway.connector.TestChannels;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.testing.FakeProvider;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WhatsAppConnectorTest {
  private static final String MESSAGE_ID = "0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70";
  private static final String WAMID = "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";

  private static Vertx vertx;
  private static WebClient client;
  private static FakeProvider meta;
  private static WhatsAppConnector connector;
  private static Channel channel;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    meta = FakeProvider.start(vertx);
    connector = new WhatsAppConnector(client, TestChannels.providers(meta.baseUrl(), 5_000), CLOCK);
    channel = TestChannels.channel(Provider.WHATSAPP, null);
  }

  @AfterAll
  static void stop() {
    meta.close();
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    meta.reset();
  }

  private static SendResult send(MessageContent content) {
    SendResult result =
        connector.send(channel, new OutboundMessage(MESSAGE_ID, "+16505551234", content)).await();
    assertThat(result.toString()).doesNotContain(MARK);
    return result;
  }

  private static JsonObject accepted() {
    return new JsonObject()
        .put("messaging_product", "whatsapp")
        .put(
            "contacts",
            new JsonArray().add(new JsonObject().put("input", "16505551234").put("wa_id", "1")))
        .put("messages", new JsonArray().add(new JsonObject().put("id", WAMID)));
  }

  private static JsonObject error(int code, String message, String details) {
    JsonObject error =
        new JsonObject().put("message", message).put("type", "OAuthException").put("code", code);
    if (details != null) {
      error.put("error_data", new JsonObject().put("details", details));
    }
    return new JsonObject().put("error", error.put("fbtrace_id", "Az8or2yhqkZfEZ"));
  }

  @Test
  void textIsPostedToThePhoneNumberIdWithBearerTokenAndReturnsTheWamid() {
    meta.answer(200, accepted());

    SendResult result = send(new MessageContent.Text("hello"));

    assertThat(result).isEqualTo(SendResult.sent(WAMID, 200));
    FakeProvider.Call request = meta.received();
    assertThat(request.method()).isEqualTo(HttpMethod.POST);
    assertThat(request.path()).isEqualTo("/v23.0/106540352242922/messages");
    assertThat(request.headers().get("Authorization")).isEqualTo("Bearer EAAG" + MARK + "tok");
    assertThat(request.headers().get("Content-Type")).startsWith("application/json");
    assertThat(request.json())
        .isEqualTo(
            new JsonObject(
                """
                {"messaging_product":"whatsapp","biz_opaque_callback_data":"sluice:%s","recipient_type":"individual","to":"16505551234",
                 "type":"text","text":{"preview_url":false,"body":"hello"}}"""
                    .formatted(MESSAGE_ID)));
  }

  @Test
  void templateCarriesLanguageCodeAndParsedComponents() {
    meta.answer(200, accepted());

    send(
        new MessageContent.Template(
            "order_update",
            "en_US",
            "[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"12345\"}]}]"));

    assertThat(meta.received().json())
        .isEqualTo(
            new JsonObject(
                """
                {"messaging_product":"whatsapp","biz_opaque_callback_data":"sluice:%s",
                 "to":"16505551234","type":"template",
                 "template":{"name":"order_update","language":{"code":"en_US"},
                   "components":[{"type":"body","parameters":[{"type":"text","text":"12345"}]}]}}"""
                    .formatted(MESSAGE_ID)));
  }

  @Test
  void templateWithoutComponentsSendsNone() {
    meta.answer(200, accepted());

    send(new MessageContent.Template("hello_world", "en_US", null));

    assertThat(meta.received().json().getJsonObject("template"))
        .isEqualTo(new JsonObject("{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}"));
  }

  @Test
  void documentByLinkCarriesCaptionAndFilename() {
    meta.answer(200, accepted());

    send(
        new MessageContent.Media(
            "document", "https://files.example.com/a.pdf", null, "your invoice", "invoice.pdf"));

    assertThat(meta.received().json())
        .isEqualTo(
            new JsonObject(
                """
                {"messaging_product":"whatsapp","biz_opaque_callback_data":"sluice:%s","recipient_type":"individual","to":"16505551234",
                 "type":"document","document":{"link":"https://files.example.com/a.pdf",
                   "caption":"your invoice","filename":"invoice.pdf"}}"""
                    .formatted(MESSAGE_ID)));
  }

  @Test
  void imageByMediaIdCarriesNoFilenameAndAudioNoCaption() {
    meta.answer(200, accepted()).answer(200, accepted());

    send(new MessageContent.Media("image", null, "1234567", "look", "ignored.png"));
    send(new MessageContent.Media("audio", null, "7654321", "ignored", null));

    assertThat(meta.received().json().getJsonObject("image"))
        .isEqualTo(new JsonObject().put("id", "1234567").put("caption", "look"));
    JsonObject audio = meta.received().json();
    assertThat(audio.getString("type")).isEqualTo("audio");
    assertThat(audio.getJsonObject("audio")).isEqualTo(new JsonObject().put("id", "7654321"));
  }

  @ParameterizedTest(name = "code {0} with HTTP {1} is {2}")
  @CsvSource({
    "130429, 400, RETRYABLE",
    "131056, 400, RETRYABLE",
    "4, 400, RETRYABLE",
    "4, 429, RETRYABLE",
    "80007, 400, RETRYABLE",
    "131057, 400, RETRYABLE",
    "133016, 400, RETRYABLE",
    "1, 500, RETRYABLE",
    "2, 503, RETRYABLE",
    "131000, 500, RETRYABLE",
    "131026, 400, PERMANENT",
    "131026, 500, PERMANENT",
    "131047, 400, PERMANENT",
    "131048, 400, PERMANENT",
    "131049, 400, PERMANENT",
    "131051, 400, PERMANENT",
    "100, 400, PERMANENT",
    "132000, 400, PERMANENT",
    "132015, 400, PERMANENT",
    "133010, 400, PERMANENT",
    "190, 401, PERMANENT",
    "10, 403, PERMANENT",
    "200, 403, PERMANENT",
    "299, 403, PERMANENT",
    "368, 400, PERMANENT",
    "131050, 400, OPT_OUT",
    "999999, 502, RETRYABLE",
    "999999, 429, RETRYABLE",
    "999999, 400, PERMANENT"
  })
  void errorCodeDecidesTheOutcomeAndHttpStatusOnlyWhenTheCodeIsUnknown(
      int code, int status, Outcome outcome) {
    meta.answer(status, error(code, "(#" + code + ") title", "details"));

    SendResult result = send(new MessageContent.Text("hi"));

    assertThat(result.outcome()).isEqualTo(outcome);
    assertThat(result.errorCode()).isEqualTo(Integer.toString(code));
    assertThat(result.errorMessage()).isEqualTo("(#" + code + ") title: details");
    assertThat(result.httpStatus()).isEqualTo(status);
    assertThat(result.providerMessageId()).isNull();
  }

  @Test
  void pairRateLimitCarriesNoRetryAfterEvenWhenOne() {
    meta.answer(400, error(131056, "(#131056) pair rate limit hit", null), "Retry-After", "30");

    SendResult result = send(new MessageContent.Text("hi"));

    assertThat(result.outcome()).isEqualTo(Outcome.RETRYABLE);
    assertThat(result.retryAfter()).isNull();
  }

  @Test
  void throughputLimitHonoursRetryAfterInSeconds() {
    meta.answer(429, error(130429, "(#130429) Rate limit hit", null), "Retry-After", "7");

    SendResult result = send(new MessageContent.Text("hi"));

    assertThat(result)
        .isEqualTo(
            SendResult.retryable("130429", "(#130429) Rate limit hit", Duration.ofSeconds(7), 429));
  }

  @Test
  void overloadWithoutErrorBodyHonoursRetryAfterAsHttpDate() {
    meta.answer(503, "", "Retry-After", "Sun, 01 Mar 2026 10:00:30 GMT");

    SendResult result = send(new MessageContent.Text("hi"));

    assertThat(result)
        .isEqualTo(SendResult.retryable("http_503", null, Duration.ofSeconds(30), 503));
  }

  @Test
  void unreadableErrorBodyIsClassifiedByStatus() {
    meta.answer(502, "<html>bad gateway</html>").answer(400, "oops");

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.retryable("http_502", null, null, 502));
    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.permanent("http_400", null, 400));
  }

  @Test
  void unreadableSuccessBodyIsSentWithoutIdRatherThanSentTwice() {
    meta.answer(200, "{\"messages\":[{\"id\":");

    assertThat(send(new MessageContent.Text("hi"))).isEqualTo(SendResult.sent(null, 200));
  }

  @Test
  void accessTokenEchoedInAnErrorIsMasked() {
    meta.answer(
        401,
        error(
            190,
            "Invalid OAuth access token - Cannot parse access token EAAG" + MARK + "tok",
            null));

    SendResult result = send(new MessageContent.Text("hi"));

    assertThat(result.outcome()).isEqualTo(Outcome.PERMANENT);
    assertThat(result.errorMessage())
        .isEqualTo("Invalid OAuth access token - Cannot parse access token ***");
  }

  @Test
  void componentsThatAreNotAJsonArrayArePermanentWithoutCallingMeta() {
    SendResult result =
        send(new MessageContent.Template("order_update", "en_US", "{\"type\":\"body\"}"));

    assertThat(result.outcome()).isEqualTo(Outcome.PERMANENT);
    assertThat(result.errorCode()).isEqualTo("invalid_content");
    assertThat(meta.pending()).isZero();
  }

  @Test
  void channelWithoutAccessTokenIsPermanentWithoutCallingMeta() {
    Channel bare =
        TestChannels.channel(Provider.WHATSAPP, "106540352242922", null, java.util.Map.of());

    SendResult result =
        connector
            .send(bare, new OutboundMessage("m1", "+1650", new MessageContent.Text("hi")))
            .await();

    assertThat(result)
        .isEqualTo(SendResult.permanent("channel_misconfigured", result.errorMessage(), 0));
    assertThat(meta.pending()).isZero();
  }
}
