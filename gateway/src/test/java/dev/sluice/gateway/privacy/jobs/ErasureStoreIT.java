package dev.sluice.gateway.privacy.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.privacy.jobs.ErasureStore.Entry;
import dev.sluice.gateway.privacy.jobs.ErasureStore.IdemStep;
import dev.sluice.gateway.privacy.jobs.ErasureStore.Step;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.testing.LibraryRedis;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of the erasure functions, through {@link ErasureStore}: {@code sluice_conv_scan},
 * {@code sluice_conv_erase} and {@code sluice_idem_erase}. On a redis-server of this class's own,
 * with this source's library.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ErasureStoreIT {
  private static final String HASH = "0123456789abcdef01234567";
  private static final String OTHER = "fedcba9876543210fedcba98";

  private static LibraryRedis redis;
  private static ErasureStore store;

  @BeforeAll
  static void start() {
    redis = LibraryRedis.start("er:");
    store = new ErasureStore(redis.backend());
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  private static TenantQueueKeys partition(int p) {
    return new TenantQueueKeys(redis.backend().keyPrefix(), TestBackends.uniqueId("er"), p);
  }

  /** Every entry a walk returns, step by step with {@code limit} entries looked at per step. */
  private static List<Entry> walk(String stream, int limit, List<Integer> stepSizes) {
    List<Entry> all = new ArrayList<>();
    String from = ErasureStore.FIRST;
    do {
      Step step = store.scan(stream, from, limit, HASH).await();
      stepSizes.add(step.entries().size());
      all.addAll(step.entries());
      from = step.next();
    } while (from != null);
    return all;
  }

  @Test
  void aWalkReturnsThePersonsEntriesOnEveryChannelAndThoseWithoutAConversationStepByStep() {
    TenantQueueKeys k = partition(3);
    String a = redis.xadd(k.inbound(), "c", "wa-1:" + HASH, "e", "{\"text\":\"one\"}", "r", "{}");
    redis.xadd(k.inbound(), "c", "wa-1:" + OTHER, "e", "{\"text\":\"other\"}", "r", "{}");
    String b = redis.xadd(k.inbound(), "c", "tg-2:" + HASH, "e", "{\"text\":\"two\"}", "r", "{}");
    redis.xadd(k.inbound(), "c", "wa-1:x" + HASH, "e", "{}", "r", "{}"); // a longer hash
    String c = redis.xadd(k.inbound(), "m", "{\"id\":\"m1\"}");

    List<Integer> steps = new ArrayList<>();
    List<Entry> found = walk(k.inbound(), 2, steps);

    assertThat(found).extracting(Entry::id).containsExactly(a, b, c);
    assertThat(found.get(0).fields())
        .containsExactly(
            Map.entry("c", "wa-1:" + HASH),
            Map.entry("e", "{\"text\":\"one\"}"),
            Map.entry("r", "{}"));
    assertThat(found.get(2).field("c")).isNull();
    assertThat(found.get(2).field("m")).isEqualTo("{\"id\":\"m1\"}");
    assertThat(steps).containsExactly(1, 1, 1); // 2 + 2 + 1 entries looked at
    assertThat(redis.xlen(k.inbound())).isEqualTo(5); // no writes
  }

  @Test
  void aWalkOverAMissingStreamEndsAtOnce() {
    Step step = store.scan(partition(1).delivered(), ErasureStore.FIRST, 10, HASH).await();

    assertThat(step.entries()).isEmpty();
    assertThat(step.next()).isNull();
  }

  @Test
  void eraseDeletesEntriesWithTheirLeasesAndAttemptsAndSaysWhichWereThere() {
    TenantQueueKeys k = partition(4);
    String lane = k.outbound("hi");
    String leased = redis.xadd(lane, "c", "wa:" + HASH, "m", "{}");
    String waiting = redis.xadd(lane, "c", "wa:" + HASH, "m", "{}");
    String kept = redis.xadd(lane, "c", "wa:" + OTHER, "m", "{}");
    long leaseEnd = System.currentTimeMillis() + 60_000;
    redis.send(Request.cmd(Command.ZADD).arg(k.outboundLeases("hi")).arg(leaseEnd).arg(leased));
    redis.send(Request.cmd(Command.ZADD).arg(k.outboundLeases("hi")).arg(leaseEnd).arg(kept));
    redis.send(Request.cmd(Command.HSET).arg(k.attempts()).arg(leased).arg(2).arg(kept).arg(1));

    List<Long> answers =
        store.erase(PartitionStream.OUTBOUND_HIGH.keys(k), List.of(leased, waiting, "1-1")).await();

    assertThat(answers).containsExactly(leaseEnd, 0L, ErasureStore.ABSENT);
    assertThat(redis.entries(lane)).hasSize(1);
    assertThat(redis.zscore(k.outboundLeases("hi"), leased)).isNull();
    assertThat(redis.hget(k.attempts(), leased)).isNull();
    assertThat(redis.zscore(k.outboundLeases("hi"), kept)).isEqualTo(leaseEnd);
    assertThat(redis.hget(k.attempts(), kept)).isEqualTo("1");

    assertThat(store.erase(PartitionStream.OUTBOUND_HIGH.keys(k), List.of(leased)).await())
        .containsExactly(ErasureStore.ABSENT);
  }

  @Test
  void eraseTakesAStreamWithoutLeasesOrAttempts() {
    TenantQueueKeys k = partition(5);
    String dead = redis.xadd(k.deadLetters(), "m", "{}");
    String archived = redis.xadd(k.delivered(), "id", "1-0", "c", "wa:" + HASH, "e", "{}");

    assertThat(store.erase(PartitionStream.OUTBOUND_DEAD_LETTERS.keys(k), List.of(dead)).await())
        .containsExactly(0L);
    assertThat(store.erase(PartitionStream.REPLAY_ARCHIVE.keys(k), List.of(archived)).await())
        .containsExactly(0L);
    assertThat(redis.xlen(k.deadLetters())).isZero();
    assertThat(redis.xlen(k.delivered())).isZero();
  }

  @Test
  void theIdempotencyWalkDeletesOnlyThePartitionsMarkersOfTheGivenMessages() {
    TenantQueueKeys k = partition(6);
    TenantQueueKeys neighbour = new TenantQueueKeys(redis.backend().keyPrefix(), k.tenantId(), 61);
    set(k.idempotency("key-a"), "m-1");
    set(k.idempotency("key-b"), "m-2");
    set(k.idempotency("key-c"), "m-3");
    set(neighbour.idempotency("key-d"), "m-1"); // another partition: never this walk's
    for (int i = 0; i < 300; i++) {
      set(k.tag() + ":filler:" + i, "m-1"); // not a marker, though it holds a wanted id
    }

    List<String> deleted = new ArrayList<>();
    String cursor = ErasureStore.IDEM_FIRST;
    int calls = 0;
    do {
      IdemStep step = store.eraseIdempotency(k, cursor, 10, 2, List.of("m-1", "m-2")).await();
      deleted.addAll(step.keyHashes());
      cursor = step.next();
      calls++;
    } while (!cursor.equals(ErasureStore.IDEM_FIRST));

    assertThat(deleted).containsExactlyInAnyOrder("key-a", "key-b");
    assertThat(calls).isGreaterThan(1); // the walk went in bounded steps
    assertThat(redis.exists(k.idempotency("key-a"))).isFalse();
    assertThat(redis.exists(k.idempotency("key-b"))).isFalse();
    assertThat(redis.exists(k.idempotency("key-c"))).isTrue();
    assertThat(redis.exists(neighbour.idempotency("key-d"))).isTrue();
    assertThat(redis.exists(k.tag() + ":filler:0")).isTrue();
  }

  @Test
  void deleteCountsTheKeysThatExisted() {
    TenantQueueKeys k = partition(7);
    set(k.rate("wa", HASH), "1");

    assertThat(store.delete(List.of(k.rate("wa", HASH), k.rate("tg", HASH))).await()).isEqualTo(1);
    assertThat(store.delete(List.of()).await()).isZero();
    assertThat(redis.exists(k.rate("wa", HASH))).isFalse();
  }

  private static void set(String key, String value) {
    redis.send(Request.cmd(Command.SET).arg(key).arg(value));
  }
}
