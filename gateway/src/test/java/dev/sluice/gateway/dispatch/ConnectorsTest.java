package dev.sluice.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.connector.TestChannels;
import dev.sluice.gateway.core.Provider;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectorsTest {
  private static Vertx vertx;
  private static Connectors connectors;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    connectors =
        new Connectors(
            WebClient.create(vertx), TestChannels.providers("https://api.example.com", 1000), "");
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @ParameterizedTest
  @EnumSource(
      value = Provider.class,
      names = {"WHATSAPP", "TELEGRAM", "TWILIO", "INFOBIP"})
  void eachSendingProviderHasItsConnector(Provider p) {
    assertThat(connectors.supports(p)).isTrue();
    assertThat(connectors.forProvider(p).provider()).isEqualTo(p);
  }

  @ParameterizedTest
  @EnumSource(
      value = Provider.class,
      names = {"MESSENGER", "INSTAGRAM", "STANDARD"})
  void providersWeCannotSendToAreRefused(Provider p) {
    assertThat(connectors.supports(p)).isFalse();
    assertThatThrownBy(() -> connectors.forProvider(p))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(p.wireName());
  }

  @Test
  void publicUrlThatIsNotAnAbsoluteUrlStopsConstruction() {
    assertThatThrownBy(
            () ->
                new Connectors(
                    WebClient.create(vertx),
                    TestChannels.providers("https://api.example.com", 1000),
                    "gw.example.com/path"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
