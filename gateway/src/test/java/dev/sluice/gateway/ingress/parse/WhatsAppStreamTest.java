package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.core.InboundEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The streaming WhatsApp path against the tree path: on every body it takes, the same events with
 * the same {@code raw} text, byte for byte; every body it is not sure of is left to the tree.
 */
class WhatsAppStreamTest {

  private final MetaPayloadParser parser = new MetaPayloadParser();

  private static final String MESSAGE =
      "{\"from\":\"16505551234\",\"id\":\"wamid.A1\",\"timestamp\":\"1749416383\","
          + "\"type\":\"text\",\"text\":{\"body\":\"Does it come in another color?\"}}";

  private static byte[] whatsApp(String value) {
    return ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1022\",\"changes\":"
            + "[{\"value\":"
            + value
            + ",\"field\":\"messages\"}]}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String value(String messages) {
    return "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":"
        + "\"15550783881\",\"phone_number_id\":\"106540352242922\"},\"contacts\":[{\"profile\":"
        + "{\"name\":\"Sheena\"},\"wa_id\":\"16505551234\"}],\"messages\":"
        + messages
        + "}";
  }

  /** The stream took the body and gave what the tree gives. */
  private List<InboundEvent> assertStreamedAsTree(byte[] body) {
    List<InboundEvent> streamed = WhatsAppStream.tryParse(body);
    assertThat(streamed).as("taken by the stream").isNotNull();
    assertThat(streamed).isEqualTo(parser.parseTree(body));
    assertThat(parser.parse(body)).isEqualTo(streamed);
    return streamed;
  }

  @Test
  void compactTextMessageKeepsItsOwnBytesAsRaw() {
    List<InboundEvent> events = assertStreamedAsTree(whatsApp(value("[" + MESSAGE + "]")));

    assertThat(events).hasSize(1);
    assertThat(events.get(0).raw()).isEqualTo(MESSAGE);
    assertThat(events.get(0).channelAddress()).isEqualTo("106540352242922");
    assertThat(events.get(0).text()).isEqualTo("Does it come in another color?");
  }

  @Test
  void everyWhatsAppFixtureGivesTheTreesEvents() {
    for (String name :
        List.of(
            "whatsapp-batch.json",
            "whatsapp-statuses.json",
            "whatsapp-interactive.json",
            "whatsapp-image.json",
            "whatsapp-text.json")) {
      assertStreamedAsTree(Payloads.bytes("meta/" + name));
    }
  }

  @Test
  void rawIsRewrittenAsTheTreeWritesItWhenTheBytesAreNotCompact() {
    String[] messages = {
      // whitespace, escapes, non-ASCII, fractions, exponents, -0 and big numbers
      "[ {\"from\" : \"1650\", \"id\":\"wamid.B\", \"type\":\"text\"} ]",
      "[{\"from\":\"1650\",\"id\":\"wamid.C\",\"type\":\"text\",\"text\":{\"body\":\"caf\\u00e9 \\ud83d\\ude00 \\/\"}}]",
      "[{\"from\":\"1650\",\"id\":\"wamid.D\",\"type\":\"text\",\"text\":{\"body\":\"café 😀\"}}]",
      "[{\"from\":\"1650\",\"id\":\"wamid.E\",\"type\":\"location\",\"location\":{\"latitude\":37.50,\"longitude\":-1.2e2}}]",
      "[{\"from\":\"1650\",\"id\":\"wamid.F\",\"type\":\"x\",\"n\":-0,\"m\":[-1,0,1E2,true,false,null,{},[]]}]",
      "[{\"from\":1650,\"id\":123456789012345678901234567890,\"timestamp\":1749416383,\"type\":\"text\"}]",
      "[{\"from\":\"1650\",\"id\":\"wamid.G\",\"type\":\"text\"},{\"from\":\"1651\",\"id\":\"wamid.H\"}]",
    };
    for (String m : messages) {
      assertStreamedAsTree(whatsApp(value(m)));
    }
  }

