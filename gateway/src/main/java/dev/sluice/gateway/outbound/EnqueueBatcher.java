package dev.sluice.gateway.outbound;

import dev.sluice.gateway.outbound.OutboundStore.Enqueue;
import dev.sluice.gateway.outbound.OutboundStore.Enqueued;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Gathers the messages that the requests of one event-loop turn enqueue and writes each tenant
 * partition's share in one {@link OutboundStore#enqueueChecked} call when the turn ends, so
 * concurrent requests to a partition cost one round trip. A call carries at most {@link
 * #MAX_PER_CALL} messages; one caller's messages always travel in one call. The function handles
 * its messages in order, so two callers using one idempotency key in one call still get one
 * message. Each caller's future completes with its own replies once the call, and the due mark of a
 * partition that took messages, are done. Used on its own context's event loop only.
 */
final class EnqueueBatcher {
  /** Messages per call at most: as many as one batch request may hold. */
  static final int MAX_PER_CALL = OutboundRoutes.MAX_BATCH;

  private record Unit(String tenant, int partition) {}

  private static final class Pending {
    final List<Enqueue> entries = new ArrayList<>();
    final List<Integer> starts = new ArrayList<>();
    final List<Promise<List<Enqueued>>> callers = new ArrayList<>();
  }

  private final Context context;
  private final PipelinedRedis redis;
  private final OutboundStore store;
  private final long bound;
  private final Function<String, Future<Void>> markDue;
  private Map<Unit, Pending> pending = new HashMap<>();
  private boolean scheduled;

  /**
   * @param markDue makes a {@code tenant:partition} due in the work set (batched by the caller)
   */
  /**
   * @param bound the most messages one partition may hold (both lanes, unfinished)
   */
  EnqueueBatcher(
      Context context, PipelinedRedis redis, long bound, Function<String, Future<Void>> markDue) {
    this.context = context;
    this.redis = redis;
    this.store = new OutboundStore(redis);
    this.bound = bound;
    this.markDue = markDue;
  }

  /**
   * Adds messages of one tenant partition (at most {@link #MAX_PER_CALL}) to this turn's call.
   *
   * @return the function's answer for each entry, in order; fails when the call did
   */
  Future<List<Enqueued>> add(String tenant, int partition, List<Enqueue> entries) {
    Unit unit = new Unit(tenant, partition);
    Pending p = pending.get(unit);
    if (p != null && p.entries.size() + entries.size() > MAX_PER_CALL) {
      pending.remove(unit);
      send(unit, p);
      p = null;
    }
    if (p == null) {
      p = new Pending();
      pending.put(unit, p);
    }
    Promise<List<Enqueued>> promise = Promise.promise();
    p.starts.add(p.entries.size());
    p.entries.addAll(entries);
    p.callers.add(promise);
    if (!scheduled) {
      scheduled = true;
      context.runOnContext(v -> flush());
    }
    return promise.future();
  }

  private void flush() {
    scheduled = false;
    Map<Unit, Pending> batch = pending;
    pending = new HashMap<>();
    batch.forEach(this::send);
  }

  private void send(Unit unit, Pending p) {
    TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), unit.tenant(), unit.partition());
    Future<List<Enqueued>> sent;
    try {
      sent = store.enqueueChecked(keys, OutboundQueue.IDEMPOTENCY_TTL_SECONDS, bound, p.entries);
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    sent.compose(answers -> markDueIfQueued(unit, answers))
        .onComplete(
            ar -> {
              for (int i = 0; i < p.callers.size(); i++) {
                if (ar.failed()) {
                  p.callers.get(i).fail(ar.cause());
                } else {
                  int to = i + 1 < p.starts.size() ? p.starts.get(i + 1) : p.entries.size();
                  p.callers.get(i).complete(ar.result().subList(p.starts.get(i), to));
                }
              }
            });
  }

  private Future<List<Enqueued>> markDueIfQueued(Unit unit, List<Enqueued> answers) {
    for (Enqueued a : answers) {
      if (a.kind() == Enqueued.Kind.QUEUED) {
        return markDue.apply(unit.tenant() + ":" + unit.partition()).map(answers);
      }
    }
    return Future.succeededFuture(answers);
  }
}
