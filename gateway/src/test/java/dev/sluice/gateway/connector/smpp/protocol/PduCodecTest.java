package dev.sluice.gateway.connector.smpp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The codec against hex dumps of well-known PDUs. Unless said otherwise a dump comes from
 * cloudhopper-smpp's transcoder tests (twitter-archive/cloudhopper-smpp,
 * src/test/java/com/cloudhopper/smpp/transcoder/PduEncoderTest.java), an independent SMPP 3.4
 * implementation whose dumps follow the layouts of SMPP 3.4 §4 (bodies) and §5.3 (TLVs).
 */
class PduCodecTest {

  private static Buffer hex(String dump) {
    return Buffer.buffer(HexFormat.of().parseHex(dump.toLowerCase()));
  }

  private static String hexOf(Buffer buffer) {
    return HexFormat.of().formatHex(buffer.getBytes());
  }

  @Test
  void bindTransmitterEncodesAsTheDump() {
    // cloudhopper encodeBindTransmitter: system_id/password "twitter", system_type "", 0x34.
    String dump = "0000002500000002000000000003995f747769747465720074776974746572000034000000";
    Pdu pdu =
        Pdu.of(
            Pdu.BIND_TRANSMITTER,
            0,
            235871,
            new Pdu.Bind("twitter", "twitter", "", 0x34, 0, 0, ""));

    assertThat(hexOf(PduCodec.encode(pdu))).isEqualTo(dump);
    Pdu read = PduCodec.decode(hex(dump));
    assertThat(read.commandId()).isEqualTo(Pdu.BIND_TRANSMITTER);
    assertThat(read.sequence()).isEqualTo(235871);
    assertThat(read.body()).isEqualTo(pdu.body());
  }

  @Test
  void bindTransceiverWithAddressRangeTonNpiEncodesAsTheDump() {
    // cloudhopper encodeBindTransceiverWithAddressRange.
    String dump = "00000023000000090000000000039951414c4c5f545700414c4c5f5457000034010200";
    Pdu pdu =
        Pdu.of(
            Pdu.BIND_TRANSCEIVER, 0, 235857, new Pdu.Bind("ALL_TW", "ALL_TW", "", 0x34, 1, 2, ""));

    assertThat(hexOf(PduCodec.encode(pdu))).isEqualTo(dump);
  }

  @Test
  void bindRespWithScInterfaceVersionDecodes() {
    // cloudhopper encodeBindTransceiverRespWithOptionalParams.
    Pdu pdu = PduCodec.decode(hex("0000001d800000090000000000039943536d7363204757000210000134"));

    assertThat(pdu.commandId()).isEqualTo(Pdu.BIND_TRANSCEIVER | Pdu.RESPONSE);
    assertThat(pdu.body()).isEqualTo(new Pdu.IdBody("Smsc GW"));
    assertThat(pdu.tlv(Tlv.SC_INTERFACE_VERSION).intValue()).isEqualTo(0x34);
  }

  @Test
  void refusedBindRespDecodesItsStatus() {
    // cloudhopper encodeBindTransceiverRespFailedButWithSystemId: ESME_RINVPASWD.
    Pdu pdu = PduCodec.decode(hex("00000015800000090000000e00004db3534d534300"));

    assertThat(pdu.status()).isEqualTo(0x0E);
    assertThat(pdu.body()).isEqualTo(new Pdu.IdBody("SMSC"));
  }

  @Test
  void submitSmEncodesAsTheDump() {
    // cloudhopper encodeSubmitSm: registered_delivery 1, data_coding 0, 8 octets of text.
    String dump =
        "00000039000000040000000000004fe80001013430343034000101343439353133363139323000000000"
            + "000001000000084024232125262f3a";
    Pdu pdu =
        Pdu.of(
            Pdu.SUBMIT_SM,
            0,
            20456,
            new Pdu.ShortMessage(
                "",
                new SmppAddress(1, 1, "40404"),
                new SmppAddress(1, 1, "44951361920"),
                0,
                0,
                0,
                "",
                "",
                1,
                0,
                0,
                0,
                HexFormat.of().parseHex("4024232125262f3a")));

    assertThat(hexOf(PduCodec.encode(pdu))).isEqualTo(dump);
    Pdu.ShortMessage read = (Pdu.ShortMessage) PduCodec.decode(hex(dump)).body();
    assertThat(read.destination()).isEqualTo(new SmppAddress(1, 1, "44951361920"));
    assertThat(read.registeredDelivery()).isEqualTo(1);
    assertThat(read.shortMessage()).isEqualTo(HexFormat.of().parseHex("4024232125262f3a"));
  }

