package dev.sluice.gateway.work;

import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * One work set in Redis, such as {@code <prefix>{dispatch}:work} or {@code
 * <prefix>{delivery}:work}: a sorted set of units (members, {@code tenant:partition}) scored by
 * when each is next due, in ms. A unit is claimed by pushing its score a claim's length into the
 * future ({@code sluice_claim}), so a unit whose claimer dies comes back by itself; producers make
 * a unit due with {@code ZADD LT} (which only ever brings it forward), and the claimer puts it back
 * when done. The methods below are the calls on a work set, one per Redis function or command, with
 * typed arguments and replies; no other code builds them.
 *
 * <p>Every call names only the work set's key, so it lands in one cluster slot. One per pipelined
 * connection, used on its event loop.
 */
public final class WorkSet {
  private final PipelinedRedis redis;
  private final String key;

  /**
   * @param redis the connection of the verticle that works the set
   * @param key the work set's full key name, prefix included
   */
  public WorkSet(PipelinedRedis redis, String key) {
    this.redis = redis;
    this.key = key;
  }

  /** The work set's key. */
  public String key() {
    return key;
  }

  /** A unit's next due time, for {@link #mark}. */
  public record Mark(String unit, long dueMs) {}

  /**
   * Claims up to {@code most} due units ({@code sluice_claim}): each is due again {@code claimMs}
   * from now (Redis's clock), so another instance takes it up if this one dies holding it.
   *
   * @return the claimed units, soonest due first; fails with the Redis error
   */
  public Future<List<String>> claim(int most, long claimMs) {
    return redis
        .send(Request.cmd(Command.FCALL).arg("sluice_claim").arg(1).arg(key).arg(most).arg(claimMs))
        .map(WorkSet::members);
  }

  /**
   * Hands a claimed unit back, due at {@code dueMs} ({@code sluice_release}); a unit a producer
   * made due while it was worked (score lowered to now or earlier) stays due.
   *
   * @return true when the unit got {@code dueMs}, false when it was kept due
   */
  public Future<Boolean> release(String unit, long dueMs) {
    return redis
        .send(Request.cmd(Command.FCALL).arg("sluice_release").arg(1).arg(key).arg(unit).arg(dueMs))
        .map(r -> r.toLong() == 1);
  }

  /**
   * Takes a unit that was found empty out of the set ({@code sluice_unclaim}), unless a producer
   * made it due since its claim: it is removed only while its score is later than now + {@code
   * marginMs}, which only a claim's score is.
   *
   * @return true when it was removed
   */
  public Future<Boolean> unclaim(String unit, long marginMs) {
    return redis
        .send(
            Request.cmd(Command.FCALL)
                .arg("sluice_unclaim")
                .arg(1)
                .arg(key)
                .arg(unit)
                .arg(marginMs))
        .map(r -> r.toLong() == 1);
  }

  /**
   * {@link #unclaim} for several units in one call ({@code sluice_unclaim_many}).
   *
   * @return how many were removed
   */
  public Future<Integer> unclaimMany(Collection<String> units, long marginMs) {
    Request call =
        Request.cmd(Command.FCALL).arg("sluice_unclaim_many").arg(1).arg(key).arg(marginMs);
    units.forEach(call::arg);
    return redis.send(call).map(Response::toInteger);
  }

  /**
   * Brings units forward to their due times in one call ({@code ZADD LT}): a unit's score is
   * lowered from its claim's to {@code dueMs}, an earlier score (a producer's mark) is kept, and a
   * unit not in the set is added.
   */
  public Future<Void> mark(Collection<Mark> marks) {
    Request zadd = Request.cmd(Command.ZADD).arg(key).arg("LT");
    for (Mark m : marks) {
      zadd.arg(m.dueMs()).arg(m.unit());
    }
    return redis.send(zadd).mapEmpty();
  }

  /** Removes a unit from the set ({@code ZREM}), whatever its score. */
  public Future<Void> remove(String unit) {
    return redis.send(Request.cmd(Command.ZREM).arg(key).arg(unit)).mapEmpty();
  }

  private static List<String> members(Response r) {
    List<String> units = new ArrayList<>(r.size());
    r.forEach(u -> units.add(u.toString()));
    return units;
  }
}
