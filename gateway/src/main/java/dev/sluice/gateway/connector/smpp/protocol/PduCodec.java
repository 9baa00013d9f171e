package dev.sluice.gateway.connector.smpp.protocol;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes whole PDUs (SMPP 3.4 §3.2 header, §4 bodies, §5.3 TLVs). C-octet strings are
 * ASCII with a NUL terminator and a maximum length that counts the NUL (§3.1); a longer string is
 * refused both ways, so the client never writes a PDU the SMSC must reject for its length.
 */
final class PduCodec {
  /**
   * The largest command_length accepted: a submit_sm or deliver_sm is at most a few hundred octets,
   * and a message_payload TLV at most 64 KiB; a larger length means a broken or hostile stream.
   */
  static final int MAX_PDU_LENGTH = 65_536 + 1024;

  static final int SYSTEM_ID_MAX = 16;
  static final int PASSWORD_MAX = 9;
  static final int SYSTEM_TYPE_MAX = 13;
  static final int ADDRESS_RANGE_MAX = 41;
  static final int SERVICE_TYPE_MAX = 6;
  static final int ADDRESS_MAX = 21;
  static final int DATA_SM_ADDRESS_MAX = 65;
  static final int TIME_MAX = 17;
  static final int MESSAGE_ID_MAX = 65;
  static final int SHORT_MESSAGE_MAX = 254;

  private PduCodec() {}

  static Buffer encode(Pdu pdu) {
    Buffer out = Buffer.buffer(64);
    out.appendInt(0); // command_length, set below
    out.appendInt(pdu.commandId());
    out.appendInt(pdu.status());
    out.appendInt(pdu.sequence());
    Pdu.Body body = pdu.body();
    if (body instanceof Pdu.Bind bind) {
      cString(out, bind.systemId(), SYSTEM_ID_MAX, "system_id");
      cString(out, bind.password(), PASSWORD_MAX, "password");
      cString(out, bind.systemType(), SYSTEM_TYPE_MAX, "system_type");
      out.appendUnsignedByte((short) bind.interfaceVersion());
      out.appendUnsignedByte((short) bind.addrTon());
      out.appendUnsignedByte((short) bind.addrNpi());
      cString(out, bind.addressRange(), ADDRESS_RANGE_MAX, "address_range");
    } else if (body instanceof Pdu.IdBody id) {
      cString(out, id.id(), MESSAGE_ID_MAX, "message_id");
    } else if (body instanceof Pdu.ShortMessage sm) {
      cString(out, sm.serviceType(), SERVICE_TYPE_MAX, "service_type");
      address(out, sm.source(), ADDRESS_MAX, "source_addr");
      address(out, sm.destination(), ADDRESS_MAX, "destination_addr");
      out.appendUnsignedByte((short) sm.esmClass());
      out.appendUnsignedByte((short) sm.protocolId());
      out.appendUnsignedByte((short) sm.priorityFlag());
      cString(out, sm.scheduleDeliveryTime(), TIME_MAX, "schedule_delivery_time");
      cString(out, sm.validityPeriod(), TIME_MAX, "validity_period");
      out.appendUnsignedByte((short) sm.registeredDelivery());
      out.appendUnsignedByte((short) sm.replaceIfPresent());
      out.appendUnsignedByte((short) sm.dataCoding());
      out.appendUnsignedByte((short) sm.smDefaultMsgId());
      if (sm.shortMessage().length > SHORT_MESSAGE_MAX) {
        throw new PduException(CommandStatus.ESME_RINVMSGLEN, "short_message over 254 octets");
      }
      out.appendUnsignedByte((short) sm.shortMessage().length);
      out.appendBytes(sm.shortMessage());
    } else if (body instanceof Pdu.DataSm data) {
      cString(out, data.serviceType(), SERVICE_TYPE_MAX, "service_type");
      address(out, data.source(), DATA_SM_ADDRESS_MAX, "source_addr");
      address(out, data.destination(), DATA_SM_ADDRESS_MAX, "destination_addr");
      out.appendUnsignedByte((short) data.esmClass());
      out.appendUnsignedByte((short) data.registeredDelivery());
      out.appendUnsignedByte((short) data.dataCoding());
    }
    for (Tlv tlv : pdu.tlvs()) {
      out.appendUnsignedShort(tlv.tag());
      out.appendUnsignedShort(tlv.value().length);
      out.appendBytes(tlv.value());
    }
    out.setInt(0, out.length());
    return out;
  }

