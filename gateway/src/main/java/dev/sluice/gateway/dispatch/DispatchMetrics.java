package dev.sluice.gateway.dispatch;

import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.core.Provider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The {@code sluice_dispatch_*} meters, created once and shared by the dispatcher verticles. */
public final class DispatchMetrics {
  private final Map<Provider, Map<SendResult.Outcome, Counter>> sends =
      new EnumMap<>(Provider.class);
  private final Map<Provider, Timer> latency = new EnumMap<>(Provider.class);
  private final Map<Provider, Counter> retries = new EnumMap<>(Provider.class);
  private final Map<Provider, Counter> paced = new EnumMap<>(Provider.class);
  private final Map<Provider, Counter> heldByBreaker = new EnumMap<>(Provider.class);
  private final Map<Provider, Counter> deadLetters = new EnumMap<>(Provider.class);
  private final Counter droppedEvents;
  private final Counter heldByWindow;
  private final Counter heldByCampaign;
  private final Counter heldByMarketingCap;

  public DispatchMetrics(MeterRegistry registry) {
    droppedEvents =
        Counter.builder("sluice.dispatch.status.events.dropped")
            .description(
                "Outbound status events not queued because the tenant's event backlog was full"
                    + " (the ledger still has the status)")
            .register(registry);
    heldByWindow = held(registry, "window");
    heldByCampaign = held(registry, "campaign");
    heldByMarketingCap = held(registry, "marketing_cap");
    for (Provider p : Provider.values()) {
      Map<SendResult.Outcome, Counter> byOutcome = new EnumMap<>(SendResult.Outcome.class);
      for (SendResult.Outcome o : SendResult.Outcome.values()) {
        byOutcome.put(
            o,
            Counter.builder("sluice.dispatch.sends")
                .description("Provider send calls by outcome")
                .tag("provider", p.wireName())
                .tag("outcome", o.name().toLowerCase(Locale.ROOT))
                .register(registry));
      }
      sends.put(p, byOutcome);
      latency.put(
          p,
          Timer.builder("sluice.dispatch.provider.latency")
              .description("Duration of provider send calls")
              .tag("provider", p.wireName())
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofMillis(1))
              .maximumExpectedValue(Duration.ofSeconds(30))
              .register(registry));
      retries.put(p, counter(registry, "sluice.dispatch.retries", "Sends scheduled again", p));
      paced.put(p, counter(registry, "sluice.dispatch.paced", "Messages held back by pacing", p));
      heldByBreaker.put(
          p,
          counter(registry, "sluice.dispatch.breaker.held", "Messages held by an open breaker", p));
      deadLetters.put(
          p, counter(registry, "sluice.dispatch.dead.letters", "Messages out of attempts", p));
    }
  }

  /**
   * Messages that came up and were not sent because of a hold: outside their send window, of a
   * paused campaign, or under WhatsApp's per-user marketing cap (each time it came up).
   */
  private static Counter held(MeterRegistry r, String reason) {
    return Counter.builder("sluice.dispatch.held")
        .description("Messages due but held back: outside their send window, paused campaign, cap")
        .tag("reason", reason)
        .register(r);
  }

  private static Counter counter(MeterRegistry r, String name, String description, Provider p) {
    return Counter.builder(name).description(description).tag("provider", p.wireName()).register(r);
  }

  void sent(Provider p, SendResult.Outcome outcome, long startNanos) {
    sends.get(p).get(outcome).increment();
    latency.get(p).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  void retry(Provider p) {
    retries.get(p).increment();
  }

  void paced(Provider p) {
    paced.get(p).increment();
  }

  void heldByBreaker(Provider p) {
    heldByBreaker.get(p).increment();
  }

  void droppedEvents(long n) {
    if (n > 0) {
      droppedEvents.increment(n);
    }
  }

  void heldByWindow() {
    heldByWindow.increment();
  }

  void heldByCampaign() {
    heldByCampaign.increment();
  }

  void heldByMarketingCap() {
    heldByMarketingCap.increment();
  }

  void deadLetter(Provider p) {
    deadLetters.get(p).increment();
  }
}
