package dev.sluice.gateway.connector;

import java.time.Duration;
import java.util.Objects;

/**
 * What became of one send, classified by the provider's error code where it gave one, else by the
 * HTTP status. {@code errorMessage} is the provider's own text, cut to {@value #MAX_MESSAGE}
 * characters and with the channel's credentials masked; it may name the recipient (providers echo
 * it), so it belongs in the tenant's ledger, not in logs.
 *
 * @param outcome what the dispatcher should do next
 * @param providerMessageId the provider's id of the accepted message, for correlating status
 *     webhooks; {@code null} unless SENT, and null for SENT when the provider's answer carried none
 * @param errorCode the provider's error code (e.g. {@code 131056}, {@code 21610}, {@code E429}),
 *     else {@code http_<status>}, or ours: {@code timeout} and {@code network} (no answer), {@code
 *     channel_misconfigured} (credential or address missing), {@code unsupported_content} (this
 *     provider cannot carry it), {@code invalid_content} (e.g. template components that are not a
 *     JSON array); {@code null} when SENT
 * @param retryAfter how long the provider asked us to wait; only for RETRYABLE, may be {@code null}
 * @param httpStatus the provider's HTTP status, 0 when there was no answer
 */
public record SendResult(
    Outcome outcome,
    String providerMessageId,
    String errorCode,
    String errorMessage,
    Duration retryAfter,
    int httpStatus) {

  static final int MAX_MESSAGE = 500;

  /** What the dispatcher does with a message after this send. */
  public enum Outcome {
    /** Accepted by the provider; delivery is reported later through status webhooks. */
    SENT,
    /** Not sent, may succeed later: back off (at least {@code retryAfter} when given). */
    RETRYABLE,
    /** Not sent and never will be as it is: fail the message. */
    PERMANENT,
    /** The recipient does not want messages from this sender: record the opt-out, fail it. */
    OPT_OUT
  }

  public SendResult {
    Objects.requireNonNull(outcome, "outcome");
    if (outcome == Outcome.SENT && errorCode != null) {
      throw new IllegalArgumentException("a SENT result has no error code");
    }
    if (outcome != Outcome.SENT && providerMessageId != null) {
      throw new IllegalArgumentException("only a SENT result has a provider message id");
    }
    if (outcome != Outcome.SENT && errorCode == null) {
      throw new IllegalArgumentException(outcome + " needs an error code");
    }
    if (retryAfter != null && (outcome != Outcome.RETRYABLE || retryAfter.isNegative())) {
      throw new IllegalArgumentException("retryAfter must be >= 0 and only on RETRYABLE");
    }
  }

  /** Accepted by the provider. {@code providerMessageId} is null if its answer carried none. */
  public static SendResult sent(String providerMessageId, int httpStatus) {
    return new SendResult(Outcome.SENT, providerMessageId, null, null, null, httpStatus);
  }

  /** Worth trying again; {@code retryAfter} is what the provider asked for, or {@code null}. */
  public static SendResult retryable(
      String code, String message, Duration retryAfter, int httpStatus) {
    return new SendResult(Outcome.RETRYABLE, null, code, message, retryAfter, httpStatus);
  }

  /** Will never succeed as it is. */
  public static SendResult permanent(String code, String message, int httpStatus) {
    return new SendResult(Outcome.PERMANENT, null, code, message, null, httpStatus);
  }

  /** The recipient opted out of messages from this sender. */
  public static SendResult optOut(String code, String message, int httpStatus) {
    return new SendResult(Outcome.OPT_OUT, null, code, message, null, httpStatus);
  }

  /** This result with another error message (masking, truncation). */
  SendResult withErrorMessage(String message) {
    return new SendResult(outcome, providerMessageId, errorCode, message, retryAfter, httpStatus);
  }
}