  /**
   * Reads one whole PDU (its command_length octets).
   *
   * @throws PduException with the status to answer when the PDU is malformed
   */
  static Pdu decode(Buffer in) {
    if (in.length() < Pdu.HEADER_LENGTH || in.getInt(0) != in.length()) {
      throw new PduException(CommandStatus.ESME_RINVCMDLEN, "command_length does not match");
    }
    Reader r = new Reader(in);
    r.pos = 4;
    int commandId = r.int32();
    int status = r.int32();
    int sequence = r.int32();
    Pdu.Body body;
    boolean response = (commandId & Pdu.RESPONSE) != 0;
    switch (commandId & ~Pdu.RESPONSE) {
      case Pdu.BIND_RECEIVER, Pdu.BIND_TRANSMITTER, Pdu.BIND_TRANSCEIVER ->
          body =
              response
                  ? new Pdu.IdBody(r.optionalCString(SYSTEM_ID_MAX, "system_id"))
                  : new Pdu.Bind(
                      r.cString(SYSTEM_ID_MAX, "system_id"),
                      r.cString(PASSWORD_MAX, "password"),
                      r.cString(SYSTEM_TYPE_MAX, "system_type"),
                      r.uint8(),
                      r.uint8(),
                      r.uint8(),
                      r.cString(ADDRESS_RANGE_MAX, "address_range"));
      case Pdu.SUBMIT_SM, Pdu.DELIVER_SM ->
          body =
              response
                  ? new Pdu.IdBody(r.optionalCString(MESSAGE_ID_MAX, "message_id"))
                  : shortMessage(r);
      case Pdu.DATA_SM ->
          body =
              response
                  ? new Pdu.IdBody(r.optionalCString(MESSAGE_ID_MAX, "message_id"))
                  : new Pdu.DataSm(
                      r.cString(SERVICE_TYPE_MAX, "service_type"),
                      r.address(DATA_SM_ADDRESS_MAX, "source_addr"),
                      r.address(DATA_SM_ADDRESS_MAX, "destination_addr"),
                      r.uint8(),
                      r.uint8(),
                      r.uint8());
      case Pdu.UNBIND, Pdu.ENQUIRE_LINK, 0 -> body = Pdu.Empty.INSTANCE; // 0: generic_nack
      default -> {
        // An unknown command: its header is all the client needs to answer generic_nack.
        return Pdu.of(commandId, status, sequence, Pdu.Empty.INSTANCE);
      }
    }
    List<Tlv> tlvs = new ArrayList<>(0);
    while (r.pos < in.length()) {
      if (in.length() - r.pos < 4) {
        throw new PduException(0xC0, "truncated TLV header"); // ESME_RINVOPTPARSTREAM
      }
      int tag = r.uint16();
      int length = r.uint16();
      if (in.length() - r.pos < length) {
        throw new PduException(0xC2, String.format("TLV 0x%04X longer than the PDU", tag));
      }
      tlvs.add(new Tlv(tag, in.getBytes(r.pos, r.pos + length)));
      r.pos += length;
    }
    return new Pdu(commandId, status, sequence, body, tlvs);
  }

  private static Pdu.ShortMessage shortMessage(Reader r) {
    String serviceType = r.cString(SERVICE_TYPE_MAX, "service_type");
    SmppAddress source = r.address(ADDRESS_MAX, "source_addr");
    SmppAddress destination = r.address(ADDRESS_MAX, "destination_addr");
    int esmClass = r.uint8();
    int protocolId = r.uint8();
    int priority = r.uint8();
    String schedule = r.cString(TIME_MAX, "schedule_delivery_time");
    String validity = r.cString(TIME_MAX, "validity_period");
    int registeredDelivery = r.uint8();
    int replace = r.uint8();
    int dataCoding = r.uint8();
    int defaultMsgId = r.uint8();
    int smLength = r.uint8();
    byte[] sm = r.bytes(smLength, "short_message");
    return new Pdu.ShortMessage(
        serviceType,
        source,
        destination,
        esmClass,
        protocolId,
        priority,
        schedule,
        validity,
        registeredDelivery,
        replace,
        dataCoding,
        defaultMsgId,
        sm);
  }

  private static void address(Buffer out, SmppAddress address, int max, String field) {
    out.appendUnsignedByte((short) address.ton());
    out.appendUnsignedByte((short) address.npi());
    cString(out, address.address(), max, field);
  }

  private static void cString(Buffer out, String value, int max, String field) {
    String text = value == null ? "" : value;
    byte[] ascii = text.getBytes(StandardCharsets.ISO_8859_1);
    if (ascii.length + 1 > max) {
      throw new PduException(
          CommandStatus.ESME_RINVMSGLEN, field + " longer than " + (max - 1) + " characters");
    }
    for (byte b : ascii) {
      if (b == 0) {
        throw new PduException(CommandStatus.ESME_RINVMSGLEN, field + " holds a NUL");
      }
    }
    out.appendBytes(ascii).appendByte((byte) 0);
  }

  /** A cursor over one PDU that fails with ESME_RINVMSGLEN when a field runs past its end. */
  private static final class Reader {
    private final Buffer in;
    private int pos;

    Reader(Buffer in) {
      this.in = in;
    }

    int int32() {
      need(4, "header");
      int v = in.getInt(pos);
      pos += 4;
      return v;
    }

    int uint16() {
      need(2, "TLV header");
      int v = in.getUnsignedShort(pos);
      pos += 2;
      return v;
    }

    int uint8() {
      need(1, "integer");
      return in.getUnsignedByte(pos++);
    }

    byte[] bytes(int length, String field) {
      need(length, field);
      byte[] b = in.getBytes(pos, pos + length);
      pos += length;
      return b;
    }

    SmppAddress address(int max, String field) {
      int ton = uint8();
      int npi = uint8();
      return new SmppAddress(ton, npi, cString(max, field));
    }

    /** A response body may be absent when its status is not 0 (SMPP 3.4 §4.4.2). */
    String optionalCString(int max, String field) {
      return pos == in.length() ? "" : cString(max, field);
    }

    String cString(int max, String field) {
      int limit = Math.min(in.length(), pos + max);
      for (int i = pos; i < limit; i++) {
        if (in.getByte(i) == 0) {
          String s = in.getString(pos, i, "ISO-8859-1");
          pos = i + 1;
          return s;
        }
      }
      throw new PduException(
          CommandStatus.ESME_RINVMSGLEN, field + " has no terminator within " + max + " octets");
    }

    private void need(int n, String field) {
      if (in.length() - pos < n) {
        throw new PduException(CommandStatus.ESME_RINVMSGLEN, field + " runs past the PDU");
      }
    }
  }
}
