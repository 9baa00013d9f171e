package dev.sluice.gateway.connector.smpp;

import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.connector.smpp.protocol.SubmitResult;
import java.time.Duration;

/**
 * What a submit's outcome means to the dispatcher, the way the HTTP connectors classify theirs.
 * Error codes are {@code smpp_0xNN}, the SMPP command_status (SMPP 3.4 section 5.1.3).
 */
final class SmppOutcomes {
  /**
   * How long a message throttled past {@code smpp.throttleWaitMs} waits before it is tried again;
   * given as the "provider's wait" so that throttling is never counted as an outage.
   */
  static final Duration THROTTLED_WAIT = Duration.ofSeconds(1);

  private SmppOutcomes() {}

  /**
   * The provider message id of an SMSC's message id on a channel: {@code <channel>:<message_id>}.
   * An SMSC's ids are unique only on that SMSC (often a counter), and the ledger matches statuses
   * to messages by provider and id, so two channels' ids must never meet. A channel id never holds
   * {@code :}.
   */
  static String providerMessageId(String channelId, String smscMessageId) {
    return channelId + ":" + smscMessageId;
  }

  /**
   * @param channelId the sending channel, which qualifies the SMSC's message id
   * @param deadlineMs the response timeout, for the UNKNOWN message
   */
  static SendResult of(String channelId, SubmitResult r, long deadlineMs) {
    return switch (r.status()) {
      case OK ->
          SendResult.sent(
              r.messageIds().isEmpty() ? null : providerMessageId(channelId, r.messageIds().get(0)),
              0);
      // The SMSC is up and asks us to slow down: the provider's own wait, not an outage.
      case THROTTLED -> SendResult.retryable(code(r, "throttled"), detail(r), THROTTLED_WAIT, 0);
      case RETRYABLE -> SendResult.retryable(code(r, "network"), detail(r), null, 0);
      case PERMANENT -> SendResult.permanent(code(r, "rejected"), detail(r), 0);
      // Like an HTTP call without an answer: it may have been accepted. The client never resends
      // it; the dispatcher tries again later (recorded as a retry), so it may arrive twice.
      case UNKNOWN ->
          SendResult.retryable(
              "timeout",
              "no submit_sm_resp within " + deadlineMs + " ms: the SMSC may have accepted it",
              null,
              0);
      // Nothing was written: no bind is up. An outage, which opens the channel's breaker.
      case NOT_BOUND -> SendResult.retryable("bind_down", "no SMPP bind is up", null, 0);
    };
  }

  private static String code(SubmitResult r, String fallback) {
    return r.commandStatus() != 0 ? String.format("smpp_0x%02X", r.commandStatus()) : fallback;
  }

  private static String detail(SubmitResult r) {
    return r.detail() == null || r.detail().isEmpty() ? null : r.detail();
  }
}
