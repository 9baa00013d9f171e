package dev.sluice.gateway.admission;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.queue.InboundStore;
import dev.sluice.gateway.queue.InboundStore.Admit;
import dev.sluice.gateway.queue.InboundStore.Admitted;
import dev.sluice.gateway.queue.InboundStore.Opt;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Admission of inbound events: deduplication, the per-phone rate limit, the enqueue and an SMS
 * keyword's opt-out or opt-in, done by the {@code sluice_admit_opt} Redis function ({@link
 * InboundStore#admitOpt}). One instance per HTTP verticle, used only on its event loop: every event
 * admitted during one loop turn is grouped by tenant partition and sent as one function call per
 * partition, all pipelined on the loop's one connection.
 *
 * <p>Retrying a failed admission cannot double-enqueue: an event's dedup marker is written in the
 * same atomic call as its stream entry (and its opt-out change), so a redelivery after a lost reply
 * is a duplicate and changes nothing.
 */
public final class Admission {
  /** Events per function call at most, so one call never holds Redis for long. */
  static final int MAX_EVENTS_PER_CALL = 200;

  private final Clock clock;
  private final Context context;
  private final PipelinedRedis redis;
  private final InboundStore store;
  private final PhoneHasher hasher;
  private final GatewayConfig.Ingress config;
  private final long partitionBound;

  private Map<TenantQueueKeys, Pending> pending = new LinkedHashMap<>();
  private final Map<String, TenantQueueKeys[]> keysByTenant = new HashMap<>();
  private final EventJson eventJson = new EventJson();
  private boolean flushScheduled;
  private final Consumer<TenantQueueKeys> onEnqueued;

  public Admission(
      Context context, PipelinedRedis redis, PhoneHasher hasher, GatewayConfig.Ingress config) {
    this(context, redis, hasher, config, keys -> {}, Clock.systemUTC());
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
      Consumer<TenantQueueKeys> onEnqueued,
      Clock clock) {
    this.clock = clock;
    this.onEnqueued = onEnqueued;
    this.context = context;
    this.redis = redis;
    this.store = new InboundStore(redis);
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
    InboundEvent e = r.event();
    String who = e.endUser() != null ? e.endUser() : "event:" + e.dedupId();
    String phoneHash = hasher.hash(who);
    int partition = PhoneHasher.partition(phoneHash, config.partitions());
    Promise<AdmissionOutcome> promise = Promise.promise();
    pending
        .computeIfAbsent(keys(r.tenantId(), partition), k -> new Pending())
        .add(admit(r, phoneHash), promise);
    return promise;
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

  private Admit admit(AdmissionRequest r, String phoneHash) {
    InboundEvent e = r.event();
    long interval = 0;
    long tolerance = 0;
    if (r.perPhonePerMinute() > 0) {
      // Whole milliseconds: Redis scripts print numbers with 14 significant digits.
      interval = Math.max(1, Math.round(60_000.0 / r.perPhonePerMinute()));
      tolerance = interval * r.burst();
    }
    OptKeyword keyword = r.optKeyword();
    return new Admit(
        r.channelId(),
        e.dedupId(),
        phoneHash,
        r.channelId() + ":" + phoneHash,
        eventJson.write(r.channelId(), e, keyword, clock.millis()),
        e.raw().getBytes(StandardCharsets.UTF_8),
        interval,
        tolerance,
        opt(keyword),
        keyword == null ? null : keyword.keyword());
  }

  private static Opt opt(OptKeyword keyword) {
    if (keyword == null) {
      return Opt.NONE;
    }
    return switch (keyword.action()) {
      case NONE -> Opt.NONE;
      case OPT_OUT -> Opt.OUT;
      case OPT_IN -> Opt.IN;
    };
  }

  private void flush() {
    Map<TenantQueueKeys, Pending> batch = pending;
    pending = new LinkedHashMap<>();
    flushScheduled = false;
    batch.forEach(
        (keys, group) -> {
          int n = group.events.size();
          for (int from = 0; from < n; from += MAX_EVENTS_PER_CALL) {
            int to = Math.min(n, from + MAX_EVENTS_PER_CALL);
            send(keys, group.events.subList(from, to), group.promises.subList(from, to));
          }
        });
  }

  private void send(
      TenantQueueKeys keys, List<Admit> events, List<Promise<AdmissionOutcome>> promises) {
    store
        .admitOpt(keys, config.dedupTtlSeconds(), partitionBound, events)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                promises.forEach(p -> p.tryFail(ar.cause()));
                return;
              }
              List<Admitted> answers = ar.result();
              boolean enqueued = false;
              for (int i = 0; i < promises.size(); i++) {
                Admitted a = answers.get(i);
                enqueued |= a == Admitted.ENQUEUED;
                promises.get(i).tryComplete(AdmissionOutcome.of(a));
              }
              if (enqueued) {
                onEnqueued.accept(keys);
              }
            });
  }

  /** The events of one partition gathered in this turn, and their callers. */
  private static final class Pending {
    final List<Admit> events = new ArrayList<>();
    final List<Promise<AdmissionOutcome>> promises = new ArrayList<>();

    void add(Admit event, Promise<AdmissionOutcome> promise) {
      events.add(event);
      promises.add(promise);
    }
  }
}
