package dev.sluice.gateway.outbound;

import dev.sluice.gateway.outbound.OutboundStore.Enqueue;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.TurnBatcher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Puts accepted messages on their tenant's outbound queue ({@link OutboundStore#enqueueChecked},
 * one call per tenant partition per event-loop turn, across requests) and marks the partitions due
 * in the dispatch work set (one call per event-loop turn). A message's partition is chosen by its
 * recipient, so all of a conversation's messages share one partition and go out in order. One per
 * verticle, on its event loop.
 */
public final class OutboundQueue {
  /**
   * The dispatch work set of a key namespace: tenant partitions with messages to send, member
   * {@code tenant:partition}, score = due (ms).
   */
  public static String work(String keyPrefix) {
    return keyPrefix + "{dispatch}:work";
  }

  static final long IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

  /** Partitions marked due per {@code ZADD} at most. */
  static final int MAX_MARKS_PER_CALL = 500;

  private final PipelinedRedis redis;
  private final OutboundStore store;
  private final PhoneHasher hasher;
  private final int partitions;
  private final TurnBatcher<String> dueMarks;
  private final EnqueueBatcher batcher;

  /**
   * @param context the verticle's context: every call runs on its event loop
   * @param maxBacklogPerTenant messages a tenant may hold queued and unfinished ({@code
   *     dispatch.maxBacklogPerTenant}), enforced per partition as this / {@code partitions}
   */
  public OutboundQueue(
      Context context,
      PipelinedRedis redis,
      PhoneHasher hasher,
      int partitions,
      long maxBacklogPerTenant) {
    this.redis = redis;
    this.store = new OutboundStore(redis);
    this.hasher = hasher;
    this.partitions = partitions;
    this.dueMarks = new TurnBatcher<>(context, MAX_MARKS_PER_CALL, this::markDue);
    this.batcher =
        new EnqueueBatcher(
            context,
            redis,
            Math.max(1, maxBacklogPerTenant / partitions),
            unit -> dueMarks.add(List.of(unit)));
  }

  /**
   * A message to enqueue, with the tenant's idempotency key or {@code null}.
   *
   * @param recipientBound the key is never used for another recipient (a campaign row's), so the
   *     partition that knows it is the recipient's and no tenant-wide owner record is needed
   */
  public record Item(QueuedMessage message, String idempotencyKey, boolean recipientBound) {
    public Item(QueuedMessage message, String idempotencyKey) {
      this(message, idempotencyKey, false);
    }
  }

  /**
   * What became of an item.
   *
   * @param id the id of the queued message: the item's own, or for a repeated idempotency key the
   *     id first accepted under it
   * @param replayed true when nothing new was queued because of the idempotency key
   * @param optedOut true when the recipient opted out on this channel (nothing queued)
   * @param full true when the tenant's partition holds its backlog bound already (nothing queued)
   * @param mismatch true when the item's idempotency key was first used for another request
   *     (nothing queued): a key names one request, and a retry must repeat it
   */
  public record Result(
      String id, boolean replayed, boolean optedOut, boolean full, boolean mismatch) {
    static Result queued(String id) {
      return new Result(id, false, false, false, false);
    }

    /** True when the item's message was queued now (not replayed, refused or held back). */
    public boolean fresh() {
      return !replayed && !optedOut && !full && !mismatch;
    }
  }

  /** The conversation key of a message: channel + keyed hash of the recipient. */
  public String conversation(QueuedMessage m) {
    return m.channelId() + ":" + recipientHash(m);
  }

  /** The partition of a recipient (the same one ingress picks for that end user). */
  public int partition(String recipient) {
    return PhoneHasher.partition(hasher.hash(recipient), partitions);
  }

  /**
   * Enqueues the items: each message is stored with its recipient's keyed hash (computed here once
   * unless the message has it), and the messages of all requests of one event-loop turn go to Redis
   * in one call per tenant partition ({@link EnqueueBatcher}).
   *
   * @return one result per item, in order; fails when Redis did not confirm them all (the caller
   *     answers 503; a retry with the same idempotency keys cannot queue a message twice)
   */
  public Future<List<Result>> enqueue(List<Item> items) {
    int n = items.size();
    QueuedMessage[] messages = new QueuedMessage[n];
    String[] keyHashes = new String[n];
    String[] fingerprints = new String[n];
    boolean[] bound = new boolean[n];
    int[] own = new int[n];
    for (int i = 0; i < n; i++) {
      QueuedMessage m = items.get(i).message();
      if (m.recipientHash() == null) {
        m = m.withRecipientHash(hasher.hash(m.recipient()));
      }
      messages[i] = m;
      String key = items.get(i).idempotencyKey();
      keyHashes[i] = key == null ? null : sha256(key);
      bound[i] = items.get(i).recipientBound();
      if (key != null && !bound[i]) {
        fingerprints[i] = fingerprint(m);
      }
      own[i] = PhoneHasher.partition(m.recipientHash(), partitions);
    }
    return owners(messages, keyHashes, bound, own)
        .compose(p -> enqueue(messages, keyHashes, fingerprints, p));
  }

