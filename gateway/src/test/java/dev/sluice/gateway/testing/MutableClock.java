package dev.sluice.gateway.testing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a test can set (or let follow the system clock); thread-safe. */
public final class MutableClock extends Clock {
  private volatile Instant now;

  public MutableClock(Instant now) {
    this.now = now;
  }

  /** A clock that follows the system clock until it is {@link #set}. */
  public static MutableClock system() {
    return new MutableClock(null);
  }

  public void set(Instant instant) {
    this.now = instant;
  }

  /** Follows the system clock again. */
  public void reset() {
    this.now = null;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    Instant fixed = now;
    return fixed == null ? Instant.now() : fixed;
  }
}
