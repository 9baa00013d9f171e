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
    if (address == null) {
      return null;
    }
    String s = address.trim();
    if (s.regionMatches(true, 0, WHATSAPP_PREFIX, 0, WHATSAPP_PREFIX.length())) {
      s = s.substring(WHATSAPP_PREFIX.length()).trim();
    }
    if (s.startsWith("+")) {
      s = s.substring(1);
    }
    return s.isEmpty() ? null : s;
  }
}
