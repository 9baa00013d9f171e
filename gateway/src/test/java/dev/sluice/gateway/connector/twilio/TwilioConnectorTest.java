package dev.sluice.gateway.connector.twilio;

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
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TwilioConnectorTest {
  private static final String OUR_ID = "0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70";
  private static final String SID = "AC" + MARK + "sid";
  private static final String AUTH_TOKEN = "auth" + MARK + "token";
  private static final String MESSAGE_SID = "SM1f0e8ae6ade43cb3c0ce4525424e404f";

  private static Vertx vertx;
  private static WebClient client;
  private static FakeProvider twilio;
  private static TwilioConnector connector;
  private static Channel channel;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    twilio = FakeProvider.start(vertx);
    connector = connector("https://unused.example.com");
    channel = TestChannels.channel(Provider.TWILIO, null);
  }

  @AfterAll
  static void stop() {
    twilio.close();
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    twilio.reset();
  }

  private static TwilioConnector connector(String publicUrl) {
    return new TwilioConnector(
        client, TestChannels.providers(twilio.baseUrl(), 5_000), publicUrl, CLOCK);
  }

  private static SendResult send(TwilioConnector via, Channel from, MessageContent content) {
    SendResult result =
        via.send(from, new OutboundMessage(OUR_ID, "+14155552671", content)).await();
    assertThat(result.toString()).doesNotContain(MARK);
    return result;
  }

  private static SendResult send(MessageContent content) {
    return send(connector, channel, content);
  }

  private static JsonObject queued() {
    return new JsonObject()
        .put("sid", MESSAGE_SID)
        .put("status", "queued")
        .put("account_sid", SID)
        .put("to", "+14155552671");
  }

  private static JsonObject error(int code, String message, int status) {
    return new JsonObject()
        .put("code", code)
        .put("message", message)
        .put("more_info", "https://www.twilio.com/docs/errors/" + code)
        .put("status", status);
  }

  private static Channel channel(String address, String publicUrl) {
    return TestChannels.channel(
        Provider.TWILIO, address, publicUrl, Map.of("accountSid", SID, "authToken", AUTH_TOKEN));
  }

  @Test
  void textIsAFormPostWithBasicAuthAndTheChannelsWebhookUrlAsStatusCallback() {
    twilio.answer(201, queued());

    SendResult result = send(new MessageContent.Text("hello"));

    assertThat(result).isEqualTo(SendResult.sent(MESSAGE_SID, 201));
    FakeProvider.Call request = twilio.received();
    assertThat(request.method()).isEqualTo(HttpMethod.POST);
    assertThat(request.path()).isEqualTo("/2010-04-01/Accounts/" + SID + "/Messages.json");
    assertThat(request.headers().get("Authorization"))
        .isEqualTo(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((SID + ":" + AUTH_TOKEN).getBytes(StandardCharsets.UTF_8)));
    assertThat(request.headers().get("Content-Type"))
        .startsWith("application/x-www-form-urlencoded");
    MultiMap form = request.form();
    assertThat(form.names()).containsExactlyInAnyOrder("To", "From", "Body", "StatusCallback");
    assertThat(form.get("To")).isEqualTo("+14155552671");
    assertThat(form.get("From")).isEqualTo("+15005550006");
    assertThat(form.get("Body")).isEqualTo("hello");
    assertThat(form.get("StatusCallback"))
        .isEqualTo("https://gw.example.com/webhooks/twilio/ch-twilio?sluiceMessageId=" + OUR_ID);
  }

  @Test
  void channelWithoutWebhookUrlGetsCallbacksAtTheGatewaysPublicUrl() {
    twilio.answer(201, queued());

    send(
        connector("https://gw2.example.com/sluice/"),
        channel("+15005550006", null),
        new MessageContent.Text("hi"));

    assertThat(twilio.received().form().get("StatusCallback"))
        .isEqualTo(
            "https://gw2.example.com/sluice/webhooks/twilio/ch-twilio?sluiceMessageId=" + OUR_ID);
  }

  @Test
  void withoutAnyPublicUrlNoStatusCallbackIsRequested() {
    twilio.answer(201, queued());

    send(connector(""), channel("+15005550006", null), new MessageContent.Text("hi"));

    assertThat(twilio.received().form().contains("StatusCallback")).isFalse();
  }

  @Test
  void messagingServiceSenderGoesAsMessagingServiceSid() {
    twilio.answer(201, queued());

    send(
        connector,
        channel("MG9752274e9e519418a7406176694466fa", null),
        new MessageContent.Text("x"));

    MultiMap form = twilio.received().form();
    assertThat(form.get("MessagingServiceSid")).isEqualTo("MG9752274e9e519418a7406176694466fa");
    assertThat(form.contains("From")).isFalse();
  }

  @Test
  void mediaGoesAsMediaUrlWithItsCaptionAsBody() {
    twilio.answer(201, queued());

    send(new MessageContent.Media("image", "https://files.example.com/a.png", null, "look", null));

    MultiMap form = twilio.received().form();
    assertThat(form.get("MediaUrl")).isEqualTo("https://files.example.com/a.png");
    assertThat(form.get("Body")).isEqualTo("look");
  }

  @Test
  void templatesAndMediaByIdArePermanentlyUnsupportedWithoutCallingTwilio() {
    assertThat(send(new MessageContent.Template("t", "en", null)).errorCode())
        .isEqualTo("unsupported_content");
    assertThat(send(new MessageContent.Media("image", null, "ME123", null, null)).outcome())
        .isEqualTo(Outcome.PERMANENT);
    assertThat(twilio.pending()).isZero();
  }

  @ParameterizedTest(name = "code {0} with HTTP {1} is {2}")
  @CsvSource({
    "21610, 400, OPT_OUT",
    "20429, 429, RETRYABLE",
    "21611, 400, RETRYABLE",
    "30001, 400, RETRYABLE",
    "20500, 500, RETRYABLE",
    "21211, 400, PERMANENT",
    "21614, 400, PERMANENT",
    "21408, 400, PERMANENT",
    "21606, 400, PERMANENT",
    "21612, 400, PERMANENT",
    "20003, 401, PERMANENT",
    "21211, 500, PERMANENT",
    "30007, 400, PERMANENT",
    "99999, 503, RETRYABLE",
    "99999, 400, PERMANENT"
  })
  void errorCodeDecidesTheOutcomeAndHttpStatusOnlyWhenTheCodeIsUnknown(
      int code, int status, Outcome outcome) {
    twilio.answer(status, error(code, "error " + code, status));

    SendResult result = send(new MessageContent.Text("hi"));

    assertThat(result.outcome()).isEqualTo(outcome);
    assertThat(result.errorCode()).isEqualTo(Integer.toString(code));
    assertThat(result.errorMessage()).isEqualTo("error " + code);
    assertThat(result.httpStatus()).isEqualTo(status);
  }

  @Test
  void tooManyRequestsHonoursRetryAfterSecondsOrDate() {
    twilio
        .answer(429, error(20429, "Too Many Requests", 429), "Retry-After", "5")
        .answer(429, "", "Retry-After", "Sun, 01 Mar 2026 10:00:10 GMT");

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.retryable("20429", "Too Many Requests", Duration.ofSeconds(5), 429));
    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.retryable("http_429", null, Duration.ofSeconds(10), 429));
  }

  @Test
  void serverErrorWithUnreadableBodyIsRetryable() {
    twilio.answer(503, "<html>down</html>");

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.retryable("http_503", null, null, 503));
  }

  @Test
  void credentialsQuotedInAnErrorAreMasked() {
    twilio.answer(
        401, error(20003, "Authenticate: " + SID + " with token " + AUTH_TOKEN + " failed", 401));

    assertThat(send(new MessageContent.Text("hi")).errorMessage())
        .isEqualTo("Authenticate: *** with token *** failed");
  }

  @Test
  void unreadableSuccessBodyIsSentWithoutId() {
    twilio.answer(201, "{");

    assertThat(send(new MessageContent.Text("hi"))).isEqualTo(SendResult.sent(null, 201));
  }
}
