package dev.sluice.gateway.queue;

import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sluice_ingress_backlog{tenant, lane}}: unacknowledged events per tenant lane, and {@code
 * sluice_dispatch_backlog{tenant, lane}}: outbound messages not yet finished, sampled every few
 * seconds (one {@code sluice_backlog} call per tenant partition, through the pool). The tenant tag
 * is bounded by the operator's tenant list; a tenant that is removed drops out.
 */
public final class BacklogGauges {
  private static final Logger LOG = LoggerFactory.getLogger(BacklogGauges.class);

  private final RedisBackend redis;
  private final InboundStore store;
  private final TenantDirectory directory;
  private final int partitions;
  private final MultiGauge gauge;
  private final MultiGauge outbound;
  private volatile Map<String, InboundStore.Backlog> latest = Map.of();
  private long timer = -1;
  private boolean sampling;

  public BacklogGauges(
      RedisBackend redis, TenantDirectory directory, int partitions, MeterRegistry registry) {
    this.redis = redis;
    this.store = new InboundStore(redis);
    this.directory = directory;
    this.partitions = partitions;
    this.gauge =
        MultiGauge.builder("sluice.ingress.backlog")
            .description("Unacknowledged events waiting for each tenant, by lane")
            .baseUnit("events")
            .register(registry);
    this.outbound =
        MultiGauge.builder("sluice.dispatch.backlog")
            .description("Outbound messages not yet finished for each tenant, by lane")
            .baseUnit("messages")
            .register(registry);
  }

  /** Samples every {@code intervalMs} on an event loop of {@code vertx}. */
  public void start(Vertx vertx, long intervalMs) {
    timer = vertx.setPeriodic(intervalMs, id -> sample());
    sample();
  }

  public void stop(Vertx vertx) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * Each tenant's backlog at the last sample (summed over its partitions); a tenant whose sample
   * failed is absent.
   */
  public Map<String, InboundStore.Backlog> latest() {
    return latest;
  }

  /** Reads every tenant's backlog; completes when the gauges are updated. */
  public Future<Void> sample() {
    if (sampling) {
      return Future.succeededFuture();
    }
    sampling = true;
    List<String> tenants = new ArrayList<>(directory.tenantIds());
    List<Future<long[]>> totals = new ArrayList<>(tenants.size());
    // One tenant at a time: all tenants' partitions at once would overflow the client's pool.
    Future<?> previous = Future.succeededFuture();
    for (String tenant : tenants) {
      Future<long[]> total = previous.transform(ar -> backlog(tenant));
      totals.add(total);
      previous = total;
    }
    return Future.join(totals)
        .transform(
            ar -> {
              sampling = false;
              List<MultiGauge.Row<?>> rows = new ArrayList<>();
              List<MultiGauge.Row<?>> outRows = new ArrayList<>();
              Map<String, InboundStore.Backlog> sampled = new HashMap<>();
              for (int i = 0; i < tenants.size(); i++) {
                Future<long[]> f = totals.get(i);
                if (f.succeeded()) {
                  long[] t = f.result();
                  sampled.put(tenants.get(i), new InboundStore.Backlog(t[0], t[1], t[2], t[3]));
                  rows.add(
                      MultiGauge.Row.of(
                          Tags.of("tenant", tenants.get(i), "lane", "inbound"), t[0]));
                  rows.add(
                      MultiGauge.Row.of(
                          Tags.of("tenant", tenants.get(i), "lane", "quarantine"), t[1]));
                  outRows.add(
                      MultiGauge.Row.of(Tags.of("tenant", tenants.get(i), "lane", "high"), t[2]));
                  outRows.add(
                      MultiGauge.Row.of(Tags.of("tenant", tenants.get(i), "lane", "low"), t[3]));
                }
              }
              latest = Map.copyOf(sampled);
              gauge.register(rows, true);
              outbound.register(outRows, true);
              if (ar.failed()) {
                LOG.debug("backlog sample incomplete: {}", ar.cause().toString());
              }
              return Future.<Void>succeededFuture();
            });
  }

  private Future<long[]> backlog(String tenant) {
    List<Future<InboundStore.Backlog>> calls = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      calls.add(store.backlog(new TenantQueueKeys(redis.keyPrefix(), tenant, p)));
    }
    return Future.all(calls)
        .map(
            all -> {
              long[] sum = new long[4];
              for (int i = 0; i < all.size(); i++) {
                InboundStore.Backlog b = all.resultAt(i);
                sum[0] += b.inbound();
                sum[1] += b.quarantine();
                sum[2] += b.outboundHigh();
                sum[3] += b.outboundLow();
              }
              return sum;
            });
  }
}
