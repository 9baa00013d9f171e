package dev.sluice.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.core.Provider;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
  private static final QueuedMessage TEXT =
      new QueuedMessage(
          "01a241ee-c19e-72f6-aae9-d82189174b4e",
          "t1",
          "ch1",
          Provider.TWILIO,
          "+14155550123",
          "14155550123",
          "0123456789abcdef01234567",
          OutboundLane.LOW,
          "ref \"quoted\" \u00e9 \u2028",
          1_700_000_000_123L,
          new MessageContent.Text("hello\n\u0001 \ud83d\ude00"));

  @Test
  void everyKindOfContentSurvivesARoundTripWithItsRecipientHash() {
    MessageContent[] contents = {
      TEXT.content(),
      new MessageContent.Template("otp", "en_US", "[{\"type\":\"body\"}]"),
      new MessageContent.Template("otp", "en", null),
      new MessageContent.Media("image", "https://cdn.example.com/a.jpg", null, "cap", null),
      new MessageContent.Media("document", null, "12345", null, "a.pdf")
    };
    for (MessageContent c : contents) {
      QueuedMessage m = withContent(TEXT, c);
      assertThat(MessageCodec.decode(MessageCodec.encode(m))).isEqualTo(m);
      assertThat(
              MessageCodec.decode(new String(MessageCodec.encodeBytes(m), StandardCharsets.UTF_8)))
          .isEqualTo(m);
    }
  }

  @Test
  void thePayloadHasTheFieldsOfTheTreeEncodingPlusTheHash() {
    JsonObject o = new JsonObject(MessageCodec.encode(TEXT));

    assertThat(o.fieldNames())
        .containsExactly(
            "id",
            "tenant",
            "channel",
            "provider",
            "to",
            "recipient",
            "recipientHash",
            "lane",
            "clientRef",
            "acceptedAt",
            "content");
    assertThat(o.getString("provider")).isEqualTo("twilio");
    assertThat(o.getString("lane")).isEqualTo("low");
    assertThat(o.getLong("acceptedAt")).isEqualTo(1_700_000_000_123L);
  }

  @Test
  void aPayloadWithoutTheHashDecodesToANullHash() {
    JsonObject old = new JsonObject(MessageCodec.encode(TEXT));
    old.remove("recipientHash");

    QueuedMessage m = MessageCodec.decode(old.encode());

    assertThat(m.recipientHash()).isNull();
    assertThat(m).isEqualTo(TEXT.withRecipientHash(null));
  }

  @Test
  void aMessageWithoutAHashIsWrittenWithoutTheField() {
    String json = MessageCodec.encode(TEXT.withRecipientHash(null));

    assertThat(new JsonObject(json).containsKey("recipientHash")).isFalse();
    assertThat(MessageCodec.decode(json).recipientHash()).isNull();
  }

  @Test
  void somethingElseIsRefused() {
    assertThatThrownBy(() -> MessageCodec.decode("{\"id\":\"x\"}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MessageCodec.decode("not json"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static QueuedMessage withContent(QueuedMessage m, MessageContent c) {
    return new QueuedMessage(
        m.id(),
        m.tenantId(),
        m.channelId(),
        m.provider(),
        m.to(),
        m.recipient(),
        m.recipientHash(),
        m.lane(),
        m.clientRef(),
        m.acceptedAt(),
        c);
  }
}
