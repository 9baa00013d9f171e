package dev.sluice.gateway.delivery;

import dev.sluice.gateway.queue.InboundStore;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.tenant.Endpoint;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic delivery upkeep, one per instance: samples {@code sluice_delivery_backlog_age_seconds}
 * for every push tenant, and re-adds every push tenant's partitions to the work set ({@code ZADD
 * NX}: a unit already there keeps its time). Producers bring a unit forward themselves when they
 * add events; the sweep only covers one whose producer died between the two writes, and a tenant
 * that just switched to push on another instance.
 */
public final class DeliveryHousekeeping {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryHousekeeping.class);
  private static final int SWEEP_EVERY_TICKS = 6;

  private final RedisBackend redis;
  private final InboundStore inbound;
  private final TenantDirectory directory;
  private final DeliveryMetrics metrics;
  private final int partitions;
  private long timer = -1;
  private long ticks;
  private boolean running;

  public DeliveryHousekeeping(
      RedisBackend redis, TenantDirectory directory, DeliveryMetrics metrics, int partitions) {
    this.redis = redis;
    this.inbound = new InboundStore(redis);
    this.directory = directory;
    this.metrics = metrics;
    this.partitions = partitions;
  }

  public void start(Vertx vertx, long intervalMs) {
    timer = vertx.setPeriodic(intervalMs, id -> tick());
    tick();
  }

  public void stop(Vertx vertx) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void tick() {
    if (running) {
      return;
    }
    running = true;
    boolean sweep = ticks++ % SWEEP_EVERY_TICKS == 0;
    List<Endpoint> endpoints = new ArrayList<>(directory.endpoints());
    Future<?> previous = Future.succeededFuture();
    // One tenant at a time: every tenant's partitions at once would overflow the client's pool.
    for (Endpoint e : endpoints) {
      String tenant = e.tenantId();
      previous =
          previous.transform(
              ar -> sweep ? sweep(tenant).compose(v -> sampleAge(tenant)) : sampleAge(tenant));
    }
    previous.onComplete(
        ar -> {
          running = false;
          if (ar.failed()) {
            LOG.debug("delivery housekeeping incomplete: {}", ar.cause().toString());
          }
        });
  }

  private Future<Void> sweep(String tenant) {
    Request zadd = Request.cmd(Command.ZADD).arg(DeliveryWork.key(redis.keyPrefix())).arg("NX");
    long now = System.currentTimeMillis();
    for (int p = 0; p < partitions; p++) {
      zadd.arg(now).arg(DeliveryWork.unit(tenant, p));
    }
    return redis.send(zadd).mapEmpty();
  }

  private Future<Void> sampleAge(String tenant) {
    List<Future<Long>> oldest = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      oldest.add(inbound.oldestArrivalMs(new TenantQueueKeys(redis.keyPrefix(), tenant, p)));
    }
    return Future.all(oldest)
        .map(
            all -> {
              long now = System.currentTimeMillis();
              long age = 0;
              for (int i = 0; i < all.size(); i++) {
                long ms = all.<Long>resultAt(i);
                if (ms >= 0) {
                  age = Math.max(age, now - ms);
                }
              }
              metrics.backlogAge(tenant, age);
              return null;
            });
  }
}
