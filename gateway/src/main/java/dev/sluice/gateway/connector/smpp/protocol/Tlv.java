package dev.sluice.gateway.connector.smpp.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One optional parameter (SMPP 3.4 §5.3): a 16-bit tag and its value. Unknown tags are kept as they
 * came so that nothing a peer sends is lost.
 */
record Tlv(int tag, byte[] value) {
  static final int RECEIPTED_MESSAGE_ID = 0x001E;
  static final int SAR_MSG_REF_NUM = 0x020C;
  static final int SAR_TOTAL_SEGMENTS = 0x020E;
  static final int SAR_SEGMENT_SEQNUM = 0x020F;
  static final int SC_INTERFACE_VERSION = 0x0210;
  static final int NETWORK_ERROR_CODE = 0x0423;
  static final int MESSAGE_PAYLOAD = 0x0424;
  static final int MESSAGE_STATE = 0x0427;

  Tlv {
    if (tag < 0 || tag > 0xFFFF) {
      throw new IllegalArgumentException("TLV tag must be 0..0xFFFF, got " + tag);
    }
    if (value.length > 0xFFFF) {
      throw new IllegalArgumentException("TLV value longer than 65535 octets");
    }
  }

  static Tlv ofInt(int tag, int octets, int number) {
    byte[] value = new byte[octets];
    for (int i = octets - 1; i >= 0; i--) {
      value[i] = (byte) number;
      number >>>= 8;
    }
    return new Tlv(tag, value);
  }

  /** A C-octet string value (ASCII, NUL-terminated), as receipted_message_id is sent. */
  static Tlv ofCString(int tag, String text) {
    byte[] ascii = text.getBytes(StandardCharsets.ISO_8859_1);
    return new Tlv(tag, Arrays.copyOf(ascii, ascii.length + 1));
  }

  /** The value read as an unsigned big-endian integer (1, 2 or 4 octets). */
  int intValue() {
    int n = 0;
    for (byte b : value) {
      n = (n << 8) | (b & 0xFF);
    }
    return n;
  }

  /** The value read as a C-octet string; a missing terminator is tolerated. */
  String stringValue() {
    int end = 0;
    while (end < value.length && value[end] != 0) {
      end++;
    }
    return new String(value, 0, end, StandardCharsets.ISO_8859_1);
  }

  static Tlv find(List<Tlv> tlvs, int tag) {
    for (Tlv tlv : tlvs) {
      if (tlv.tag == tag) {
        return tlv;
      }
    }
    return null;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Tlv that && tag == that.tag && Arrays.equals(value, that.value);
  }

  @Override
  public int hashCode() {
    return 31 * tag + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return String.format("Tlv[0x%04X, %d octets]", tag, value.length);
  }
}
