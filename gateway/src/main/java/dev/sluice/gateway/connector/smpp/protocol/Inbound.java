package dev.sluice.gateway.connector.smpp.protocol;

/**
 * A deliver_sm or data_sm read for the listener: addresses, the decoded text (from short_message
 * after any UDH, or message_payload when short_message is empty), and the concatenation it belongs
 * to, from a UDH (IEI 0x00 with an 8-bit or 0x08 with a 16-bit reference, 3GPP TS 23.040 §9.2.3.24)
 * or the sar_* TLVs (SMPP 3.4 §5.3.2.22-24).
 */
record Inbound(
    SmppAddress source,
    SmppAddress destination,
    boolean receipt,
    String text,
    Concatenation concatenation) {

  /** Where one part sits in a concatenated message. */
  record Concatenation(int reference, int total, int seq) {}

  static Inbound read(Pdu pdu) {
    SmppAddress source;
    SmppAddress destination;
    int esmClass;
    int dataCoding;
    byte[] octets;
    if (pdu.body() instanceof Pdu.ShortMessage sm) {
      source = sm.source();
      destination = sm.destination();
      esmClass = sm.esmClass();
      dataCoding = sm.dataCoding();
      octets = sm.shortMessage();
    } else if (pdu.body() instanceof Pdu.DataSm data) {
      source = data.source();
      destination = data.destination();
      esmClass = data.esmClass();
      dataCoding = data.dataCoding();
      octets = new byte[0];
    } else {
      throw new PduException(CommandStatus.ESME_RINVCMDID, "not a deliver_sm or data_sm");
    }
    Tlv payload = pdu.tlv(Tlv.MESSAGE_PAYLOAD);
    if (octets.length == 0 && payload != null) {
      octets = payload.value();
    }
    int from = 0;
    Concatenation concatenation = null;
    if ((esmClass & 0x40) != 0 && octets.length > 0) {
      int udhLength = octets[0] & 0xFF;
      if (udhLength + 1 <= octets.length) {
        concatenation = concatenation(octets, udhLength);
        from = udhLength + 1;
      }
    }
    Tlv ref = pdu.tlv(Tlv.SAR_MSG_REF_NUM);
    Tlv total = pdu.tlv(Tlv.SAR_TOTAL_SEGMENTS);
    Tlv seq = pdu.tlv(Tlv.SAR_SEGMENT_SEQNUM);
    if (concatenation == null && ref != null && total != null && seq != null) {
      concatenation = new Concatenation(ref.intValue(), total.intValue(), seq.intValue());
    }
    if (concatenation != null && concatenation.total() <= 1) {
      concatenation = null;
    }
    String text = SmsText.decode(dataCoding, octets, from);
    return new Inbound(source, destination, Receipts.isReceipt(esmClass, pdu), text, concatenation);
  }

  private static Concatenation concatenation(byte[] octets, int udhLength) {
    int i = 1;
    int end = 1 + udhLength;
    while (i + 1 < end) {
      int iei = octets[i] & 0xFF;
      int length = octets[i + 1] & 0xFF;
      int data = i + 2;
      if (data + length > end) {
        return null;
      }
      if (iei == 0x00 && length == 3) {
        return new Concatenation(
            octets[data] & 0xFF, octets[data + 1] & 0xFF, octets[data + 2] & 0xFF);
      }
      if (iei == 0x08 && length == 4) {
        int reference = ((octets[data] & 0xFF) << 8) | (octets[data + 1] & 0xFF);
        return new Concatenation(reference, octets[data + 2] & 0xFF, octets[data + 3] & 0xFF);
      }
      i = data + length;
    }
    return null;
  }
}
