package dev.sluice.gateway.connector.smpp.protocol;

import java.util.List;

/**
 * One SMPP 3.4 PDU: the header (§3.2) and a body by command. The body types are the shapes the
 * client needs; anything else decodes to {@link Empty} and is answered with generic_nack.
 *
 * @param commandId command_id
 * @param status command_status (0 in requests)
 * @param sequence sequence_number (1..0x7FFFFFFF in requests the client originates)
 * @param body the mandatory parameters
 * @param tlvs the optional parameters, in wire order
 */
record Pdu(int commandId, int status, int sequence, Body body, List<Tlv> tlvs) {
  static final int HEADER_LENGTH = 16;

  static final int GENERIC_NACK = 0x80000000;
  static final int BIND_RECEIVER = 0x00000001;
  static final int BIND_TRANSMITTER = 0x00000002;
  static final int SUBMIT_SM = 0x00000004;
  static final int DELIVER_SM = 0x00000005;
  static final int UNBIND = 0x00000006;
  static final int BIND_TRANSCEIVER = 0x00000009;
  static final int OUTBIND = 0x0000000B;
  static final int ENQUIRE_LINK = 0x00000015;
  static final int ALERT_NOTIFICATION = 0x00000102;
  static final int DATA_SM = 0x00000103;
  static final int RESPONSE = 0x80000000;

  Pdu {
    tlvs = List.copyOf(tlvs);
  }

  static Pdu of(int commandId, int status, int sequence, Body body) {
    return new Pdu(commandId, status, sequence, body, List.of());
  }

  boolean isResponse() {
    return (commandId & RESPONSE) != 0;
  }

  Tlv tlv(int tag) {
    return Tlv.find(tlvs, tag);
  }

  /** The mandatory parameters of a PDU. */
  sealed interface Body permits Empty, Bind, IdBody, ShortMessage, DataSm {}

  /** No mandatory parameters: enquire_link(_resp), unbind(_resp), generic_nack. */
  record Empty() implements Body {
    static final Empty INSTANCE = new Empty();
  }

  /** bind_transmitter / bind_receiver / bind_transceiver (§4.1.1). */
  record Bind(
      String systemId,
      String password,
      String systemType,
      int interfaceVersion,
      int addrTon,
      int addrNpi,
      String addressRange)
      implements Body {}

  /**
   * The single C-octet string of bind_*_resp (system_id) and submit_sm_resp / deliver_sm_resp /
   * data_sm_resp (message_id). A peer may leave it out in a response with a non-zero status; it
   * then decodes as "".
   */
  record IdBody(String id) implements Body {}

  /** submit_sm (§4.4.1) and deliver_sm (§4.6.1) share these mandatory parameters. */
  record ShortMessage(
      String serviceType,
      SmppAddress source,
      SmppAddress destination,
      int esmClass,
      int protocolId,
      int priorityFlag,
      String scheduleDeliveryTime,
      String validityPeriod,
      int registeredDelivery,
      int replaceIfPresent,
      int dataCoding,
      int smDefaultMsgId,
      byte[] shortMessage)
      implements Body {}

  /** data_sm (§4.7.1): the text, if any, travels in message_payload. */
  record DataSm(
      String serviceType,
      SmppAddress source,
      SmppAddress destination,
      int esmClass,
      int registeredDelivery,
      int dataCoding)
      implements Body {}
}
