package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StandardPayloadParserTest {

  private static final String WEBHOOK_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";

  private final StandardPayloadParser parser = new StandardPayloadParser();

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void messageEventIsKeyedByWebhookIdAndPartitionedBySender() {
    List<InboundEvent> events =
        parser.parse(WEBHOOK_ID, Payloads.bytes("standard/message-received.json"));

    assertThat(events).hasSize(1);
    InboundEvent e = events.get(0);
    assertThat(e.provider()).isEqualTo(Provider.STANDARD);
    assertThat(e.kind()).isEqualTo(EventKind.MESSAGE);
    assertThat(e.dedupId()).isEqualTo(WEBHOOK_ID);
    assertThat(e.type()).isEqualTo("message.received");
    assertThat(e.endUser()).isEqualTo("14155551234");
    assertThat(e.from()).isEqualTo("+14155551234");
    assertThat(e.to()).isEqualTo("+15557654321");
    assertThat(e.text()).isEqualTo("Hi there");
    assertThat(e.providerMessageId()).isEqualTo("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
    assertThat(e.timestamp()).isEqualTo(1667507170L); // 2022-11-03T20:26:10.344522Z
    assertThat(e.status()).isNull();
    assertThat(e.raw()).startsWith("{\"type\":\"message.received\",");
  }

  @Test
  void statusEventIsPartitionedByTheRecipient() {
    InboundEvent e =
        parser.parse(WEBHOOK_ID, Payloads.bytes("standard/status-updated.json")).get(0);

    assertThat(e.kind()).isEqualTo(EventKind.STATUS);
    assertThat(e.status()).isEqualTo("delivered");
    assertThat(e.endUser()).isEqualTo("14155551234");
    assertThat(e.timestamp()).isEqualTo(1667507170L);
  }

  @Test
  void everythingButTheBodyObjectIsOptional() {
    InboundEvent e = parser.parse(WEBHOOK_ID, json("{}")).get(0);

    assertThat(e.kind()).isEqualTo(EventKind.MESSAGE);
    assertThat(e.type()).isNull();
    assertThat(e.endUser()).isNull();
    assertThat(e.timestamp()).isZero();
    assertThat(e.raw()).isEqualTo("{}");
  }

  @Test
  void statusOutsideOurVocabularyIsLeftOut() {
    InboundEvent e =
        parser
            .parse(WEBHOOK_ID, json("{\"type\":\"status\",\"data\":{\"status\":\"teleported\"}}"))
            .get(0);

    assertThat(e.kind()).isEqualTo(EventKind.STATUS);
    assertThat(e.status()).isNull();
  }

  @Test
  void timestampAsDigitStringIsUnixSeconds() {
    InboundEvent e = parser.parse(WEBHOOK_ID, json("{\"timestamp\":\"1667507170\"}")).get(0);

    assertThat(e.timestamp()).isEqualTo(1667507170L);
  }

  @Test
  void missingWebhookIdOrNonObjectBodyIsRejected() {
    assertThatThrownBy(() -> parser.parse(null, json("{}")))
        .isInstanceOf(PayloadException.class)
        .hasMessage("missing webhook-id");
    assertThatThrownBy(() -> parser.parse(" ", json("{}"))).isInstanceOf(PayloadException.class);
    for (String body : List.of("", "[]", "\"x\"", "{\"a\":1}}")) {
      assertThatThrownBy(() -> parser.parse(WEBHOOK_ID, json(body)))
          .as(body)
          .isInstanceOf(PayloadException.class);
    }
  }
}
