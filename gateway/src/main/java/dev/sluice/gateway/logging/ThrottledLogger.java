package dev.sluice.gateway.logging;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Warnings that repeat while a condition lasts (a backend down, a claim failing on every poll),
 * written at most once per interval: the first goes out at once, the others within the interval are
 * counted, and the next one that goes out says how many were held back. One per component that
 * warns (a verticle's, a connection's), so one noisy component does not silence another.
 *
 * <p>Thread-safe; arguments are formatted only for the warnings that are written.
 */
public final class ThrottledLogger {
  /** The interval of most components: one line per 10 s while a condition lasts. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong lastNanos;
  private final AtomicLong heldBack = new AtomicLong();

  /** Warnings to {@code log}, one per {@link #DEFAULT_INTERVAL} at most. */
  public ThrottledLogger(Logger log) {
    this(log, DEFAULT_INTERVAL);
  }

  /** Warnings to {@code log}, one per {@code interval} at most. */
  public ThrottledLogger(Logger log, Duration interval) {
    this(log, interval, System::nanoTime);
  }

  ThrottledLogger(Logger log, Duration interval, LongSupplier nanoTime) {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("interval must not be negative, got " + interval);
    }
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
    this.lastNanos = new AtomicLong(nanoTime.getAsLong() - intervalNanos);
  }

  /**
   * Writes an SLF4J-formatted warning unless one was written less than the interval ago; then it is
   * only counted.
   *
   * @return whether it was written
   */
  public boolean warn(String format, Object... args) {
    long now = nanoTime.getAsLong();
    long last = lastNanos.get();
    if (now - last < intervalNanos || !lastNanos.compareAndSet(last, now)) {
      heldBack.incrementAndGet();
      return false;
    }
    long held = heldBack.getAndSet(0);
    if (held == 0) {
      log.warn(format, args);
    } else {
      log.warn(format + " ({} like warnings held back since the last one)", withCount(args, held));
    }
    return true;
  }

  /** The arguments with the count placed before a trailing throwable, which SLF4J logs as such. */
  private static Object[] withCount(Object[] args, long held) {
    int at =
        args.length > 0 && args[args.length - 1] instanceof Throwable
            ? args.length - 1
            : args.length;
    Object[] out = new Object[args.length + 1];
    System.arraycopy(args, 0, out, 0, at);
    out[at] = held;
    System.arraycopy(args, at, out, at + 1, args.length - at);
    return out;
  }
}
