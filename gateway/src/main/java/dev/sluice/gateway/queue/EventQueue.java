package dev.sluice.gateway.queue;

import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and acknowledges a tenant's inbound queue ({@code sluice_pull} / {@code sluice_ack}). One
 * per verticle, on its event loop. A pull walks the partitions one after another from a rotating
 * start, asking each only for what is still missing, so it never leases more than it returns.
 */
public final class EventQueue {
  /** Entries one pull scans per partition at most (bounds the function's run time). */
  static final int SCAN_LIMIT = 2_000;

  private final PipelinedRedis redis;
  private final int partitions;
  private final long visibilityMs;
  private int rotation;

  public EventQueue(PipelinedRedis redis, int partitions, long visibilityMs) {
    this.redis = redis;
    this.partitions = partitions;
    this.visibilityMs = visibilityMs;
  }

  public int partitions() {
    return partitions;
  }

  /**
   * Leases up to {@code max} visible events of the tenant's lane, oldest first in each partition.
   *
   * @param perConversation most events of one conversation to hand out; 0 = no limit
   */
  public Future<List<QueuedEvent>> pull(String tenantId, Lane lane, int max, int perConversation) {
    int start = Math.floorMod(rotation++, partitions);
    List<QueuedEvent> out = new ArrayList<>(Math.min(max, 256));
    return pullFrom(tenantId, lane, max, perConversation, start, 0, out);
  }

  private Future<List<QueuedEvent>> pullFrom(
      String tenantId,
      Lane lane,
      int max,
      int perConv,
      int start,
      int step,
      List<QueuedEvent> out) {
    if (step >= partitions || out.size() >= max) {
      return Future.succeededFuture(out);
    }
    int p = (start + step) % partitions;
    TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), tenantId, p);
    Request fcall =
        Request.cmd(Command.FCALL)
            .arg("sluice_pull")
            .arg(2)
            .arg(keys.stream(lane))
            .arg(keys.leases(lane))
            .arg(max - out.size())
            .arg(visibilityMs)
            .arg(SCAN_LIMIT)
            .arg(perConv);
    return redis
        .send(fcall)
        .compose(
            r -> {
              collect(r, lane, p, out);
              return pullFrom(tenantId, lane, max, perConv, start, step + 1, out);
            });
  }

  private static void collect(Response r, Lane lane, int partition, List<QueuedEvent> out) {
    for (int i = 0; i + 3 < r.size(); i += 4) {
      out.add(
          new QueuedEvent(
              new EventId(lane, partition, r.get(i).toString()),
              r.get(i + 1).toString(),
              r.get(i + 2).toString(),
              r.get(i + 3).toString()));
    }
  }

  /**
   * Acknowledges (deletes) events of the tenant's queue. Ids of partitions that do not exist are
   * the caller's to reject; ids already acknowledged count nothing.
   *
   * @return how many events were deleted
   */
  public Future<Integer> ack(String tenantId, List<EventId> ids) {
    Map<String, List<EventId>> byStream = new LinkedHashMap<>();
    for (EventId id : ids) {
      byStream.computeIfAbsent(id.lane() + "/" + id.partition(), k -> new ArrayList<>()).add(id);
    }
    List<Future<Response>> calls = new ArrayList<>(byStream.size());
    for (List<EventId> group : byStream.values()) {
      EventId first = group.get(0);
      TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), tenantId, first.partition());
      Request fcall =
          Request.cmd(Command.FCALL)
              .arg("sluice_ack")
              .arg(2)
              .arg(keys.stream(first.lane()))
              .arg(keys.leases(first.lane()));
      group.forEach(id -> fcall.arg(id.entryId()));
      calls.add(redis.send(fcall));
    }
    return Future.all(calls)
        .map(
            all -> {
              int deleted = 0;
              for (int i = 0; i < all.size(); i++) {
                deleted += all.<Response>resultAt(i).toInteger();
              }
              return deleted;
            });
  }
}