  @Test
  void submitSmRespWithAndWithoutMessageIdDecodes() {
    // cloudhopper encodeSubmitSmResp and encodeSubmitSmRespWithOmittedMesageId (status 0x30,
    // no body: SMPP 3.4 §4.4.2 lets an SMSC leave message_id out of a refusal).
    Pdu ok = PduCodec.decode(hex("0000001c80000004000000000a342ee1393432353834333135393400"));
    Pdu refused = PduCodec.decode(hex("0000001080000004000000300a342ee1"));

    assertThat(ok.body()).isEqualTo(new Pdu.IdBody("94258431594"));
    assertThat(ok.sequence()).isEqualTo(171192033);
    assertThat(refused.status()).isEqualTo(0x30);
    assertThat(refused.body()).isEqualTo(new Pdu.IdBody(""));
  }

  @Test
  void deliverSmReceiptDecodesTextAndTlvs() {
    // cloudhopper encodeDeliverSmAsDeliveryReceipt: esm_class 0x04, the Appendix B text, and
    // source/dest_network_type, receipted_message_id "38601fa" and message_state 2 TLVs.
    String dump =
        "000000BA00000005000000000000000200010134343935313336313932300001013430343034000400"
            + "000000000000006E69643A30303539313133393738207375623A30303120646C7672643A30303120"
            + "7375626D697420646174653A3130303231303137333020646F6E6520646174653A31303032313031"
            + "37333120737461743A44454C49565244206572723A30303020746578743A4024232125262F3A000E"
            + "0001010006000101001E000833383630316661000427000102";
    Pdu pdu = PduCodec.decode(hex(dump));

    Pdu.ShortMessage sm = (Pdu.ShortMessage) pdu.body();
    assertThat(sm.esmClass()).isEqualTo(0x04);
    assertThat(sm.source()).isEqualTo(new SmppAddress(1, 1, "44951361920"));
    assertThat(pdu.tlvs()).extracting(Tlv::tag).containsExactly(0x000E, 0x0006, 0x001E, 0x0427);
    Inbound in = Inbound.read(pdu);
    assertThat(in.receipt()).isTrue();
    DeliveryReceipt receipt = Receipts.read(pdu, in.text(), in.source(), in.destination());
    assertThat(receipt.messageId()).isEqualTo("38601fa"); // the TLV wins over id:0059113978
    assertThat(receipt.state()).isEqualTo("DELIVRD");
    assertThat(receipt.error()).isEqualTo("000");
    assertThat(receipt.doneAt()).isEqualTo(Instant.parse("2010-02-10T17:31:00Z"));
    // Unknown TLVs are kept: encoding the decoded PDU gives the dump back.
    assertThat(hexOf(PduCodec.encode(pdu))).isEqualToIgnoringCase(dump);
  }

