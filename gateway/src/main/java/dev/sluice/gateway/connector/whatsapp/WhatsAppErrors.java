package dev.sluice.gateway.connector.whatsapp;

import dev.sluice.gateway.connector.SendResult.Outcome;
import java.util.Set;

/**
 * What a Cloud API {@code error.code} means for the message (provider-facts §2.4; Meta's error-code
 * page). Codes not listed here fall back to the HTTP status (5xx and 429 retryable, else
 * permanent).
 */
final class WhatsAppErrors {
  /**
   * Temporary: rate limits (4 app calls, 80007 WABA, 130429 throughput, 131056 pair rate, 133016
   * register/deregister), maintenance during a throughput upgrade (131057), and Meta-side trouble
   * (1 unknown, 2 service, 131000 something went wrong, 131016 service unavailable).
   */
  private static final Set<Integer> RETRYABLE =
      Set.of(1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 133016);

  /**
   * Will not succeed by trying again soon. Besides the ranges in {@link #classify}: 10 permission
   * denied, 100 invalid parameter, 190 access token expired, 368 temporarily blocked for policy
   * violations (a block lasting days, far beyond a retry budget), 131008/131009 missing or invalid
   * parameter, 131021 recipient is the sender, 131026 undeliverable (not a WhatsApp user, blocked),
   * 131031 account locked, 131042 payment issue, 131045 registration, 131047 customer service
   * window closed (free-form only), 131048 spam rate limit (Meta: do not blindly retry), 131049
   * marketing frequency cap for this user (Meta: do not retry soon; the cap outlasts any backoff,
   * so the dispatcher does not retry it but lets the message wait a day without spending an
   * attempt), 131051 unsupported message type, 131052/131053 media download/upload error.
   */
  private static final Set<Integer> PERMANENT =
      Set.of(
          10, 100, 190, 368, 131008, 131009, 131021, 131026, 131031, 131042, 131045, 131047, 131048,
          131049, 131051, 131052, 131053);

  /**
   * 131050: the user stopped marketing messages from this business. Recorded as an opt-out (the
   * dispatcher's opt-out list); service replies the user asks for are the tenant's call.
   */
  private static final int STOPPED_MARKETING = 131050;

  private WhatsAppErrors() {}

  /** The outcome for a known code, or {@code null} to classify by HTTP status. */
  static Outcome classify(int code) {
    if (code == STOPPED_MARKETING) {
      return Outcome.OPT_OUT;
    }
    if (RETRYABLE.contains(code)) {
      return Outcome.RETRYABLE;
    }
    boolean permission = code >= 200 && code <= 299;
    boolean template = code >= 132000 && code <= 132999;
    boolean registration = code >= 133000 && code <= 133015;
    if (PERMANENT.contains(code) || permission || template || registration) {
      return Outcome.PERMANENT;
    }
    return null;
  }
}
