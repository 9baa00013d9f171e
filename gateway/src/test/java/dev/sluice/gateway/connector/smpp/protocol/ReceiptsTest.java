package dev.sluice.gateway.connector.smpp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReceiptsTest {
  private static final SmppAddress PHONE = new SmppAddress(1, 1, "4915112345678");
  private static final SmppAddress US = new SmppAddress(5, 0, "SLUICE");

  private static DeliveryReceipt read(String text) {
    Pdu pdu =
        Pdu.of(
            Pdu.DELIVER_SM,
            0,
            1,
            new Pdu.ShortMessage("", PHONE, US, 4, 0, 0, "", "", 0, 0, 0, 0, new byte[0]));
    return Receipts.read(pdu, text, PHONE, US);
  }

  @Test
  void appendixBTextIsRead() {
    DeliveryReceipt r =
        read(
            "id:0123456789 sub:001 dlvrd:001 submit date:2612052130 done date:2612052131"
                + " stat:DELIVRD err:000 text:Hello id:fake");

    assertThat(r.messageId()).isEqualTo("0123456789");
    assertThat(r.state()).isEqualTo("DELIVRD");
    assertThat(r.error()).isEqualTo("000");
    assertThat(r.doneAt()).isEqualTo(Instant.parse("2026-12-05T21:31:00Z"));
    assertThat(r.source()).isEqualTo(PHONE);
  }

  @Test
  void fieldsInAnyOrderAnyCaseAndMissingAreTolerated() {
    DeliveryReceipt r = read("Stat:undeliv ID:ab12 Done Date:261205213045");

    assertThat(r.messageId()).isEqualTo("ab12");
    assertThat(r.state()).isEqualTo("UNDELIV");
    assertThat(r.error()).isNull();
    assertThat(r.doneAt()).isEqualTo(Instant.parse("2026-12-05T21:30:45Z"));
  }

  @Test
  void spelledOutStatesAreNormalised() {
    assertThat(read("id:1 stat:DELIVERED").state()).isEqualTo("DELIVRD");
    assertThat(read("id:1 stat:REJECTED").state()).isEqualTo("REJECTD");
  }

  @Test
  void unreadableDatesAndEmptyTextGiveNulls() {
    DeliveryReceipt r = read("id:7 done date:yesterday");

    assertThat(r.doneAt()).isNull();
    assertThat(read("").messageId()).isNull();
  }

  @Test
  void idCandidatesConvertHexAndDecimal() {
    assertThat(receipt("2587").idCandidates()).containsExactly("2587", "a1b", "A1B", "9607");
    assertThat(receipt("1A2B3C").idCandidates()).containsExactly("1A2B3C", "1715004");
    assertThat(receipt("msg-17").idCandidates()).containsExactly("msg-17");
    assertThat(receipt(null).idCandidates()).isEmpty();
    // Wider than a long: still converted.
    assertThat(receipt("123456789012345678901234567890").idCandidates())
        .contains("18ee90ff6c373e0ee4e3f0ad2");
    // Only ASCII digits are numbers here: other scripts' digits stay as they came.
    assertThat(receipt("\u0663\u0664").idCandidates()).containsExactly("\u0663\u0664");
    assertThat(receipt("ff").idCandidates()).containsExactly("ff", "255");
  }

  @Test
  void doneDatesAreTenOrTwelveAsciiDigits() {
    assertThat(Receipts.date("2612052130")).isEqualTo(Instant.parse("2026-12-05T21:30:00Z"));
    assertThat(Receipts.date("261205213045")).isEqualTo(Instant.parse("2026-12-05T21:30:45Z"));
    assertThat(Receipts.date("26120521304")).isNull();
    assertThat(Receipts.date("2612052130456")).isNull();
    assertThat(Receipts.date("26120521 0")).isNull();
    assertThat(Receipts.date("\u0662612052130")).isNull();
    assertThat(Receipts.date("2613052130")).isNull(); // month 13
    assertThat(Receipts.date(null)).isNull();
  }

  private static DeliveryReceipt receipt(String id) {
    return new DeliveryReceipt(id, "DELIVRD", null, PHONE, US, null);
  }

  @Test
  void messageStateTlvValuesMapToStatNames() {
    assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9))
        .extracting(Receipts::stateName)
        .containsExactly(
            "ENROUTE", "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD",
            "UNKNOWN");
  }
}
