package dev.sluice.gateway.connector.infobip;

import static dev.sluice.gateway.connector.TestChannels.CLOCK;
import static dev.sluice.gateway.connector.TestChannels.MARK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.connector.OutboundMessage;
import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.connector.SendResult.Outcome;
import dev.sluice.gateway.connector.TestChannels;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.InfobipAuthVerifier;
import dev.sluice.gateway.core.signing.Verdict;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.testing.FakeProvider;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InfobipConnectorTest {
  private static final String OUR_ID = "0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70";
  private static final String API_KEY = "key" + MARK + "api";
  private static final String WEBHOOK_SECRET = "hook " + MARK + "/+:&secret";
  private static final String MESSAGE_ID = "2250be2d4219-3af1-78856-aabe-1362af1edfd2";

  private static Vertx vertx;
  private static WebClient client;
  private static FakeProvider infobip;
  private static InfobipConnector connector;
  private static Channel channel;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    infobip = FakeProvider.start(vertx);
    connector = connector("https://gw.example.com:8443/");
    channel = TestChannels.channel(Provider.INFOBIP, infobip.baseUrl() + "/");
  }

  @AfterAll
  static void stop() {
    infobip.close();
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    infobip.reset();
  }

  private static InfobipConnector connector(String publicUrl) {
    return new InfobipConnector(
        client, TestChannels.providers("http://127.0.0.1:1", 5_000), publicUrl, CLOCK);
  }

  private static SendResult send(InfobipConnector via, MessageContent content) {
    SendResult result =
        via.send(channel, new OutboundMessage(OUR_ID, "+41793026727", content)).await();
    assertThat(result.toString()).doesNotContain(MARK);
    return result;
  }

  private static SendResult send(MessageContent content) {
    return send(connector, content);
  }

  private static JsonObject answer(String groupName, String name) {
    return new JsonObject(
        """
        {"bulkId":"2034072219640523072","messages":[{"destination":"41793026727",
         "messageId":"%s","status":{"groupId":1,"groupName":"%s","id":26,"name":"%s",
         "description":"as scripted"}}]}"""
            .formatted(MESSAGE_ID, groupName, name));
  }

  private static JsonObject error(String code, String description) {
    return new JsonObject()
        .put("errorCode", code)
        .put("description", description)
        .put("action", "Check the syntax, violations and adjust the request.");
  }

  @Test
  void textIsPostedToTheChannelsBaseUrlWithAppKeyAndADeliveryUrlCarryingTheWebhookSecret() {
    infobip.answer(200, answer("PENDING", "MESSAGE_ACCEPTED"));

    SendResult result = send(new MessageContent.Text("This is a sample message"));

    assertThat(result).isEqualTo(SendResult.sent(MESSAGE_ID, 200));
    FakeProvider.Call request = infobip.received();
    assertThat(request.method()).isEqualTo(HttpMethod.POST);
    assertThat(request.path()).isEqualTo("/sms/3/messages");
    assertThat(request.headers().get("Authorization")).isEqualTo("App " + API_KEY);
    assertThat(request.headers().get("Content-Type")).startsWith("application/json");
    String notifyUrl =
        "https://sluice:"
            + URLEncoder.encode(WEBHOOK_SECRET, StandardCharsets.UTF_8).replace("+", "%20")
            + "@gw.example.com:8443/webhooks/infobip/ch-infobip";
    assertThat(request.json())
        .isEqualTo(
            new JsonObject(
                """
                {"messages":[{"sender":"InfoSMS","destinations":[{"to":"41793026727"}],
                  "content":{"text":"This is a sample message"},
                  "webhooks":{"callbackData":"sluice:%s","delivery":{"url":"%s"}}}]}"""
                    .formatted(OUR_ID, notifyUrl)));
  }

  @Test
  void severalMessagesGoInOneRequestAndEachGetsItsOwnOutcomeByDestination() {
    // The answer lists them in another order than the request, one of them rejected.
    infobip.answer(
        200,
        new JsonObject(
            """
            {"bulkId":"b1","messages":[
             {"destination":"41793026702","messageId":"id-2","status":{"groupId":5,
              "groupName":"REJECTED","id":51,"name":"REJECTED_DESTINATION",
              "description":"Invalid destination"}},
             {"destination":"41793026701","messageId":"id-1","status":{"groupId":1,
              "groupName":"PENDING","id":26,"name":"MESSAGE_ACCEPTED"}}]}"""));
    List<OutboundMessage> messages =
        List.of(
            new OutboundMessage("m1", "+41793026701", new MessageContent.Text("one")),
            new OutboundMessage("m2", "+41793026702", new MessageContent.Text("two")),
            new OutboundMessage("m3", "+41793026703", new MessageContent.Text("three")),
            new OutboundMessage(
                "m4", "+41793026704", new MessageContent.Template("t", "en", "[]")));

    List<SendResult> results = connector.sendMany(channel, messages).await();

    assertThat(connector.maxBatch()).isGreaterThan(1);
    assertThat(results.get(0)).isEqualTo(SendResult.sent("id-1", 200));
    assertThat(results.get(1).outcome()).isEqualTo(Outcome.PERMANENT);
    assertThat(results.get(1).errorCode()).isEqualTo("REJECTED_DESTINATION");
    // Taken with the request but not listed in the answer: sent, without an id to correlate.
    assertThat(results.get(2)).isEqualTo(SendResult.sent(null, 200));
    assertThat(results.get(3).errorCode()).isEqualTo("unsupported_content");
    JsonObject body = infobip.received().json();
    assertThat(infobip.pending()).isZero(); // one request for all
    assertThat(body.getJsonArray("messages")).hasSize(3);
    assertThat(body.getJsonArray("messages").getJsonObject(2).getJsonObject("content"))
        .isEqualTo(new JsonObject().put("text", "three"));
  }

  @Test
  void anErrorAnswerToABulkRequestIsEveryMessagesOutcome() {
    infobip.answer(429, error("E429", "Too many requests sent."), "Retry-After", "7");
    List<OutboundMessage> messages =
        List.of(
            new OutboundMessage("m1", "+41793026701", new MessageContent.Text("one")),
            new OutboundMessage("m2", "+41793026702", new MessageContent.Text("two")));

    List<SendResult> results = connector.sendMany(channel, messages).await();

    assertThat(results).hasSize(2);
    for (SendResult r : results) {
      assertThat(r.outcome()).isEqualTo(Outcome.RETRYABLE);
      assertThat(r.errorCode()).isEqualTo("E429");
      assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }
  }

  @Test
  void deliveryReportCredentialsInTheNotifyUrlPassTheWebhookCheck() {
    infobip.answer(200, answer("PENDING", "MESSAGE_ACCEPTED"));
    send(new MessageContent.Text("hi"));
    String url =
        infobip
            .received()
            .json()
            .getJsonArray("messages")
            .getJsonObject(0)
            .getJsonObject("webhooks")
            .getJsonObject("delivery")
            .getString("url");

    // As a client sends URL user-info: decoded, then as Basic credentials.
    String userInfo = URLDecoder.decode(URI.create(url).getRawUserInfo(), StandardCharsets.UTF_8);
    String header =
        "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));

    assertThat(new InfobipAuthVerifier().verify(WEBHOOK_SECRET, header)).isEqualTo(Verdict.VALID);
  }

  @Test
  void withoutPublicUrlNoDeliveryUrlIsRequested() {
    infobip.answer(200, answer("PENDING", "MESSAGE_ACCEPTED"));

    send(connector(""), new MessageContent.Text("hi"));

    // Only the reference that a report pulled later would echo.
    assertThat(
            infobip
                .received()
                .json()
                .getJsonArray("messages")
                .getJsonObject(0)
                .getJsonObject("webhooks"))
        .isEqualTo(new JsonObject().put("callbackData", "sluice:" + OUR_ID));
  }

  @Test
  void rejectedMessageIsPermanentWithTheStatusName() {
    infobip.answer(200, answer("REJECTED", "REJECTED_DESTINATION"));

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.permanent("REJECTED_DESTINATION", "as scripted", 200));
  }

  @Test
  void throttlingIsRetryableHonouringRetryAfter() {
    infobip.answer(429, error("E429", "Too many requests sent."), "Retry-After", "2");

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(
            SendResult.retryable("E429", "Too many requests sent.", Duration.ofSeconds(2), 429));
  }

  @Test
  void serverErrorIsRetryableAndOtherClientErrorsArePermanent() {
    infobip
        .answer(500, error("E500", "Internal server error."))
        .answer(400, error("E400", "Request cannot be processed."))
        .answer(
            401,
            new JsonObject(
                "{\"requestError\":{\"serviceException\":{\"messageId\":\"UNAUTHORIZED\","
                    + "\"text\":\"Invalid login details\"}}}"));

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.retryable("E500", "Internal server error.", null, 500));
    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.permanent("E400", "Request cannot be processed.", 400));
    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.permanent("UNAUTHORIZED", "Invalid login details", 401));
  }

  @Test
  void webhookSecretQuotedInAViolationIsMasked() {
    String encoded = URLEncoder.encode(WEBHOOK_SECRET, StandardCharsets.UTF_8).replace("+", "%20");
    infobip.answer(
        400,
        error("E400", "invalid url https://sluice:" + encoded + "@gw.example.com with " + API_KEY));

    assertThat(send(new MessageContent.Text("hi")).errorMessage())
        .isEqualTo("invalid url https://sluice:***@gw.example.com with ***");
  }

  @Test
  void templatesAndMediaArePermanentlyUnsupportedWithoutCallingInfobip() {
    assertThat(send(new MessageContent.Template("t", "en", null)).errorCode())
        .isEqualTo("unsupported_content");
    assertThat(
            send(new MessageContent.Media("image", "https://x/a.png", null, null, null)).outcome())
        .isEqualTo(Outcome.PERMANENT);
    assertThat(infobip.pending()).isZero();
  }

  @Test
  void channelWithoutBaseUrlIsMisconfigured() {
    Channel bare =
        TestChannels.channel(Provider.INFOBIP, "InfoSMS", null, Map.of("apiKey", API_KEY));

    SendResult result =
        connector
            .send(bare, new OutboundMessage("m1", "+4179", new MessageContent.Text("hi")))
            .await();

    assertThat(result.errorCode()).isEqualTo("channel_misconfigured");
    assertThat(infobip.pending()).isZero();
  }

  @Test
  void unreadableSuccessBodyIsSentWithoutId() {
    infobip.answer(200, "[]");

    assertThat(send(new MessageContent.Text("hi"))).isEqualTo(SendResult.sent(null, 200));
  }
}
