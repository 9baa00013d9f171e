package dev.sluice.gateway.outbound;

import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The outbound queue's Redis functions ({@code redis/sluice.lua}), one method each, with typed
 * arguments and replies: the enqueue ({@code sluice_out_enqueue_checked}) and its idempotency-key
 * owner, the dispatcher's lease, record and length ({@code sluice_out_pull}, {@code
 * sluice_out_record_noted}, {@code sluice_out_len}) and its pacing ({@code sluice_pace_many}), and
 * the functions the library keeps for older gateways ({@code sluice_out_enqueue}, {@code
 * sluice_out_enqueue_bounded}, {@code sluice_out_record}, {@code sluice_out_settle}, {@code
 * sluice_out_done}, {@code sluice_pace}). Which keys a function touches and in what order its
 * arguments go is known here and nowhere else. Holds nothing but its connection: used on the
 * connection's event loop.
 *
 * <p>A partition has a high and a low lane (a stream and a lease set each), an attempts hash, a
 * dead-letter stream and an opt-out set with its notes; a stream holds exactly the messages not yet
 * finished. A message is refused when its conversation ({@code <channel>:<hash>}) or its
 * recipient's tenant-wide entry ({@code *:<hash>}) is in the opt-out set.
 */
public final class OutboundStore {
  private static final byte[] NONE = new byte[0];

  private final RedisCommands redis;

  public OutboundStore(RedisCommands redis) {
    this.redis = redis;
  }

  // ---- enqueue ----

  /**
   * One message to enqueue.
   *
   * @param conversation channel + recipient hash: one message per conversation is handed out at a
   *     time, and an opted-out conversation takes none
   * @param payload the encoded message ({@link MessageCodec})
   * @param keyHash the hashed idempotency key, or {@code null}
   * @param fingerprint the keyed hash of the request under that key (the message as asked for,
   *     {@link QueuedMessage#asRequested}), or {@code null} when a reuse of the key is not checked
   */
  public record Enqueue(
      OutboundLane lane,
      String messageId,
      String conversation,
      byte[] payload,
      String keyHash,
      String fingerprint) {
    /** A message whose key, if any, is not checked against its request. */
    public Enqueue(
        OutboundLane lane, String messageId, String conversation, byte[] payload, String keyHash) {
      this(lane, messageId, conversation, payload, keyHash, null);
    }
  }

  /**
   * What became of one message.
   *
   * @param firstId for {@link Kind#REPLAYED}, the id first accepted under the same idempotency key;
   *     else {@code null}
   */
  public record Enqueued(Kind kind, String firstId) {
    /** What the function did with the message. */
    public enum Kind {
      /** Added to its lane. */
      QUEUED,
      /** Its idempotency key was used before: nothing added. */
      REPLAYED,
      /** Its recipient opted out on this channel: nothing added. */
      OPTED_OUT,
      /** The partition holds its bound already: nothing written, not even the key. */
      FULL,
      /** Its idempotency key was first used for another request: nothing added. */
      MISMATCH
    }

    static final Enqueued QUEUED = new Enqueued(Kind.QUEUED, null);
    static final Enqueued OPTED_OUT = new Enqueued(Kind.OPTED_OUT, null);
    static final Enqueued FULL = new Enqueued(Kind.FULL, null);
    static final Enqueued MISMATCH = new Enqueued(Kind.MISMATCH, null);

    static Enqueued of(String reply) {
      return switch (reply) {
        case "" -> QUEUED;
        case "!optout" -> OPTED_OUT;
        case "!full" -> FULL;
        case "!mismatch" -> MISMATCH;
        default -> new Enqueued(Kind.REPLAYED, reply);
      };
    }
  }