  /**
   * The keyed hash of what a request asked for ({@link QueuedMessage#asRequested}), stored beside
   * its idempotency key: a retry must ask for the same message. Keyed like a recipient's hash, so
   * Redis holds nothing that a guess at a message's text and number could be checked against.
   * Computed for tenants' keys only: a campaign row's key is the gateway's own and always names the
   * same row.
   */
  private String fingerprint(QueuedMessage m) {
    return hasher.hash(MessageCodec.encode(m.asRequested()));
  }

  private String recipientHash(QueuedMessage m) {
    return m.recipientHash() != null ? m.recipientHash() : hasher.hash(m.recipient());
  }

  /**
   * The partition each item goes to: its recipient's, unless its idempotency key was first used for
   * a message in another partition — then that one, where the atomic enqueue finds the key and
   * replays the first answer. The key's owner is recorded tenant-wide ({@code SET NX GET}).
   */
  private Future<int[]> owners(
      QueuedMessage[] messages, String[] keyHashes, boolean[] bound, int[] partitions) {
    List<Future<Void>> lookups = new ArrayList<>();
    for (int i = 0; i < messages.length; i++) {
      if (keyHashes[i] == null || bound[i]) {
        continue;
      }
      int index = i;
      lookups.add(
          store
              .claimKeyOwner(
                  messages[i].tenantId(), keyHashes[i], partitions[i], IDEMPOTENCY_TTL_SECONDS)
              .map(
                  previous -> {
                    if (previous != null) {
                      partitions[index] = previous;
                    }
                    return null;
                  }));
    }
    return lookups.isEmpty()
        ? Future.succeededFuture(partitions)
        : Future.all(lookups).map(partitions);
  }

  private Future<List<Result>> enqueue(
      QueuedMessage[] messages, String[] keyHashes, String[] fingerprints, int[] partitions) {
    Map<Integer, List<Integer>> byPartition = new LinkedHashMap<>();
    for (int i = 0; i < messages.length; i++) {
      byPartition.computeIfAbsent(partitions[i], k -> new ArrayList<>()).add(i);
    }
    Result[] results = new Result[messages.length];
    List<Future<Void>> calls = new ArrayList<>(byPartition.size());
    for (Map.Entry<Integer, List<Integer>> group : byPartition.entrySet()) {
      List<Integer> indexes = group.getValue();
      List<Enqueue> entries = new ArrayList<>(indexes.size());
      for (int i : indexes) {
        QueuedMessage m = messages[i];
        entries.add(
            new Enqueue(
                m.lane(),
                m.id(),
                m.channelId() + ":" + m.recipientHash(),
                MessageCodec.encodeBytes(m),
                keyHashes[i],
                fingerprints[i]));
      }
      calls.add(
          batcher
              .add(messages[indexes.get(0)].tenantId(), group.getKey(), entries)
              .map(
                  replies -> {
                    for (int k = 0; k < indexes.size(); k++) {
                      int i = indexes.get(k);
                      OutboundStore.Enqueued r = replies.get(k);
                      results[i] =
                          switch (r.kind()) {
                            case QUEUED -> Result.queued(messages[i].id());
                            case OPTED_OUT -> new Result(null, false, true, false, false);
                            case FULL -> new Result(null, false, false, true, false);
                            case MISMATCH -> new Result(null, false, false, false, true);
                            case REPLAYED -> new Result(r.firstId(), true, false, false, false);
                          };
                    }
                    return null;
                  }));
    }
    Future<?> all = calls.size() == 1 ? calls.get(0) : Future.all(calls);
    return all.map(v -> Arrays.asList(results));
  }

  /**
   * Makes the partitions due now (or keeps an earlier due time): one {@code ZADD} for the
   * partitions that took messages in one event-loop turn.
   */
  private Future<Void> markDue(List<String> units) {
    String now = Long.toString(System.currentTimeMillis());
    Request zadd = Request.cmd(Command.ZADD).arg(work(redis.keyPrefix())).arg("LT");
    for (String unit : new LinkedHashSet<>(units)) {
      zadd.arg(now).arg(unit);
    }
    return redis.send(zadd).mapEmpty();
  }

  static String sha256(String s) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