  @Test
  void fieldsInAnyOrderGiveTheTreesEventsInPayloadOrder() {
    String statuses =
        "[{\"id\":\"wamid.S\",\"status\":\"delivered\",\"timestamp\":\"1749416400\","
            + "\"recipient_id\":\"16505551234\",\"errors\":[{\"code\":131047}]}]";
    byte[] body =
        ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
                + "\"messages\",\"value\":{\"statuses\":"
                + statuses
                + ",\"messages\":["
                + MESSAGE
                + "],\"metadata\":{\"phone_number_id\":106540352242922,"
                + "\"display_phone_number\":\"15550783881\"}}},{\"value\":{\"messages\":["
                + MESSAGE
                + "]},\"field\":\"account_update\"}],\"id\":\"1\"}],\"extra\":{\"a\":[1,2]}}")
            .getBytes(StandardCharsets.UTF_8);

    List<InboundEvent> events = assertStreamedAsTree(body);

    assertThat(events)
        .extracting(InboundEvent::dedupId)
        .containsExactly("wamid.A1", "wamid.S:delivered");
  }

  @Test
  void bodiesTheStreamIsNotSureOfAreLeftToTheTree() {
    List<byte[]> bodies = new ArrayList<>();
    // "object" not first; another object; duplicate keys (the tree keeps the last one)
    bodies.add(
        "{\"entry\":[],\"object\":\"whatsapp_business_account\"}".getBytes(StandardCharsets.UTF_8));
    bodies.add("{\"object\":\"page\",\"entry\":[]}".getBytes(StandardCharsets.UTF_8));
    bodies.add(whatsApp(value("[{\"from\":\"1\",\"id\":\"wamid.X\",\"id\":\"wamid.Y\"}]")));
    bodies.add(
        ("{\"object\":\"whatsapp_business_account\",\"entry\":[],\"entry\":[{\"changes\":[{\"value\":"
                + value("[" + MESSAGE + "]")
                + ",\"field\":\"messages\"}]}]}")
            .getBytes(StandardCharsets.UTF_8));
    for (byte[] body : bodies) {
      assertThat(WhatsAppStream.tryParse(body)).isNull();
      assertThat(parser.parse(body)).isEqualTo(parser.parseTree(body));
    }
    assertThat(parser.parse(bodies.get(2)).get(0).dedupId()).isEqualTo("wamid.Y");
  }

  @Test
  void bodiesTheTreeRejectsAreRejectedWithItsMessage() {
    List<byte[]> bodies =
        List.of(
            whatsApp(value("{\"id\":\"wamid.A\"}")),
            whatsApp(value("[\"wamid.A\"]")),
            whatsApp(value("[{\"from\":\"1650\",\"type\":\"text\"}]")),
            "{\"object\":\"whatsapp_business_account\"}".getBytes(StandardCharsets.UTF_8),
            "{\"object\":\"whatsapp_business_account\",\"entry\":{}}"
                .getBytes(StandardCharsets.UTF_8),
            "{\"object\":\"whatsapp_business_account\",\"entry\":[1]}"
                .getBytes(StandardCharsets.UTF_8),
            "{\"object\":\"whatsapp_business_account\",\"entry\":[]} {}"
                .getBytes(StandardCharsets.UTF_8),
            "{\"object\":\"whatsapp_business_account\",\"entry\":["
                .getBytes(StandardCharsets.UTF_8),
            ("{\"object\":\"whatsapp_business_account\",\"entry\":" + Fuzz.nestedArrays(500) + "}")
                .getBytes(StandardCharsets.UTF_8));
    for (byte[] body : bodies) {
      assertThat(WhatsAppStream.tryParse(body)).isNull();
      String expected = message(() -> parser.parseTree(body));
      assertThatThrownBy(() -> parser.parse(body))
          .isInstanceOf(PayloadException.class)
          .hasMessage(expected);
    }
  }

  @Test
  void fuzzedBodiesGiveTheTreesEventsOrItsRejection() {
    List<Fuzz.Case> cases =
        Fuzz.jsonCases(
            List.of(
                Payloads.bytes("meta/whatsapp-batch.json"),
                Payloads.bytes("meta/whatsapp-statuses.json"),
                Payloads.bytes("meta/whatsapp-interactive.json")));
    int streamed = 0;
    for (Fuzz.Case c : cases) {
      List<InboundEvent> fast = WhatsAppStream.tryParse(c.body());
      if (fast == null) {
        continue;
      }
      streamed++;
      assertThat(fast).as(c.description()).isEqualTo(parser.parseTree(c.body()));
    }
    assertThat(streamed).isGreaterThan(100);
  }

  private static String message(Runnable r) {
    try {
      r.run();
    } catch (PayloadException e) {
      return e.getMessage();
    }
    throw new AssertionError("the tree path accepted the body");
  }
}
