package dev.sluice.gateway.outbound;

import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Gathers the messages that the requests of one event-loop turn enqueue and writes each tenant
 * partition's share in one {@code sluice_out_enqueue} call when the turn ends, so concurrent
 * requests to a partition cost one round trip. A call carries at most {@link #MAX_PER_CALL}
 * messages; one caller's messages always travel in one call. The function handles its messages in
 * order, so two callers using one idempotency key in one call still get one message. Each caller's
 * future completes with its own replies once the call, and the due mark of a partition that took
 * messages, are done. Used on its own context's event loop only.
 */
final class EnqueueBatcher {
  /** Messages per call at most: as many as one batch request may hold. */
  static final int MAX_PER_CALL = OutboundRoutes.MAX_BATCH;

  /**
   * A message to enqueue.
   *
   * @param keyHash the hashed idempotency key, or {@code null}
   */
  record Entry(QueuedMessage message, String keyHash, String conversation, byte[] payload) {}

  private record Unit(String tenant, int partition) {}

  private static final class Pending {
    final List<Entry> entries = new ArrayList<>();
    final List<Integer> starts = new ArrayList<>();
    final List<Promise<List<String>>> callers = new ArrayList<>();
  }

  private final Context context;
  private final PipelinedRedis redis;
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
    this.bound = bound;
    this.markDue = markDue;
  }

  /**
   * Adds messages of one tenant partition (at most {@link #MAX_PER_CALL}) to this turn's call.
   *
   * @return the function's reply for each entry, in order: {@code ""} when queued, the first
   *     message's id for a repeated idempotency key, {@code "!optout"}, or {@code "!full"} when the
   *     partition holds its bound already; fails when the call did
   */
  Future<List<String>> add(String tenant, int partition, List<Entry> entries) {
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
    Promise<List<String>> promise = Promise.promise();
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
    Future<Response> sent;
    try {
      sent = redis.send(fcall(unit, p.entries));
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    sent.compose(reply -> replies(unit, reply, p.entries.size()))
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

  private Future<List<String>> replies(Unit unit, Response reply, int n) {
    List<String> out = new ArrayList<>(n);
    boolean queued = false;
    for (int k = 0; k < n; k++) {
      String r = reply.get(k).toString();
      out.add(r);
      queued |= r.isEmpty();
    }
    return queued
        ? markDue.apply(unit.tenant() + ":" + unit.partition()).map(out)
        : Future.succeededFuture(out);
  }

  private Request fcall(Unit unit, List<Entry> entries) {
    TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), unit.tenant(), unit.partition());
    Request fcall =
        Request.cmd(Command.FCALL)
            .arg("sluice_out_enqueue_bounded")
            .arg(3 + entries.size())
            .arg(keys.outbound("hi"))
            .arg(keys.outbound("lo"))
            .arg(keys.optOuts());
    for (Entry e : entries) {
      fcall.arg(keys.idempotency(e.keyHash() == null ? "-" : e.keyHash()));
    }
    fcall.arg(OutboundQueue.IDEMPOTENCY_TTL_SECONDS).arg(bound);
    for (Entry e : entries) {
      fcall
          .arg(e.message().lane().shortName())
          .arg(e.conversation())
          .arg(e.message().id())
          .arg(e.payload())
          .arg(e.keyHash() == null ? "0" : "1");
    }
    return fcall;
  }
}
