package dev.sluice.gateway.ingress;

import dev.sluice.gateway.admission.AdmissionOutcome;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code sluice_ingress_*} meters, created once per process and shared (Micrometer meters are
 * thread-safe); never looked up per request. Tags are bounded: provider, outcome, result, reason.
 */
public final class IngressMetrics {
  /** How a webhook request ended. */
  public enum Outcome {
    ACCEPTED,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    BAD_REQUEST,
    UNAVAILABLE,
    BACKLOG_FULL;

    final String tag = name().toLowerCase(Locale.ROOT);
  }

  private final Map<WebhookSource, Map<Outcome, Counter>> requests =
      new EnumMap<>(WebhookSource.class);
  private final Map<Provider, Map<AdmissionOutcome, Counter>> events =
      new EnumMap<>(Provider.class);
  private final Map<Provider, Counter> unrouted = new EnumMap<>(Provider.class);
  private final Map<WebhookSource, Map<Verdict, Counter>> signatureFailures =
      new EnumMap<>(WebhookSource.class);
  private final Map<WebhookSource, Timer> latency = new EnumMap<>(WebhookSource.class);

  public IngressMetrics(MeterRegistry registry) {
    for (WebhookSource source : WebhookSource.values()) {
      Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
      for (Outcome o : Outcome.values()) {
        byOutcome.put(
            o,
            Counter.builder("sluice.ingress.requests")
                .description("Webhook requests by source and how they ended")
                .tag("source", source.tag())
                .tag("outcome", o.tag)
                .register(registry));
      }
      requests.put(source, byOutcome);
      Map<Verdict, Counter> byReason = new EnumMap<>(Verdict.class);
      for (Verdict v : Verdict.values()) {
        if (!v.valid()) {
          byReason.put(
              v,
              Counter.builder("sluice.ingress.signature.failures")
                  .description("Webhooks refused for their signature or secret, by reason")
                  .tag("source", source.tag())
                  .tag("reason", v.reason())
                  .register(registry));
        }
      }
      signatureFailures.put(source, byReason);
      latency.put(
          source,
          Timer.builder("sluice.ingress.latency")
              .description("Time from a webhook's body being read to its answer")
              .tag("source", source.tag())
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofMillis(1))
              .maximumExpectedValue(Duration.ofSeconds(10))
              .register(registry));
    }
    for (Provider p : Provider.values()) {
      Map<AdmissionOutcome, Counter> byResult = new EnumMap<>(AdmissionOutcome.class);
      for (AdmissionOutcome a : AdmissionOutcome.values()) {
        byResult.put(a, eventCounter(registry, p, a.tag()));
      }
      events.put(p, byResult);
      unrouted.put(p, eventCounter(registry, p, "unrouted"));
    }
  }

  private static Counter eventCounter(MeterRegistry registry, Provider p, String result) {
    return Counter.builder("sluice.ingress.events")
        .description(
            "Events taken out of webhooks, by what admission did with them (duplicate,"
                + " quarantined = over the per-phone limit, refused = tenant backlog full,"
                + " unrouted = no channel for the provider's address)")
        .tag("provider", p.wireName())
        .tag("result", result)
        .register(registry);
  }

  public void request(WebhookSource source, Outcome outcome, long startNanos) {
    requests.get(source).get(outcome).increment();
    latency.get(source).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  public void event(Provider provider, AdmissionOutcome outcome) {
    events.get(provider).get(outcome).increment();
  }

  public void unrouted(Provider provider) {
    unrouted.get(provider).increment();
  }

  public void signatureFailure(WebhookSource source, Verdict verdict) {
    Counter c = signatureFailures.get(source).get(verdict);
    if (c != null) {
      c.increment();
    }
  }
}
