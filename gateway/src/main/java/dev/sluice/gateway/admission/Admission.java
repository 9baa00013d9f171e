package dev.sluice.gateway.admission;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Admission of inbound events: deduplication, the per-phone rate limit and the enqueue, done by the
 * {@code sluice_admit_nx} Redis function. One instance per HTTP verticle, used only on its event
 * loop: every event admitted during one loop turn is grouped by tenant partition and sent as one
 * function call per partition, all pipelined on the loop's one connection.
 *
 * <p>Retrying a failed admission cannot double-enqueue: an event's dedup marker is written in the
 * same atomic call as its stream entry, so a redelivery after a lost reply is a duplicate.
 */
public final class Admission {
  /** Events per function call at most, so one call never holds Redis for long. */
  static final int MAX_EVENTS_PER_CALL = 200;

  private final Context context;
  private final PipelinedRedis redis;
  private final PhoneHasher hasher;
  private final GatewayConfig.Ingress config;
  private final long partitionBound;

  /** The function called; {@code sluice_admit} (same arguments) is kept for older gateways. */
  static final String FUNCTION = "sluice_admit_nx";

  private Map<TenantQueueKeys, List<Pending>> pending = new LinkedHashMap<>();
  private final Map<String, TenantQueueKeys[]> keysByTenant = new HashMap<>();
  private final EventJson eventJson = new EventJson();
  private boolean flushScheduled;
  private final Consumer<TenantQueueKeys> onEnqueued;

  public Admission(
      Context context, PipelinedRedis redis, PhoneHasher hasher, GatewayConfig.Ingress config) {
    this(context, redis, hasher, config, keys -> {});
  }

  /**
   * @param onEnqueued told of each partition that took events onto its inbound stream (push
   *     delivery makes the partition due)
   */
  public Admission(
      Context context,
      PipelinedRedis redis,
      PhoneHasher hasher,
      GatewayConfig.Ingress config,
      Consumer<TenantQueueKeys> onEnqueued) {
    this.onEnqueued = onEnqueued;
    this.context = context;
    this.redis = redis;
    this.hasher = hasher;
    this.config = config;
    this.partitionBound =
        Math.max(1, (config.maxBacklogPerTenant() + config.partitions() - 1) / config.partitions());
  }

  /**
   * Admits the events, in order per partition.
   *
   * @return one outcome per request, in request order; fails when Redis did not confirm every event
   *     (unavailable, timeout): the caller answers 503 and the provider redelivers
   */
  public Future<List<AdmissionOutcome>> admit(List<AdmissionRequest> requests) {
    if (requests.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> flush());
    }
    if (requests.size() == 1) {
      // The common webhook carries one event: no Future.all for it.
      return add(requests.get(0)).future().map(List::of);
    }
    List<Future<AdmissionOutcome>> outcomes = new ArrayList<>(requests.size());
    for (AdmissionRequest r : requests) {
      outcomes.add(add(r).future());
    }
    return Future.all(outcomes).map(all -> all.list());
  }

  private Promise<AdmissionOutcome> add(AdmissionRequest r) {
    Pending p = prepare(r);
    pending.computeIfAbsent(p.keys, k -> new ArrayList<>()).add(p);
    return p.promise;
  }

  /** One key holder per tenant partition, kept: its key names are built once. */
  private TenantQueueKeys keys(String tenantId, int partition) {
    TenantQueueKeys[] byPartition =
        keysByTenant.computeIfAbsent(tenantId, t -> new TenantQueueKeys[config.partitions()]);
    TenantQueueKeys keys = byPartition[partition];
    if (keys == null) {
      keys = new TenantQueueKeys(redis.keyPrefix(), tenantId, partition);
      byPartition[partition] = keys;
    }
    return keys;
  }

  private Pending prepare(AdmissionRequest r) {
    InboundEvent e = r.event();
    String who = e.endUser() != null ? e.endUser() : "event:" + e.dedupId();
    String phoneHash = hasher.hash(who);
    int partition = PhoneHasher.partition(phoneHash, config.partitions());
    TenantQueueKeys keys = keys(r.tenantId(), partition);
    long interval = 0;
    long tolerance = 0;
    if (r.perPhonePerMinute() > 0) {
      // Whole milliseconds: Redis scripts print numbers with 14 significant digits.
      interval = Math.max(1, Math.round(60_000.0 / r.perPhonePerMinute()));
      tolerance = interval * r.burst();
    }
    return new Pending(
        keys,
        keys.dedup(r.channelId(), e.dedupId()),
        keys.rate(r.channelId(), phoneHash),
        eventJson.write(r.channelId(), e, System.currentTimeMillis()),
        e.raw().getBytes(StandardCharsets.UTF_8),
        r.channelId() + ":" + phoneHash,
        interval,
        tolerance,
        Promise.promise());
  }

  private void flush() {
    Map<TenantQueueKeys, List<Pending>> batch = pending;
    pending = new LinkedHashMap<>();
    flushScheduled = false;
    for (List<Pending> group : batch.values()) {
      for (int from = 0; from < group.size(); from += MAX_EVENTS_PER_CALL) {
        send(group.subList(from, Math.min(group.size(), from + MAX_EVENTS_PER_CALL)));
      }
    }
  }

  private void send(List<Pending> chunk) {
    TenantQueueKeys keys = chunk.get(0).keys;
    Request fcall = Request.cmd(Command.FCALL).arg(FUNCTION).arg(2 + 2 * chunk.size());
    fcall.arg(keys.inbound()).arg(keys.quarantine());
    for (Pending p : chunk) {
      fcall.arg(p.dedupKey).arg(p.rateKey);
    }
    fcall.arg(config.dedupTtlSeconds()).arg(partitionBound);
    for (Pending p : chunk) {
      fcall.arg(p.payload).arg(p.raw).arg(p.conversation).arg(p.interval).arg(p.tolerance);
    }
    redis
        .send(fcall)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                chunk.forEach(p -> p.promise.tryFail(ar.cause()));
                return;
              }
              Response codes = ar.result();
              boolean enqueued = false;
              for (int i = 0; i < chunk.size(); i++) {
                long code = codes.get(i).toLong();
                enqueued |= code == 0;
                chunk.get(i).promise.tryComplete(AdmissionOutcome.fromCode(code));
              }
              if (enqueued) {
                onEnqueued.accept(keys);
              }
            });
  }

  private record Pending(
      TenantQueueKeys keys,
      String dedupKey,
      String rateKey,
      byte[] payload,
      byte[] raw,
      String conversation,
      long interval,
      long tolerance,
      Promise<AdmissionOutcome> promise) {}
}
