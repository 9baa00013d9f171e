package dev.sluice.gateway.connector;

import static dev.sluice.gateway.connector.TestChannels.CLOCK;
import static dev.sluice.gateway.connector.TestChannels.MARK;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.gateway.connector.SendResult.Outcome;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.dispatch.Connectors;
import dev.sluice.gateway.testing.FakeProvider;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * What every connector does when no answer comes: the deadline and broken connections become
 * RETRYABLE results, and neither results nor log lines carry a credential or the recipient.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectorTransportTest {
  private static final String RECIPIENT = "+41793026727";
  private static final long DEADLINE_MS = 300;

  private static Vertx vertx;
  private static WebClient client;
  private static FakeProvider provider;
  private static ListAppender<ILoggingEvent> logs;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    provider = FakeProvider.start(vertx);
    logs = new ListAppender<>();
    logs.start();
    rootLogger().addAppender(logs);
  }

  @AfterAll
  static void stop() {
    rootLogger().detachAppender(logs);
    provider.close();
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    provider.reset();
  }

  @AfterEach
  void nothingSecretOrPersonalWasLogged() {
    List<ILoggingEvent> events;
    synchronized (logs) {
      events = List.copyOf(logs.list);
      logs.list.clear();
    }
    for (ILoggingEvent e : events) {
      String line =
          e.getFormattedMessage()
              + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
      assertThat(line).doesNotContain(MARK).doesNotContain("41793026727");
    }
  }

  private static Logger rootLogger() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private static SendResult send(Provider p, String baseUrl) {
    Connectors connectors =
        new Connectors(
            client, TestChannels.providers(baseUrl, DEADLINE_MS), "https://gw.example.com", CLOCK);
    SendResult result =
        connectors
            .forProvider(p)
            .send(
                TestChannels.channel(p, baseUrl),
                new OutboundMessage(
                    UUID.randomUUID().toString(), RECIPIENT, new MessageContent.Text("hello")))
            .await();
    assertThat(result.toString()).doesNotContain(MARK).doesNotContain("41793026727");
    return result;
  }

  @ParameterizedTest
  @EnumSource(
      value = Provider.class,
      names = {"WHATSAPP", "TELEGRAM", "TWILIO", "INFOBIP"})
  void providerThatNeverAnswersIsRetryableTimeoutAtTheDeadline(Provider p) {
    provider.hang();

    SendResult result = send(p, provider.baseUrl());

    assertThat(result.outcome()).isEqualTo(Outcome.RETRYABLE);
    assertThat(result.errorCode()).isEqualTo("timeout");
    assertThat(result.httpStatus()).isZero();
    assertThat(result.retryAfter()).isNull();
  }

  @ParameterizedTest
  @EnumSource(
      value = Provider.class,
      names = {"WHATSAPP", "TELEGRAM", "TWILIO", "INFOBIP"})
  void refusedConnectionIsRetryableNetworkError(Provider p) {
    SendResult result = send(p, "http://127.0.0.1:" + FakeProvider.closedPort());

    assertThat(result)
        .isEqualTo(SendResult.retryable("network", "could not connect to the provider", null, 0));
  }

  @ParameterizedTest
  @EnumSource(
      value = Provider.class,
      names = {"WHATSAPP", "TELEGRAM", "TWILIO", "INFOBIP"})
  void connectionClosedBeforeTheAnswerIsRetryableNetworkError(Provider p) {
    provider.drop();

    SendResult result = send(p, provider.baseUrl());

    assertThat(result.outcome()).isEqualTo(Outcome.RETRYABLE);
    assertThat(result.errorCode()).isEqualTo("network");
  }

  @ParameterizedTest
  @EnumSource(
      value = Provider.class,
      names = {"WHATSAPP", "TELEGRAM", "TWILIO", "INFOBIP"})
  void garbageSuccessBodyIsSentWithoutIdAndWarnedWithoutPersonalData(Provider p) {
    provider.answer(200, "\u0000garbage");

    assertThat(send(p, provider.baseUrl())).isEqualTo(SendResult.sent(null, 200));
  }
}
