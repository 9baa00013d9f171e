package dev.sluice.gateway.connector.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.connector.smpp.protocol.DeliveryReceipt;
import dev.sluice.gateway.connector.smpp.protocol.MobileOriginated;
import dev.sluice.gateway.connector.smpp.protocol.SmppAddress;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SmppEventsTest {
  private static final SmppAddress RECIPIENT = new SmppAddress(1, 1, "4915112345678");
  private static final SmppAddress SENDER = new SmppAddress(5, 0, "Acme");

  @Test
  void aDeliveredReceiptIsADeliveredStatusOfTheMessage() {
    Instant done = Instant.parse("2026-12-05T10:15:00Z");
    InboundEvent e =
        SmppEvents.receipt(
            new DeliveryReceipt("abc123", "DELIVRD", "000", RECIPIENT, SENDER, done), "abc123");

    assertThat(e.provider()).isEqualTo(Provider.SMPP);
    assertThat(e.kind()).isEqualTo(EventKind.STATUS);
    assertThat(e.status()).isEqualTo("delivered");
    assertThat(e.providerMessageId()).isEqualTo("abc123");
    assertThat(e.dedupId()).isEqualTo("abc123:DELIVRD");
    assertThat(e.endUser()).isEqualTo("4915112345678");
    assertThat(e.to()).isEqualTo("+4915112345678");
    assertThat(e.from()).isEqualTo("Acme");
    assertThat(e.timestamp()).isEqualTo(done.getEpochSecond());
    assertThat(e.errorCode()).isNull();
  }

  @Test
  void undeliverableRejectedExpiredAndDeletedFailWithTheErrAsCode() {
    for (String state : new String[] {"UNDELIV", "REJECTD", "EXPIRED", "DELETED"}) {
      InboundEvent e =
          SmppEvents.receipt(new DeliveryReceipt("9", state, "069", RECIPIENT, SENDER, null), "9");
      assertThat(e.status()).as(state).isEqualTo("failed");
      assertThat(e.errorCode()).as(state).isEqualTo("069");
      assertThat(e.errorMessage()).as(state).isEqualTo(state);
    }
    InboundEvent noErr =
        SmppEvents.receipt(new DeliveryReceipt("9", "EXPIRED", null, RECIPIENT, SENDER, null), "9");
    assertThat(noErr.errorCode()).isEqualTo("EXPIRED");
  }

  @Test
  void enrouteAndAcceptedAreSentAndUnknownIsNotRecorded() {
    assertThat(SmppEvents.status("ENROUTE")).isEqualTo("sent");
    assertThat(SmppEvents.status("ACCEPTD")).isEqualTo("sent");
    assertThat(
            SmppEvents.receipt(
                new DeliveryReceipt("1", "UNKNOWN", null, RECIPIENT, SENDER, null), "1"))
        .isNull();
  }

  @Test
  void aMobileOriginatedTextIsAMessageFromAnE164NumberWhenInternational() {
    InboundEvent e =
        SmppEvents.message(
            new MobileOriginated(RECIPIENT, new SmppAddress(0, 0, "12345"), "STOP", "k1"));

    assertThat(e.kind()).isEqualTo(EventKind.MESSAGE);
    assertThat(e.from()).isEqualTo("+4915112345678");
    assertThat(e.endUser()).isEqualTo("4915112345678");
    assertThat(e.to()).isEqualTo("12345");
    assertThat(e.text()).isEqualTo("STOP");
    assertThat(e.dedupId()).isEqualTo("k1");
    assertThat(e.type()).isEqualTo("text");
  }

  @Test
  void aNationalOrShortCodeSenderIsKeptAsGiven() {
    InboundEvent e =
        SmppEvents.message(
            new MobileOriginated(new SmppAddress(2, 1, "015112345678"), SENDER, "hi", "k2"));

    assertThat(e.from()).isEqualTo("015112345678");
  }
}
