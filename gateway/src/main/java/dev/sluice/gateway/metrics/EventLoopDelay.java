package dev.sluice.gateway.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice_eventloop_delay_seconds}: how late a timer fires on an event loop. Each instance of
 * the verticle (deploy one per event loop) arms a one-shot timer every {@code intervalMs} and
 * records how long after its due time it ran. A loop kept busy, or blocked by code that should not
 * run on it, runs its timers late; an idle, healthy loop runs them within a millisecond or so.
 */
public final class EventLoopDelay {
  private final Timer delay;
  private final long intervalMs;

  public EventLoopDelay(MeterRegistry registry, long intervalMs) {
    this.intervalMs = intervalMs;
    this.delay =
        Timer.builder("sluice.eventloop.delay")
            .description("How late a timer ran on an event loop (sampled on every loop)")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
  }

  /** A verticle that samples the delay of the event loop it is deployed on, until undeployed. */
  public VerticleBase verticle() {
    return new VerticleBase() {
      private long timer = -1;

      @Override
      public Future<?> start() {
        arm();
        return Future.succeededFuture();
      }

      private void arm() {
        long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMs);
        timer =
            vertx.setTimer(
                intervalMs,
                id -> {
                  delay.record(Math.max(0, System.nanoTime() - due), TimeUnit.NANOSECONDS);
                  arm();
                });
      }

      @Override
      public Future<?> stop() {
        vertx.cancelTimer(timer);
        return Future.succeededFuture();
      }
    };
  }
}
