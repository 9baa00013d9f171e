package dev.sluice.gateway.admission;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.ingress.InboundEvent;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Admission of inbound events: deduplication, the per-phone rate limit and the enqueue, done by the
 * {@code sluice_admit} Redis function. One instance per HTTP verticle, used only on its event loop:
 * every event admitted during one loop turn is grouped by tenant partition and sent as one function
 * call per partition, all pipelined on the loop's one connection.
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

  private Map<String, List<Pending>> pending = new LinkedHashMap<>();
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
    List<Future<AdmissionOutcome>> outcomes = new ArrayList<>(requests.size());
    for (AdmissionRequest r : requests) {
      Pending p = prepare(r);
      pending.computeIfAbsent(p.keys.tag(), k -> new ArrayList<>()).add(p);
      outcomes.add(p.promise.future());
    }
    if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> flush());
    }
    return Future.all(outcomes).map(all -> all.list());
  }

  private Pending prepare(AdmissionRequest r) {
    InboundEvent e = r.event();
    String who = e.endUser() != null ? e.endUser() : "event:" + e.dedupId();
    String phoneHash = hasher.hash(who);
    int partition = PhoneHasher.partition(phoneHash, config.partitions());
    TenantQueueKeys keys = new TenantQueueKeys(r.tenantId(), partition);
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
        payload(r.channelId(), e).encode(),
        e.raw(),
        r.channelId() + ":" + phoneHash,
        interval,
        tolerance,
        Promise.promise());
  }

  static JsonObject payload(String channelId, InboundEvent e) {
    return new JsonObject()
        .put("channel", channelId)
        .put("provider", e.provider().wireName())
        .put("kind", e.kind().wireName())
        .put("from", e.from())
        .put("to", e.to())
        .put("providerMessageId", e.providerMessageId())
        .put("timestamp", e.timestamp())
        .put("type", e.type())
        .put("text", e.text())
        .put("status", e.status())
        .put("errorCode", e.errorCode())
        .put("receivedAt", System.currentTimeMillis());
  }

  private void flush() {
    Map<String, List<Pending>> batch = pending;
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
    Request fcall = Request.cmd(Command.FCALL).arg("sluice_admit").arg(2 + 2 * chunk.size());
    fcall.arg(keys.inbound()).arg(keys.quarantine());
    for (Pending p : chunk) {
      fcall.arg(p.dedupKey).arg(p.rateKey);
    }
    fcall.arg(config.dedupTtlSeconds()).arg(partitionBound);
    for (Pending p : chunk) {
      fcall
          .arg(p.payload.getBytes(StandardCharsets.UTF_8))
          .arg(p.raw.getBytes(StandardCharsets.UTF_8))
          .arg(p.conversation)
          .arg(p.interval)
          .arg(p.tolerance);
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
      String payload,
      String raw,
      String conversation,
      long interval,
      long tolerance,
      Promise<AdmissionOutcome> promise) {}
}
