package dev.sluice.gateway.delivery;

import dev.sluice.gateway.queue.EventId;
import dev.sluice.gateway.queue.Lane;
import dev.sluice.gateway.queue.QueuedEvent;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Push delivery's Redis functions ({@code redis/sluice.lua}), one method each, with typed arguments
 * and replies: the deliverer's lease and outcome ({@code sluice_push_pull}, {@code
 * sluice_push_done}), the tenant's redrive and replay ({@code sluice_redrive}, {@code
 * sluice_replay}), and the streams the delivery API reads: the delivery log and the dead letters.
 * Which keys a function touches and in what order its arguments go is known here and nowhere else.
 * Holds nothing but its connection: used on the connection's event loop.
 *
 * <p>Push works on a partition's inbound stream and its lease set, with an attempts hash ({@code
 * :in:att}), a dead-letter lane ({@code :in:dlq}) and a replay archive of delivered events ({@code
 * :in:done}).
 */
public final class PushStore {
  private final RedisCommands redis;

  public PushStore(RedisCommands redis) {
    this.redis = redis;
  }

  // ---- the deliverer ----

  /**
   * An event leased for one delivery request.
   *
   * @param attempts failed deliveries of it so far
   */
  public record Leased(QueuedEvent event, int attempts) {
    public String entryId() {
      return event.id().entryId();
    }
  }

  /**
   * What one pull did.
   *
   * @param nextDueMs the earliest time (ms) a leased conversation head becomes due; 0 when none
   * @param deadLettered events moved to the dead-letter lane for being older than the maximum age
   * @param events the events leased, at most one per conversation
   */
  public record Batch(long nextDueMs, long deadLettered, List<Leased> events) {}

