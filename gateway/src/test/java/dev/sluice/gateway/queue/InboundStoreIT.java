package dev.sluice.gateway.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.queue.InboundStore.Admit;
import dev.sluice.gateway.queue.InboundStore.Admitted;
import dev.sluice.gateway.queue.InboundStore.Opt;
import dev.sluice.gateway.testing.LibraryRedis;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of the inbound queue's functions, through {@link InboundStore}: each function's
 * arguments and reply as the typed methods send and read them, including {@code sluice_admit},
 * which the library keeps for older gateways. On a redis-server of this class's own, with this
 * source's library.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InboundStoreIT {
  private static final int TTL_SECONDS = 600;
  private static final long LEASE_MS = 60_000;
  private static final int SCAN = 1_000;

  private static LibraryRedis redis;
  private static InboundStore store;

  @BeforeAll
  static void start() {
    redis = LibraryRedis.start("in:");
    store = new InboundStore(redis.backend());
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  private static TenantQueueKeys partition(int p) {
    return new TenantQueueKeys(redis.backend().keyPrefix(), TestBackends.uniqueId("in"), p);
  }

  /** An event of end user {@code user} on channel {@code ch}, limited to one a minute, burst 1. */
  private static Admit event(String id, String user) {
    return event(id, user, 60_000);
  }

  private static Admit event(String id, String user, long intervalMs) {
    return new Admit(
        "ch",
        id,
        user,
        "ch:" + user,
        ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8),
        "{}".getBytes(StandardCharsets.UTF_8),
        intervalMs,
        intervalMs);
  }

  @Test
  void admitNxAndTheKeptAdmitAnswerAndWriteTheSameForDuplicatesLimitsAndAFullBacklog() {
    // Bound 6; one per minute per user with a burst of one more; a repeat inside a batch.
    List<List<Admit>> calls =
        List.of(
            List.of(event("a", "u1"), event("b", "u1"), event("a", "u1"), event("c", "u1")),
            List.of(event("b", "u1"), event("d", "u2"), event("s1", "u1", 0)),
            List.of(event("e", "u3"), event("f", "u3"), event("g", "u3"), event("d", "u2")));
    TenantQueueKeys old = partition(0);
    TenantQueueKeys lean = partition(0);
    List<List<Admitted>> oldAnswers = new ArrayList<>();
    List<List<Admitted>> leanAnswers = new ArrayList<>();
    for (List<Admit> call : calls) {
      oldAnswers.add(store.admit(old, TTL_SECONDS, 6, call).await());
      leanAnswers.add(store.admitNx(lean, TTL_SECONDS, 6, call).await());
    }

    assertThat(leanAnswers).isEqualTo(oldAnswers);
    assertThat(oldAnswers)
        .containsExactly(
            // c: over u1's burst, quarantined
            List.of(Admitted.ENQUEUED, Admitted.ENQUEUED, Admitted.DUPLICATE, Admitted.QUARANTINED),
            // the status event s1 is not limited
            List.of(Admitted.DUPLICATE, Admitted.ENQUEUED, Admitted.ENQUEUED),
            // bound 6 reached after e; d is still a duplicate
            List.of(Admitted.ENQUEUED, Admitted.REFUSED, Admitted.REFUSED, Admitted.DUPLICATE));
    for (TenantQueueKeys k : List.of(old, lean)) {
      assertThat(redis.xlen(k.inbound())).isEqualTo(5);
      assertThat(redis.xlen(k.quarantine())).isEqualTo(1);
      // A refused event leaves no dedup marker: the provider's redelivery is admitted later.
      assertThat(redis.exists(k.dedup("ch", "f"))).isFalse();
      assertThat(redis.send(Request.cmd(Command.TTL).arg(k.dedup("ch", "e"))).toLong())
          .isBetween(TTL_SECONDS - 5L, (long) TTL_SECONDS);
      assertThat(redis.exists(k.dedup("ch", "c"))).isTrue();
      assertThat(redis.exists(k.rate("ch", "u1"))).isTrue();
      assertThat(redis.entries(k.inbound()).get(0))
          .containsEntry("c", "ch:u1")
          .containsEntry("e", "{\"id\":\"a\"}")
          .containsEntry("r", "{}");
    }
  }

  @Test
  void admitOptAnswersAndWritesAsAdmitNxForEventsThatChangeNoOptOut() {
    List<List<Admit>> calls =
        List.of(
            List.of(event("a", "u1"), event("b", "u1"), event("a", "u1"), event("c", "u1")),
            List.of(event("b", "u1"), event("d", "u2"), event("s1", "u1", 0)),
            List.of(event("e", "u3"), event("f", "u3"), event("g", "u3"), event("d", "u2")));
    TenantQueueKeys nx = partition(0);
    TenantQueueKeys opt = partition(0);
    for (List<Admit> call : calls) {
      assertThat(store.admitOpt(opt, TTL_SECONDS, 6, call).await())
          .isEqualTo(store.admitNx(nx, TTL_SECONDS, 6, call).await());
    }
    for (TenantQueueKeys k : List.of(nx, opt)) {
      assertThat(redis.entries(k.inbound()))
          .extracting(e -> e.get("e"))
          .containsExactly(
              "{\"id\":\"a\"}",
              "{\"id\":\"b\"}",
              "{\"id\":\"d\"}",
              "{\"id\":\"s1\"}",
              "{\"id\":\"e\"}");
      assertThat(redis.xlen(k.quarantine())).isEqualTo(1);
      assertThat(redis.exists(k.dedup("ch", "f"))).isFalse();
    }
    assertThat(redis.exists(opt.optOuts())).isFalse();
    assertThat(redis.exists(opt.optOutNotes())).isFalse();
  }

  @Test
  void admitOptOptsOutAndBackInOnlyForEventsItAdmits() {
    TenantQueueKeys k = partition(5);
    long before = System.currentTimeMillis();

    // STOP is admitted and opts u1 out; its redelivery, after a START, changes nothing.
    assertThat(admitOpt(k, 100, keyword("stop-1", "u1", Opt.OUT, "STOP")))
        .containsExactly(Admitted.ENQUEUED);
    JsonObject note = new JsonObject(redis.hget(k.optOutNotes(), "ch:u1"));
    assertThat(note.getString("source")).isEqualTo("keyword");
    assertThat(note.getString("reason")).isEqualTo("STOP");
    assertThat(note.getLong("at")).isBetween(before - 1_000, System.currentTimeMillis() + 1_000);
    assertThat(isMember(k, "ch:u1")).isTrue();

    assertThat(admitOpt(k, 100, keyword("start-1", "u1", Opt.IN, "START")))
        .containsExactly(Admitted.ENQUEUED);
    assertThat(isMember(k, "ch:u1")).isFalse();
    assertThat(redis.hget(k.optOutNotes(), "ch:u1")).isNull();

    assertThat(admitOpt(k, 100, keyword("stop-1", "u1", Opt.OUT, "STOP")))
        .containsExactly(Admitted.DUPLICATE);
    assertThat(isMember(k, "ch:u1")).isFalse();

    // A quarantined STOP (over the end user's rate) still opts out: the event is kept.
    Admit limited = keyword("stop-2", "u2", Opt.OUT, "QUIT", 60_000);
    assertThat(admitOpt(k, 100, event("m-2", "u2", 60_000), event("m-3", "u2", 60_000), limited))
        .containsExactly(Admitted.ENQUEUED, Admitted.ENQUEUED, Admitted.QUARANTINED);
    assertThat(isMember(k, "ch:u2")).isTrue();

    // A refused STOP (the backlog is full) writes nothing, opt-out included.
    long held = redis.xlen(k.inbound()) + redis.xlen(k.quarantine());
    assertThat(admitOpt(k, held, keyword("stop-3", "u3", Opt.OUT, "STOP")))
        .containsExactly(Admitted.REFUSED);
    assertThat(isMember(k, "ch:u3")).isFalse();
    assertThat(redis.exists(k.dedup("ch", "stop-3"))).isFalse();

    // An opt-out already there keeps its first note.
    redis.send(Request.cmd(Command.SADD).arg(k.optOuts()).arg("ch:u4"));
    redis.send(
        Request.cmd(Command.HSET)
            .arg(k.optOutNotes())
            .arg("ch:u4")
            .arg("{\"source\":\"api\",\"reason\":\"\",\"at\":1}"));
    admitOpt(k, 100, keyword("stop-4", "u4", Opt.OUT, "STOP"));
    assertThat(new JsonObject(redis.hget(k.optOutNotes(), "ch:u4")).getString("source"))
        .isEqualTo("api");
  }

  private static List<Admitted> admitOpt(TenantQueueKeys k, long bound, Admit... events) {
    return store.admitOpt(k, TTL_SECONDS, bound, List.of(events)).await();
  }

  private static Admit keyword(String id, String user, Opt opt, String keyword) {
    return keyword(id, user, opt, keyword, 0);
  }

  private static Admit keyword(String id, String user, Opt opt, String keyword, long intervalMs) {
    Admit e = event(id, user, intervalMs);
    return new Admit(
        e.channelId(),
        e.eventId(),
        e.phoneHash(),
        e.conversation(),
        e.payload(),
        e.raw(),
        e.intervalMs(),
        e.toleranceMs(),
        opt,
        keyword);
  }

  private static boolean isMember(TenantQueueKeys k, String member) {
    return redis.send(Request.cmd(Command.SISMEMBER).arg(k.optOuts()).arg(member)).toLong() == 1;
  }

  @Test
  void anEventWhoseEnqueueFailsLeavesNoDedupMarkerSoItsRedeliveryIsAdmitted() {
    List<Function<TenantQueueKeys, Future<List<Admitted>>>> functions =
        List.of(
            k -> store.admit(k, TTL_SECONDS, 100, List.of(event("x", "u1"))),
            k -> store.admitNx(k, TTL_SECONDS, 100, List.of(event("x", "u1"))),
            k -> store.admitOpt(k, TTL_SECONDS, 100, List.of(keyword("x", "u1", Opt.OUT, "STOP"))));
    for (Function<TenantQueueKeys, Future<List<Admitted>>> admit : functions) {
      TenantQueueKeys k = partition(0);
      // A stream whose last id is the largest possible: XADD '*' fails on it.
      redis.send(
          Request.cmd(Command.XADD)
              .arg(k.inbound())
              .arg("18446744073709551615-18446744073709551615")
              .arg("f")
              .arg("v"));

      assertThatThrownBy(() -> admit.apply(k).await()).hasMessageContaining("exhausted");
      assertThat(redis.exists(k.dedup("ch", "x"))).isFalse();
      assertThat(redis.exists(k.optOuts())).isFalse();
    }
  }

  @Test
  void pullLeasesTheOldestEventsAndHoldsBackAConversationWhoseHeadIsLeased() {
    TenantQueueKeys k = partition(3);
    String a1 = redis.xadd(k.inbound(), "c", "a", "e", "{\"n\":1}", "r", "raw-a1");
    String a2 = redis.xadd(k.inbound(), "c", "a", "e", "{\"n\":2}", "r", "raw-a2");
    String b1 = redis.xadd(k.inbound(), "c", "b", "e", "{\"n\":3}", "r", "raw-b1");

    List<QueuedEvent> first = store.pull(k, Lane.INBOUND, 1, LEASE_MS, SCAN, 0).await();
    assertThat(first)
        .containsExactly(
            new QueuedEvent(new EventId(Lane.INBOUND, 3, a1), "a", "{\"n\":1}", "raw-a1"));
    assertThat(redis.zscore(k.leases(Lane.INBOUND), a1)).isGreaterThan(System.currentTimeMillis());

    // a1 is leased: a2 waits behind it, b1 goes.
    assertThat(store.pull(k, Lane.INBOUND, 10, LEASE_MS, SCAN, 0).await())
        .extracting(e -> e.id().entryId())
        .containsExactly(b1);

    // a1's lease ends: it comes back before a2, and a2 comes with it (no per-conversation limit).
    redis.send(Request.cmd(Command.ZADD).arg(k.leases(Lane.INBOUND)).arg(0).arg(a1));
    assertThat(store.pull(k, Lane.INBOUND, 10, LEASE_MS, SCAN, 0).await())
        .extracting(e -> e.id().entryId())
        .containsExactly(a1, a2);
  }

  @Test
  void pullHandsOutAtMostTheConversationLimitAndScansNoFurtherThanItsLimit() {
    TenantQueueKeys k = partition(0);
    String a1 = redis.xadd(k.inbound(), "c", "a", "e", "{}", "r", "");
    String a2 = redis.xadd(k.inbound(), "c", "a", "e", "{}", "r", "");
    String b1 = redis.xadd(k.inbound(), "c", "b", "e", "{}", "r", "");

    assertThat(store.pull(k, Lane.INBOUND, 10, LEASE_MS, SCAN, 1).await())
        .extracting(e -> e.id().entryId())
        .containsExactly(a1, b1);
    // a1 is leased and counts as scanned: a scan limit of 1 sees nothing else.
    redis.send(Request.cmd(Command.DEL).arg(k.leases(Lane.INBOUND)));
    redis.send(Request.cmd(Command.ZADD).arg(k.leases(Lane.INBOUND)).arg(Long.MAX_VALUE).arg(a1));
    assertThat(store.pull(k, Lane.INBOUND, 10, LEASE_MS, 1, 0).await()).isEmpty();
    assertThat(store.pull(k, Lane.INBOUND, 10, LEASE_MS, 3, 0).await())
        .extracting(e -> e.id().entryId())
        .containsExactly(b1); // a2 stays behind the leased a1
  }

  @Test
  void pullReadsTheQuarantineLaneWithItsOwnLeasesAndAnEntryWithoutConversationStandsAlone() {
    TenantQueueKeys k = partition(1);
    String q1 = redis.xadd(k.quarantine(), "e", "{}", "r", "x");
    String q2 = redis.xadd(k.quarantine(), "e", "{}", "r", "y");

    List<QueuedEvent> pulled = store.pull(k, Lane.QUARANTINE, 10, LEASE_MS, SCAN, 0).await();

    assertThat(pulled)
        .containsExactly(
            new QueuedEvent(new EventId(Lane.QUARANTINE, 1, q1), q1, "{}", "x"),
            new QueuedEvent(new EventId(Lane.QUARANTINE, 1, q2), q2, "{}", "y"));
    assertThat(redis.zscore(k.leases(Lane.QUARANTINE), q2)).isNotNull();
    assertThat(redis.exists(k.leases(Lane.INBOUND))).isFalse();
  }

  @Test
  void ackDeletesTheEntriesAndTheirLeasesAndCountsOnlyWhatItDeleted() {
    TenantQueueKeys k = partition(0);
    String a = redis.xadd(k.inbound(), "c", "a", "e", "{}", "r", "");
    String b = redis.xadd(k.inbound(), "c", "b", "e", "{}", "r", "");
    store.pull(k, Lane.INBOUND, 10, LEASE_MS, SCAN, 0).await();

    assertThat(store.ack(k, Lane.INBOUND, List.of(a, "1-1")).await()).isEqualTo(1);
    assertThat(store.ack(k, Lane.INBOUND, List.of(a)).await()).isZero();
    assertThat(store.ack(k, Lane.INBOUND, List.of()).await()).isZero();

    assertThat(redis.xlen(k.inbound())).isEqualTo(1);
    assertThat(redis.zscore(k.leases(Lane.INBOUND), a)).isNull();
    assertThat(redis.zscore(k.leases(Lane.INBOUND), b)).isNotNull();
  }

  @Test
  void backlogCountsEachStreamOfThePartition() {
    TenantQueueKeys k = partition(2);
    redis.xadd(k.inbound(), "c", "a", "e", "{}", "r", "");
    redis.xadd(k.inbound(), "c", "a", "e", "{}", "r", "");
    redis.xadd(k.quarantine(), "c", "a", "e", "{}", "r", "");
    redis.xadd(k.outbound("lo"), "c", "a", "m", "{}");

    assertThat(store.backlog(k).await()).isEqualTo(new InboundStore.Backlog(2, 1, 0, 1));
  }

  @Test
  void oldestArrivalIsTheTimeOfTheFirstWaitingEntry() {
    TenantQueueKeys k = partition(0);
    assertThat(store.oldestArrivalMs(k).await()).isEqualTo(-1L);

    redis.send(Request.cmd(Command.XADD).arg(k.inbound()).arg("1700000000123-0").arg("c").arg("a"));
    redis.xadd(k.inbound(), "c", "b");

    assertThat(store.oldestArrivalMs(k).await()).isEqualTo(1_700_000_000_123L);
  }
}
