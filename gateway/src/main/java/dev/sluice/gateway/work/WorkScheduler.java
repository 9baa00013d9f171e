package dev.sluice.gateway.work;

import dev.sluice.gateway.logging.ThrottledLogger;
import dev.sluice.gateway.redis.TurnBatcher;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Works the units of one {@link WorkSet} on one event loop, with at most {@code slots} of them at a
 * time: claims as many due units as there are free slots (never more than {@code claimMost} per
 * claim) and hands each to its {@link Work}; runs again as soon as a unit finishes, and on a short
 * timer while slots are free (new work may become due). One claim is under way at a time, and while
 * recent claims came back sparse a claim waits for the {@link ClaimLinger linger} since the last
 * one. The dispatcher and the deliverer each run one per verticle, and keep only what to do with
 * one claimed unit.
 *
 * <p>A unit holds its slot until its work's Future ends, and is never abandoned on a timer: every
 * step of the work has a deadline of its own (Redis calls, requests), so it ends, and a unit is put
 * back only once nothing done under it is still open. Work that fails is warned about (throttled)
 * and, if {@link Settings#failedUnitDueInMs} says so, handed back due that much later; otherwise
 * its claim runs out and it comes back by itself, as it would if this instance had died.
 *
 * <p>The work puts its unit back through the methods here: {@link #markDue} and {@link #unclaim}
 * gather the units of one event-loop turn into one call, {@link #release}, {@link #park} and {@link
 * #leave} go at once. Touched only on its context's event loop.
 */
public final class WorkScheduler {
  /** For {@link Settings#failedUnitDueInMs}: a unit whose work failed stays claimed. */
  public static final long LEAVE_CLAIMED = -1;

  /**
   * How much longer than its requests' deadline work taken under a lease stays leased: room for the
   * time between the lease and a request's start, a late timer and the cut-off reaching the far
   * side.
   */
  public static final long LEASE_MARGIN_MS = 5_000;

  /** After a failed claim (Redis down), the next one waits at least this long. */
  static final long CLAIM_RETRY_MS = 500;

  /** Units per {@code ZADD LT} or {@code sluice_unclaim_many} call at most. */
  static final int MAX_UNITS_PER_CALL = 500;

  /** What to do with one claimed unit. */
  @FunctionalInterface
  public interface Work {
    /**
     * Works one claimed unit and puts it back (through the scheduler). The Future must end only
     * once nothing done under the unit is still open; a failed Future (or a throw) gives the slot
     * back like a success, and is warned about.
     */
    Future<?> run(String unit);
  }

  /**
   * How a scheduler works its set.
   *
   * @param name what its warnings call the work ({@code dispatch}, {@code delivery})
   * @param slots units worked at once at most
   * @param claimMost units per claim at most
   * @param claimMs how long a claimed unit stays with this instance before another may take it
   * @param idlePollMs how soon a scheduler with free slots looks for due work again
   * @param lingerMs the longest a claim waits after the last one while claims come back sparse (0 =
   *     never)
   * @param failedUnitDueInMs how soon a unit whose work failed is due again, or {@link
   *     #LEAVE_CLAIMED}
   */
  public record Settings(
      String name,
      int slots,
      int claimMost,
      long claimMs,
      long idlePollMs,
      long lingerMs,
      long failedUnitDueInMs) {

    public Settings {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a work scheduler needs a name");
      }
      if (slots < 1 || claimMost < 1) {
        throw new IllegalArgumentException(
            name + ": slots and claimMost must be 1 or more, got " + slots + ", " + claimMost);
      }
      if (claimMs < 1 || idlePollMs < 1 || lingerMs < 0) {
        throw new IllegalArgumentException(
            name
                + ": claimMs and idlePollMs must be 1 or more and lingerMs 0 or more, got "
                + claimMs
                + ", "
                + idlePollMs
                + ", "
                + lingerMs);
      }
      if (failedUnitDueInMs < 0 && failedUnitDueInMs != LEAVE_CLAIMED) {
        throw new IllegalArgumentException(
            name + ": failedUnitDueInMs must be 0 or more, or LEAVE_CLAIMED");
      }
    }

    /**
     * {@code slots} units at once, all of them claimable in one claim, no linger, and failed units
     * left claimed.
     */
    public static Settings of(String name, int slots, long claimMs, long idlePollMs) {
      return new Settings(name, slots, slots, claimMs, idlePollMs, 0, LEAVE_CLAIMED);
    }

    /** The same with at most {@code most} units per claim. */
    public Settings claimMost(int most) {
      return new Settings(name, slots, most, claimMs, idlePollMs, lingerMs, failedUnitDueInMs);
    }

    /** The same with a linger of {@code ms}. */
    public Settings lingerMs(long ms) {
      return new Settings(name, slots, claimMost, claimMs, idlePollMs, ms, failedUnitDueInMs);
    }

    /** The same with failed units due again {@code ms} after they failed. */
    public Settings failedUnitDueInMs(long ms) {
      return new Settings(name, slots, claimMost, claimMs, idlePollMs, lingerMs, ms);
    }
  }

  private final Context context;
  private final Vertx vertx;
  private final WorkSet set;
  private final Settings settings;
  private final ThrottledLogger warnings;
  private final Clock clock;
  private final Work work;
  private final ClaimLinger linger;
  private final TurnBatcher<WorkSet.Mark> marks;
  private final TurnBatcher<String> unclaims;

  private boolean started;
  private boolean stopped;
  private boolean claiming;
  private int unitsInFlight;
  private long lastClaimMs = Long.MIN_VALUE / 2; // monotonic ms (System.nanoTime)
  private long timer = -1;
  private long timerAt; // monotonic ms (System.nanoTime)
  private long claims;
  private long lingered;

  /**
   * @param context the verticle's context: the scheduler runs on its event loop only
   * @param set the work set to claim from, on the verticle's connection
   * @param warnings the verticle's throttled warnings, shared with its work
   * @param clock what the scheduler reads the time from (due times, the linger)
   * @param work what to do with one claimed unit
   */
  public WorkScheduler(
      Context context,
      WorkSet set,
      Settings settings,
      ThrottledLogger warnings,
      Clock clock,
      Work work) {
    this.context = context;
    this.vertx = context.owner();
    this.set = set;
    this.settings = settings;
    this.warnings = warnings;
    this.clock = clock;
    this.work = work;
    this.linger = new ClaimLinger(settings.lingerMs());
    this.marks = new TurnBatcher<>(context, MAX_UNITS_PER_CALL, set::mark);
    this.unclaims =
        new TurnBatcher<>(
            context, MAX_UNITS_PER_CALL, units -> set.unclaimMany(units, settings.claimMs() / 2));
  }

  /**
   * A lease for work whose requests are cut off {@code requestTimeoutMs} after the lease is taken:
   * it outlives every one of them, so a live instance never has the same work out twice, and a dead
   * one's comes back soon after.
   */
  public static long leaseOutliving(long requestTimeoutMs) {
    return requestTimeoutMs + LEASE_MARGIN_MS;
  }

  /** Starts claiming (on the next turn of the event loop). */
  public void start() {
    if (started) {
      return;
    }
    started = true;
    context.runOnContext(v -> loop());
  }

  /**
   * Stops claiming. Units in flight are not waited for: whatever their work leaves open (leases,
   * claims) runs out and another instance takes it up. Their failures are no longer warned about.
   */
  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Whether {@link #stop} was called. */
  public boolean stopped() {
    return stopped;
  }

  /** Units being worked now (slots in use). */
  public int unitsInFlight() {
    return unitsInFlight;
  }

  /** Claims sent so far (tests). */
  long claims() {
    return claims;
  }

  /** Times a claim was put off by the linger so far (tests). */
  long lingered() {
    return lingered;
  }

  /**
   * One pull of a unit's work took {@code taken} of the {@code asked} items it asked for: how full
   * pulls are decides the linger.
   */
  public void pulled(int taken, int asked) {
    linger.pulled(taken, asked);
  }

  /**
   * Puts a worked unit back, due at {@code dueMs} or at the earlier time a producer gave it; the
   * units of one event-loop turn go in one {@code ZADD LT}. A due time later than the unit's claim
   * does not raise it: the unit comes back when its claim ends.
   */
  public Future<Void> markDue(String unit, long dueMs) {
    return marks.add(List.of(new WorkSet.Mark(unit, dueMs)));
  }

  /**
   * Hands a claimed unit back, due at {@code dueMs} (later than its claim if need be), unless a
   * producer made it due meanwhile. One call per unit.
   */
  public Future<Void> release(String unit, long dueMs) {
    return set.release(unit, dueMs).mapEmpty();
  }

  /**
   * Takes a unit found empty out of the set, unless a producer made it due since its claim; the
   * units of one event-loop turn go in one call.
   */
  public Future<Void> unclaim(String unit) {
    return unclaims.add(List.of(unit));
  }

  /**
   * Takes a unit found empty out of the set when it is not known whether a producer made it due
   * meanwhile: it is removed first and its backlog counted after, and put back due now if it has
   * any, so an item that arrives meanwhile (whose producer adds the unit back) is never stranded.
   *
   * @param backlog counts what the unit holds
   */
  public Future<Void> park(String unit, Supplier<Future<Long>> backlog) {
    return set.remove(unit)
        .compose(v -> backlog.get())
        .compose(n -> n > 0 ? markDue(unit, clock.millis()) : Future.<Void>succeededFuture());
  }

  /** A unit that is no unit of this work (not a partition, no longer a push tenant's) leaves it. */
  public Future<Void> leave(String unit) {
    return set.remove(unit);
  }

  /**
   * Claims as many due units as there are free slots and starts each; runs again when a unit
   * finishes, and on a timer while slots are free.
   */
  private void loop() {
    if (stopped || claiming) {
      return;
    }
    int room = Math.min(settings.claimMost(), settings.slots() - unitsInFlight);
    if (room <= 0) {
      return; // a unit that finishes looks again
    }
    // Elapsed time, not the wall clock: a clock that is set back or pinned must not stall claims.
    long now = TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    long wait = linger.waitMs(now - lastClaimMs);
    if (wait > 0) {
      lingered++;
      later(wait);
      return;
    }
    lastClaimMs = now;
    claiming = true;
    claims++;
    set.claim(room, settings.claimMs()).onComplete(ar -> claimed(ar, room));
  }

  private void claimed(AsyncResult<List<String>> ar, int asked) {
    if (stopped) {
      claiming = false;
      return; // anything claimed comes back when its claim ends
    }
    if (ar.failed()) {
      claiming = false;
      warnings.warn("{} claim failed: {}", settings.name(), ar.cause().toString());
      later(Math.max(settings.idlePollMs(), CLAIM_RETRY_MS));
      return;
    }
    List<String> units = ar.result();
    units.forEach(this::startUnit);
    claiming = false;
    if (units.size() < asked) {
      later(settings.idlePollMs()); // nothing more is due now
    } else {
      loop(); // more may be due, and slots may be free
    }
  }

  private void startUnit(String unit) {
    unitsInFlight++;
    Future<?> done;
    try {
      done = work.run(unit);
    } catch (RuntimeException e) { // a malformed unit: its slot must come back
      done = Future.failedFuture(e);
    }
    done.onComplete(
        ar -> {
          unitsInFlight--;
          if (ar.failed() && !stopped) {
            failed(unit, ar.cause());
          }
          loop();
        });
  }

  private void failed(String unit, Throwable cause) {
    warnings.warn("{} of {} failed: {}", settings.name(), unit, cause.toString());
    if (settings.failedUnitDueInMs() != LEAVE_CLAIMED) {
      release(unit, clock.millis() + settings.failedUnitDueInMs())
          .onFailure(
              e ->
                  warnings.warn(
                      "{} of {}: cannot hand it back: {}", settings.name(), unit, e.toString()));
    }
  }

  /** Runs the loop again in {@code delayMs}, or sooner if it is already due sooner. */
  private void later(long delayMs) {
    if (stopped) {
      return;
    }
    long at = TimeUnit.NANOSECONDS.toMillis(System.nanoTime()) + delayMs;
    if (timer >= 0) {
      if (timerAt <= at) {
        return;
      }
      vertx.cancelTimer(timer);
    }
    timerAt = at;
    timer =
        vertx.setTimer(
            Math.max(1, delayMs),
            id -> {
              timer = -1;
              loop();
            });
  }
}
