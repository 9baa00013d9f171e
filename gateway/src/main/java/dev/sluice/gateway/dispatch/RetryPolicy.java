package dev.sluice.gateway.dispatch;

import dev.sluice.gateway.connector.SendResult;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a retryable send again: exponential backoff with full jitter (a random delay up to
 * {@code base * 2^(attempt-1)}, capped), never sooner than the provider asked (Retry-After,
 * Telegram's retry_after) and, for WhatsApp's pair limit (131056), never sooner than Meta's advised
 * 4^(attempt-1) seconds. Stateless.
 */
public record RetryPolicy(long baseMs, long maxMs) {
  static final String PAIR_LIMIT = "131056";

  /**
   * @param attempt attempts made so far, counting the one that just failed (1 or more)
   */
  public long delayMs(int attempt, SendResult result) {
    int shift = Math.min(30, Math.max(0, attempt - 1));
    long ceiling = Math.min(maxMs, baseMs << shift);
    long delay = ThreadLocalRandom.current().nextLong(ceiling + 1);
    if (PAIR_LIMIT.equals(result.errorCode())) {
      delay = Math.max(delay, Math.min(maxMs, 1000L << (2 * Math.min(shift, 10))));
    }
    if (result.retryAfter() != null) {
      delay = Math.max(delay, result.retryAfter().toMillis());
    }
    return delay;
  }
}
