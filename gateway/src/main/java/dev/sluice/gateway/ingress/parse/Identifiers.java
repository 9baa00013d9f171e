package dev.sluice.gateway.ingress.parse;

import dev.sluice.gateway.core.InboundEvent;
import java.util.List;

/**
 * The rule that an event's identifiers and addresses hold no NUL character. They reach PostgreSQL
 * (the ledger keeps provider message ids, statuses and error codes, and PostgreSQL {@code text}
 * cannot hold U+0000), Redis key names and tenants' databases; no provider issues such an id, so
 * one is a malformed event and its body is refused like a body whose event has no id at all. Text
 * and the raw event may hold NUL: they are passed on as JSON, which escapes it.
 */
final class Identifiers {
  private Identifiers() {}

  /**
   * @return {@code events}
   * @throws PayloadException naming the first field that holds a NUL
   */
  static List<InboundEvent> checked(List<InboundEvent> events) {
    for (InboundEvent e : events) {
      String field = fieldWithNul(e);
      if (field != null) {
        throw new PayloadException("an event's " + field + " contains a NUL character");
      }
    }
    return events;
  }

  private static String fieldWithNul(InboundEvent e) {
    if (hasNul(e.dedupId())) {
      return "id";
    }
    if (hasNul(e.providerMessageId())) {
      return "message id";
    }
    if (hasNul(e.channelAddress())) {
      return "channel address";
    }
    if (hasNul(e.endUser()) || hasNul(e.from()) || hasNul(e.to())) {
      return "sender or recipient";
    }
    if (hasNul(e.status()) || hasNul(e.errorCode()) || hasNul(e.type())) {
      return "status, error code or type";
    }
    return null;
  }

  private static boolean hasNul(String s) {
    return s != null && s.indexOf('\u0000') >= 0;
  }
}
