package dev.sluice.gateway.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code sluice_delivery_*} meters, shared by the deliverer verticles of one instance.
 *
 * <ul>
 *   <li>{@code sluice_delivery_attempts_total{tenant,outcome}}: requests to tenant endpoints, by
 *       outcome ({@code succeeded}, {@code http_status}, {@code timeout}, {@code
 *       connection_failed}, {@code endpoint_not_allowed});
 *   <li>{@code sluice_delivery_request_seconds{outcome}}: their duration;
 *   <li>{@code sluice_delivery_events_total{tenant}}: events acknowledged by tenants;
 *   <li>{@code sluice_delivery_dead_letters_total{tenant}}: events moved to the dead-letter lane;
 *   <li>{@code sluice_delivery_backlog_age_seconds{tenant}}: age of the oldest undelivered event;
 *   <li>{@code sluice_delivery_breaker_state{tenant}}: 0 closed, 1 open, 2 half open;
 *   <li>{@code sluice_delivery_in_flight}: requests in flight on this instance.
 * </ul>
 */
public final class DeliveryMetrics {
  static final String SUCCEEDED = "succeeded";

  private final MeterRegistry registry;
  private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
  private final Map<String, Counter> events = new ConcurrentHashMap<>();
  private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> backlogAge = new ConcurrentHashMap<>();
  private final Timer succeeded;
  private final Timer failed;
  private final AtomicInteger inFlight = new AtomicInteger();

  public DeliveryMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.succeeded = timer(registry, SUCCEEDED);
    this.failed = timer(registry, "failed");
    Gauge.builder("sluice.delivery.in.flight", inFlight, AtomicInteger::get)
        .description("Delivery requests in flight on this instance")
        .register(registry);
  }

  private static Timer timer(MeterRegistry registry, String outcome) {
    return Timer.builder("sluice.delivery.request")
        .description("Duration of delivery requests to tenant endpoints")
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
  }

  void attempt(String tenant, String outcome, long nanos) {
    attempts
        .computeIfAbsent(
            tenant + "|" + outcome,
            k ->
                Counter.builder("sluice.delivery.attempts")
                    .description("Delivery requests to tenant endpoints by outcome")
                    .tag("tenant", tenant)
                    .tag("outcome", outcome)
                    .register(registry))
        .increment();
    (SUCCEEDED.equals(outcome) ? succeeded : failed).record(nanos, TimeUnit.NANOSECONDS);
  }

  void delivered(String tenant, int n) {
    events
        .computeIfAbsent(
            tenant,
            t ->
                Counter.builder("sluice.delivery.events")
                    .description("Events acknowledged by tenant endpoints")
                    .tag("tenant", t)
                    .register(registry))
        .increment(n);
  }

  void deadLettered(String tenant, long n) {
    deadLetters(tenant).increment(n);
  }

  private Counter deadLetters(String tenant) {
    return deadLetters.computeIfAbsent(
        tenant,
        t ->
            Counter.builder("sluice.delivery.dead.letters")
                .description("Events moved to the dead-letter lane (too old to retry)")
                .tag("tenant", t)
                .register(registry));
  }

  /**
   * Records the age of a push tenant's oldest undelivered event (0 when none waits). The first
   * sample of a tenant also shows its dead-letter counter at 0, so that an alert on its increase
   * sees the first dead letter too (a series that starts at 1 has no increase to see).
   */
  void backlogAge(String tenant, long ageMs) {
    backlogAge
        .computeIfAbsent(
            tenant,
            t -> {
              deadLetters(t);
              AtomicLong holder = new AtomicLong();
              Gauge.builder("sluice.delivery.backlog.age", holder, h -> h.get() / 1000.0)
                  .description("Age of the oldest event not yet delivered to the tenant")
                  .baseUnit("seconds")
                  .tag("tenant", t)
                  .register(registry);
              return holder;
            })
        .set(ageMs);
  }

  void requestStarted() {
    inFlight.incrementAndGet();
  }

  void requestEnded() {
    inFlight.decrementAndGet();
  }
}
