package dev.sluice.gateway.queue;

import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The inbound queue's Redis functions ({@code redis/sluice.lua}), one method each, with typed
 * arguments and replies: admission ({@code sluice_admit_opt}, and {@code sluice_admit_nx} and
 * {@code sluice_admit} kept for older gateways), the pull API's lease and acknowledgement ({@code
 * sluice_pull}, {@code sluice_ack}) and the backlog gauge ({@code sluice_backlog}). Which keys a
 * function touches and in what order its arguments go is known here and nowhere else. Holds nothing
 * but its connection: thread-safe when the connection is (the pool), else used on the connection's
 * event loop.
 */
public final class InboundStore {
  private final RedisCommands redis;

  public InboundStore(RedisCommands redis) {
    this.redis = redis;
  }

  /**
   * One event to admit to a tenant partition.
   *
   * @param channelId the channel it came in on (with {@code eventId}, its dedup marker)
   * @param eventId the provider's event id, unique per channel
   * @param phoneHash the keyed hash of its end user (with {@code channelId}, its rate state)
   * @param conversation its ordering unit (field {@code c})
   * @param payload the event JSON (field {@code e})
   * @param raw the provider's object (field {@code r})
   * @param intervalMs the GCRA emission interval of its end user; 0 = not rate limited
   * @param toleranceMs the GCRA burst tolerance (burst × interval)
   * @param opt what admitting it does to its conversation's opt-out ({@link #admitOpt} only)
   * @param optReason the reason noted with an opt-out (the keyword), or {@code null}
   */
  public record Admit(
      String channelId,
      String eventId,
      String phoneHash,
      String conversation,
      byte[] payload,
      byte[] raw,
      long intervalMs,
      long toleranceMs,
      Opt opt,
      String optReason) {
    public Admit {
      Objects.requireNonNull(opt, "opt");
    }

    /** An event that changes no opt-out. */
    public Admit(
        String channelId,
        String eventId,
        String phoneHash,
        String conversation,
        byte[] payload,
        byte[] raw,
        long intervalMs,
        long toleranceMs) {
      this(
          channelId,
          eventId,
          phoneHash,
          conversation,
          payload,
          raw,
          intervalMs,
          toleranceMs,
          Opt.NONE,
          null);
    }
  }

  /** What admitting an event does to its conversation's opt-out ({@code sluice_admit_opt}). */
  public enum Opt {
    /** Nothing. */
    NONE(""),
    /** Adds the conversation to the partition's opted-out set, noted with source keyword. */
    OUT("out"),
    /** Removes the conversation from the opted-out set, with its note. */
    IN("in");

    private final String wire;

    Opt(String wire) {
      this.wire = wire;
    }
  }

  /** What admission did with one event (the function's codes 0..3). */
  public enum Admitted {
    /** Added to the partition's inbound stream. */
    ENQUEUED,
    /** Seen before (its dedup marker exists): nothing written. */
    DUPLICATE,
    /** Over its end user's rate: added to the quarantine stream. */
    QUARANTINED,
    /** The partition holds its backlog bound: nothing written, not even the dedup marker. */
    REFUSED;

    private static final Admitted[] BY_CODE = values();

    static Admitted of(Response code) {
      int c = code.toInteger();
      if (c < 0 || c >= BY_CODE.length) {
        throw new IllegalStateException("unknown admission code " + c);
      }
      return BY_CODE[c];
    }
  }

