package dev.sluice.gateway.ledger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code sluice_ledger_*} meters, created once per process (the gauge must be registered once)
 * and handed to the ledger writer.
 */
public final class LedgerMetrics {
  private final DistributionSummary batchSize;
  private final Timer lag;
  private final Counter parkedWithStatus;
  private final Counter parkedWithNothing;
  private final AtomicLong deadEntries = new AtomicLong();

  public LedgerMetrics(MeterRegistry registry) {
    this.batchSize =
        DistributionSummary.builder("sluice.ledger.batch.size")
            .description("Status events written to PostgreSQL per batch")
            .baseUnit("events")
            .register(registry);
    this.lag =
        Timer.builder("sluice.ledger.lag")
            .description("Time from a status change to its row in PostgreSQL")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
    this.parkedWithStatus = parked(registry, "status");
    this.parkedWithNothing = parked(registry, "none");
    Gauge.builder("sluice.ledger.dead", deadEntries, AtomicLong::get)
        .description(
            "Ledger entries PostgreSQL refused, waiting in {ledger}:dead for an operator"
                + " (the same value on every instance)")
        .baseUnit("entries")
        .register(registry);
  }

  private static Counter parked(MeterRegistry registry, String recorded) {
    return Counter.builder("sluice.ledger.parked")
        .description(
            "Status events PostgreSQL refused, parked in {ledger}:dead by this instance;"
                + " recorded=status: the status itself was written without the refused details")
        .baseUnit("events")
        .tag("recorded", recorded)
        .register(registry);
  }

  void written(int events) {
    batchSize.record(events);
  }

  void lag(long ms) {
    lag.record(Math.max(0, ms), TimeUnit.MILLISECONDS);
  }

  void parked(boolean statusRecorded) {
    (statusRecorded ? parkedWithStatus : parkedWithNothing).increment();
  }

  void deadEntries(long n) {
    deadEntries.set(n);
  }
}
