package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.outbound.OutboundStore;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Redis functions of erasure and export ({@code redis/sluice.lua}), one method each, with typed
 * arguments and replies: the walk over a partition stream for one person's entries ({@code
 * sluice_conv_scan}), their deletion ({@code sluice_conv_erase}), the walk over a partition's
 * idempotency markers ({@code sluice_idem_erase}), and the deletion of single keys named by the
 * person's hash (rate and pacing state, idempotency key owners). Holds nothing but its connection:
 * used on the connection's event loop.
 */
final class ErasureStore {
  private final RedisCommands redis;

  ErasureStore(RedisCommands redis) {
    this.redis = redis;
  }

  /**
   * One entry a walk returned.
   *
   * @param fields its fields by name (a stream entry's names are unique in the gateway's streams)
   */
  record Entry(String id, Map<String, String> fields) {
    /** The field's value, or {@code null}. */
    String field(String name) {
      return fields.get(name);
    }
  }

  /**
   * One step of a walk.
   *
   * @param next where the next step starts, or {@code null} once the stream's end was reached
   * @param entries the entries of the step whose conversation is the person's, and those without a
   *     conversation (outbound dead letters), oldest first
   */
  record Step(String next, List<Entry> entries) {}

  /** Where a walk starts. */
  static final String FIRST = "-";

  /**
   * One step of the walk over a partition stream for one person's entries ({@code
   * sluice_conv_scan}, no writes).
   *
   * @param from {@link #FIRST}, or the {@link Step#next} of the last step
   * @param limit entries looked at in this step
   * @param hash the person's keyed hash: entries whose conversation ends with {@code :<hash>} on
   *     any channel are theirs
   */
  Future<Step> scan(String stream, String from, int limit, String hash) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_conv_scan")
            .arg(1)
            .arg(stream)
            .arg(from)
            .arg(limit)
            .arg(":" + hash);
    return redis
        .send(call)
        .map(
            r -> {
              List<Entry> entries = new ArrayList<>((r.size() - 1) / 2);
              for (int i = 1; i + 1 < r.size(); i += 2) {
                Response flat = r.get(i + 1);
                Map<String, String> fields = new LinkedHashMap<>();
                for (int j = 0; j + 1 < flat.size(); j += 2) {
                  fields.put(flat.get(j).toString(), flat.get(j + 1).toString());
                }
                entries.add(new Entry(r.get(i).toString(), fields));
              }
              String next = r.get(0).toString();
              return new Step(next.isEmpty() ? null : next, entries);
            });
  }

  /** A lease end {@link #erase} answers for an entry that was not there. */
  static final long ABSENT = -1;

  /**
   * Deletes entries of a partition stream by id, with their leases and attempts ({@code
   * sluice_conv_erase}).
   *
   * @param keys the stream, then its lease set and attempts hash where it has them
   * @return per id, in order: {@link #ABSENT} when the entry was gone already, else when its lease
   *     ended or ends (ms; 0 without one)
   */
  Future<List<Long>> erase(List<String> keys, List<String> entryIds) {
    Request call = Request.cmd(Command.FCALL).arg("sluice_conv_erase").arg(keys.size());
    keys.forEach(call::arg);
    entryIds.forEach(call::arg);
    return redis
        .send(call)
        .map(
            r -> {
              List<Long> out = new ArrayList<>(r.size());
              r.forEach(v -> out.add(v.toLong()));
              return out;
            });
  }

  /**
   * One step of the walk over a partition's idempotency markers, deleting those whose message is
   * one of {@code messageIds}.
   *
   * @param next where the next step starts ({@link #IDEM_FIRST} once the walk is over)
   * @param keyHashes the hashed idempotency keys of the markers deleted
   */
  record IdemStep(String next, List<String> keyHashes) {}

  /** Where a walk over the markers starts, and what its last step answers. */
  static final String IDEM_FIRST = "0";

  /**
   * One step of the walk over a partition's idempotency markers ({@code sluice_idem_erase}): up to
   * {@code scans} SCANs of {@code count} keys each on the node that holds the partition.
   */
  Future<IdemStep> eraseIdempotency(
      TenantQueueKeys keys, String from, int count, int scans, Collection<String> messageIds) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_idem_erase")
            .arg(1)
            .arg(keys.idempotency(""))
            .arg(from)
            .arg(count)
            .arg(scans);
    messageIds.forEach(call::arg);
    return redis
        .send(call)
        .map(
            r -> {
              List<String> hashes = new ArrayList<>(r.size() - 1);
              for (int i = 1; i < r.size(); i++) {
                hashes.add(r.get(i).toString());
              }
              return new IdemStep(r.get(0).toString(), hashes);
            });
  }

  /**
   * Deletes keys of one hash slot ({@code DEL}): rate or pacing state, or the tenant's idempotency
   * key owners.
   *
   * @return how many existed
   */
  Future<Long> delete(Collection<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    Request del = Request.cmd(Command.DEL);
    keys.forEach(del::arg);
    return redis.send(del).map(Response::toLong);
  }

  /**
   * The keys of one person in one partition that are named by their hash: their inbound rate state
   * on each of {@code channels} ({@code {t:T:P}:rl:<channel>:<hash>}, one slot).
   */
  static List<String> rateKeys(TenantQueueKeys keys, Collection<String> channels, String hash) {
    List<String> out = new ArrayList<>(channels.size());
    channels.forEach(c -> out.add(keys.rate(c, hash)));
    return out;
  }

  /**
   * A person's outbound pacing state on one channel ({@code {c:<channel>}:r:<hash>}, the channel's
   * slot).
   */
  String pacingKey(String channelId, String hash) {
    return OutboundStore.recipientPacing(redis.keyPrefix(), channelId, hash);
  }

  /** The tenant-wide owner records of hashed idempotency keys ({@code {t:T}:idem:<hash>}). */
  List<String> keyOwners(String tenantId, Collection<String> keyHashes) {
    List<String> out = new ArrayList<>(keyHashes.size());
    keyHashes.forEach(
        h -> out.add(TenantQueueKeys.idempotencyOwner(redis.keyPrefix(), tenantId, h)));
    return out;
  }
}
