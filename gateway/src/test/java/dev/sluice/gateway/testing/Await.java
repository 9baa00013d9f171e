package dev.sluice.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits on a condition with a deadline, for tests of asynchronous behaviour: every wait says what
 * it waited for, and fails with that description when the deadline passes instead of hanging until
 * the class timeout.
 */
public final class Await {
  private static final long POLL_MS = 20;

  private Await() {}

  /**
   * Polls {@code condition} every 20 ms until it holds.
   *
   * @param what the awaited outcome, as the failure message says it ("waiting for " + what)
   * @throws AssertionError when it does not hold within {@code within}
   */
  public static void until(String what, Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting %s for %s", within, what).isLessThan(deadline);
      try {
        TimeUnit.MILLISECONDS.sleep(POLL_MS); // poll interval
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }
}