  /**
   * Admits events of one partition in order ({@code sluice_admit_opt}): one dedup claim per event,
   * the per-phone GCRA, the enqueue and the event's {@link Opt} change, all in one atomic call, so
   * a retry after a lost reply finds the event a duplicate and changes nothing twice. A duplicate
   * or refused event changes no opt-out.
   *
   * @param dedupTtlSeconds how long a dedup marker lives
   * @param bound the most entries the partition may hold (inbound and quarantine)
   * @return one answer per event, in order; fails when Redis did (nothing is known admitted)
   */
  public Future<List<Admitted>> admitOpt(
      TenantQueueKeys keys, long dedupTtlSeconds, long bound, List<Admit> events) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_admit_opt")
            .arg(4 + 2 * events.size())
            .arg(keys.inbound())
            .arg(keys.quarantine())
            .arg(keys.optOuts())
            .arg(keys.optOutNotes());
    eventKeys(call, keys, events).arg(dedupTtlSeconds).arg(bound);
    for (Admit e : events) {
      eventArgs(call, e).arg(e.opt().wire).arg(e.optReason() == null ? "" : e.optReason());
    }
    return redis.send(call).map(InboundStore::admitted);
  }

  /**
   * {@code sluice_admit_nx}: {@link #admitOpt} without the opt-out changes ({@link Admit#opt()} is
   * not sent). This gateway does not call it; gateways of library version 6 do, so the library
   * keeps it and its contract test pins it.
   */
  public Future<List<Admitted>> admitNx(
      TenantQueueKeys keys, long dedupTtlSeconds, long bound, List<Admit> events) {
    return redis
        .send(admitCall("sluice_admit_nx", keys, dedupTtlSeconds, bound, events))
        .map(InboundStore::admitted);
  }

  /**
   * {@code sluice_admit}: the same arguments and answers as {@link #admitNx}, with more commands
   * per event. This gateway does not call it; gateways before {@code sluice_admit_nx} do, so the
   * library keeps it and its contract test pins it.
   */
  public Future<List<Admitted>> admit(
      TenantQueueKeys keys, long dedupTtlSeconds, long bound, List<Admit> events) {
    return redis
        .send(admitCall("sluice_admit", keys, dedupTtlSeconds, bound, events))
        .map(InboundStore::admitted);
  }

  private static Request admitCall(
      String function, TenantQueueKeys keys, long ttl, long bound, List<Admit> events) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg(function)
            .arg(2 + 2 * events.size())
            .arg(keys.inbound())
            .arg(keys.quarantine());
    eventKeys(call, keys, events).arg(ttl).arg(bound);
    for (Admit e : events) {
      eventArgs(call, e);
    }
    return call;
  }

  /** Each event's dedup marker and rate state. */
  private static Request eventKeys(Request call, TenantQueueKeys keys, List<Admit> events) {
    for (Admit e : events) {
      call.arg(keys.dedup(e.channelId(), e.eventId())).arg(keys.rate(e.channelId(), e.phoneHash()));
    }
    return call;
  }

  /** The 5 arguments every admission function takes per event. */
  private static Request eventArgs(Request call, Admit e) {
    return call.arg(e.payload())
        .arg(e.raw())
        .arg(e.conversation())
        .arg(e.intervalMs())
        .arg(e.toleranceMs());
  }

  private static List<Admitted> admitted(Response codes) {
    List<Admitted> out = new ArrayList<>(codes.size());
    for (Response code : codes) {
      out.add(Admitted.of(code));
    }
    return out;
  }

  /**
   * Leases the oldest visible events of one lane of one partition, in stream order ({@code
   * sluice_pull}). Once an entry of a conversation is under a live lease, no later one of that
   * conversation is handed out.
   *
   * @param leaseMs how long the events stay invisible (the visibility timeout)
   * @param scanLimit entries looked at most (bounds the call's run time)
   * @param perConversation most events of one conversation per call; 0 = no limit
   * @return the events leased, oldest first
   */
  public Future<List<QueuedEvent>> pull(
      TenantQueueKeys keys, Lane lane, int max, long leaseMs, int scanLimit, int perConversation) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_pull")
            .arg(2)
            .arg(keys.stream(lane))
            .arg(keys.leases(lane))
            .arg(max)
            .arg(leaseMs)
            .arg(scanLimit)
            .arg(perConversation);
    int partition = keys.partition();
    return redis
        .send(call)
        .map(
            r -> {
              // id, conversation, payload, raw per event
              List<QueuedEvent> out = new ArrayList<>(r.size() / 4);
              for (int i = 0; i + 3 < r.size(); i += 4) {
                out.add(
                    new QueuedEvent(
                        new EventId(lane, partition, r.get(i).toString()),
                        r.get(i + 1).toString(),
                        r.get(i + 2).toString(),
                        r.get(i + 3).toString()));
              }
              return out;
            });
  }

  /**
   * Acknowledges (deletes) entries of one lane of one partition and their leases ({@code
   * sluice_ack}).
   *
   * @return how many entries were deleted (ids already acknowledged count nothing)
   */
  public Future<Integer> ack(TenantQueueKeys keys, Lane lane, List<String> entryIds) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_ack")
            .arg(2)
            .arg(keys.stream(lane))
            .arg(keys.leases(lane));
    entryIds.forEach(call::arg);
    return redis.send(call).map(Response::toInteger);
  }

  /** The entries waiting in one partition, per stream. */
  public record Backlog(long inbound, long quarantine, long outboundHigh, long outboundLow) {}

  /** Reads what waits in one partition ({@code sluice_backlog}, no writes). */
  public Future<Backlog> backlog(TenantQueueKeys keys) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_backlog")
            .arg(4)
            .arg(keys.inbound())
            .arg(keys.quarantine())
            .arg(keys.outbound("hi"))
            .arg(keys.outbound("lo"));
    return redis
        .send(call)
        .map(
            r ->
                new Backlog(
                    r.get(0).toLong(), r.get(1).toLong(), r.get(2).toLong(), r.get(3).toLong()));
  }

  /**
   * When the oldest event still waiting in a partition's inbound stream arrived (its entry id's
   * time).
   *
   * @return milliseconds since the epoch, or -1 when the stream is empty
   */
  public Future<Long> oldestArrivalMs(TenantQueueKeys keys) {
    Request xrange =
        Request.cmd(Command.XRANGE).arg(keys.inbound()).arg("-").arg("+").arg("COUNT").arg(1);
    return redis
        .send(xrange)
        .map(
            r -> {
              if (r == null || r.size() == 0) {
                return -1L;
              }
              String id = r.get(0).get(0).toString();
              return Long.parseLong(id.substring(0, id.indexOf('-')));
            });
  }
}
