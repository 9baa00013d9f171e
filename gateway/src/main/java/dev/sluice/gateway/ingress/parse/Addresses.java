package dev.sluice.gateway.ingress.parse;

/**
 * The end-user key: phone numbers as digits without {@code +}, so that the same person gets the
 * same partition and per-phone rate limit whichever provider field named them.
 */
final class Addresses {

  private static final String WHATSAPP_PREFIX = "whatsapp:";

  private Addresses() {}

  /**
   * The address without a Twilio {@code whatsapp:} channel prefix and without a leading {@code +};
   * other text (chat ids, page-scoped ids) is returned trimmed. Blank becomes {@code null}.
   */
  static String endUser(String address) {
    String s = unprefixed(address);
    if (s == null) {
      return null;
    }
    if (s.startsWith("+")) {
      s = s.substring(1);
    }
    return s.isEmpty() ? null : s;
  }

  /**
   * The address as events show it: a phone number in E.164 with {@code +} (what {@code POST
   * /v1/messages} takes, so a reply works), without a Twilio {@code whatsapp:} prefix. A number
   * counts as a phone number when it starts with {@code +}, or is 8 to 15 digits (with spaces,
   * dashes, dots or parentheses between them, as Meta's display numbers have): Infobip writes
   * international numbers without {@code +}. Anything else (a short code, an alphanumeric sender)
   * is returned trimmed; blank becomes {@code null}.
   */
  static String e164(String address) {
    String s = unprefixed(address);
    if (s == null || s.isEmpty()) {
      return null;
    }
    boolean plus = s.charAt(0) == '+';
    StringBuilder digits = new StringBuilder(16).append('+');
    for (int i = plus ? 1 : 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digits.append(c);
      } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
        return s;
      }
    }
    int n = digits.length() - 1;
    return (plus && n > 0) || (n >= 8 && n <= 15) ? digits.toString() : s;
  }

  /** Trimmed, without a Twilio {@code whatsapp:} channel prefix; {@code null} stays null. */
  private static String unprefixed(String address) {
    if (address == null) {
      return null;
    }
    String s = address.trim();
    if (s.regionMatches(true, 0, WHATSAPP_PREFIX, 0, WHATSAPP_PREFIX.length())) {
      s = s.substring(WHATSAPP_PREFIX.length()).trim();
    }
    return s;
  }
}
