package dev.sluice.loadtest.simulator;

/**
 * A token bucket on a caller-supplied nanosecond clock: {@code capacity} tokens at most, refilled
 * continuously at {@code ratePerSecond}. Not thread-safe (the simulator touches its buckets from
 * one event loop).
 */
final class TokenBucket {
  private final double capacity;
  private final double perNano;
  private double tokens;
  private long last;

  TokenBucket(double ratePerSecond, double capacity, long nowNanos) {
    if (ratePerSecond <= 0 || capacity < 1) {
      throw new IllegalArgumentException("rate must be > 0 and capacity >= 1");
    }
    this.capacity = capacity;
    this.perNano = ratePerSecond / 1e9;
    this.tokens = capacity;
    this.last = nowNanos;
  }

  /**
   * Takes one token.
   *
   * @return 0 when a token was taken, otherwise the nanoseconds until one will be available
   */
  long tryTake(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
  }

  /** True when the bucket is full again, so forgetting it changes nothing. */
  boolean isFull(long nowNanos) {
    refill(nowNanos);
    return tokens >= capacity;
  }

  private void refill(long nowNanos) {
    if (nowNanos > last) {
      tokens = Math.min(capacity, tokens + (nowNanos - last) * perNano);
      last = nowNanos;
    }
  }
}