  /**
   * Leases the next events of one partition for one delivery request, one per conversation, and
   * moves events that arrived before {@code oldestMs} (and are not leased) to the dead-letter lane
   * ({@code sluice_push_pull}).
   *
   * @param leaseMs how long the events stay leased: longer than the request made with them
   * @param scanLimit entries looked at most
   */
  public Future<Batch> pull(
      TenantQueueKeys keys, int max, long leaseMs, int scanLimit, long oldestMs) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_push_pull")
            .arg(4)
            .arg(keys.inbound())
            .arg(keys.leases(Lane.INBOUND))
            .arg(keys.inboundAttempts())
            .arg(keys.inboundDeadLetters())
            .arg(max)
            .arg(leaseMs)
            .arg(scanLimit)
            .arg(oldestMs);
    int partition = keys.partition();
    return redis
        .send(call)
        .map(
            r -> {
              // next, dead, then id, conversation, payload, raw, attempts per event
              List<Leased> events = new ArrayList<>(r.size() / 5);
              for (int i = 2; i + 4 < r.size(); i += 5) {
                events.add(
                    new Leased(
                        new QueuedEvent(
                            new EventId(Lane.INBOUND, partition, r.get(i).toString()),
                            r.get(i + 1).toString(),
                            r.get(i + 2).toString(),
                            r.get(i + 3).toString()),
                        r.get(i + 4).toInteger()));
              }
              return new Batch(r.get(0).toLong(), r.get(1).toLong(), events);
            });
  }

  /**
   * Acknowledges delivered events: deletes them with their lease and attempts, and keeps a copy in
   * the replay archive ({@code sluice_push_done ok}).
   *
   * @param archiveMax the archive's length bound; 0 keeps no copy
   * @param archiveMinMs archive entries older than this (ms) are trimmed
   * @return how many events were deleted (ones already gone count nothing)
   */
  public Future<Long> acknowledge(
      TenantQueueKeys keys, long archiveMax, long archiveMinMs, List<Leased> events) {
    Request call = doneCall(keys, "ok").arg(archiveMax).arg(archiveMinMs);
    events.forEach(e -> call.arg(e.entryId()));
    return redis.send(call).map(Response::toLong);
  }

  /** How many events the partition's queue holds (leased ones included): {@code XLEN}. */
  public Future<Long> length(TenantQueueKeys keys) {
    return redis.send(Request.cmd(Command.XLEN).arg(keys.inbound())).map(Response::toLong);
  }

  /** An event whose delivery failed, and when to try it again (ms). */
  public record Retry(String entryId, long dueMs) {}

  /**
   * Counts a failed attempt for each event still leased and leases it until its retry is due
   * ({@code sluice_push_done retry}); its conversation waits behind it.
   *
   * @return how many events were leased for a retry
   */
  public Future<Long> retry(TenantQueueKeys keys, List<Retry> retries) {
    Request call = doneCall(keys, "retry");
    for (Retry r : retries) {
      call.arg(r.entryId()).arg(r.dueMs());
    }
    return redis.send(call).map(Response::toLong);
  }

  private static Request doneCall(TenantQueueKeys keys, String action) {
    return Request.cmd(Command.FCALL)
        .arg("sluice_push_done")
        .arg(4)
        .arg(keys.inbound())
        .arg(keys.leases(Lane.INBOUND))
        .arg(keys.inboundAttempts())
        .arg(keys.delivered())
        .arg(action);
  }

  // ---- redrive and replay ----

  /**
   * Moves dead letters of one partition back onto its inbound stream as new events ({@code
   * sluice_redrive}).
   *
   * @param deadLetterIds the dead-letter entries to move; none = the oldest, up to {@code max}
   * @return how many were moved
   */
  public Future<Integer> redrive(TenantQueueKeys keys, int max, List<String> deadLetterIds) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_redrive")
            .arg(2)
            .arg(keys.inboundDeadLetters())
            .arg(keys.inbound())
            .arg(max);
    deadLetterIds.forEach(call::arg);
    return redis.send(call).map(Response::toInteger);
  }

  /**
   * What a replay put back on the inbound stream.
   *
   * @param entryIds the original entry ids of the events replayed, in archive order
   */
  public record Replayed(int count, List<String> entryIds) {}

  /**
   * The bounds of a replay's archive scan.
   *
   * @param scanLimit archive entries looked at most
   * @param latenessMs the longest an event can wait for delivery (the maximum age): an event is
   *     archived at most this long after it arrived
   */
  public record ReplayScan(int scanLimit, long latenessMs) {}

  /**
   * Puts delivered events that arrived between {@code fromMs} and {@code toMs} (inclusive) back on
   * the inbound stream as new events ({@code sluice_replay range}).
   */
  public Future<Replayed> replayRange(
      TenantQueueKeys keys, long fromMs, long toMs, int max, ReplayScan scan) {
    return redis.send(replayCall(keys, "range", fromMs, toMs, max, scan)).map(PushStore::replayed);
  }

  /**
   * Puts the delivered events with these original entry ids back on the inbound stream as new
   * events ({@code sluice_replay ids}); ids not in the archive are left out of the reply.
   *
   * @param nowMs the time the scan reaches at least (the ids widen it to their own times)
   */
  public Future<Replayed> replayIds(
      TenantQueueKeys keys, List<String> entryIds, long nowMs, ReplayScan scan) {
    Request call = replayCall(keys, "ids", nowMs, nowMs, entryIds.size(), scan);
    entryIds.forEach(call::arg);
    return redis.send(call).map(PushStore::replayed);
  }

  private static Request replayCall(
      TenantQueueKeys keys, String mode, long fromMs, long toMs, int max, ReplayScan scan) {
    return Request.cmd(Command.FCALL)
        .arg("sluice_replay")
        .arg(2)
        .arg(keys.delivered())
        .arg(keys.inbound())
        .arg(mode)
        .arg(fromMs)
        .arg(toMs)
        .arg(max)
        .arg(scan.scanLimit())
        .arg(scan.latenessMs());
  }

  private static Replayed replayed(Response r) {
    List<String> ids = new ArrayList<>(Math.max(0, r.size() - 1));
    for (int j = 1; j < r.size(); j++) {
      ids.add(r.get(j).toString());
    }
    return new Replayed(r.get(0).toInteger(), ids);
  }

  // ---- the delivery log ----

  /**
   * One delivery request as the tenant's delivery log keeps it.
   *
   * @param status the endpoint's HTTP status; 0 when it did not answer
   * @param error why it failed ({@code http_status}, {@code timeout}, …), "" when it succeeded
   * @param latencyMs how long the request took
   * @param events the events it carried
   */
  public record Attempt(
      boolean ok, int status, String error, long latencyMs, int events, String webhookId) {}

  /** Appends a delivery request to the tenant's delivery log, trimmed to about {@code keep}. */
  public Future<Void> logAttempt(String tenantId, Attempt a, long keep) {
    Request xadd =
        Request.cmd(Command.XADD)
            .arg(TenantQueueKeys.deliveryLog(redis.keyPrefix(), tenantId))
            .arg("MAXLEN")
            .arg("~")
            .arg(keep)
            .arg("*")
            .arg("ok")
            .arg(a.ok() ? "1" : "0")
            .arg("status")
            .arg(a.status())
            .arg("error")
            .arg(a.error())
            .arg("ms")
            .arg(a.latencyMs())
            .arg("n")
            .arg(a.events())
            .arg("wid")
            .arg(a.webhookId());
    return redis.send(xadd).mapEmpty();
  }

  /**
   * A delivery log entry as read back: the fields it holds, each {@code null} when missing or (for
   * numbers) not a number.
   */
  public record LoggedAttempt(
      String entryId,
      boolean ok,
      Long status,
      String error,
      Long latencyMs,
      Long events,
      String webhookId) {}

  /** The tenant's most recent delivery log entries, newest first, {@code count} at most. */
  public Future<List<LoggedAttempt>> recentAttempts(String tenantId, int count) {
    Request xrevrange =
        Request.cmd(Command.XREVRANGE)
            .arg(TenantQueueKeys.deliveryLog(redis.keyPrefix(), tenantId))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(count);
    return redis
        .send(xrevrange)
        .map(
            r -> {
              List<LoggedAttempt> out = new ArrayList<>(r == null ? 0 : r.size());
              for (int i = 0; r != null && i < r.size(); i++) {
                Map<String, String> f = fields(r.get(i).get(1));
                out.add(
                    new LoggedAttempt(
                        r.get(i).get(0).toString(),
                        "1".equals(f.get("ok")),
                        number(f.get("status")),
                        f.get("error"),
                        number(f.get("ms")),
                        number(f.get("n")),
                        f.get("wid")));
              }
              return out;
            });
  }

  // ---- dead letters ----

  /**
   * An event whose delivery gave up, as its dead-letter entry holds it.
   *
   * @param entryId the dead-letter entry's id (its time is when it died)
   * @param originalId the inbound entry id the event had, "" when missing
   * @param conversation its conversation ({@code originalId} when missing)
   * @param payload the event JSON ({@code {}} when missing)
   * @param raw the provider's object ("" when missing)
   * @param reason why it died ({@code expired}), or {@code null}
   * @param attempts failed deliveries before, or {@code null}
   */
  public record DeadLetter(
      String entryId,
      String originalId,
      String conversation,
      String payload,
      String raw,
      String reason,
      Long attempts) {}

  /** The oldest {@code max} dead letters of one partition, oldest first. */
  public Future<List<DeadLetter>> deadLetters(TenantQueueKeys keys, int max) {
    Request xrange =
        Request.cmd(Command.XRANGE)
            .arg(keys.inboundDeadLetters())
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(max);
    return redis
        .send(xrange)
        .map(
            r -> {
              List<DeadLetter> out = new ArrayList<>(r == null ? 0 : r.size());
              for (int i = 0; r != null && i < r.size(); i++) {
                Map<String, String> f = fields(r.get(i).get(1));
                String original = f.getOrDefault("id", "");
                out.add(
                    new DeadLetter(
                        r.get(i).get(0).toString(),
                        original,
                        f.getOrDefault("c", original),
                        f.getOrDefault("e", "{}"),
                        f.getOrDefault("r", ""),
                        f.get("reason"),
                        number(f.get("attempts"))));
              }
              return out;
            });
  }

  /** A stream entry's fields (a flat name, value, … array). */
  private static Map<String, String> fields(Response flat) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; flat != null && i + 1 < flat.size(); i += 2) {
      Response v = flat.get(i + 1);
      out.put(flat.get(i).toString(), v == null ? null : v.toString());
    }
    return out;
  }

  /** A decimal number, or {@code null} when {@code s} is empty or not one. */
  static Long number(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
