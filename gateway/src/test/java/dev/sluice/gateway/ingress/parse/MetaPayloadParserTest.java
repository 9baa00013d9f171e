package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetaPayloadParserTest {

  private final MetaPayloadParser parser = new MetaPayloadParser();

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void whatsAppTextMessageBecomesOneMessageEvent() {
    List<InboundEvent> events = parser.parse(Payloads.bytes("meta/whatsapp-text.json"));

    String wamid = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";
    assertThat(events)
        .containsExactly(
            new InboundEvent(
                Provider.WHATSAPP,
                "106540352242922",
                EventKind.MESSAGE,
                wamid,
                "16505551234",
                "+16505551234",
                "+15550783881",
                wamid,
                1749416383L,
                "text",
                "Does it come in another color?",
                null,
                null,
                "{\"from\":\"16505551234\",\"id\":\""
                    + wamid
                    + "\",\"timestamp\":\"1749416383\",\"type\":\"text\","
                    + "\"text\":{\"body\":\"Does it come in another color?\"}}",
                null,
                null,
                "Sheena Nelson"));
  }

  @Test
  void whatsAppImageCaptionIsTheText() {
    InboundEvent e = parser.parse(Payloads.bytes("meta/whatsapp-image.json")).get(0);

    assertThat(e.type()).isEqualTo("image");
    assertThat(e.text()).isEqualTo("This is the blue one");
    assertThat(e.raw()).contains("\"id\":\"1003383421387256\"");
  }

  @Test
  void whatsAppInteractiveRepliesCarryTheChosenTitle() {
    List<InboundEvent> events = parser.parse(Payloads.bytes("meta/whatsapp-interactive.json"));

    assertThat(events)
        .extracting(InboundEvent::type, InboundEvent::text, InboundEvent::timestamp)
        .containsExactly(
            tuple("interactive", "Cancel", 1749416500L),
            tuple("interactive", "Priority Mail Express", 1749416510L));
  }

  @Test
  void whatsAppStatusesAreKeyedByWamidAndProviderStatus() {
    List<InboundEvent> events = parser.parse(Payloads.bytes("meta/whatsapp-statuses.json"));

    String sent = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA";
    String failed = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJBQkNERUYwMTIzNDU2Nzg5QUIA";
    String voice = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJWT0lDRTAxMjM0NTY3ODlBQkMA";
    assertThat(events)
        .extracting(
            InboundEvent::kind,
            InboundEvent::dedupId,
            InboundEvent::status,
            InboundEvent::endUser,
            InboundEvent::errorCode,
            InboundEvent::providerMessageId)
        .containsExactly(
            tuple(EventKind.STATUS, sent + ":sent", "sent", "16505551234", null, sent),
            tuple(EventKind.STATUS, sent + ":delivered", "delivered", "16505551234", null, sent),
            tuple(EventKind.STATUS, sent + ":read", "read", "16505551234", null, sent),
            tuple(EventKind.STATUS, failed + ":failed", "failed", "16505559876", "131047", failed),
            tuple(EventKind.STATUS, voice + ":played", "read", "16505551234", null, voice));
    assertThat(events.get(0).type()).isNull();
    assertThat(events.get(0).timestamp()).isEqualTo(1750857384L);
    assertThat(events.get(0).channelAddress()).isEqualTo("106540352242922");
    assertThat(events.get(0).from()).isEqualTo("+15550783881");
    assertThat(events.get(0).to()).isEqualTo("+16505551234");
    // Our reference, echoed by Meta, names our message; a status without one names none.
    assertThat(events.get(0).messageId()).isEqualTo("0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70");
    assertThat(events.get(1).messageId()).isNull();
    assertThat(events.get(3).raw()).startsWith("{\"id\":\"" + failed).contains("131047");
  }

  @Test
  void whatsAppBatchSplitsEveryEntryChangeAndMessageInOrder() {
    List<InboundEvent> events = parser.parse(Payloads.bytes("meta/whatsapp-batch.json"));

    assertThat(events)
        .extracting(
            InboundEvent::channelAddress,
            InboundEvent::dedupId,
            InboundEvent::kind,
            InboundEvent::type,
            InboundEvent::text)
        .containsExactly(
            tuple("106540352242922", "wamid.A1", EventKind.MESSAGE, "text", "one"),
            tuple("106540352242922", "wamid.A2", EventKind.MESSAGE, "text", "two"),
            tuple("106540352242922", "wamid.S1:delivered", EventKind.STATUS, null, null),
            tuple("106540352249999", "wamid.B1", EventKind.MESSAGE, "sticker", null),
            tuple("106540352249999", "wamid.B2", EventKind.MESSAGE, "text", "three"),
            tuple("106540352249999", "wamid.B3", EventKind.MESSAGE, "button", "Yes please"));
    assertThat(events.get(3).to()).isEqualTo("+15550783999");
  }

  @Test
  void whatsAppChangesOtherThanMessagesGiveNoEvents() {
    byte[] body =
        json(
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
                + "\"field\":\"account_update\",\"value\":{\"messages\":[{\"id\":\"x\"}]}}]}]}");

    assertThat(parser.parse(body)).isEmpty();
  }

  @Test
  void whatsAppUnknownStatusIsNotRouted() {
    byte[] body =
        json(
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
                + "\"messages\",\"value\":{\"statuses\":[{\"id\":\"w\",\"status\":\"deleted\"}]}}]}]}");

    assertThat(parser.parse(body)).isEmpty();
  }

  @Test
  void numbersWhereStringsBelongAreReadOrIgnoredNeverCast() {
    byte[] body =
        json(
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
                + "\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":106540352242922},"
                + "\"messages\":[{\"id\":\"w1\",\"from\":16505551234,\"timestamp\":1749416383,"
                + "\"type\":\"text\",\"text\":{\"body\":42}}]}}]}]}");

    InboundEvent e = parser.parse(body).get(0);

    assertThat(e.channelAddress()).isEqualTo("106540352242922");
    assertThat(e.endUser()).isEqualTo("16505551234");
    assertThat(e.timestamp()).isEqualTo(1749416383L);
    assertThat(e.text()).isNull();
  }

  @Test
  void whatsAppMessageWithoutTypeIsUnknown() {
    byte[] body =
        json(
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
                + "\"messages\",\"value\":{\"messages\":[{\"id\":\"w1\",\"timestamp\":\"soon\"}]}}]}]}");

    InboundEvent e = parser.parse(body).get(0);

    assertThat(e.type()).isEqualTo("unknown");
    assertThat(e.timestamp()).isZero();
    assertThat(e.channelAddress()).isNull();
  }

  @Test
  void messengerTextPostbackAndReceiptsBecomeEventsAndEchoesAreSkipped() {
    List<InboundEvent> events = parser.parse(Payloads.bytes("meta/messenger.json"));

    String mid =
        "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0";
    assertThat(events)
        .extracting(
            InboundEvent::provider,
            InboundEvent::kind,
            InboundEvent::type,
            InboundEvent::text,
            InboundEvent::status,
            InboundEvent::timestamp)
        .containsExactly(
            tuple(
                Provider.MESSENGER, EventKind.MESSAGE, "text", "hello, world!", null, 1458692752L),
            tuple(
                Provider.MESSENGER,
                EventKind.MESSAGE,
                "postback",
                "Get Started",
                null,
                1458692752L),
            tuple(
                Provider.MESSENGER,
                EventKind.MESSAGE,
                "postback",
                "Talk to an agent",
                null,
                1458692753L),
            tuple(Provider.MESSENGER, EventKind.STATUS, null, null, "delivered", 1458692753L),
            tuple(Provider.MESSENGER, EventKind.STATUS, null, null, "delivered", 1458692753L),
            tuple(Provider.MESSENGER, EventKind.MESSAGE, "image", null, null, 1458692753L));
    assertThat(events)
        .extracting(InboundEvent::dedupId)
        .startsWith(mid + "P", mid + "Q")
        .contains("m_out1:delivered", "m_out2:delivered", "m_img1")
        .doesNotContain("m_echo1");
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat(e.channelAddress()).isEqualTo("104528148376123");
              assertThat(e.endUser()).isEqualTo("6945738362236453");
            });
    assertThat(events.get(0).from()).isEqualTo("6945738362236453");
    assertThat(events.get(0).to()).isEqualTo("104528148376123");
    assertThat(events.get(3).providerMessageId()).isEqualTo("m_out1");
  }

  @Test
  void postbackWithoutMidGetsAStableDerivedId() {
    InboundEvent first = parser.parse(Payloads.bytes("meta/messenger.json")).get(2);
    InboundEvent again = parser.parse(Payloads.bytes("meta/messenger.json")).get(2);

    assertThat(first.dedupId()).startsWith("postback:").hasSize("postback:".length() + 32);
    assertThat(again.dedupId()).isEqualTo(first.dedupId());
    assertThat(first.providerMessageId()).isNull();
  }

  @Test
  void instagramMessageAndReadReceiptUseTheAccountAsChannel() {
    List<InboundEvent> events = parser.parse(Payloads.bytes("meta/instagram.json"));

    assertThat(events)
        .extracting(
            InboundEvent::provider,
            InboundEvent::channelAddress,
            InboundEvent::kind,
            InboundEvent::endUser,
            InboundEvent::text,
            InboundEvent::status)
        .containsExactly(
            tuple(
                Provider.INSTAGRAM,
                "17841405822304914",
                EventKind.MESSAGE,
                "1234567890123456",
                "Is this available in blue?",
                null),
            tuple(
                Provider.INSTAGRAM,
                "17841405822304914",
                EventKind.STATUS,
                "1234567890123456",
                null,
                "read"));
    assertThat(events.get(1).dedupId()).endsWith("=:read");
  }

  @Test
  void instagramUnsendIsKeptApartFromTheMessageItRemoves() {
    byte[] body =
        json(
            "{\"object\":\"instagram\",\"entry\":[{\"id\":\"1\",\"messaging\":[{\"sender\":{\"id\":"
                + "\"2\"},\"timestamp\":1,\"message\":{\"mid\":\"m1\",\"is_deleted\":true}}]}]}");

    InboundEvent e = parser.parse(body).get(0);

    assertThat(e.dedupId()).isEqualTo("m1:deleted");
    assertThat(e.type()).isEqualTo("deleted");
  }

  @Test
  void unknownGraphObjectGivesNoEvents() {
    assertThat(parser.parse(json("{\"object\":\"user\",\"entry\":[]}"))).isEmpty();
  }

  @Test
  void messageWithoutIdRejectsTheBody() {
    byte[] body =
        json(
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
                + "\"messages\",\"value\":{\"messages\":[{\"from\":\"1\",\"type\":\"text\"}]}}]}]}");

    assertThatThrownBy(() -> parser.parse(body))
        .isInstanceOf(PayloadException.class)
        .hasMessage("WhatsApp message without id");
  }

  @Test
  void aNulInAnIdOrAddressRejectsTheBodyOnTheStreamedAndTheTreePath() {
    String status =
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
            + "\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"%s\"},"
            + "\"statuses\":[{\"id\":\"%s\",\"status\":\"delivered\",\"timestamp\":\"1\","
            + "\"recipient_id\":\"%s\"}]}}]}]}";
    for (String[] fields :
        new String[][] {
          {"106\\u0000540", "wamid.A", "1650"},
          {"106540", "wamid.\\u0000A", "1650"},
          {"106540", "wamid.A", "16\\u000050"}
        }) {
      byte[] body = json(status.formatted((Object[]) fields));

      assertThatThrownBy(() -> parser.parse(body))
          .isInstanceOf(PayloadException.class)
          .hasMessageContaining("NUL");
      // "object" last: the streamed path declines the body and the tree path reads it.
      String tree = new String(body, StandardCharsets.UTF_8);
      byte[] treeBody =
          json(
              "{"
                  + tree.substring(tree.indexOf("\"entry\""), tree.length() - 1)
                  + ",\"object\":\"whatsapp_business_account\"}");
      assertThat(WhatsAppStream.tryParse(treeBody)).isNull();
      assertThatThrownBy(() -> parser.parse(treeBody))
          .isInstanceOf(PayloadException.class)
          .hasMessageContaining("NUL");
    }
  }

  @Test
  void aTimestampPastTheYear9999IsAbsentRatherThanAnUnstorableTime() {
    byte[] body =
        json(
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
                + "\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"1\"},"
                + "\"statuses\":[{\"id\":\"wamid.T\",\"status\":\"read\","
                + "\"timestamp\":\"99999999999999\",\"recipient_id\":\"1650\"}]}}]}]}");

    assertThat(parser.parse(body).get(0).timestamp()).isZero();
    assertThat(parser.parseTree(body).get(0).timestamp()).isZero();
  }

  @Test
  void messengerMessageWithoutMidRejectsTheBody() {
    byte[] body =
        json(
            "{\"object\":\"page\",\"entry\":[{\"id\":\"1\",\"messaging\":[{\"message\":"
                + "{\"text\":\"hi\"}}]}]}");

    assertThatThrownBy(() -> parser.parse(body)).isInstanceOf(PayloadException.class);
  }

  @Test
  void wrongTopLevelShapesAreRejectedWithoutAStackTrace() {
    for (String body :
        List.of(
            "",
            "not json",
            "[]",
            "{}",
            "{\"object\":5}",
            "{\"object\":\"page\"}",
            "{\"object\":\"page\",\"entry\":{}}",
            "{\"object\":\"page\",\"entry\":[1]}",
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":\"x\"}]}")) {
      assertThatThrownBy(() -> parser.parse(json(body)))
          .as(body)
          .isInstanceOfSatisfying(
              PayloadException.class, e -> assertThat(e.getStackTrace()).isEmpty());
    }
    assertThatThrownBy(() -> parser.parse(null)).isInstanceOf(PayloadException.class);
  }

  @Test
  void deeplyNestedJsonIsRejectedNotOverflowed() {
    String body = "{\"object\":\"page\",\"entry\":" + Fuzz.nestedArrays(100_000) + "}";

    assertThatThrownBy(() -> parser.parse(json(body)))
        .isInstanceOf(PayloadException.class)
        .hasMessage("body is not valid JSON");
  }
}
