package dev.sluice.gateway.connector.smpp.protocol;

import java.math.BigInteger;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A delivery receipt read from a deliver_sm or data_sm.
 *
 * @param messageId receipted_message_id TLV (0x001E) if present, else the id: of the text
 * @param state DELIVRD EXPIRED DELETED UNDELIV ACCEPTD UNKNOWN REJECTD ENROUTE (from the
 *     message_state TLV 0x0427 if present, else stat: of the text)
 * @param error err: of the text, or the network_error_code TLV, may be null
 * @param source the receipt's source = our message's recipient
 * @param destination the receipt's destination
 * @param doneAt done date: (YYMMDDhhmm[ss]) read as UTC, null if absent
 */
public record DeliveryReceipt(
    String messageId,
    String state,
    String error,
    SmppAddress source,
    SmppAddress destination,
    Instant doneAt) {
  /**
   * The forms this id may have been given in submit_sm_resp: itself, and the hex<->decimal
   * conversions where they parse (SMSCs differ: hex in the response, decimal in the receipt). A
   * decimal-looking id is also tried as hex, and hex is offered in both cases; leading zeros the
   * SMSC may have padded with are not guessed.
   */
  public List<String> idCandidates() {
    if (messageId == null) {
      return List.of();
    }
    Set<String> ids = new LinkedHashSet<>();
    ids.add(messageId);
    if (messageId.length() <= 32) {
      if (allDigits(messageId, 10)) {
        String hex = new BigInteger(messageId).toString(16);
        ids.add(hex);
        ids.add(hex.toUpperCase(Locale.ROOT));
      }
      if (allDigits(messageId, 16)) {
        ids.add(new BigInteger(messageId, 16).toString());
      }
    }
    return List.copyOf(ids);
  }

  /**
   * Whether {@code s} is not empty and all ASCII digits of {@code radix} 10 or 16 (either case);
   * what a precompiled {@code [0-9]+} or {@code [0-9a-fA-F]+} says, without a matcher per receipt.
   */
  static boolean allDigits(String s, int radix) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean digit =
          (c >= '0' && c <= '9')
              || (radix == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
      if (!digit) {
        return false;
      }
    }
    return !s.isEmpty();
  }
}
