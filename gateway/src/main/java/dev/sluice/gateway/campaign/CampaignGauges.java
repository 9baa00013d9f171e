package dev.sluice.gateway.campaign;

import dev.sluice.gateway.privacy.PhoneHasher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code sluice_campaigns{status}}: the scheduled, running and paused campaigns of every tenant,
 * and {@code sluice_campaigns_paused_by_failures}: the paused ones that paused themselves because
 * too many of their recent sends failed (they wait for an operator or the tenant to resume them).
 * Sampled from PostgreSQL every few seconds, so every instance shows the same values. No tenant
 * tag: a count per tenant is in the campaigns API.
 */
public final class CampaignGauges {
  private static final List<Campaign.Status> LIVE =
      List.of(Campaign.Status.SCHEDULED, Campaign.Status.RUNNING, Campaign.Status.PAUSED);

  private final CampaignRepository campaigns;
  private final Map<Campaign.Status, AtomicLong> byStatus = new EnumMap<>(Campaign.Status.class);
  private final AtomicLong pausedByFailures = new AtomicLong();

  public CampaignGauges(Pool pg, PhoneHasher hasher, MeterRegistry registry) {
    this.campaigns = new CampaignRepository(pg, hasher);
    for (Campaign.Status s : LIVE) {
      AtomicLong holder = new AtomicLong();
      Gauge.builder("sluice.campaigns", holder, AtomicLong::get)
          .description("Campaigns of every tenant that are scheduled, running or paused")
          .tag("status", s.wire())
          .register(registry);
      byStatus.put(s, holder);
    }
    Gauge.builder("sluice.campaigns.paused.by.failures", pausedByFailures, AtomicLong::get)
        .description("Paused campaigns that paused themselves because too many sends failed")
        .register(registry);
  }

  /** Counts the live campaigns; the gauges keep their last values when PostgreSQL fails. */
  public Future<Void> sample() {
    return campaigns
        .live()
        .map(
            live -> {
              LIVE.forEach(s -> byStatus.get(s).set(live.byStatus().getOrDefault(s, 0L)));
              pausedByFailures.set(live.pausedByFailures());
              return (Void) null;
            })
        .otherwiseEmpty();
  }
}
