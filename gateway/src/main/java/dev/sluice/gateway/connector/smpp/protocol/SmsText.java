package dev.sluice.gateway.connector.smpp.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Text encodings of short messages: the GSM 03.38 default alphabet with its extension table (3GPP
 * TS 23.038 §6.2.1), written unpacked (one septet per octet, as SMSCs take data_coding 0 over
 * SMPP), and UCS-2 (data_coding 8, written as UTF-16BE so that characters beyond the BMP such as
 * emoji travel as surrogate pairs, as handsets read them).
 */
final class SmsText {
  static final int DC_DEFAULT = 0x00;
  static final int DC_IA5 = 0x01;
  static final int DC_LATIN1 = 0x03;
  static final int DC_UCS2 = 0x08;

  private static final int ESC = 0x1B;

  /** The default alphabet, indexed by septet (0x1B is the escape to the extension table). */
  private static final String BASIC =
      "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
          + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

  /** The extension table: the character after ESC, by septet. */
  private static final char[][] EXTENSION = {
    {0x0A, '\f'}, {0x14, '^'}, {0x28, '{'}, {0x29, '}'}, {0x2F, '\\'},
    {0x3C, '['}, {0x3D, '~'}, {0x3E, ']'}, {0x40, '|'}, {0x65, '€'}
  };

  /** char -> septet, or -1; for the extension table the septet after ESC, with bit 8 set. */
  private static final short[] TO_GSM = new short[0x10000];

  static {
    if (BASIC.length() != 128) {
      throw new IllegalStateException("GSM basic table must hold 128 characters");
    }
    java.util.Arrays.fill(TO_GSM, (short) -1);
    for (int i = 0; i < 128; i++) {
      if (i != ESC) {
        TO_GSM[BASIC.charAt(i)] = (short) i;
      }
    }
    for (char[] e : EXTENSION) {
      if (TO_GSM[e[1]] < 0) {
        TO_GSM[e[1]] = (short) (0x100 | e[0]);
      }
    }
  }

  private SmsText() {}

