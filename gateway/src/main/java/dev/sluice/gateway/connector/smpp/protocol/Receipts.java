package dev.sluice.gateway.connector.smpp.protocol;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads delivery receipts: the text of SMPP 3.4 Appendix B ({@code id:IIII sub:SSS dlvrd:DDD submit
 * date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...}), whose fields SMSCs send in
 * any order, with keys in any case and some left out, and the TLVs receipted_message_id (0x001E),
 * message_state (0x0427) and network_error_code (0x0423), which win over the text.
 */
final class Receipts {
  private static final Pattern KEY =
      Pattern.compile(
          "(?i)(?<![\\w])(id|sub|dlvrd|submit[ _]date|done[ _]date|stat|err|text)\\s*:\\s*");

  /** message_state values (SMPP 3.4 §5.2.28) as the text's stat: spells them. */
  private static final String[] STATES = {
    null, "ENROUTE", "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"
  };

  private static final Map<String, String> LONG_STATES =
      Map.of(
          "DELIVERED", "DELIVRD",
          "UNDELIVERABLE", "UNDELIV",
          "ACCEPTED", "ACCEPTD",
          "REJECTED", "REJECTD");

  private Receipts() {}

  /** Whether a deliver_sm / data_sm esm_class marks a receipt or intermediate notification. */
  static boolean isReceipt(int esmClass, Pdu pdu) {
    int type = esmClass & 0x3C;
    return type == 0x04 || type == 0x20 || pdu.tlv(Tlv.RECEIPTED_MESSAGE_ID) != null;
  }

  static DeliveryReceipt read(Pdu pdu, String text, SmppAddress source, SmppAddress destination) {
    Map<String, String> fields = fields(text);
    Tlv receipted = pdu.tlv(Tlv.RECEIPTED_MESSAGE_ID);
    String id = receipted != null ? receipted.stringValue() : fields.get("id");
    Tlv stateTlv = pdu.tlv(Tlv.MESSAGE_STATE);
    String state =
        stateTlv != null ? stateName(stateTlv.intValue()) : normalise(fields.get("stat"));
    String error = fields.get("err");
    Tlv network = pdu.tlv(Tlv.NETWORK_ERROR_CODE);
    if (error == null && network != null && network.value().length == 3) {
      // network_type (1 ANSI-136, 2 IS-95, 3 GSM) : error code (§5.3.2.31)
      int code = ((network.value()[1] & 0xFF) << 8) | (network.value()[2] & 0xFF);
      error = (network.value()[0] & 0xFF) + ":" + code;
    }
    return new DeliveryReceipt(
        id == null || id.isEmpty() ? null : id,
        state,
        error,
        source,
        destination,
        date(fields.get("done date")));
  }

  /** The text's fields by lower-case key; {@code text:} runs to the end. */
  static Map<String, String> fields(String text) {
    Map<String, String> fields = new HashMap<>();
    if (text == null) {
      return fields;
    }
    Matcher m = KEY.matcher(text);
    String key = null;
    int valueStart = 0;
    while (m.find()) {
      if (key != null) {
        fields.putIfAbsent(key, text.substring(valueStart, m.start()).trim());
      }
      key = m.group(1).toLowerCase(Locale.ROOT).replace('_', ' ');
      valueStart = m.end();
      if (key.equals("text")) {
        break;
      }
    }
    if (key != null) {
      fields.putIfAbsent(key, text.substring(valueStart).trim());
    }
    return fields;
  }

  static String stateName(int messageState) {
    return messageState > 0 && messageState < STATES.length ? STATES[messageState] : "UNKNOWN";
  }

  private static String normalise(String stat) {
    if (stat == null || stat.isEmpty()) {
      return null;
    }
    String upper = stat.toUpperCase(Locale.ROOT);
    return LONG_STATES.getOrDefault(upper, upper);
  }

  /** YYMMDDhhmm or YYMMDDhhmmss, read as UTC; null when absent or unreadable. */
  static Instant date(String value) {
    if (value == null
        || (value.length() != 10 && value.length() != 12)
        || !DeliveryReceipt.allDigits(value, 10)) {
      return null;
    }
    try {
      int year = 2000 + Integer.parseInt(value.substring(0, 2));
      int second = value.length() == 12 ? Integer.parseInt(value.substring(10, 12)) : 0;
      return LocalDateTime.of(
              year,
              Integer.parseInt(value.substring(2, 4)),
              Integer.parseInt(value.substring(4, 6)),
              Integer.parseInt(value.substring(6, 8)),
              Integer.parseInt(value.substring(8, 10)),
              second)
          .toInstant(ZoneOffset.UTC);
    } catch (java.time.DateTimeException e) {
      return null;
    }
  }
}
