package dev.sluice.gateway.dispatch;

import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.work.Backoff;

/**
 * When to try a retryable send again: the dispatcher's {@link Backoff} (exponential, full jitter,
 * capped), never sooner than the provider asked (Retry-After, Telegram's retry_after) and, for
 * WhatsApp's pair limit (131056), never sooner than Meta's advised 4^(attempt-1) seconds (capped
 * like the backoff). Stateless.
 */
public record RetryPolicy(Backoff backoff) {
  static final String PAIR_LIMIT = "131056";

  /**
   * @param attempt attempts made so far, counting the one that just failed (1 or more)
   */
  public long delayMs(int attempt, SendResult result) {
    long atLeast = 0;
    if (PAIR_LIMIT.equals(result.errorCode())) {
      int quadruplings = Math.min(10, Math.max(0, attempt - 1));
      atLeast = Math.min(backoff.maxMs(), 1000L << (2 * quadruplings));
    }
    if (result.retryAfter() != null) {
      atLeast = Math.max(atLeast, result.retryAfter().toMillis());
    }
    return backoff.delayMs(attempt, atLeast);
  }
}
