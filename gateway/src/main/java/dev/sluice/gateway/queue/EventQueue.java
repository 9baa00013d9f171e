package dev.sluice.gateway.queue;

import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and acknowledges a tenant's inbound queue ({@link InboundStore#pull}, {@link
 * InboundStore#ack}). One per verticle, on its event loop. A pull walks the partitions one after
 * another from a rotating start, asking each only for what is still missing, so it never leases
 * more than it returns.
 */
public final class EventQueue {
  /** Entries one pull scans per partition at most (bounds the function's run time). */
  static final int SCAN_LIMIT = 2_000;

  private final PipelinedRedis redis;
  private final InboundStore store;
  private final int partitions;
  private final long visibilityMs;
  private int rotation;

  public EventQueue(PipelinedRedis redis, int partitions, long visibilityMs) {
    this.redis = redis;
    this.store = new InboundStore(redis);
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
    return store
        .pull(keys, lane, max - out.size(), visibilityMs, SCAN_LIMIT, perConv)
        .compose(
            events -> {
              out.addAll(events);
              return pullFrom(tenantId, lane, max, perConv, start, step + 1, out);
            });
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
    List<Future<Integer>> calls = new ArrayList<>(byStream.size());
    for (List<EventId> group : byStream.values()) {
      EventId first = group.get(0);
      TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), tenantId, first.partition());
      List<String> entryIds = new ArrayList<>(group.size());
      group.forEach(id -> entryIds.add(id.entryId()));
      calls.add(store.ack(keys, first.lane(), entryIds));
    }
    return Future.all(calls)
        .map(
            all -> {
              int deleted = 0;
              for (int i = 0; i < all.size(); i++) {
                deleted += all.<Integer>resultAt(i);
              }
              return deleted;
            });
  }
}
