package dev.sluice.gateway.redis;

/** Redis cannot be reached right now; callers answer 503 with Retry-After. Stack-free. */
public final class RedisUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  static final RedisUnavailableException INSTANCE = new RedisUnavailableException();

  private RedisUnavailableException() {
    super("Redis is unavailable", null, false, false);
  }
}
