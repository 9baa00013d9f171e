package dev.sluice.gateway.connector.telegram;

import static dev.sluice.gateway.connector.TestChannels.CLOCK;
import static dev.sluice.gateway.connector.TestChannels.MARK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.connector.OutboundMessage;
import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.connector.TestChannels;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.testing.FakeProvider;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TelegramConnectorTest {
  private static final String TOKEN = "123456:AA" + MARK + "bot";

  private static Vertx vertx;
  private static FakeProvider telegram;
  private static TelegramConnector connector;
  private static Channel channel;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    telegram = FakeProvider.start(vertx);
    connector =
        new TelegramConnector(
            WebClient.create(vertx), TestChannels.providers(telegram.baseUrl(), 5_000), CLOCK);
    channel = TestChannels.channel(Provider.TELEGRAM, null);
  }

  @AfterAll
  static void stop() {
    telegram.close();
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    telegram.reset();
  }

  private static SendResult send(String chat, MessageContent content) {
    SendResult result =
        connector
            .send(channel, new OutboundMessage(UUID.randomUUID().toString(), chat, content))
            .await();
    assertThat(result.toString()).doesNotContain(MARK);
    return result;
  }

  private static SendResult send(MessageContent content) {
    return send("987654321", content);
  }

  private static JsonObject sent(long chat, long messageId) {
    return new JsonObject(
        "{\"ok\":true,\"result\":{\"message_id\":"
            + messageId
            + ",\"chat\":{\"id\":"
            + chat
            + ",\"type\":\"private\"},\"date\":1767225600,\"text\":\"hello\"}}");
  }

  private static JsonObject failed(int code, String description) {
    return new JsonObject()
        .put("ok", false)
        .put("error_code", code)
        .put("description", description);
  }

  @Test
  void textIsPostedToSendMessageWithNumericChatIdAndReturnsChatAndMessageId() {
    telegram.answer(200, sent(987654321L, 42));

    SendResult result = send(new MessageContent.Text("hello"));

    assertThat(result).isEqualTo(SendResult.sent("987654321:42", 200));
    FakeProvider.Call request = telegram.received();
    assertThat(request.method()).isEqualTo(HttpMethod.POST);
    assertThat(request.path()).isEqualTo("/bot" + TOKEN + "/sendMessage");
    assertThat(request.headers().get("Content-Type")).startsWith("application/json");
    assertThat(request.json())
        .isEqualTo(new JsonObject("{\"chat_id\":987654321,\"text\":\"hello\"}"));
  }

  @Test
  void channelUsernameIsSentAsTextAndTheAnsweredChatIdNamesTheMessage() {
    telegram.answer(200, sent(-1001234567890L, 7));

    SendResult result = send("@sluice_news", new MessageContent.Text("hello"));

    assertThat(result.providerMessageId()).isEqualTo("-1001234567890:7");
    assertThat(telegram.received().json().getValue("chat_id")).isEqualTo("@sluice_news");
  }

  @Test
  void photoAndDocumentGoThroughTheirMethodsByLinkOrFileId() {
    telegram.answer(200, sent(1, 1)).answer(200, sent(1, 2));

    send(new MessageContent.Media("image", "https://files.example.com/a.png", null, "look", null));
    send(new MessageContent.Media("document", null, "BQACAgIAAxkB", null, "a.pdf"));

    FakeProvider.Call photo = telegram.received();
    assertThat(photo.path()).isEqualTo("/bot" + TOKEN + "/sendPhoto");
    assertThat(photo.json())
        .isEqualTo(
            new JsonObject()
                .put("chat_id", 987654321L)
                .put("photo", "https://files.example.com/a.png")
                .put("caption", "look"));
    FakeProvider.Call document = telegram.received();
    assertThat(document.path()).isEqualTo("/bot" + TOKEN + "/sendDocument");
    assertThat(document.json())
        .isEqualTo(new JsonObject().put("chat_id", 987654321L).put("document", "BQACAgIAAxkB"));
  }

  @Test
  void templateIsPermanentlyUnsupportedWithoutCallingTelegram() {
    SendResult result = send(new MessageContent.Template("t", "en", null));

    assertThat(result.outcome()).isEqualTo(SendResult.Outcome.PERMANENT);
    assertThat(result.errorCode()).isEqualTo("unsupported_content");
    assertThat(telegram.pending()).isZero();
  }

  @Test
  void floodControlIsRetryableAfterTheSecondsInTheBody() {
    telegram.answer(
        429,
        failed(429, "Too Many Requests: retry after 8")
            .put("parameters", new JsonObject().put("retry_after", 8)),
        "Retry-After",
        "99");

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(
            SendResult.retryable(
                "429", "Too Many Requests: retry after 8", Duration.ofSeconds(8), 429));
  }

  @Test
  void floodControlWithoutParametersFallsBackToRetryAfterHeaderSecondsOrDate() {
    telegram
        .answer(429, failed(429, "Too Many Requests"), "Retry-After", "3")
        .answer(429, "", "Retry-After", "Sun, 01 Mar 2026 10:01:00 GMT");

    assertThat(send(new MessageContent.Text("hi")).retryAfter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.retryable("http_429", null, Duration.ofSeconds(60), 429));
  }

  @Test
  void badRequestIsPermanentWithTelegramsDescription() {
    telegram.answer(400, failed(400, "Bad Request: chat not found"));

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.permanent("400", "Bad Request: chat not found", 400));
  }

  @Test
  void botBlockedByTheUserIsAnOptOut() {
    telegram.answer(403, failed(403, "Forbidden: bot was blocked by the user"));

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.optOut("403", "Forbidden: bot was blocked by the user", 403));
  }

  @Test
  void serverErrorIsRetryable() {
    telegram.answer(502, "<html>Bad Gateway</html>");

    assertThat(send(new MessageContent.Text("hi")))
        .isEqualTo(SendResult.retryable("http_502", null, null, 502));
  }

  @Test
  void botTokenQuotedInAnErrorIsMasked() {
    telegram.answer(404, failed(404, "Not Found: /bot" + TOKEN + "/sendMessage"));

    SendResult result = send(new MessageContent.Text("hi"));

    assertThat(result)
        .isEqualTo(SendResult.permanent("404", "Not Found: /bot***/sendMessage", 404));
  }

  @Test
  void unreadableSuccessBodyIsSentWithoutId() {
    telegram.answer(200, "not json");

    assertThat(send(new MessageContent.Text("hi"))).isEqualTo(SendResult.sent(null, 200));
  }
}
