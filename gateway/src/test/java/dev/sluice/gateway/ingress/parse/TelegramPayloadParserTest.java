package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TelegramPayloadParserTest {

  private final TelegramPayloadParser parser = new TelegramPayloadParser();

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private InboundEvent only(String fixture) {
    List<InboundEvent> events = parser.parse(Payloads.bytes(fixture));
    assertThat(events).hasSize(1);
    return events.get(0);
  }

  @Test
  void textMessageIsKeyedByUpdateIdAndPartitionedByChat() {
    InboundEvent e = only("telegram/message.json");

    assertThat(e.provider()).isEqualTo(Provider.TELEGRAM);
    assertThat(e.kind()).isEqualTo(EventKind.MESSAGE);
    assertThat(e.dedupId()).isEqualTo("864213579");
    assertThat(e.channelAddress()).isNull();
    assertThat(e.endUser()).isEqualTo("1111111");
    assertThat(e.from()).isEqualTo("1111111");
    assertThat(e.to()).isNull();
    assertThat(e.providerMessageId()).isEqualTo("1365");
    assertThat(e.timestamp()).isEqualTo(1441645532L);
    assertThat(e.type()).isEqualTo("text");
    assertThat(e.text()).isEqualTo("/start");
    assertThat(e.status()).isNull();
    assertThat(e.raw()).startsWith("{\"update_id\":864213579,\"message\":{");
  }

  @Test
  void photoIsTypedByItsContentAndCarriesTheCaption() {
    InboundEvent e = only("telegram/photo.json");

    assertThat(e.type()).isEqualTo("photo");
    assertThat(e.text()).isEqualTo("look at this");
  }

  @Test
  void editedMessageIsPrefixedAndTimedByTheEdit() {
    InboundEvent e = only("telegram/edited-message.json");

    assertThat(e.dedupId()).isEqualTo("864213581");
    assertThat(e.type()).isEqualTo("edited_text");
    assertThat(e.text()).isEqualTo("/start now");
    assertThat(e.timestamp()).isEqualTo(1441645700L);
    assertThat(e.providerMessageId()).isEqualTo("1365");
  }

  @Test
  void callbackQueryCarriesItsDataAndTheChatOfItsMessage() {
    InboundEvent e = only("telegram/callback-query.json");

    assertThat(e.type()).isEqualTo("callback_query");
    assertThat(e.text()).isEqualTo("answer:yes");
    assertThat(e.endUser()).isEqualTo("1111111");
    assertThat(e.from()).isEqualTo("1111111");
    assertThat(e.providerMessageId()).isEqualTo("1370");
    assertThat(e.timestamp()).isZero();
  }

  @Test
  void inlineCallbackQueryWithoutMessageFallsBackToThePressingUser() {
    InboundEvent e =
        parser
            .parse(
                json(
                    "{\"update_id\":5,\"callback_query\":{\"id\":\"q\",\"from\":{\"id\":77},"
                        + "\"inline_message_id\":\"AAA\",\"data\":\"d\"}}"))
            .get(0);

    assertThat(e.endUser()).isEqualTo("77");
    assertThat(e.providerMessageId()).isNull();
  }

  @Test
  void channelPostIsPartitionedByTheChannel() {
    InboundEvent e = only("telegram/channel-post.json");

    assertThat(e.type()).isEqualTo("text");
    assertThat(e.endUser()).isEqualTo("-1001234567890");
    assertThat(e.from()).isNull();
  }

  @Test
  void idsBeyondIntRangeKeepEveryDigit() {
    InboundEvent e = only("telegram/big-chat-id.json");

    assertThat(e.dedupId()).isEqualTo("2147483648123");
    assertThat(e.endUser()).isEqualTo("-1004503599627370495");
    assertThat(e.from()).isEqualTo("4503599627370495");
    assertThat(e.type()).isEqualTo("document");
  }

  @Test
  void otherUpdateKindsAreNamedByTheirField() {
    InboundEvent e = only("telegram/my-chat-member.json");

    assertThat(e.type()).isEqualTo("my_chat_member");
    assertThat(e.endUser()).isEqualTo("1111111");
    assertThat(e.timestamp()).isEqualTo(1441646200L);
    assertThat(e.text()).isNull();
  }

  @Test
  void messageWithUnknownContentIsTypedUnknown() {
    InboundEvent e =
        parser
            .parse(
                json(
                    "{\"update_id\":1,\"message\":{\"message_id\":0,\"chat\":{\"id\":9},"
                        + "\"date\":1,\"future_thing\":{}}}"))
            .get(0);

    assertThat(e.type()).isEqualTo("unknown");
    assertThat(e.providerMessageId()).isEqualTo("0");
  }

  @Test
  void updateWithNothingButItsIdGivesNoEvent() {
    assertThat(parser.parse(json("{\"update_id\":1}"))).isEmpty();
    assertThat(parser.parse(json("{\"update_id\":1,\"flag\":true}"))).isEmpty();
  }

  @Test
  void missingOrNonIntegerUpdateIdIsRejected() {
    for (String body :
        List.of(
            "{\"message\":{}}",
            "{\"update_id\":\"1\",\"message\":{}}",
            "{\"update_id\":1.5}",
            "{\"update_id\":null}",
            "[]",
            "")) {
      assertThatThrownBy(() -> parser.parse(json(body)))
          .as(body)
          .isInstanceOf(PayloadException.class);
    }
  }

  @Test
  void messageThatIsNotAnObjectIsRejected() {
    assertThatThrownBy(() -> parser.parse(json("{\"update_id\":1,\"message\":\"hi\"}")))
        .isInstanceOf(PayloadException.class)
        .hasMessage("message is not an object");
  }

  @Test
  void wrongTypesInsideTheMessageReadAsAbsent() {
    InboundEvent e =
        parser
            .parse(
                json(
                    "{\"update_id\":1,\"message\":{\"message_id\":\"x\",\"chat\":[],"
                        + "\"from\":7,\"date\":\"yesterday\",\"text\":12}}"))
            .get(0);

    assertThat(e.endUser()).isNull();
    assertThat(e.from()).isNull();
    assertThat(e.providerMessageId()).isEqualTo("x");
    assertThat(e.timestamp()).isZero();
    assertThat(e.type()).isEqualTo("unknown");
  }
}
