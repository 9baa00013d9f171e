package dev.sluice.gateway.suppression;

import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The suppression functions of the library ({@code redis/sluice.lua}), one method each, with typed
 * arguments and replies: {@code sluice_suppress}, {@code sluice_unsuppress}, {@code
 * sluice_suppressed} and {@code sluice_suppression_scan}. Each call acts on one tenant partition's
 * opt-out set and its notes ({@link TenantQueueKeys#optOuts()}, {@link
 * TenantQueueKeys#optOutNotes()}), one slot. Holds nothing but its connection: used on the
 * connection's event loop.
 */
public final class SuppressionStore {
  private final RedisCommands redis;

  public SuppressionStore(RedisCommands redis) {
    this.redis = redis;
  }

  /**
   * What is noted beside an opted-out conversation.
   *
   * @param source who put it there: {@code api}, {@code import}, {@code keyword} or {@code
   *     provider}
   * @param reason free text, or {@code null}
   * @param at when it was added, or {@code null} when not known
   */
  public record Note(String source, String reason, Instant at) {
    /**
     * The note of a member that has none: written before notes existed (library version 6), when
     * only provider opt-outs filled the set.
     */
    static final Note UNNOTED = new Note("provider", null, null);

    /** The note as the functions store it, {@code {"source","reason","at"}}; '' = none. */
    static Note parse(String stored) {
      if (stored == null || stored.isEmpty()) {
        return UNNOTED;
      }
      try {
        JsonObject o = new JsonObject(stored);
        String reason = o.getString("reason");
        Object at = o.getValue("at");
        return new Note(
            o.getString("source", "provider"),
            reason == null || reason.isEmpty() ? null : reason,
            at instanceof Number n ? Instant.ofEpochMilli(n.longValue()) : null);
      } catch (DecodeException | ClassCastException e) {
        return UNNOTED;
      }
    }
  }

  /** A conversation to add, with the reason to note. */
  public record Add(String member, String reason) {}

  /**
   * What an add did.
   *
   * @param added false when the member was there already (its first note kept)
   * @param note the member's note as it now is
   */
  public record Added(boolean added, Note note) {}

  /**
   * Adds members to one partition's opt-out set, each noted with {@code source} ({@code
   * sluice_suppress}).
   *
   * @return one answer per member, in order
   */
  public Future<List<Added>> add(TenantQueueKeys keys, String source, List<Add> members) {
    Request call = call("sluice_suppress", keys).arg(source);
    for (Add m : members) {
      call.arg(m.member()).arg(m.reason() == null ? "" : m.reason());
    }
    return redis
        .send(call)
        .map(
            r -> {
              List<Added> out = new ArrayList<>(members.size());
              for (int i = 0; i + 1 < r.size(); i += 2) {
                out.add(new Added(r.get(i).toInteger() == 1, Note.parse(string(r.get(i + 1)))));
              }
              return out;
            });
  }

  /**
   * Removes members and their notes ({@code sluice_unsuppress}).
   *
   * @return per member, whether it was there
   */
  public Future<List<Boolean>> remove(TenantQueueKeys keys, List<String> members) {
    Request call = call("sluice_unsuppress", keys);
    members.forEach(call::arg);
    return redis
        .send(call)
        .map(
            r -> {
              List<Boolean> out = new ArrayList<>(r.size());
              r.forEach(removed -> out.add(removed.toInteger() == 1));
              return out;
            });
  }

  /**
   * Looks members up ({@code sluice_suppressed}, no writes).
   *
   * @return per member, its note ({@link Note#UNNOTED} for a member without one), or {@code null}
   *     when it is not in the set
   */
  public Future<List<Note>> find(TenantQueueKeys keys, List<String> members) {
    Request call = call("sluice_suppressed", keys);
    members.forEach(call::arg);
    return redis
        .send(call)
        .map(
            r -> {
              List<Note> out = new ArrayList<>(members.size());
              for (int i = 0; i + 1 < r.size(); i += 2) {
                out.add(r.get(i).toInteger() == 1 ? Note.parse(string(r.get(i + 1))) : null);
              }
              return out;
            });
  }

  /** One member found by a scan, with its note. */
  public record Entry(String member, Note note) {}

  /**
   * One step of a scan.
   *
   * @param cursor where the next step starts; {@code "0"} when the scan is over
   */
  public record Page(String cursor, List<Entry> entries) {
    public boolean last() {
      return "0".equals(cursor);
    }
  }

  /**
   * One step of a walk over a partition's opt-out set ({@code sluice_suppression_scan}, SSCAN's
   * guarantees: a member there for the whole walk is returned at least once, possibly twice).
   *
   * @param cursor {@code "0"} to start, then the previous page's
   * @param count how many members to look at (a hint, as SSCAN's COUNT)
   */
  public Future<Page> scan(TenantQueueKeys keys, String cursor, int count) {
    Request call = call("sluice_suppression_scan", keys).arg(cursor).arg(count);
    return redis
        .send(call)
        .map(
            r -> {
              List<Entry> entries = new ArrayList<>(r.size() / 2);
              for (int i = 1; i + 1 < r.size(); i += 2) {
                entries.add(new Entry(r.get(i).toString(), Note.parse(string(r.get(i + 1)))));
              }
              return new Page(r.get(0).toString(), entries);
            });
  }

  private static Request call(String function, TenantQueueKeys keys) {
    return Request.cmd(Command.FCALL)
        .arg(function)
        .arg(2)
        .arg(keys.optOuts())
        .arg(keys.optOutNotes());
  }

  private static String string(Response r) {
    return r == null ? null : r.toString();
  }
}
