package dev.sluice.gateway.work;

import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try again after a failed attempt: exponential backoff with jitter, capped. After {@code
 * attempt} failed attempts the ceiling is {@code baseMs × 2^(attempt-1)}, at most {@code maxMs},
 * and the delay is drawn below it by the {@link Jitter}; the other side may ask for more (a
 * provider's Retry-After), and then it gets that. Stateless and thread-safe.
 *
 * @param baseMs the first ceiling (ms)
 * @param maxMs the highest ceiling (ms)
 * @param jitter how the delay is drawn under the ceiling
 */
public record Backoff(long baseMs, long maxMs, Jitter jitter) {

  /** How a delay is drawn under its ceiling. */
  public enum Jitter {
    /**
     * Anywhere from 0 to the ceiling ("full jitter"): retries of many messages to one provider
     * spread the most.
     */
    FULL,
    /**
     * Between half of the ceiling and all of it ("equal jitter"): an endpoint that is down is not
     * called straight back.
     */
    HALF
  }

  /** Ceilings stop doubling after this many attempts (2^30 × base exceeds any cap). */
  private static final int MAX_SHIFT = 30;

  public Backoff {
    if (baseMs < 0 || maxMs < 0) {
      throw new IllegalArgumentException(
          "backoff times must not be negative, got base " + baseMs + " ms, max " + maxMs + " ms");
    }
    if (jitter == null) {
      throw new IllegalArgumentException("backoff jitter is missing");
    }
  }

  /**
   * The ceiling after {@code attempt} failed attempts: {@code baseMs × 2^(attempt-1)}, at most
   * {@code maxMs}.
   *
   * @param attempt attempts made so far, counting the one that just failed (1 or more; less counts
   *     as 1)
   */
  public long ceilingMs(int attempt) {
    int shift = shift(attempt);
    return baseMs > (maxMs >> shift) ? maxMs : Math.min(maxMs, baseMs << shift);
  }

  /** A delay after {@code attempt} failed attempts, drawn under {@link #ceilingMs}. */
  public long delayMs(int attempt) {
    long ceiling = ceilingMs(attempt);
    return switch (jitter) {
      case FULL -> ThreadLocalRandom.current().nextLong(ceiling + 1);
      case HALF -> ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    };
  }

  /**
   * A delay after {@code attempt} failed attempts, never shorter than {@code atLeastMs}: what the
   * other side asked for (Retry-After) wins over the draw, even above {@code maxMs}.
   */
  public long delayMs(int attempt, long atLeastMs) {
    return Math.max(delayMs(attempt), atLeastMs);
  }

  /** The doubling count for {@code attempt}: 0 for the first, at most {@value #MAX_SHIFT}. */
  static int shift(int attempt) {
    return Math.min(MAX_SHIFT, Math.max(0, attempt - 1));
  }
}