  @Test
  void enquireLinkUnbindAndGenericNackEncodeAsTheDumps() {
    // cloudhopper encodeEnquireLink, encodeEnquireLinkResp, encodeUnbind, encodeUnbindResp,
    // encodeGenericNack (ESME_RINVMSGLEN), encodeDeliverSmResp.
    assertThat(hexOf(PduCodec.encode(Pdu.of(Pdu.ENQUIRE_LINK, 0, 171192039, Pdu.Empty.INSTANCE))))
        .isEqualTo("0000001000000015000000000a342ee7");
    assertThat(
            hexOf(
                PduCodec.encode(
                    Pdu.of(Pdu.ENQUIRE_LINK | Pdu.RESPONSE, 0, 171192045, Pdu.Empty.INSTANCE))))
        .isEqualTo("0000001080000015000000000a342eed");
    assertThat(hexOf(PduCodec.encode(Pdu.of(Pdu.UNBIND, 0, 1, Pdu.Empty.INSTANCE))))
        .isEqualTo("00000010000000060000000000000001");
    assertThat(hexOf(PduCodec.encode(Pdu.of(Pdu.UNBIND | Pdu.RESPONSE, 0, 1, Pdu.Empty.INSTANCE))))
        .isEqualTo("00000010800000060000000000000001");
    assertThat(hexOf(PduCodec.encode(Pdu.of(Pdu.GENERIC_NACK, 1, 535159, Pdu.Empty.INSTANCE))))
        .isEqualTo("00000010800000000000000100082a77");
    assertThat(
            hexOf(
                PduCodec.encode(
                    Pdu.of(
                        Pdu.DELIVER_SM | Pdu.RESPONSE, 0, 1141447, new Pdu.IdBody("94258431594")))))
        .isEqualTo("0000001c800000050000000000116ac7393432353834333135393400");
    Pdu nack = PduCodec.decode(hex("00000010800000000000000100082a77"));
    assertThat(nack.commandId()).isEqualTo(Pdu.GENERIC_NACK);
    assertThat(nack.status()).isEqualTo(CommandStatus.ESME_RINVMSGLEN);
  }

  @Test
  void dataSmReceiptWithTlvsOnlyDecodes() {
    Pdu pdu =
        new Pdu(
            Pdu.DATA_SM,
            0,
            7,
            new Pdu.DataSm(
                "",
                new SmppAddress(1, 1, "4915112345678"),
                new SmppAddress(5, 0, "SLUICE"),
                4,
                0,
                0),
            List.of(
                Tlv.ofCString(Tlv.RECEIPTED_MESSAGE_ID, "1A2B3C"),
                Tlv.ofInt(Tlv.MESSAGE_STATE, 1, 5),
                new Tlv(Tlv.NETWORK_ERROR_CODE, new byte[] {3, 0, 11})));

    Pdu read = PduCodec.decode(PduCodec.encode(pdu));
    Inbound in = Inbound.read(read);
    DeliveryReceipt receipt = Receipts.read(read, in.text(), in.source(), in.destination());

    assertThat(receipt.messageId()).isEqualTo("1A2B3C");
    assertThat(receipt.state()).isEqualTo("UNDELIV");
    assertThat(receipt.error()).isEqualTo("3:11");
    assertThat(receipt.doneAt()).isNull();
  }

  @Test
  void unknownCommandDecodesItsHeaderForAGenericNack() {
    Pdu pdu = PduCodec.decode(hex("00000014000000030000000000000009" + "00000000"));

    assertThat(pdu.commandId()).isEqualTo(0x03); // query_sm: not handled by the client
    assertThat(pdu.sequence()).isEqualTo(9);
  }

  @Test
  void truncatedBodyIsRefusedWithInvalidLength() {
    // A submit_sm whose short_message length runs past the PDU.
    String dump = "00000020000000040000000000000001" + "000101340001013400000000" + "0000ff";
    Buffer cut = hex(dump);
    cut.setInt(0, cut.length());

    assertThatThrownBy(() -> PduCodec.decode(cut))
        .isInstanceOf(PduException.class)
        .satisfies(e -> assertThat(((PduException) e).status()).isEqualTo(0x01));
  }

  @Test
  void fieldLongerThanItsMaximumIsRefusedOnBothSides() {
    Pdu tooLong =
        Pdu.of(
            Pdu.BIND_TRANSMITTER, 0, 1, new Pdu.Bind("sixteen-chars-id", "pw", "", 0x34, 0, 0, ""));
    assertThatThrownBy(() -> PduCodec.encode(tooLong)).isInstanceOf(PduException.class);

    Buffer wire = Buffer.buffer().appendInt(0).appendInt(Pdu.BIND_TRANSMITTER).appendInt(0);
    wire.appendInt(1).appendString("x".repeat(20), StandardCharsets.US_ASCII.name());
    wire.appendByte((byte) 0).appendBytes(new byte[] {0, 0, 0x34, 0, 0, 0});
    wire.setInt(0, wire.length());
    assertThatThrownBy(() -> PduCodec.decode(wire)).isInstanceOf(PduException.class);
  }
}
