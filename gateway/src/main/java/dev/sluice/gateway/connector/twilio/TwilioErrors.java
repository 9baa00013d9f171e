package dev.sluice.gateway.connector.twilio;

import dev.sluice.gateway.connector.SendResult.Outcome;
import java.util.Set;

/**
 * What a Twilio error {@code code} means for the message (provider-facts §4; Twilio's error
 * dictionary). The 300xx codes are delivery errors that Twilio reports mostly in status callbacks;
 * they are listed so that the same table holds wherever one appears. Codes not listed fall back to
 * the HTTP status (5xx and 429 retryable, else permanent).
 */
final class TwilioErrors {
  /** 21610: the recipient replied STOP to this sender. */
  private static final int UNSUBSCRIBED = 21610;

  /**
   * 20429 too many requests, 20500 internal error, 20503 service unavailable, 21611 the sender's
   * queue of unsent messages is full, 30001 queue overflow, 30003 handset unreachable (off, out of
   * coverage), 30008 unknown error, 30009 missing segment.
   */
  private static final Set<Integer> RETRYABLE =
      Set.of(20429, 20500, 20503, 21611, 30001, 30003, 30008, 30009);

  /**
   * 20003 authentication failed, 20404 resource not found (wrong account), 21211 invalid To, 21212
   * invalid From, 21408 region not enabled, 21602 body required, 21606 From cannot send SMS, 21612
   * cannot route between To and From, 21614 To is not a mobile number, 21617 body too long, 21620
   * invalid media URL, 21660 From does not belong to the account, 30002 account suspended, 30004
   * message blocked, 30005 unknown handset, 30006 landline or unreachable carrier, 30007 carrier
   * filtering, 30010 price exceeds the maximum.
   */
  private static final Set<Integer> PERMANENT =
      Set.of(
          20003, 20404, 21211, 21212, 21408, 21602, 21606, 21612, 21614, 21617, 21620, 21660, 30002,
          30004, 30005, 30006, 30007, 30010);

  private TwilioErrors() {}

  /** The outcome for a known code, or {@code null} to classify by HTTP status. */
  static Outcome classify(int code) {
    if (code == UNSUBSCRIBED) {
      return Outcome.OPT_OUT;
    }
    if (RETRYABLE.contains(code)) {
      return Outcome.RETRYABLE;
    }
    return PERMANENT.contains(code) ? Outcome.PERMANENT : null;
  }
}