  /**
   * Adds messages to one partition in order, unless the partition holds {@code bound} messages
   * already, and refuses a message whose idempotency key was first used with another fingerprint
   * ({@code sluice_out_enqueue_checked}). Two messages of one call with one idempotency key give
   * one message.
   *
   * @param idempotencyTtlSeconds how long an idempotency key (and its fingerprint) is remembered
   * @param bound the most messages the partition may hold (both lanes, leased ones included)
   * @return one answer per message, in order
   */
  public Future<List<Enqueued>> enqueueChecked(
      TenantQueueKeys keys, long idempotencyTtlSeconds, long bound, List<Enqueue> messages) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_out_enqueue_checked")
            .arg(3 + 2 * messages.size())
            .arg(keys.outbound("hi"))
            .arg(keys.outbound("lo"))
            .arg(keys.optOuts());
    for (Enqueue m : messages) {
      String keyHash = m.keyHash() == null ? "-" : m.keyHash();
      call.arg(keys.idempotency(keyHash)).arg(keys.idempotencyFingerprint(keyHash));
    }
    call.arg(idempotencyTtlSeconds).arg(bound);
    for (Enqueue m : messages) {
      enqueueArgs(call, m);
      call.arg(m.keyHash() == null || m.fingerprint() == null ? "" : m.fingerprint());
    }
    return redis.send(call).map(OutboundStore::enqueued);
  }

  /**
   * {@code sluice_out_enqueue_bounded}: {@link #enqueueChecked} without the fingerprints (never
   * {@link Enqueued.Kind#MISMATCH}). This gateway does not call it; gateways of library versions 6
   * to 8 do, so the library keeps it and its contract test pins it.
   */
  public Future<List<Enqueued>> enqueueBounded(
      TenantQueueKeys keys, long idempotencyTtlSeconds, long bound, List<Enqueue> messages) {
    Request call = enqueueCall("sluice_out_enqueue_bounded", keys, messages);
    call.arg(idempotencyTtlSeconds).arg(bound);
    return redis.send(enqueueArgs(call, messages)).map(OutboundStore::enqueued);
  }

  /**
   * {@code sluice_out_enqueue}: {@link #enqueueBounded} without the bound (never {@link
   * Enqueued.Kind#FULL}). This gateway does not call it; gateways of library version 5 do, so the
   * library keeps it and its contract test pins it.
   */
  public Future<List<Enqueued>> enqueue(
      TenantQueueKeys keys, long idempotencyTtlSeconds, List<Enqueue> messages) {
    Request call = enqueueCall("sluice_out_enqueue", keys, messages);
    call.arg(idempotencyTtlSeconds);
    return redis.send(enqueueArgs(call, messages)).map(OutboundStore::enqueued);
  }

  private static Request enqueueCall(
      String function, TenantQueueKeys keys, List<Enqueue> messages) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg(function)
            .arg(3 + messages.size())
            .arg(keys.outbound("hi"))
            .arg(keys.outbound("lo"))
            .arg(keys.optOuts());
    for (Enqueue m : messages) {
      call.arg(keys.idempotency(m.keyHash() == null ? "-" : m.keyHash()));
    }
    return call;
  }

  private static Request enqueueArgs(Request call, List<Enqueue> messages) {
    for (Enqueue m : messages) {
      enqueueArgs(call, m);
    }
    return call;
  }

  private static Request enqueueArgs(Request call, Enqueue m) {
    return call.arg(m.lane().shortName())
        .arg(m.conversation())
        .arg(m.messageId())
        .arg(m.payload())
        .arg(m.keyHash() == null ? "0" : "1");
  }

  private static List<Enqueued> enqueued(Response reply) {
    List<Enqueued> out = new ArrayList<>(reply.size());
    for (Response r : reply) {
      out.add(Enqueued.of(r.toString()));
    }
    return out;
  }

  /**
   * Records which partition first took a message under an idempotency key, tenant-wide ({@code SET
   * NX GET EX}), so a retry for another recipient goes where the key is known.
   *
   * @return the partition recorded before, or {@code null} when this call recorded {@code
   *     partition}
   */
  public Future<Integer> claimKeyOwner(
      String tenantId, String keyHash, int partition, long ttlSeconds) {
    Request set =
        Request.cmd(Command.SET)
            .arg(TenantQueueKeys.idempotencyOwner(redis.keyPrefix(), tenantId, keyHash))
            .arg(partition)
            .arg("NX")
            .arg("GET")
            .arg("EX")
            .arg(ttlSeconds);
    return redis.send(set).map(previous -> previous == null ? null : previous.toInteger());
  }

  // ---- the dispatcher's lease, record and length ----

  /**
   * A message leased to a dispatcher.
   *
   * @param entryId its stream entry
   * @param payload the encoded message
   * @param attempts provider calls made for it so far that asked for a retry
   */
  public record Pulled(OutboundLane lane, String entryId, String payload, int attempts) {}

  /**
   * What one pull leased.
   *
   * @param nextDueMs the earliest time (ms) a waiting message becomes due; 0 when none waits
   */
  public record Batch(long nextDueMs, List<Pulled> messages) {}

  /**
   * Leases the next messages of one partition, high lane first, one per conversation, until {@code
   * max} or the scan limit ({@code sluice_out_pull}).
   *
   * @param leaseMs how long they stay leased (in flight)
   * @param scanLimit entries looked at per lane at most
   */
  public Future<Batch> pull(TenantQueueKeys keys, int max, long leaseMs, int scanLimit) {
    Request call = partitionCall("sluice_out_pull", keys, 0).arg(max).arg(leaseMs).arg(scanLimit);
    return redis
        .send(call)
        .map(
            r -> {
              // next, then lane, entry id, payload, attempts per message
              List<Pulled> pulled = new ArrayList<>(r.size() / 4);
              for (int i = 1; i + 3 < r.size(); i += 4) {
                pulled.add(
                    new Pulled(
                        OutboundLane.fromShortName(r.get(i).toString()),
                        r.get(i + 1).toString(),
                        r.get(i + 2).toString(),
                        r.get(i + 3).toInteger()));
              }
              return new Batch(r.get(0).toLong(), pulled);
            });
  }

  /** What happened to a leased message. */
  public enum Action {
    /** Sent, or failed for good: deleted; its status event, opt-out and such go with it. */
    FINISH,
    /** Not attempted (pacing, open breaker, unknown channel): leased until due. */
    WAIT,
    /** Attempted and failed, to try again: an attempt is counted, leased until due. */
    RETRY,
    /** Its retry budget is spent: deleted and written to the dead letters. */
    DEAD;

    private final String wire = name().toLowerCase(Locale.ROOT);
  }

  /**
   * What happened to one leased message, as the record functions take it.
   *
   * @param dueMs when it is due again ({@link Action#WAIT}, {@link Action#RETRY}), else 0
   * @param statusEvent the status event JSON put on the tenant's inbound queue, or {@code null}
   * @param statusRaw that event's raw object ({@code null} with it)
   * @param conversation the event's conversation, or "" when there is no event
   * @param deadLetter the dead-letter record ({@link Action#DEAD}), else ""
   * @param optOut a conversation to add to the opt-out set, or ""
   */
  public record Settlement(
      Action action,
      OutboundLane lane,
      String entryId,
      long dueMs,
      byte[] statusEvent,
      byte[] statusRaw,
      String conversation,
      String deadLetter,
      String optOut) {}

  /**
   * What a record call left behind.
   *
   * @param left the messages in the partition after the call (both lanes, leased included)
   * @param droppedEvents status events not queued because the inbound backlog was at its bound
   */
  public record Recorded(long left, long droppedEvents) {}

  /** The reason noted with an opt-out the provider reported (source {@code provider}). */
  static final String PROVIDER_OPT_OUT = "the provider reported that the recipient opted out";

  /**
   * Records what happened to leased messages of one partition, all in one call ({@code
   * sluice_out_record_noted}). Recording twice is harmless: only the call that deletes a message
   * queues its status event, dead letter and opt-out, and a wait or retry acts only on a message
   * still leased. An opt-out is noted beside the opt-out set (source {@code provider}).
   *
   * @param eventBound the most entries the partition's inbound stream may hold before status events
   *     are dropped
   */
  public Future<Recorded> record(
      TenantQueueKeys keys, long eventBound, List<Settlement> settlements) {
    Request call =
        partitionCall("sluice_out_record_noted", keys, 4)
            .arg(keys.deadLetters())
            .arg(keys.inbound())
            .arg(keys.optOuts())
            .arg(keys.optOutNotes())
            .arg(eventBound)
            .arg(PROVIDER_OPT_OUT);
    for (Settlement s : settlements) {
      settlementArgs(call, s);
    }
    return redis.send(call).map(r -> new Recorded(r.get(0).toLong(), r.get(1).toLong()));
  }

  /**
   * {@code sluice_out_record}: {@link #record} without the opt-out notes. This gateway does not
   * call it; gateways of library version 6 do, so the library keeps it and its contract test pins
   * it.
   */
  public Future<Recorded> recordWithoutNotes(
      TenantQueueKeys keys, long eventBound, List<Settlement> settlements) {
    Request call =
        partitionCall("sluice_out_record", keys, 3)
            .arg(keys.deadLetters())
            .arg(keys.inbound())
            .arg(keys.optOuts())
            .arg(eventBound);
    for (Settlement s : settlements) {
      settlementArgs(call, s);
    }
    return redis.send(call).map(r -> new Recorded(r.get(0).toLong(), r.get(1).toLong()));
  }

  /**
   * {@code sluice_out_settle}: what {@link #record} does, with a status-event dedup marker per
   * message ({@code statusMarkers}, one per settlement, in order) and no bound on status events.
   * This gateway does not call it; gateways of library version 5 do, so the library keeps it and
   * its contract test pins it.
   *
   * @return the messages left in the partition after the call
   */
  public Future<Long> settle(
      TenantQueueKeys keys,
      long markerTtlSeconds,
      List<Settlement> settlements,
      List<String> statusMarkers) {
    Request call =
        partitionCall("sluice_out_settle", keys, 3 + statusMarkers.size())
            .arg(keys.deadLetters())
            .arg(keys.inbound())
            .arg(keys.optOuts());
    statusMarkers.forEach(call::arg);
    call.arg(markerTtlSeconds);
    for (Settlement s : settlements) {
      settlementArgs(call, s);
    }
    return redis.send(call).map(Response::toLong);
  }

  private static void settlementArgs(Request call, Settlement s) {
    call.arg(s.action().wire)
        .arg(s.lane().shortName())
        .arg(s.entryId())
        .arg(s.dueMs())
        .arg(s.statusEvent() == null ? NONE : s.statusEvent())
        .arg(s.statusRaw() == null ? NONE : s.statusRaw())
        .arg(s.conversation())
        .arg(s.deadLetter().getBytes(StandardCharsets.UTF_8))
        .arg(s.optOut());
  }

  /**
   * {@code sluice_out_done}: one settlement with its status-event dedup marker. This gateway does
   * not call it; gateways of library version 4 do, so the library keeps it and its contract test
   * pins it.
   *
   * @return the attempts counted for the message so far
   */
  public Future<Long> done(
      TenantQueueKeys keys, long markerTtlSeconds, Settlement s, String statusMarker) {
    String lane = s.lane().shortName();
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_out_done")
            .arg(7)
            .arg(keys.outbound(lane))
            .arg(keys.outboundLeases(lane))
            .arg(keys.attempts())
            .arg(keys.deadLetters())
            .arg(keys.inbound())
            .arg(statusMarker)
            .arg(keys.optOuts())
            .arg(s.action().wire)
            .arg(s.entryId())
            .arg(s.dueMs())
            .arg(s.statusEvent() == null ? NONE : s.statusEvent())
            .arg(s.statusRaw() == null ? NONE : s.statusRaw())
            .arg(s.conversation())
            .arg(markerTtlSeconds)
            .arg(s.deadLetter().getBytes(StandardCharsets.UTF_8))
            .arg(s.optOut());
    return redis.send(call).map(Response::toLong);
  }

  /** The messages not yet finished in one partition, both lanes ({@code sluice_out_len}). */
  public Future<Long> length(TenantQueueKeys keys) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_out_len")
            .arg(2)
            .arg(keys.outbound("hi"))
            .arg(keys.outbound("lo"));
    return redis.send(call).map(Response::toLong);
  }

  /**
   * A first call's keys: the high stream and its leases, the low stream and its leases, the
   * attempts; {@code moreKeys} follow.
   */
  private static Request partitionCall(String function, TenantQueueKeys keys, int moreKeys) {
    return Request.cmd(Command.FCALL)
        .arg(function)
        .arg(5 + moreKeys)
        .arg(keys.outbound("hi"))
        .arg(keys.outboundLeases("hi"))
        .arg(keys.outbound("lo"))
        .arg(keys.outboundLeases("lo"))
        .arg(keys.attempts());
  }

  // ---- pacing ----

  /**
   * A channel's GCRA parameters, in milliseconds (fractions kept): the emission interval and burst
   * tolerance for its sender and for each recipient.
   */
  public record Rates(
      double senderIntervalMs,
      double senderToleranceMs,
      double recipientIntervalMs,
      double recipientToleranceMs) {}

  /**
   * Paces messages of one channel in order, in one call ({@code sluice_pace_many}): a message that
   * may go now advances its sender's and recipient's states; one that must wait changes nothing and
   * holds back none after it. This gateway calls {@link #paceReserving}; gateways of library
   * versions 5 to 9 call this, so the library keeps it and its contract test pins it.
   *
   * @param recipientHashes each message's recipient hash
   * @return per message, 0 when it may go now, else the milliseconds to wait
   */
  public Future<List<Long>> paceMany(String channelId, Rates rates, List<String> recipientHashes) {
    return redis
        .send(paceCall("sluice_pace_many", channelId, rates, recipientHashes))
        .map(OutboundStore::longs);
  }

  /**
   * {@code sluice_pace_reserve}: paces the messages of one channel in order, booking a later turn
   * for each whose turn comes within {@code horizonMs}.
   *
   * @return one value per message: 0 when it may go now; {@code w > 0} when its turn is booked
   *     {@code w} ms from now (it must be sent then, without pacing it again); {@code -w} when it
   *     must wait {@code w} ms and be paced again
   */
  public Future<List<Long>> paceReserving(
      String channelId, Rates rates, List<String> recipientHashes, long horizonMs) {
    return redis
        .send(paceCall("sluice_pace_reserve", channelId, rates, recipientHashes).arg(horizonMs))
        .map(OutboundStore::longs);
  }

  /** A pacing function's call: the sender's state, each recipient's, then the rates. */
  private Request paceCall(
      String function, String channelId, Rates rates, List<String> recipientHashes) {
    String tag = channelTag(channelId);
    Request call =
        Request.cmd(Command.FCALL).arg(function).arg(1 + recipientHashes.size()).arg(tag + ":rate");
    for (String hash : recipientHashes) {
      call.arg(recipientPacing(tag, hash));
    }
    return rateArgs(call, rates);
  }

  private static List<Long> longs(Response reply) {
    List<Long> values = new ArrayList<>(reply.size());
    reply.forEach(w -> values.add(w.toLong()));
    return values;
  }

  /**
   * {@code sluice_pace}: {@link #paceMany} for one message. This gateway does not call it; gateways
   * of library version 4 do, so the library keeps it and its contract test pins it.
   *
   * @return 0 when it may go now, else the milliseconds to wait
   */
  public Future<Long> pace(String channelId, Rates rates, String recipientHash) {
    String tag = channelTag(channelId);
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_pace")
            .arg(2)
            .arg(tag + ":rate")
            .arg(recipientPacing(tag, recipientHash));
    return redis.send(rateArgs(call, rates)).map(Response::toLong);
  }

  /** The hash tag of a channel's pacing state: its keys share one slot. */
  private String channelTag(String channelId) {
    return channelTag(redis.keyPrefix(), channelId);
  }

  private static String channelTag(String keyPrefix, String channelId) {
    return keyPrefix + "{c:" + channelId + "}";
  }

  private static String recipientPacing(String channelTag, String recipientHash) {
    return channelTag + ":r:" + recipientHash;
  }

  /**
   * The pacing state of one recipient on one channel ({@code {c:<channel>}:r:<hash>}, a string with
   * a TTL): named by the recipient's keyed hash, so an erasure can find it.
   */
  public static String recipientPacing(String keyPrefix, String channelId, String recipientHash) {
    return recipientPacing(channelTag(keyPrefix, channelId), recipientHash);
  }

  private static Request rateArgs(Request call, Rates rates) {
    return call.arg(Double.toString(rates.senderIntervalMs()))
        .arg(Double.toString(rates.senderToleranceMs()))
        .arg(Double.toString(rates.recipientIntervalMs()))
        .arg(Double.toString(rates.recipientToleranceMs()));
  }
}
