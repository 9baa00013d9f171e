package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.outbound.MessageCodec;
import dev.sluice.gateway.outbound.QueuedMessage;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.privacy.jobs.ErasureStore.Entry;
import dev.sluice.gateway.queue.TenantQueueKeys;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Walks the streams of the person's partition for their entries, {@value #STEP} entries per Redis
 * call, so that no call holds Redis for long however many entries a stream holds. An entry is the
 * person's when its conversation ends with their hash ({@code sluice_conv_scan} decides), or, for
 * an outbound dead letter, which holds only its message, when the message's recipient hash is
 * theirs (a message queued before the hash was stored is hashed here).
 */
final class PartitionWalk {
  /** Entries looked at per call. */
  static final int STEP = 1_000;

  /**
   * One of the person's entries.
   *
   * @param message for an outbound stream, its message; {@code null} when it cannot be read, and
   *     for inbound streams
   */
  record Found(Entry entry, QueuedMessage message) {
    String id() {
      return entry.id();
    }
  }

  private final ErasureStore store;
  private final PhoneHasher hasher;
  private final TenantQueueKeys keys;
  private final String hash;

  /**
   * @param keys the person's partition
   * @param hash the person's keyed hash
   */
  PartitionWalk(ErasureStore store, PhoneHasher hasher, TenantQueueKeys keys, String hash) {
    this.store = store;
    this.hasher = hasher;
    this.keys = keys;
    this.hash = hash;
  }

  TenantQueueKeys keys() {
    return keys;
  }

  /** The person's keyed hash. */
  String hash() {
    return hash;
  }

  /**
   * Hands the person's entries of one stream to {@code step}, a call's worth at a time, oldest
   * first; the next call waits for the step's Future.
   */
  Future<Void> each(PartitionStream stream, Function<List<Found>, Future<Void>> step) {
    return from(stream, ErasureStore.FIRST, step);
  }

  private Future<Void> from(
      PartitionStream stream, String cursor, Function<List<Found>, Future<Void>> step) {
    return store
        .scan(stream.stream(keys), cursor, STEP, hash)
        .compose(
            page -> {
              List<Found> found = new ArrayList<>(page.entries().size());
              for (Entry e : page.entries()) {
                QueuedMessage m = stream.outbound() ? message(e.field("m")) : null;
                boolean conversation = e.field("c") != null;
                if (conversation || (m != null && recipientHash(m).equals(hash))) {
                  found.add(new Found(e, m));
                }
              }
              Future<Void> done = found.isEmpty() ? Future.succeededFuture() : step.apply(found);
              return page.next() == null
                  ? done
                  : done.compose(v -> from(stream, page.next(), step));
            });
  }

  private String recipientHash(QueuedMessage m) {
    return m.recipientHash() != null ? m.recipientHash() : hasher.hash(m.recipient());
  }

  private static QueuedMessage message(String payload) {
    if (payload == null) {
      return null;
    }
    try {
      return MessageCodec.decode(payload);
    } catch (IllegalArgumentException damaged) {
      return null;
    }
  }
}
