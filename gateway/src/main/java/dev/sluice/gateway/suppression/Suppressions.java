package dev.sluice.gateway.suppression;

import dev.sluice.gateway.outbound.PhoneNumbers;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisCommands;
import dev.sluice.gateway.suppression.SuppressionStore.Add;
import dev.sluice.gateway.suppression.SuppressionStore.Added;
import dev.sluice.gateway.suppression.SuppressionStore.Note;
import io.vertx.core.Future;
import java.util.List;

/**
 * A tenant's suppressions by phone number: where a number's entry lives (the keyed hash, its
 * partition, the member for one channel or for all) and the calls to add, read, remove and list
 * them. The number itself is hashed here and goes no further. One per HTTP verticle, on its
 * connection's event loop.
 */
public final class Suppressions {
  /** The member prefix of an entry for every channel of the tenant. */
  static final String EVERY_CHANNEL = "*";

  private final SuppressionStore store;
  private final PhoneHasher hasher;
  private final int partitions;
  private final String keyPrefix;

  /**
   * @param partitions the tenant queue partitions ({@code ingress.partitions}): a number's entry
   *     lives in its hash's partition, where its messages and inbound events go
   */
  public Suppressions(RedisCommands redis, PhoneHasher hasher, int partitions) {
    this.store = new SuppressionStore(redis);
    this.hasher = hasher;
    this.partitions = partitions;
    this.keyPrefix = redis.keyPrefix();
  }

  /** Who puts an entry there through the API. */
  public enum Source {
    API("api"),
    IMPORT("import");

    final String wire;

    Source(String wire) {
      this.wire = wire;
    }
  }

  /**
   * Where a number's entry lives.
   *
   * @param hash the keyed hash of the number's E.164 digits (what the send API and ingress compute)
   * @param channelId the channel, or {@code null} for every channel of the tenant
   * @param member the opt-out set member: {@code <channel>:<hash>} or {@code *:<hash>}
   */
  public record Target(String hash, String channelId, int partition, String member) {}

  /**
   * One entry.
   *
   * @param channelId the channel, or {@code null} for every channel of the tenant
   */
  public record Suppression(String hash, String channelId, Note note) {}

  /**
   * Where the entry of a number lives.
   *
   * @param e164 a number already normalised ({@link PhoneNumbers#e164})
   * @param channelId the channel, or {@code null} for every channel
   */
  public Target target(String e164, String channelId) {
    String hash = hasher.hash(PhoneNumbers.digits(e164));
    String member = (channelId == null ? EVERY_CHANNEL : channelId) + ":" + hash;
    return new Target(hash, channelId, PhoneHasher.partition(hash, partitions), member);
  }

  public int partitions() {
    return partitions;
  }

  /**
   * Adds one entry, noted with source {@code api}; an entry there already is kept as it is.
   *
   * @return whether it was added, and the entry's note as it now is
   */
  public Future<Added> put(String tenantId, Target t, String reason) {
    return store
        .add(keys(tenantId, t.partition()), Source.API.wire, List.of(new Add(t.member(), reason)))
        .map(added -> added.get(0));
  }

  /**
   * Adds entries of one partition, in order, noted with {@code source}.
   *
   * @return one answer per entry
   */
  public Future<List<Added>> putAll(String tenantId, int partition, Source source, List<Add> adds) {
    return store.add(keys(tenantId, partition), source.wire, adds);
  }

  /** The entry's note, or {@code null} when there is no such entry. */
  public Future<Note> get(String tenantId, Target t) {
    return store
        .find(keys(tenantId, t.partition()), List.of(t.member()))
        .map(found -> found.get(0));
  }

  /** Removes the entry; whether it was there. */
  public Future<Boolean> delete(String tenantId, Target t) {
    return store.remove(keys(tenantId, t.partition()), List.of(t.member())).map(r -> r.get(0));
  }

  /**
   * One step of a walk over a partition's entries.
   *
   * @param cursor {@code "0"} to start, then the previous page's
   */
  public Future<SuppressionStore.Page> scan(
      String tenantId, int partition, String cursor, int count) {
    return store.scan(keys(tenantId, partition), cursor, count);
  }

  /** An entry from a set member: {@code <channel>:<hash>}, or {@code *:<hash>} for all channels. */
  static Suppression entry(String member, Note note) {
    int colon = member.indexOf(':');
    String channel = colon < 0 ? null : member.substring(0, colon);
    String hash = colon < 0 ? member : member.substring(colon + 1);
    return new Suppression(hash, EVERY_CHANNEL.equals(channel) ? null : channel, note);
  }

  private TenantQueueKeys keys(String tenantId, int partition) {
    return new TenantQueueKeys(keyPrefix, tenantId, partition);
  }
}