  /** Whether every character has a GSM 03.38 septet (basic or extension table). */
  static boolean fitsGsm(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      if (TO_GSM[text.charAt(i)] < 0) {
        return false;
      }
    }
    return true;
  }

  /** The septets of one character: 1, or 2 for an extension character (ESC + septet). */
  static int gsmLength(char c) {
    return (TO_GSM[c] & 0x100) != 0 ? 2 : 1;
  }

  /** Encodes unpacked GSM 7-bit; every character must fit ({@link #fitsGsm}). */
  static byte[] encodeGsm(CharSequence text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      short septet = TO_GSM[text.charAt(i)];
      if (septet < 0) {
        throw new IllegalArgumentException("character not in GSM 03.38 at index " + i);
      }
      if ((septet & 0x100) != 0) {
        out.write(ESC);
      }
      out.write(septet & 0x7F);
    }
    return out.toByteArray();
  }

  /**
   * Decodes unpacked GSM 7-bit. An escape followed by a septet the extension table does not hold
   * reads as that septet's basic character, as TS 23.038 asks of a receiver.
   */
  static String decodeGsm(byte[] octets, int from, int to) {
    StringBuilder text = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      int septet = octets[i] & 0x7F;
      if (septet == ESC && i + 1 < to) {
        int next = octets[++i] & 0x7F;
        text.append(extension(next));
      } else if (septet != ESC) {
        text.append(BASIC.charAt(septet));
      }
    }
    return text.toString();
  }

  private static char extension(int septet) {
    for (char[] e : EXTENSION) {
      if (e[0] == septet) {
        return e[1];
      }
    }
    return septet == ESC ? ' ' : BASIC.charAt(septet);
  }

  static byte[] encodeUcs2(CharSequence text) {
    return text.toString().getBytes(StandardCharsets.UTF_16BE);
  }

  /** Decodes a short message's octets (after any UDH) by its data_coding. */
  static String decode(int dataCoding, byte[] octets, int from) {
    int to = octets.length;
    // 0x08, or a GSM 03.38 "general data coding" group (0x10..0x3F) whose alphabet bits say UCS-2.
    if (dataCoding == DC_UCS2
        || dataCoding >= 0x10 && dataCoding < 0x40 && (dataCoding & 0x0C) == 0x08) {
      return new String(octets, from, (to - from) & ~1, StandardCharsets.UTF_16BE);
    }
    if (dataCoding == DC_IA5) {
      return new String(octets, from, to - from, StandardCharsets.US_ASCII);
    }
    if (dataCoding == DC_DEFAULT || (dataCoding & 0xF4) == 0xF0) {
      return decodeGsm(octets, from, to);
    }
    // Latin-1 (3) and the binary codings: one character per octet, nothing lost.
    return new String(octets, from, to - from, StandardCharsets.ISO_8859_1);
  }

  /** A text cut into the short_message payloads of one submit: one part, or parts behind a UDH. */
  record Split(int dataCoding, List<byte[]> parts) {
    boolean concatenated() {
      return parts.size() > 1;
    }
  }

  static final int GSM_SINGLE = 160;
  static final int GSM_PART = 153;
  static final int UCS2_SINGLE = 70;
  static final int UCS2_PART = 67;
  static final int MAX_PARTS = 255;

  /**
   * Encodes a text for submit_sm: GSM 7-bit when every character fits, else UCS-2. A text over one
   * part's length is cut into parts of 153 septets / 67 UTF-16 units, each behind the 6-octet UDH
   * {@code 05 00 03 ref total seq}; an escape pair or a surrogate pair is never cut.
   *
   * @throws IllegalArgumentException when the text needs more than 255 parts
   */
  static Split split(String text, int reference) {
    if (text == null) {
      throw new IllegalArgumentException("no text");
    }
    boolean gsm = fitsGsm(text);
    int single = gsm ? GSM_SINGLE : UCS2_SINGLE;
    int partLength = gsm ? GSM_PART : UCS2_PART;
    int total = gsm ? gsmLength(text) : text.length();
    int dataCoding = gsm ? DC_DEFAULT : DC_UCS2;
    if (total <= single) {
      return new Split(dataCoding, List.of(gsm ? encodeGsm(text) : encodeUcs2(text)));
    }
    List<String> chunks = new ArrayList<>();
    int start = 0;
    int used = 0;
    for (int i = 0; i < text.length(); ) {
      int width;
      if (gsm) {
        width = gsmLength(text.charAt(i));
      } else {
        width = Character.isHighSurrogate(text.charAt(i)) && i + 1 < text.length() ? 2 : 1;
      }
      int step = gsm ? 1 : width;
      if (used + width > partLength) {
        chunks.add(text.substring(start, i));
        start = i;
        used = 0;
      }
      used += width;
      i += step;
    }
    chunks.add(text.substring(start));
    if (chunks.size() > MAX_PARTS) {
      throw new IllegalArgumentException("text needs " + chunks.size() + " parts, at most 255");
    }
    List<byte[]> parts = new ArrayList<>(chunks.size());
    for (int k = 0; k < chunks.size(); k++) {
      byte[] payload = gsm ? encodeGsm(chunks.get(k)) : encodeUcs2(chunks.get(k));
      byte[] part = new byte[6 + payload.length];
      part[0] = 0x05;
      part[1] = 0x00;
      part[2] = 0x03;
      part[3] = (byte) reference;
      part[4] = (byte) chunks.size();
      part[5] = (byte) (k + 1);
      System.arraycopy(payload, 0, part, 6, payload.length);
      parts.add(part);
    }
    return new Split(dataCoding, parts);
  }

  static int gsmLength(CharSequence text) {
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      n += gsmLength(text.charAt(i));
    }
    return n;
  }
}
