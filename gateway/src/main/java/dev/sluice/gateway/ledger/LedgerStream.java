package dev.sluice.gateway.ledger;

import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * The ledger's Redis streams, with typed arguments and replies: {@code <prefix>{ledger}:events}
 * (status changes on their way to PostgreSQL, read by the consumer group {@value #GROUP}) and
 * {@code <prefix>{ledger}:dead} (events PostgreSQL refused, parked for an operator). An entry of
 * the events stream holds a JSON array of events in field {@code e} ({@link LedgerCodec}). Holds
 * nothing but its connection: used on the connection's event loop.
 */
final class LedgerStream {
  /** The consumer group of the ledger writers. */
  static final String GROUP = "ledger";

  private final RedisCommands redis;
  private final String events;
  private final String dead;

  LedgerStream(RedisCommands redis) {
    this.redis = redis;
    this.events = Ledger.stream(redis.keyPrefix());
    this.dead = LedgerWriter.dead(redis.keyPrefix());
  }

  /** Appends events as one entry ({@code XADD}); completes when Redis has it. */
  Future<Void> append(List<LedgerEvent> batch) {
    return redis
        .send(
            Request.cmd(Command.XADD).arg(events).arg("*").arg("e").arg(LedgerCodec.encode(batch)))
        .mapEmpty();
  }

  /**
   * Creates the consumer group at the stream's start, and the stream if it is missing ({@code
   * XGROUP CREATE … MKSTREAM}); fails (BUSYGROUP) when the group exists, which callers ignore.
   */
  Future<Void> createGroup() {
    return redis
        .send(
            Request.cmd(Command.XGROUP)
                .arg("CREATE")
                .arg(events)
                .arg(GROUP)
                .arg("0")
                .arg("MKSTREAM"))
        .mapEmpty();
  }

  /**
   * One entry of the events stream: its events, or its raw value when it could not be read (to be
   * parked as it is).
   */
  record Entry(String id, List<LedgerEvent> events, byte[] unreadable) {}

  /**
   * Entries this consumer read before and has not acknowledged ({@code XREADGROUP … 0}): after a
   * restart, they come first.
   */
  Future<List<Entry>> readOwnPending(String consumer, int count) {
    return read(consumer, count, "0", 0);
  }

  /**
   * Entries no consumer has read yet ({@code XREADGROUP … >}), waiting up to {@code blockMs} for
   * one to arrive.
   */
  Future<List<Entry>> readNew(String consumer, int count, long blockMs) {
    return read(consumer, count, ">", blockMs);
  }

  private Future<List<Entry>> read(String consumer, int count, String from, long blockMs) {
    Request r =
        Request.cmd(Command.XREADGROUP)
            .arg("GROUP")
            .arg(GROUP)
            .arg(consumer)
            .arg("COUNT")
            .arg(count);
    if (blockMs > 0) {
      r.arg("BLOCK").arg(blockMs);
    }
    r.arg("STREAMS").arg(events).arg(from);
    return redis.send(r).map(reply -> entries(streamEntries(reply)));
  }

  /**
   * Takes over entries another consumer read and did not acknowledge for {@code idleMs} (it died)
   * ({@code XAUTOCLAIM} from the start).
   */
  Future<List<Entry>> claimAbandoned(String consumer, long idleMs, int count) {
    return redis
        .send(
            Request.cmd(Command.XAUTOCLAIM)
                .arg(events)
                .arg(GROUP)
                .arg(consumer)
                .arg(idleMs)
                .arg("0-0")
                .arg("COUNT")
                .arg(count))
        .map(reply -> entries(reply == null ? null : reply.get(1)));
  }

  /** Acknowledges entries written to PostgreSQL, then deletes them ({@code XACK}, {@code XDEL}). */
  Future<Void> acknowledge(List<Entry> written) {
    Request ack = Request.cmd(Command.XACK).arg(events).arg(GROUP);
    Request del = Request.cmd(Command.XDEL).arg(events);
    for (Entry e : written) {
      ack.arg(e.id());
      del.arg(e.id());
    }
    return redis.send(ack).compose(r -> redis.send(del)).mapEmpty();
  }

  /**
   * One event PostgreSQL will never take, as it is parked.
   *
   * @param entryId the events-stream entry it came from
   * @param events a JSON array of the one event, in the events stream's own form (so it can be
   *     appended back as it is), or the unreadable entry's raw value
   * @param reason why it was refused
   * @param recorded {@code status} when its status was written without its details, else {@code
   *     none}
   */
  record Parked(String entryId, byte[] events, String reason, String recorded) {}

  /** Adds an entry to the dead lane ({@code XADD}, fields {@code id e reason recorded}). */
  Future<Void> park(Parked p) {
    return redis
        .send(
            Request.cmd(Command.XADD)
                .arg(dead)
                .arg("*")
                .arg("id")
                .arg(p.entryId())
                .arg("e")
                .arg(p.events())
                .arg("reason")
                .arg(p.reason())
                .arg("recorded")
                .arg(p.recorded()))
        .mapEmpty();
  }

  /** The entries parked in the dead lane ({@code XLEN}). */
  Future<Long> deadLength() {
    return redis.send(Request.cmd(Command.XLEN).arg(dead)).map(n -> n == null ? 0 : n.toLong());
  }

  /** The id of the newest entry of the events stream ({@code XREVRANGE … COUNT 1}), or null. */
  Future<String> newestId() {
    return redis
        .send(Request.cmd(Command.XREVRANGE).arg(events).arg("+").arg("-").arg("COUNT").arg(1))
        .map(r -> r == null || r.size() == 0 ? null : r.get(0).get(0).toString());
  }

  /**
   * Whether the events stream still holds an entry at or before {@code id} ({@code XRANGE - id
   * COUNT 1}): entries leave it once a writer has written them to PostgreSQL.
   */
  Future<Boolean> holdsUpTo(String id) {
    return redis
        .send(Request.cmd(Command.XRANGE).arg(events).arg("-").arg(id).arg("COUNT").arg(1))
        .map(r -> r != null && r.size() > 0);
  }

  /** A parked entry: its id and its {@code e} field as stored. */
  record DeadEntry(String id, byte[] events) {}

  /**
   * Entries of the dead lane from {@code from} ({@code -}, or {@code (} and an id), oldest first
   * ({@code XRANGE … COUNT}).
   */
  Future<List<DeadEntry>> deadEntries(String from, int count) {
    return redis
        .send(Request.cmd(Command.XRANGE).arg(dead).arg(from).arg("+").arg("COUNT").arg(count))
        .map(
            reply -> {
              List<DeadEntry> out = new ArrayList<>();
              if (reply == null) {
                return out;
              }
              for (Response entry : reply) {
                Response fields = entry.get(1);
                byte[] value = new byte[0];
                for (int i = 0; fields != null && i + 1 < fields.size(); i += 2) {
                  if ("e".equals(fields.get(i).toString())) {
                    value = fields.get(i + 1).toBytes();
                  }
                }
                out.add(new DeadEntry(entry.get(0).toString(), value));
              }
              return out;
            });
  }

  /** Deletes entries of the dead lane ({@code XDEL}); how many were there. */
  Future<Long> deleteDead(List<String> ids) {
    Request del = Request.cmd(Command.XDEL).arg(dead);
    ids.forEach(del::arg);
    return redis.send(del).map(Response::toLong);
  }

  /** The entries of our one stream in an XREADGROUP reply (map or array, RESP3 or RESP2). */
  private Response streamEntries(Response reply) {
    if (reply == null || reply.size() == 0) {
      return null;
    }
    Response first = reply.containsKey(events) ? reply.get(events) : null;
    if (first != null) {
      return first;
    }
    Response pair = reply.get(0);
    return pair == null ? null : pair.get(1);
  }

  private static List<Entry> entries(Response list) {
    List<Entry> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    for (Response entry : list) {
      if (entry == null || entry.size() < 2 || entry.get(1) == null) {
        continue;
      }
      String id = entry.get(0).toString();
      Response fields = entry.get(1);
      List<LedgerEvent> events = new ArrayList<>();
      byte[] unreadable = null;
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        if ("e".equals(fields.get(i).toString())) {
          byte[] value = fields.get(i + 1).toBytes();
          try {
            events.addAll(LedgerCodec.decode(value));
          } catch (RuntimeException e) {
            unreadable = value;
          }
        }
      }
      out.add(new Entry(id, unreadable == null ? events : List.of(), unreadable));
    }
    return out;
  }
}
