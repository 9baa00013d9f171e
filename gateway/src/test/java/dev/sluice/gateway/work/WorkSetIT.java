package dev.sluice.gateway.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The work-set calls, one contract per Redis function or command, on the shared Redis: each test
 * has a work set of its own under a key prefix of this class's own, so no gateway claims from it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkSetIT {
  private static final String PREFIX = TestBackends.uniqueId("ws") + ":";
  private static final long CLAIM_MS = 30_000;

  private static Vertx vertx;
  private static RedisBackend backend;
  private static Context context;
  private static PipelinedRedis redis;

  private String key;
  private WorkSet set;

  @BeforeAll
  static void start() {
    TestBackends.requireRedis();
    vertx = Vertx.vertx();
    backend =
        RedisBackend.create(
            vertx, ConfigLoader.load(TestBackends.redisSettings(), Map.of()).config().redis());
    backend.awaitReadyAndLoadFunctions(5_000);
    context = vertx.getOrCreateContext();
    redis = on(c -> Future.succeededFuture(backend.pipelined()));
  }

  @AfterAll
  static void stop() {
    on(c -> redis.close());
    backend.close().await();
    vertx.close().await();
  }

  @BeforeEach
  void newSet() {
    key = PREFIX + "{" + TestBackends.uniqueId("w") + "}:work";
    set = new WorkSet(redis, key);
  }

  @Test
  void claimTakesTheDueUnitsSoonestFirstAndPushesEachAClaimAhead() {
    long now = System.currentTimeMillis();
    zadd(now - 2_000, "early");
    zadd(now - 1_000, "later");
    zadd(now + 60_000, "not-due");

    List<String> first = on(c -> set.claim(1, CLAIM_MS));
    List<String> rest = on(c -> set.claim(10, CLAIM_MS));

    assertThat(first).containsExactly("early");
    assertThat(rest).containsExactly("later"); // "early" is under its claim, "not-due" not due
    assertThat(score("early")).isBetween(now + CLAIM_MS - 5_000, now + CLAIM_MS + 5_000);
    assertThat(score("not-due")).isEqualTo(now + 60_000);
    List<String> none = on(c -> set.claim(10, CLAIM_MS));
    assertThat(none).isEmpty();
  }

  @Test
  void releaseGivesAClaimedUnitItsTimeUnlessAProducerMadeItDueMeanwhile() {
    long now = System.currentTimeMillis();
    zadd(now + CLAIM_MS, "quiet"); // claimed
    zadd(now + CLAIM_MS, "busy");
    zadd(now - 10, "busy"); // a producer's mark while it was worked

    boolean quiet = on(c -> set.release("quiet", now + 90_000));
    boolean busy = on(c -> set.release("busy", now + 90_000));

    assertThat(quiet).isTrue();
    assertThat(busy).isFalse();

    assertThat(score("quiet")).isEqualTo(now + 90_000); // later than its claim: allowed
    assertThat(score("busy")).isEqualTo(now - 10);
  }

  @Test
  void unclaimRemovesAUnitUnderItsClaimButSparesOneMarkedDueMeanwhile() {
    long now = System.currentTimeMillis();
    zadd(now + CLAIM_MS, "claimed");
    zadd(now, "marked");

    boolean claimed = on(c -> set.unclaim("claimed", CLAIM_MS / 2));
    boolean marked = on(c -> set.unclaim("marked", CLAIM_MS / 2));
    boolean absent = on(c -> set.unclaim("absent", CLAIM_MS / 2));

    assertThat(claimed).isTrue();
    assertThat(marked).as("a producer lowered it to its now: work arrived").isFalse();
    assertThat(absent).isFalse();

    assertThat(members()).containsExactly("marked");
  }

  @Test
  void unclaimManyRemovesOnlyTheUnitsStillUnderTheirClaim() {
    long now = System.currentTimeMillis();
    zadd(now + CLAIM_MS, "a");
    zadd(now, "b");
    zadd(now + CLAIM_MS, "c");

    int removed = on(c -> set.unclaimMany(List.of("a", "b", "c", "absent"), CLAIM_MS / 2));

    assertThat(removed).isEqualTo(2);
    assertThat(members()).containsExactly("b");
  }

  @Test
  void markBringsUnitsForwardKeepsEarlierMarksAndAddsMissingUnits() {
    long now = System.currentTimeMillis();
    zadd(now + CLAIM_MS, "claimed");
    zadd(now - 500, "marked");

    on(
        c ->
            set.mark(
                List.of(
                    new WorkSet.Mark("claimed", now + 1_000),
                    new WorkSet.Mark("marked", now + 1_000),
                    new WorkSet.Mark("new", now + 2_000))));

    assertThat(score("claimed")).isEqualTo(now + 1_000);
    assertThat(score("marked")).isEqualTo(now - 500);
    assertThat(score("new")).isEqualTo(now + 2_000);

    on(c -> set.mark(List.of(new WorkSet.Mark("claimed", now + 60_000))));
    assertThat(score("claimed")).as("never raised").isEqualTo(now + 1_000);
  }

  @Test
  void removeTakesAUnitOutWhateverItsScore() {
    zadd(System.currentTimeMillis(), "due");
    on(c -> set.remove("due"));
    on(c -> set.remove("absent"));
    assertThat(members()).isEmpty();
  }

  private void zadd(long score, String unit) {
    backend.send(Request.cmd(Command.ZADD).arg(key).arg(score).arg(unit)).await();
  }

  private Long score(String unit) {
    Response r = backend.send(Request.cmd(Command.ZSCORE).arg(key).arg(unit)).await();
    return r == null ? null : r.toLong();
  }

  private List<String> members() {
    Response r = backend.send(Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1)).await();
    List<String> out = new ArrayList<>();
    r.forEach(m -> out.add(m.toString()));
    return out;
  }

  /** Runs a call on the connection's event loop and waits for its result. */
  private static <T> T on(Function<Context, Future<T>> call) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> call.apply(context).onComplete(done));
    return done.future().await();
  }
}
