package dev.sluice.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.delivery.PushStore.Attempt;
import dev.sluice.gateway.delivery.PushStore.Batch;
import dev.sluice.gateway.delivery.PushStore.DeadLetter;
import dev.sluice.gateway.delivery.PushStore.Leased;
import dev.sluice.gateway.delivery.PushStore.LoggedAttempt;
import dev.sluice.gateway.delivery.PushStore.ReplayScan;
import dev.sluice.gateway.delivery.PushStore.Replayed;
import dev.sluice.gateway.delivery.PushStore.Retry;
import dev.sluice.gateway.queue.EventId;
import dev.sluice.gateway.queue.Lane;
import dev.sluice.gateway.queue.QueuedEvent;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.testing.LibraryRedis;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of push delivery's functions and streams, through {@link PushStore}: each function's
 * arguments and reply as the typed methods send and read them. On a redis-server of this class's
 * own, with this source's library.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushStoreIT {
  private static final long LEASE_MS = 60_000;
  private static final int SCAN = 1_000;

  private static LibraryRedis redis;
  private static PushStore store;

  @BeforeAll
  static void start() {
    redis = LibraryRedis.start("push:");
    store = new PushStore(redis.backend());
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  private static TenantQueueKeys partition(int p) {
    return new TenantQueueKeys(redis.backend().keyPrefix(), TestBackends.uniqueId("push"), p);
  }

  private static String add(TenantQueueKeys k, String conv, String text) {
    return redis.xadd(k.inbound(), "c", conv, "e", "{\"text\":\"" + text + "\"}", "r", "raw");
  }

  private static Batch pull(TenantQueueKeys k, long oldestMs) {
    return store.pull(k, 10, LEASE_MS, SCAN, oldestMs).await();
  }

  private static List<String> ids(Batch batch) {
    return batch.events().stream().map(Leased::entryId).toList();
  }

  @Test
  void oneEventPerConversationAndAFailedOneHoldsBackOnlyItsConversation() {
    TenantQueueKeys k = partition(0);
    String a1 = add(k, "a", "a1");
    String a2 = add(k, "a", "a2");
    String b1 = add(k, "b", "b1");

    Batch first = pull(k, 0);
    assertThat(first.events())
        .containsExactly(
            new Leased(
                new QueuedEvent(new EventId(Lane.INBOUND, 0, a1), "a", "{\"text\":\"a1\"}", "raw"),
                0),
            new Leased(
                new QueuedEvent(new EventId(Lane.INBOUND, 0, b1), "b", "{\"text\":\"b1\"}", "raw"),
                0));
    assertThat(first.nextDueMs()).isZero();
    assertThat(first.deadLettered()).isZero();

    long due = System.currentTimeMillis() + 60_000;
    assertThat(store.retry(k, List.of(new Retry(a1, due), new Retry(a2, due))).await())
        .isEqualTo(1); // a2 was never leased: not retried
    assertThat(store.acknowledge(k, 100, 0, List.of(first.events().get(1))).await()).isEqualTo(1);

    Batch second = pull(k, 0);
    assertThat(ids(second)).isEmpty(); // a1 waits for its retry, a2 behind it; b is done
    assertThat(second.nextDueMs()).isEqualTo(due);
    assertThat(redis.entries(k.delivered()))
        .containsExactly(Map.of("id", b1, "c", "b", "e", "{\"text\":\"b1\"}", "r", "raw"));
    assertThat(redis.hget(k.inboundAttempts(), a1)).isEqualTo("1");
    assertThat(redis.hget(k.inboundAttempts(), a2)).isNull();

    redis.send(Request.cmd(Command.ZADD).arg(k.leases(Lane.INBOUND)).arg(0).arg(a1)); // due now
    Batch third = pull(k, 0);
    assertThat(ids(third)).containsExactly(a1);
    assertThat(third.events().get(0).attempts()).isEqualTo(1);
    assertThat(store.acknowledge(k, 0, 0, third.events()).await()).isEqualTo(1);
    assertThat(redis.xlen(k.delivered())).isEqualTo(1); // a bound of 0 keeps no copy
    assertThat(redis.hget(k.inboundAttempts(), a1)).isNull();
    assertThat(ids(pull(k, 0))).containsExactly(a2);
  }

  @Test
  void eventsOlderThanTheMaximumAgeGoToTheDeadLetterLaneInsteadOfOut() {
    TenantQueueKeys k = partition(1);
    String old = add(k, "a", "old");
    long cutoff = Long.parseLong(old.substring(0, old.indexOf('-'))) + 1;
    String young =
        redis
            .send(
                Request.cmd(Command.XADD)
                    .arg(k.inbound())
                    .arg(cutoff + "-0")
                    .arg("c")
                    .arg("b")
                    .arg("e")
                    .arg("{}")
                    .arg("r")
                    .arg(""))
            .toString();
    redis.send(Request.cmd(Command.HSET).arg(k.inboundAttempts()).arg(old).arg(3));

    Batch pulled = pull(k, cutoff);

    assertThat(pulled.deadLettered()).isEqualTo(1);
    assertThat(ids(pulled)).containsExactly(young);
    assertThat(redis.xlen(k.inbound())).isEqualTo(1);
    assertThat(redis.hget(k.inboundAttempts(), old)).isNull();
    List<DeadLetter> dead = store.deadLetters(k, 10).await();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0))
        .isEqualTo(
            new DeadLetter(
                dead.get(0).entryId(), old, "a", "{\"text\":\"old\"}", "raw", "expired", 3L));
  }

  @Test
  void deadLettersReadDefaultsForEntriesThisGatewayDidNotWrite() {
    TenantQueueKeys k = partition(0);
    String entry = redis.xadd(k.inboundDeadLetters(), "attempts", "many");

    assertThat(store.deadLetters(k, 10).await())
        .containsExactly(new DeadLetter(entry, "", "", "{}", "", null, null));
  }

  @Test
  void redriveMovesTheOldestDeadLettersOrTheOnesNamedBackAsNewEvents() {
    TenantQueueKeys k = partition(2);
    redis.xadd(k.inboundDeadLetters(), "id", "1-1", "c", "a", "e", "{\"n\":1}", "r", "x");
    String d2 =
        redis.xadd(k.inboundDeadLetters(), "id", "1-2", "c", "b", "e", "{\"n\":2}", "r", "y");
    String d3 =
        redis.xadd(k.inboundDeadLetters(), "id", "1-3", "c", "c", "e", "{\"n\":3}", "r", "z");

    assertThat(store.redrive(k, 1, List.of()).await()).isEqualTo(1);
    assertThat(store.redrive(k, 10, List.of(d3, "1-1")).await()).isEqualTo(1);

    assertThat(redis.entries(k.inbound()))
        .containsExactly(
            Map.of("c", "a", "e", "{\"n\":1}", "r", "x"),
            Map.of("c", "c", "e", "{\"n\":3}", "r", "z"));
    assertThat(store.deadLetters(k, 10).await())
        .extracting(DeadLetter::entryId)
        .containsExactly(d2);
  }

  @Test
  void replayPutsArchivedEventsOfARangeOrOfTheIdsNamedBackOnTheQueue() {
    TenantQueueKeys k = partition(0);
    long now = System.currentTimeMillis();
    String e1 = (now - 3_000) + "-0";
    String e2 = (now - 2_000) + "-0";
    String e3 = (now - 1_000) + "-0";
    for (String id : List.of(e1, e2, e3)) {
      redis.xadd(k.delivered(), "id", id, "c", "conv-" + id, "e", "{}", "r", "raw");
    }
    ReplayScan scan = new ReplayScan(100, 60_000);

    Replayed range = store.replayRange(k, now - 2_500, now, 10, scan).await();
    Replayed capped = store.replayRange(k, now - 5_000, now, 1, scan).await();
    Replayed named = store.replayIds(k, List.of(e3, "1-1"), now, scan).await();

    assertThat(range).isEqualTo(new Replayed(2, List.of(e2, e3)));
    assertThat(capped).isEqualTo(new Replayed(1, List.of(e1)));
    assertThat(named).isEqualTo(new Replayed(1, List.of(e3)));
    assertThat(redis.entries(k.inbound()))
        .extracting(e -> e.get("c"))
        .containsExactly("conv-" + e2, "conv-" + e3, "conv-" + e1, "conv-" + e3);
    assertThat(redis.xlen(k.delivered())).isEqualTo(3); // the archive keeps its copies
  }

  @Test
  void theDeliveryLogIsReadBackNewestFirst() {
    String tenant = TestBackends.uniqueId("push");
    store.logAttempt(tenant, new Attempt(true, 204, "", 12, 3, "wid-1"), 1_000).await();
    store.logAttempt(tenant, new Attempt(false, 0, "timeout", 5_000, 1, "wid-2"), 1_000).await();
    redis.xadd(
        TenantQueueKeys.deliveryLog(redis.backend().keyPrefix(), tenant), "ok", "1", "status", "x");

    List<LoggedAttempt> log = store.recentAttempts(tenant, 10).await();

    assertThat(log).hasSize(3);
    assertThat(log.get(0))
        .extracting(LoggedAttempt::ok, LoggedAttempt::status)
        .containsExactly(true, null);
    assertThat(log.get(1))
        .isEqualTo(
            new LoggedAttempt(log.get(1).entryId(), false, 0L, "timeout", 5_000L, 1L, "wid-2"));
    assertThat(log.get(2))
        .isEqualTo(new LoggedAttempt(log.get(2).entryId(), true, 204L, "", 12L, 3L, "wid-1"));
    assertThat(store.recentAttempts(tenant, 1).await()).hasSize(1);
  }
}
