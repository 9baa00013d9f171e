package dev.sluice.gateway.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.logging.ThrottledLogger;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.testing.MutableClock;
import dev.sluice.gateway.testing.RedisServerProcess;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The scheduler that the dispatcher and the deliverer share, on a real redis-server of this class's
 * own (its command counts are read, and the function library is loaded into it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkSchedulerIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final long CLAIM_MS = 60_000;

  private static RedisServerProcess server;
  private static Vertx vertx;
  private static RedisBackend backend;

  private Context context;
  private PipelinedRedis redis;
  private WorkSet set;
  private WorkScheduler scheduler;

  /** Units started, in order (a unit worked twice is listed twice). */
  private final List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startServer() {
    server = new RedisServerProcess().start();
    vertx = Vertx.vertx();
    backend =
        RedisBackend.create(
            vertx, ConfigLoader.load(Map.of("redis.url", server.url()), Map.of()).config().redis());
    backend.loadFunctions().await();
  }

  @AfterAll
  static void stopServer() {
    backend.close().await();
    vertx.close().await();
    server.close();
  }

  @BeforeEach
  void connect() {
    context = vertx.getOrCreateContext();
    redis = on(() -> backend.pipelined());
    set = new WorkSet(redis, "{" + TestBackends.uniqueId("work") + "}:work");
  }

  @AfterEach
  void close() {
    onFuture(
        () -> {
          if (scheduler != null) {
            scheduler.stop();
          }
          return redis.close();
        });
  }

  @Test
  void slotsAreNeverExceededAndEveryDueUnitIsWorkedOnce() throws Exception {
    for (int i = 0; i < 12; i++) {
      due("u" + i);
    }
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    start(
        WorkScheduler.Settings.of("test", 3, CLAIM_MS, 10).claimMost(2),
        Clock.systemUTC(),
        unit -> {
          most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          Promise<Void> done = Promise.promise();
          vertx.setTimer(15, id -> done.complete()); // a unit that takes a moment
          return done.future()
              .compose(
                  v -> {
                    inFlight.decrementAndGet();
                    return scheduler.unclaim(unit); // found empty: out of the set
                  });
        });

    await("all 12 units worked and the set empty", () -> started.size() >= 12 && members() == 0);

    assertThat(most.get()).as("units in flight at once").isLessThanOrEqualTo(3);
    assertThat(started).hasSize(12).doesNotHaveDuplicates();
  }

  @Test
  void aFailingUnitGivesItsSlotBackAndStaysClaimedUntilItsClaimEnds() throws Exception {
    long before = System.currentTimeMillis();
    due("throws");
    due("fails");
    due("works");
    start(
        WorkScheduler.Settings.of("test", 1, CLAIM_MS, 10),
        Clock.systemUTC(),
        unit ->
            switch (unit) {
              case "throws" -> throw new IllegalStateException("malformed unit");
              case "fails" -> Future.failedFuture(new IllegalStateException("Redis lost"));
              default -> scheduler.leave(unit);
            });

    await(
        "the one slot worked all three units", () -> started.size() >= 3 && score("works") == null);

    assertThat(started).containsExactlyInAnyOrder("throws", "fails", "works");
    // Left under their claims: they come back when the claims end, as if this instance had died.
    assertThat(score("throws")).isGreaterThanOrEqualTo(before + CLAIM_MS - 5_000);
    assertThat(score("fails")).isGreaterThanOrEqualTo(before + CLAIM_MS - 5_000);
  }

  @Test
  void aFailedUnitIsHandedBackWhenTheSettingsSaySo() throws Exception {
    due("fails");
    start(
        WorkScheduler.Settings.of("test", 1, CLAIM_MS, 10).failedUnitDueInMs(5_000),
        Clock.systemUTC(),
        unit -> Future.failedFuture(new IllegalStateException("Redis lost")));

    await(
        "the failed unit handed back due in 5 s, well before its claim ends",
        () -> {
          Long score = score("fails");
          return !started.isEmpty()
              && score != null
              && score < System.currentTimeMillis() + CLAIM_MS / 2;
        });
    assertThat(started).containsExactly("fails");
  }

  @Test
  void aUnitStillBeingWorkedKeepsItsSlotAfterItsClaimEnds() throws Exception {
    zadd(System.currentTimeMillis() - 1_000, "slow");
    zadd(System.currentTimeMillis() - 500, "other");
    Promise<Void> slow = Promise.promise();
    start(
        WorkScheduler.Settings.of("test", 1, 200, 10),
        Clock.systemUTC(),
        unit ->
            unit.equals("slow")
                ? slow.future().compose(v -> scheduler.leave(unit))
                : scheduler.leave(unit));
    await("the slow unit started", () -> started.contains("slow"));
    long claimEnd = score("slow");

    await("the slow unit's 200 ms claim ended", () -> System.currentTimeMillis() > claimEnd + 200);

    // Its work is still open: it keeps its slot, is not handed back, and nothing else is claimed.
    assertThat(started).containsExactly("slow");
    assertThat(on(() -> scheduler.unitsInFlight())).isEqualTo(1);
    assertThat(on(() -> scheduler.claims())).isEqualTo(1);
    assertThat(score("slow")).isEqualTo(claimEnd);

    context.runOnContext(v -> slow.complete());
    await("the next unit claimed once the slot was free", () -> started.contains("other"));
    assertThat(started).containsExactly("slow", "other");
  }

  @Test
  void aSparseFlowWaitsForTheLingerBeforeItsNextClaim() throws Exception {
    due("first");
    start(
        WorkScheduler.Settings.of("test", 1, CLAIM_MS, 10).lingerMs(1_000),
        Clock.systemUTC(),
        unit -> {
          for (int i = 0; i < 100; i++) {
            scheduler.pulled(0, 16); // its pulls come back empty: the flow is sparse
          }
          return scheduler.leave(unit);
        });
    await("the first unit worked", () -> started.contains("first") && score("first") == null);
    long firstDone = System.nanoTime();

    due("second");
    await("the next claim put off by the linger", () -> on(scheduler::lingered) >= 1);
    await("the second unit claimed once the linger passed", () -> started.contains("second"));
    // Claimed no sooner than the linger after the first claim (elapsed time, not the wall clock).
    assertThat(System.nanoTime() - firstDone).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(800));
    assertThat(on(scheduler::claims)).isEqualTo(2);
  }

  @Test
  void aClockSetBackOrPinnedDoesNotStallClaims() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    due("first");
    start(
        WorkScheduler.Settings.of("test", 1, CLAIM_MS, 10).lingerMs(50),
        clock,
        unit -> {
          for (int i = 0; i < 100; i++) {
            scheduler.pulled(0, 16);
          }
          return scheduler.leave(unit);
        });
    await("the first unit worked", () -> started.contains("first") && score("first") == null);

    clock.set(clock.instant().minusSeconds(3_600)); // set back an hour, then pinned there
    due("second");
    await("the second unit claimed although the clock went back", () -> started.contains("second"));
  }

  @Test
  void anIdleSchedulerFindsWorkThatBecomesDueLater() throws Exception {
    start(
        WorkScheduler.Settings.of("test", 2, CLAIM_MS, 10),
        Clock.systemUTC(),
        unit -> scheduler.leave(unit));
    await("two claims of the empty set", () -> on(scheduler::claims) >= 2);

    due("late");

    await("the unit made due later worked", () -> started.contains("late"));
  }

  @Test
  void stopEndsClaimingAndLeavesTheUnitsInFlightToTheirClaims() throws Exception {
    due("open");
    Promise<Void> open = Promise.promise();
    start(
        WorkScheduler.Settings.of("test", 1, CLAIM_MS, 10).failedUnitDueInMs(1_000),
        Clock.systemUTC(),
        unit -> open.future());
    await("the unit started", () -> started.contains("open"));
    long claimEnd = score("open");
    due("after-stop"); // due, and the slot frees up after the stop

    long claimsBefore =
        on(
            () -> {
              scheduler.stop();
              long before = scheduler.claims();
              open.fail(new IllegalStateException("cut off by the stop"));
              return before;
            });
    // A later turn on the scheduler's connection: whatever the failure sent is answered before.
    onFuture(() -> redis.send(Request.cmd(Command.PING)));
    long claims = on(scheduler::claims) - claimsBefore;

    assertThat(claims).as("claims after the stop").isZero();
    assertThat(on(() -> scheduler.unitsInFlight())).isZero();
    assertThat(score("open")).as("not handed back: its claim runs out").isEqualTo(claimEnd);
    assertThat(started).containsExactly("open");
  }

  @Test
  void theMarksAndUnclaimsOfOneTurnGoInOneCallEach() {
    scheduler =
        on(
            () ->
                new WorkScheduler(
                    context,
                    set,
                    WorkScheduler.Settings.of("test", 8, CLAIM_MS, 10),
                    new ThrottledLogger(LoggerFactory.getLogger(WorkSchedulerIT.class)),
                    Clock.systemUTC(),
                    unit -> Future.succeededFuture()));
    long now = System.currentTimeMillis();
    for (String unit : List.of("a", "b", "c", "d", "e", "f")) {
      zadd(now + CLAIM_MS, unit); // as claimed
    }
    backend.send(Request.cmd(Command.CONFIG).arg("RESETSTAT")).await();

    onFuture(
        () ->
            Future.all(
                scheduler.markDue("a", now + 1_000),
                scheduler.markDue("b", now + 2_000),
                scheduler.markDue("c", now + 3_000),
                scheduler.unclaim("d"),
                scheduler.unclaim("e"),
                scheduler.unclaim("f")));

    assertThat(calls("zadd")).isEqualTo(1);
    assertThat(calls("fcall")).isEqualTo(1);
    assertThat(score("a")).isEqualTo(now + 1_000);
    assertThat(score("c")).isEqualTo(now + 3_000);
    assertThat(members()).isEqualTo(3);
  }

  private void start(WorkScheduler.Settings settings, Clock clock, WorkScheduler.Work work) {
    scheduler =
        on(
            () ->
                new WorkScheduler(
                    context,
                    set,
                    settings,
                    new ThrottledLogger(LoggerFactory.getLogger(WorkSchedulerIT.class)),
                    clock,
                    unit -> {
                      started.add(unit);
                      return work.run(unit);
                    }));
    on(
        () -> {
          scheduler.start();
          return null;
        });
  }

  private void due(String unit) {
    zadd(System.currentTimeMillis(), unit);
  }

  private void zadd(long score, String unit) {
    backend.send(Request.cmd(Command.ZADD).arg(set.key()).arg(score).arg(unit)).await();
  }

  private Long score(String unit) {
    Response r = backend.send(Request.cmd(Command.ZSCORE).arg(set.key()).arg(unit)).await();
    return r == null ? null : r.toLong();
  }

  private long members() {
    return backend.send(Request.cmd(Command.ZCARD).arg(set.key())).await().toLong();
  }

  /** How many times Redis ran {@code command} since the stats were reset. */
  private static long calls(String command) {
    String stats = backend.send(Request.cmd(Command.INFO).arg("commandstats")).await().toString();
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("cmdstat_" + command + ":calls=")) {
        String rest = line.substring(("cmdstat_" + command + ":calls=").length());
        return Long.parseLong(rest.substring(0, rest.indexOf(',')));
      }
    }
    return 0;
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(10); // poll interval
    }
  }

  /** Runs {@code work} on the scheduler's event loop and returns its value. */
  private <T> T on(Supplier<T> work) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> done.complete(work.get()));
    return done.future().await();
  }

  /** Runs {@code work} on the scheduler's event loop and waits for the Future it returns. */
  private <T> T onFuture(Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(done));
    return done.future().await();
  }
}
