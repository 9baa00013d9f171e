package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TwilioPayloadParserTest {

  private final TwilioPayloadParser parser = new TwilioPayloadParser();

  private InboundEvent only(Map<String, List<String>> form) {
    List<InboundEvent> events = parser.parse(form);
    assertThat(events).hasSize(1);
    return events.get(0);
  }

  @Test
  void inboundSmsIsAMessageFromTheSenderWithoutPlus() {
    InboundEvent e = only(Payloads.form("twilio/sms-inbound.form"));

    assertThat(e.provider()).isEqualTo(Provider.TWILIO);
    assertThat(e.kind()).isEqualTo(EventKind.MESSAGE);
    assertThat(e.dedupId()).isEqualTo("SM1f0e8ae6ade43cb3c0ce4525424e404f");
    assertThat(e.providerMessageId()).isEqualTo("SM1f0e8ae6ade43cb3c0ce4525424e404f");
    assertThat(e.endUser()).isEqualTo("14155551234");
    assertThat(e.from()).isEqualTo("+14155551234");
    assertThat(e.to()).isEqualTo("+15557654321");
    assertThat(e.type()).isEqualTo("text");
    assertThat(e.text()).isEqualTo("Hello from +1 land!");
    assertThat(e.timestamp()).isZero();
    assertThat(e.channelAddress()).isNull();
    assertThat(e.raw()).startsWith("{\"ToCountry\":\"US\",").contains("\"NumMedia\":\"0\"");
  }

  @Test
  void inboundWhatsAppWithMediaDropsTheChannelPrefixAndCarriesTheProfileName() {
    InboundEvent e = only(Payloads.form("twilio/whatsapp-inbound.form"));

    assertThat(e.endUser()).isEqualTo("16505551234");
    assertThat(e.from()).isEqualTo("+16505551234");
    assertThat(e.to()).isEqualTo("+14155238886");
    assertThat(e.profileName()).isEqualTo("Sheena");
    assertThat(e.type()).isEqualTo("media");
    assertThat(e.text()).isEqualTo("two pictures");
  }

  @Test
  void statusCallbackIsKeyedBySidAndStatusForTheRecipient() {
    InboundEvent e = only(Payloads.form("twilio/status-delivered.form"));

    assertThat(e.kind()).isEqualTo(EventKind.STATUS);
    assertThat(e.dedupId()).isEqualTo("SM9a6a4b5b4c3d2e1f0a9b8c7d6e5f4a3b:delivered");
    assertThat(e.status()).isEqualTo("delivered");
    assertThat(e.endUser()).isEqualTo("14155551234");
    assertThat(e.type()).isNull();
    assertThat(e.errorCode()).isNull();
  }

  @Test
  void undeliveredCallbackIsFailedWithItsErrorCode() {
    InboundEvent e = only(Payloads.form("twilio/status-undelivered.form"));

    assertThat(e.dedupId()).isEqualTo("SM0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e:undelivered");
    assertThat(e.status()).isEqualTo("failed");
    assertThat(e.errorCode()).isEqualTo("30003");
    assertThat(e.endUser()).isEqualTo("16505551234");
  }

  @Test
  void everyDocumentedMessageStatusIsNormalised() {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("queued", "queued");
    expected.put("accepted", "queued");
    expected.put("scheduled", "queued");
    expected.put("sending", "sent");
    expected.put("sent", "sent");
    expected.put("partially_delivered", "sent");
    expected.put("delivered", "delivered");
    expected.put("read", "read");
    expected.put("undelivered", "failed");
    expected.put("failed", "failed");
    expected.put("canceled", "failed");
    expected.forEach(
        (twilio, ours) ->
            assertThat(only(form("MessageSid", "SM1", "MessageStatus", twilio)).status())
                .as(twilio)
                .isEqualTo(ours));
  }

  @Test
  void receivedStatusDescribesAnInboundMessage() {
    InboundEvent e = only(form("MessageSid", "SM1", "MessageStatus", "received", "From", "+1"));

    assertThat(e.kind()).isEqualTo(EventKind.MESSAGE);
    assertThat(e.dedupId()).isEqualTo("SM1");
  }

  @Test
  void unknownStatusIsNotRouted() {
    assertThat(parser.parse(form("MessageSid", "SM1", "MessageStatus", "teleported"))).isEmpty();
  }

  @Test
  void legacySidFieldsStandInForMessageSid() {
    assertThat(only(form("SmsMessageSid", "SM2", "Body", "x")).dedupId()).isEqualTo("SM2");
    assertThat(only(form("SmsSid", "SM3", "Body", "x")).dedupId()).isEqualTo("SM3");
  }

  @Test
  void missingMessageSidIsRejected() {
    assertThatThrownBy(() -> parser.parse(form("Body", "hi", "MessageSid", " ")))
        .isInstanceOf(PayloadException.class)
        .hasMessage("missing MessageSid");
    assertThatThrownBy(() -> parser.parse(null)).isInstanceOf(PayloadException.class);
  }

  @Test
  void repeatedFieldsBecomeArraysInRaw() {
    Map<String, List<String>> form = new LinkedHashMap<>();
    form.put("MessageSid", List.of("SM1"));
    form.put("Tag", List.of("a", "b"));

    assertThat(only(form).raw()).isEqualTo("{\"MessageSid\":\"SM1\",\"Tag\":[\"a\",\"b\"]}");
  }

  @Test
  void nullsAndGarbageInTheFormAreIgnored() {
    Map<String, List<String>> form = new HashMap<>();
    form.put(null, List.of("x"));
    form.put("Body", null);
    form.put("From", Arrays.asList(null, "+44 7700 900123"));
    form.put("NumMedia", List.of("lots"));
    form.put("MessageSid", new ArrayList<>(List.of("SM9")));

    InboundEvent e = only(form);

    assertThat(e.text()).isNull();
    assertThat(e.type()).isEqualTo("text");
    assertThat(e.from()).isEqualTo("+447700900123");
  }

  @Test
  void jsonBodyUsesTheSameFieldNames() {
    List<InboundEvent> events = parser.parseJson(Payloads.bytes("twilio/status-sent.json"));

    assertThat(events).hasSize(1);
    InboundEvent e = events.get(0);
    assertThat(e.dedupId()).isEqualTo("SM9a6a4b5b4c3d2e1f0a9b8c7d6e5f4a3b:sent");
    assertThat(e.status()).isEqualTo("sent");
    assertThat(e.endUser()).isEqualTo("14155551234");
    assertThat(e.raw()).startsWith("{\"SmsSid\":");
  }

  @Test
  void jsonBodyAcceptsNumbersAndRejectsNonObjects() {
    byte[] body =
        "{\"MessageSid\":\"SM1\",\"NumMedia\":2,\"Body\":{\"x\":1}}"
            .getBytes(StandardCharsets.UTF_8);

    InboundEvent e = parser.parseJson(body).get(0);

    assertThat(e.type()).isEqualTo("media");
    assertThat(e.text()).isNull();
    assertThatThrownBy(() -> parser.parseJson("[1]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(PayloadException.class);
  }

  private static Map<String, List<String>> form(String... pairs) {
    Map<String, List<String>> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.computeIfAbsent(pairs[i], k -> new ArrayList<>()).add(pairs[i + 1]);
    }
    return form;
  }
}
