package dev.sluice.gateway.delivery;

import dev.sluice.gateway.config.GatewayConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What keeps one tenant's endpoint from affecting the others, per instance: a cap on requests in
 * flight to it, and a circuit breaker (Resilience4j, driven by hand from Futures) that stops
 * calling an endpoint that keeps failing and probes it again after {@code delivery.breakerOpenMs}.
 * Every non-2xx answer and every timeout counts as a failure. Thread-safe; shared by the deliverer
 * verticles of one instance.
 */
public final class DeliveryGates {
  private final int perTenant;
  private final Duration openFor;
  private final CircuitBreakerRegistry breakers;
  private final MeterRegistry meters;
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

  public DeliveryGates(int perTenant, GatewayConfig.Breaker breaker, MeterRegistry meters) {
    this.perTenant = perTenant;
    this.openFor = Duration.ofMillis(breaker.openMs());
    this.meters = meters;
    this.breakers = CircuitBreakerRegistry.of(breaker.toCircuitBreakerConfig());
  }

  /** Takes a slot for one request to the tenant; false when its cap is reached. */
  boolean tryAcquire(String tenant) {
    AtomicInteger n = inFlight.computeIfAbsent(tenant, t -> new AtomicInteger());
    if (n.incrementAndGet() > perTenant) {
      n.decrementAndGet();
      return false;
    }
    return true;
  }

  void release(String tenant) {
    AtomicInteger n = inFlight.get(tenant);
    if (n != null) {
      n.decrementAndGet();
    }
  }

  CircuitBreaker breaker(String tenant) {
    return breakers
        .find(tenant)
        .orElseGet(
            () -> {
              CircuitBreaker b = breakers.circuitBreaker(tenant);
              Gauge.builder("sluice.delivery.breaker.state", b, DeliveryGates::stateValue)
                  .description("Tenant endpoint breaker: 0 closed, 1 open, 2 half open")
                  .tag("tenant", tenant)
                  .register(meters);
              return b;
            });
  }

  /** How long deliveries wait while a breaker is open. */
  Duration openFor() {
    return openFor;
  }

  private static double stateValue(CircuitBreaker b) {
    return switch (b.getState()) {
      case OPEN, FORCED_OPEN -> 1;
      case HALF_OPEN -> 2;
      default -> 0;
    };
  }
}
