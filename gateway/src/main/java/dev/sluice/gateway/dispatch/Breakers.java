package dev.sluice.gateway.dispatch;

import dev.sluice.gateway.config.GatewayConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One circuit breaker per channel, per instance (Resilience4j). Driven by hand from Futures: {@code
 * tryAcquirePermission()} before a call, {@code onSuccess}/{@code onError} after it — never the
 * blocking decorators. Only outages count as errors (timeouts, network errors, 5xx); a provider
 * saying "slow down" or "invalid number" is the provider working. State is exported as {@code
 * resilience4j_circuitbreaker_state{name=<channel>}}. Thread-safe.
 */
public final class Breakers {
  private final CircuitBreakerRegistry registry;
  private final Duration openFor;

  public Breakers(GatewayConfig.Breaker settings, MeterRegistry meters) {
    this.openFor = Duration.ofMillis(settings.openMs());
    this.registry = CircuitBreakerRegistry.of(settings.toCircuitBreakerConfig());
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
  }

  public CircuitBreaker forChannel(String channelId) {
    return registry.circuitBreaker(channelId);
  }

  /**
   * The state of the channel's breaker on this instance ({@code closed}, {@code open}, {@code
   * half_open}, …), {@code closed} for a channel that has not sent here yet. Creates no breaker.
   */
  public String state(String channelId) {
    return registry
        .find(channelId)
        .map(b -> wire(b.getState()))
        .orElse(wire(CircuitBreaker.State.CLOSED));
  }

  /** The channels whose breaker is not closed on this instance, with its state. */
  public Map<String, String> notClosed() {
    Map<String, String> out = new TreeMap<>();
    registry.getAllCircuitBreakers().stream()
        .filter(b -> b.getState() != CircuitBreaker.State.CLOSED)
        .forEach(b -> out.put(b.getName(), wire(b.getState())));
    return out;
  }

  private static String wire(CircuitBreaker.State state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  /** How long a message waits when the breaker does not let it through. */
  public Duration openFor() {
    return openFor;
  }
}
