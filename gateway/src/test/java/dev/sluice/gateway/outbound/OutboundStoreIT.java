package dev.sluice.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.outbound.OutboundStore.Action;
import dev.sluice.gateway.outbound.OutboundStore.Batch;
import dev.sluice.gateway.outbound.OutboundStore.Enqueue;
import dev.sluice.gateway.outbound.OutboundStore.Enqueued;
import dev.sluice.gateway.outbound.OutboundStore.Pulled;
import dev.sluice.gateway.outbound.OutboundStore.Rates;
import dev.sluice.gateway.outbound.OutboundStore.Recorded;
import dev.sluice.gateway.outbound.OutboundStore.Settlement;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.testing.LibraryRedis;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of the outbound queue's functions, through {@link OutboundStore}: each function's
 * arguments and reply as the typed methods send and read them, including those the library keeps
 * for older gateways ({@code sluice_out_enqueue}, {@code sluice_out_settle}, {@code
 * sluice_out_done}, {@code sluice_pace}). On a redis-server of this class's own, with this source's
 * library.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutboundStoreIT {
  private static final long TTL_SECONDS = 600;
  private static final long LEASE_MS = 60_000;

  private static LibraryRedis redis;
  private static OutboundStore store;

  @BeforeAll
  static void start() {
    redis = LibraryRedis.start("out:");
    store = new OutboundStore(redis.backend());
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  private static TenantQueueKeys partition() {
    return new TenantQueueKeys(redis.backend().keyPrefix(), TestBackends.uniqueId("out"), 0);
  }

  private static Enqueue message(OutboundLane lane, String id, String conv, String keyHash) {
    return new Enqueue(lane, id, conv, ("{\"id\":\"" + id + "\"}").getBytes(), keyHash);
  }

  private static Enqueued replayed(String firstId) {
    return new Enqueued(Enqueued.Kind.REPLAYED, firstId);
  }

  // ---- enqueue ----

  @Test
  void enqueueBoundedQueuesRepliesToARepeatedKeySkipsAnOptOutAndRefusesPastTheBound() {
    TenantQueueKeys k = partition();
    redis.send(Request.cmd(Command.SADD).arg(k.optOuts()).arg("ch:opted"));

    List<Enqueued> first =
        store
            .enqueueBounded(
                k,
                TTL_SECONDS,
                3,
                List.of(
                    message(OutboundLane.HIGH, "m1", "ch:a", "key1"),
                    message(OutboundLane.LOW, "m2", "ch:b", null),
                    message(OutboundLane.HIGH, "m3", "ch:a", "key1"),
                    message(OutboundLane.HIGH, "m4", "ch:opted", null)))
            .await();
    List<Enqueued> second =
        store
            .enqueueBounded(
                k,
                TTL_SECONDS,
                3,
                List.of(
                    message(OutboundLane.HIGH, "m5", "ch:c", "key2"),
                    message(OutboundLane.HIGH, "m6", "ch:d", "key3")))
            .await();

    assertThat(first)
        .containsExactly(Enqueued.QUEUED, Enqueued.QUEUED, replayed("m1"), Enqueued.OPTED_OUT);
    assertThat(second).containsExactly(Enqueued.QUEUED, Enqueued.FULL);
    assertThat(redis.entries(k.outbound("hi")))
        .extracting(e -> e.get("c") + " " + e.get("m"))
        .containsExactly("ch:a {\"id\":\"m1\"}", "ch:c {\"id\":\"m5\"}");
    assertThat(redis.xlen(k.outbound("lo"))).isEqualTo(1);
    assertThat(redis.send(Request.cmd(Command.GET).arg(k.idempotency("key1"))).toString())
        .isEqualTo("m1");
    assertThat(redis.send(Request.cmd(Command.TTL).arg(k.idempotency("key1"))).toLong())
        .isBetween(TTL_SECONDS - 5, TTL_SECONDS);
    // Refused: not even its key is kept, so a retry is taken once there is room.
    assertThat(redis.exists(k.idempotency("key3"))).isFalse();
    assertThat(redis.exists(k.idempotency("-"))).isFalse();
  }

  @Test
  void enqueueCheckedReplaysTheSameRequestAndRefusesAKeyReusedForAnotherOne() {
    TenantQueueKeys k = partition();
    redis.send(Request.cmd(Command.SADD).arg(k.optOuts()).arg("ch:opted"));
    // A marker an older gateway wrote (no fingerprint): replayed whatever the request.
    redis.send(Request.cmd(Command.SET).arg(k.idempotency("old")).arg("m0"));

    List<Enqueued> first =
        store
            .enqueueChecked(
                k,
                TTL_SECONDS,
                4,
                List.of(
                    checked("m1", "ch:a", "key1", "fp-a"),
                    checked("m2", "ch:a", "key1", "fp-a"),
                    checked("m3", "ch:a", "key1", "fp-b"),
                    checked("m4", "ch:b", null, null),
                    checked("m5", "ch:opted", "key2", "fp-c"),
                    checked("m6", "ch:c", "old", "fp-d"),
                    checked("m7", "ch:c", "key4", null)))
            .await();
    List<Enqueued> second =
        store
            .enqueueChecked(
                k,
                TTL_SECONDS,
                3,
                List.of(
                    checked("m8", "ch:a", "key1", "fp-b"),
                    checked("m9", "ch:a", "key1", "fp-a"),
                    checked("m10", "ch:a", "key4", "fp-e"),
                    checked("m11", "ch:d", "key5", "fp-f")))
            .await();

    assertThat(first)
        .containsExactly(
            Enqueued.QUEUED,
            replayed("m1"),
            Enqueued.MISMATCH,
            Enqueued.QUEUED,
            Enqueued.OPTED_OUT,
            replayed("m0"),
            Enqueued.QUEUED);
    // A key stored without a fingerprint replays any request; past the bound nothing is written.
    assertThat(second)
        .containsExactly(Enqueued.MISMATCH, replayed("m1"), replayed("m7"), Enqueued.FULL);
    assertThat(redis.entries(k.outbound("hi")))
        .extracting(e -> e.get("c") + " " + e.get("m"))
        .containsExactly("ch:a {\"id\":\"m1\"}", "ch:b {\"id\":\"m4\"}", "ch:c {\"id\":\"m7\"}");
    assertThat(get(k.idempotency("key1"))).isEqualTo("m1");
    assertThat(get(k.idempotencyFingerprint("key1"))).isEqualTo("fp-a");
    assertThat(redis.send(Request.cmd(Command.TTL).arg(k.idempotencyFingerprint("key1"))).toLong())
        .isBetween(TTL_SECONDS - 5, TTL_SECONDS);
    assertThat(redis.exists(k.idempotencyFingerprint("key4"))).isFalse();
    assertThat(redis.exists(k.idempotency("key5"))).isFalse();
    assertThat(redis.exists(k.idempotencyFingerprint("key5"))).isFalse();
    assertThat(redis.exists(k.idempotency("-"))).isFalse();
    assertThat(redis.exists(k.idempotencyFingerprint("-"))).isFalse();
  }

  private static Enqueue checked(String id, String conv, String keyHash, String fingerprint) {
    return new Enqueue(
        OutboundLane.HIGH,
        id,
        conv,
        ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8),
        keyHash,
        fingerprint);
  }

  private static String get(String key) {
    return redis.send(Request.cmd(Command.GET).arg(key)).toString();
  }

  @Test
  void aTenantWideOptOutRefusesTheRecipientOnEveryChannelInBothEnqueues() {
    TenantQueueKeys k = partition();
    redis.send(Request.cmd(Command.SADD).arg(k.optOuts()).arg("*:h1"));

    List<Enqueue> messages =
        List.of(
            message(OutboundLane.HIGH, "m1", "wa:h1", null),
            message(OutboundLane.HIGH, "m2", "tw:h1", null),
            message(OutboundLane.HIGH, "m3", "wa:h2", null),
            message(OutboundLane.HIGH, "m4", "wa:h2x", null));
    List<Enqueued> bounded = store.enqueueBounded(k, TTL_SECONDS, 100, messages).await();
    List<Enqueued> kept = store.enqueue(k, TTL_SECONDS, messages).await();

    for (List<Enqueued> answers : List.of(bounded, kept)) {
      assertThat(answers)
          .containsExactly(
              Enqueued.OPTED_OUT, Enqueued.OPTED_OUT, Enqueued.QUEUED, Enqueued.QUEUED);
    }
    assertThat(redis.entries(k.outbound("hi")))
        .extracting(e -> e.get("c"))
        .containsExactly("wa:h2", "wa:h2x", "wa:h2", "wa:h2x");
  }

  @Test
  void theKeptEnqueueHasNoBound() {
    TenantQueueKeys k = partition();

    List<Enqueued> answers =
        store
            .enqueue(
                k,
                TTL_SECONDS,
                List.of(
                    message(OutboundLane.HIGH, "m1", "ch:a", "key1"),
                    message(OutboundLane.LOW, "m2", "ch:b", null),
                    message(OutboundLane.LOW, "m3", "ch:c", "key1")))
            .await();

    assertThat(answers).containsExactly(Enqueued.QUEUED, Enqueued.QUEUED, replayed("m1"));
    assertThat(store.length(k).await()).isEqualTo(2);
  }

  @Test
  void theFirstPartitionToTakeAKeyIsItsOwner() {
    String tenant = TestBackends.uniqueId("out");

    assertThat(store.claimKeyOwner(tenant, "k1", 2, TTL_SECONDS).await()).isNull();
    assertThat(store.claimKeyOwner(tenant, "k1", 5, TTL_SECONDS).await()).isEqualTo(2);
    assertThat(store.claimKeyOwner(tenant, "k2", 5, TTL_SECONDS).await()).isNull();
  }

  // ---- pull ----

  @Test
  void pullTakesTheHighLaneFirstOneMessagePerConversationAndSaysWhenTheNextIsDue() {
    TenantQueueKeys k = partition();
    long now = System.currentTimeMillis();
    String h1 = redis.xadd(k.outbound("hi"), "c", "ch:a", "m", "h1");
    String h2 = redis.xadd(k.outbound("hi"), "c", "ch:c", "m", "h2");
    String l1 = redis.xadd(k.outbound("lo"), "c", "ch:a", "m", "l1");
    String l2 = redis.xadd(k.outbound("lo"), "c", "ch:b", "m", "l2");
    redis.xadd(k.outbound("lo"), "c", "ch:b", "m", "l3");
    // h2 waits a minute; l1 waits half a minute but is hidden behind h1, its conversation's head.
    redis.send(Request.cmd(Command.ZADD).arg(k.outboundLeases("hi")).arg(now + 60_000).arg(h2));
    redis.send(Request.cmd(Command.ZADD).arg(k.outboundLeases("lo")).arg(now + 30_000).arg(l1));
    redis.send(Request.cmd(Command.HSET).arg(k.attempts()).arg(l2).arg(2));

    Batch batch = store.pull(k, 10, LEASE_MS, 100).await();

    assertThat(batch.messages())
        .containsExactly(
            new Pulled(OutboundLane.HIGH, h1, "h1", 0), new Pulled(OutboundLane.LOW, l2, "l2", 2));
    assertThat(batch.nextDueMs()).isEqualTo(now + 60_000);
    assertThat(redis.zscore(k.outboundLeases("hi"), h1)).isGreaterThan(now);
    assertThat(redis.zscore(k.outboundLeases("lo"), l1)).isEqualTo(now + 30_000);

    assertThat(store.pull(k, 10, LEASE_MS, 100).await().messages()).isEmpty();
  }

  @Test
  void pullStopsAtItsMostAndAnEmptyPartitionHasNothingDue() {
    TenantQueueKeys k = partition();
    assertThat(store.pull(k, 10, LEASE_MS, 100).await()).isEqualTo(new Batch(0, List.of()));

    String a = redis.xadd(k.outbound("lo"), "c", "ch:a", "m", "a");
    redis.xadd(k.outbound("lo"), "c", "ch:b", "m", "b");

    assertThat(store.pull(k, 1, LEASE_MS, 100).await().messages())
        .extracting(Pulled::entryId)
        .containsExactly(a);
  }

  // ---- record ----

  @Test
  void aFinishRecordedTwiceQueuesOneStatusEventAndLeavesNoMarkerBehind() {
    TenantQueueKeys k = partition();
    String id = enqueueAndLease(k, "conv-1");

    Recorded first = store.record(k, 10, List.of(finish(id, "{\"status\":\"sent\"}"))).await();
    Recorded again = store.record(k, 10, List.of(finish(id, "{\"status\":\"sent\"}"))).await();

    assertThat(first).isEqualTo(new Recorded(0, 0));
    assertThat(again).isEqualTo(new Recorded(0, 0));
    assertThat(redis.entries(k.inbound()))
        .singleElement() // one status event, not two
        .satisfies(
            e ->
                assertThat(e)
                    .containsEntry("c", "conv")
                    .containsEntry("e", "{\"status\":\"sent\"}")
                    .containsEntry("r", "{}"));
    assertThat(redis.xlen(k.outbound("hi"))).isZero();
    assertThat(redis.zscore(k.outboundLeases("hi"), id)).isNull();
    // No key per message is kept for days to make the second call harmless.
    assertThat(redis.send(Request.cmd(Command.KEYS).arg(k.tag() + ":dd:*")).size()).isZero();
  }

  @Test
  void aRetryOrWaitRecordedAfterTheFinishCannotBringTheMessageBack() {
    TenantQueueKeys k = partition();
    String id = enqueueAndLease(k, "conv-2");
    store.record(k, 10, List.of(finish(id, ""))).await();

    long due = System.currentTimeMillis() + 60_000;
    store.record(k, 10, List.of(waiting(Action.RETRY, id, due))).await();
    store.record(k, 10, List.of(waiting(Action.WAIT, id, due))).await();

    assertThat(redis.zscore(k.outboundLeases("hi"), id)).isNull();
    assertThat(redis.hget(k.attempts(), id)).isNull();
  }

  @Test
  void aRetryCountsAnAttemptAndAWaitDoesNotBothLeaseUntilDue() {
    TenantQueueKeys k = partition();
    String retried = enqueueAndLease(k, "conv-r");
    String waited = enqueueAndLease(k, "conv-w");
    long due = System.currentTimeMillis() + 90_000;

    Recorded recorded =
        store
            .record(
                k,
                10,
                List.of(waiting(Action.RETRY, retried, due), waiting(Action.WAIT, waited, due)))
            .await();

    assertThat(recorded).isEqualTo(new Recorded(2, 0));
    assertThat(redis.hget(k.attempts(), retried)).isEqualTo("1");
    assertThat(redis.hget(k.attempts(), waited)).isNull();
    assertThat(redis.zscore(k.outboundLeases("hi"), retried)).isEqualTo(due);
    assertThat(redis.zscore(k.outboundLeases("hi"), waited)).isEqualTo(due);
  }

  @Test
  void aDeadMessageIsDeadLetteredAndAnOptOutRemembered() {
    TenantQueueKeys k = partition();
    String dead = enqueueAndLease(k, "conv-d");
    String opted = enqueueAndLease(k, "conv-o");
    redis.send(Request.cmd(Command.HSET).arg(k.attempts()).arg(dead).arg(4));

    store
        .record(
            k,
            10,
            List.of(
                new Settlement(
                    Action.DEAD, OutboundLane.HIGH, dead, 0, null, null, "", "{\"m\":1}", ""),
                new Settlement(
                    Action.FINISH, OutboundLane.HIGH, opted, 0, null, null, "", "", "ch:opted")))
        .await();

    assertThat(redis.entries(k.deadLetters())).containsExactly(Map.of("m", "{\"m\":1}"));
    assertThat(redis.hget(k.attempts(), dead)).isNull();
    assertThat(redis.send(Request.cmd(Command.SISMEMBER).arg(k.optOuts()).arg("ch:opted")).toLong())
        .isEqualTo(1);
    assertThat(redis.xlen(k.inbound())).isZero(); // no status event asked for
  }

  @Test
  void aProviderOptOutIsNotedOnceAndAnEntryThereAlreadyKeepsItsNote() {
    TenantQueueKeys k = partition();
    String first = enqueueAndLease(k, "conv-1");
    String second = enqueueAndLease(k, "conv-2");
    String third = enqueueAndLease(k, "conv-3");
    redis.send(
        Request.cmd(Command.HSET)
            .arg(k.optOutNotes())
            .arg("ch:kept")
            .arg("{\"source\":\"api\",\"reason\":\"asked by phone\",\"at\":1}"));
    redis.send(Request.cmd(Command.SADD).arg(k.optOuts()).arg("ch:kept"));
    long before = System.currentTimeMillis();

    store.record(k, 10, List.of(optOut(first, "ch:new"), optOut(second, "ch:kept"))).await();
    store.record(k, 10, List.of(optOut(first, "ch:new"))).await(); // recorded twice

    assertThat(redis.send(Request.cmd(Command.SMEMBERS).arg(k.optOuts())).toString())
        .contains("ch:new", "ch:kept");
    JsonObject note = new JsonObject(redis.hget(k.optOutNotes(), "ch:new"));
    assertThat(note.getString("source")).isEqualTo("provider");
    assertThat(note.getString("reason")).isEqualTo(OutboundStore.PROVIDER_OPT_OUT);
    assertThat(note.getLong("at")).isBetween(before - 1_000, System.currentTimeMillis() + 1_000);
    assertThat(new JsonObject(redis.hget(k.optOutNotes(), "ch:kept")).getString("source"))
        .isEqualTo("api");

    // The kept function (library version 6) adds the member and writes no note.
    store.recordWithoutNotes(k, 10, List.of(optOut(third, "ch:old"))).await();
    assertThat(redis.send(Request.cmd(Command.SISMEMBER).arg(k.optOuts()).arg("ch:old")).toLong())
        .isEqualTo(1);
    assertThat(redis.hget(k.optOutNotes(), "ch:old")).isNull();
  }

  @Test
  void theKeptRecordAnswersAsRecordForStatusEventsAndItsBound() {
    TenantQueueKeys k = partition();
    String a = enqueueAndLease(k, "conv-a");
    String b = enqueueAndLease(k, "conv-b");
    String c = enqueueAndLease(k, "conv-c");

    Recorded recorded =
        store
            .recordWithoutNotes(k, 2, List.of(finish(a, "{}"), finish(b, "{}"), finish(c, "{}")))
            .await();

    assertThat(recorded).isEqualTo(new Recorded(0, 1));
    assertThat(redis.xlen(k.inbound())).isEqualTo(2);
  }

  @Test
  void statusEventsStopAtTheTenantsBacklogBoundAndAreCounted() {
    TenantQueueKeys k = partition();
    String a = enqueueAndLease(k, "conv-a");
    String b = enqueueAndLease(k, "conv-b");
    String c = enqueueAndLease(k, "conv-c");

    Recorded recorded =
        store.record(k, 2, List.of(finish(a, "{}"), finish(b, "{}"), finish(c, "{}"))).await();

    assertThat(recorded).isEqualTo(new Recorded(0, 1)); // nothing left; one event dropped
    assertThat(redis.xlen(k.inbound())).isEqualTo(2);
    assertThat(redis.xlen(k.outbound("hi"))).isZero(); // every message finished all the same
  }

  @Test
  void theKeptSettleQueuesAStatusEventOncePerMarkerAndSaysWhatIsLeft() {
    TenantQueueKeys k = partition();
    String id = enqueueAndLease(k, "conv-s");
    String other = enqueueAndLease(k, "conv-t");
    String marker = k.dedup("out", id + ":finish");
    long due = System.currentTimeMillis() + 60_000;

    long left =
        store
            .settle(
                k,
                TTL_SECONDS,
                List.of(finish(id, "{\"s\":1}"), waiting(Action.RETRY, other, due)),
                List.of(marker, k.dedup("out", other + ":retry")))
            .await();
    // A resend after a lost reply: the marker stops a second status event.
    store.settle(k, TTL_SECONDS, List.of(finish(id, "{\"s\":1}")), List.of(marker)).await();

    assertThat(left).isEqualTo(1);
    assertThat(redis.xlen(k.inbound())).isEqualTo(1);
    assertThat(redis.exists(marker)).isTrue();
    assertThat(redis.hget(k.attempts(), other)).isEqualTo("1");
    assertThat(redis.zscore(k.outboundLeases("hi"), other)).isEqualTo(due);
  }

  @Test
  void theKeptDoneRecordsOneMessageAndAnswersItsAttempts() {
    TenantQueueKeys k = partition();
    String id = enqueueAndLease(k, "conv-x");
    String marker = k.dedup("out", id + ":finish");
    long due = System.currentTimeMillis() + 60_000;

    long afterRetry = store.done(k, TTL_SECONDS, waiting(Action.RETRY, id, due), marker).await();
    long afterWait = store.done(k, TTL_SECONDS, waiting(Action.WAIT, id, due), marker).await();
    long afterFinish = store.done(k, TTL_SECONDS, finish(id, "{\"s\":2}"), marker).await();

    assertThat(List.of(afterRetry, afterWait, afterFinish)).containsExactly(1L, 1L, 1L);
    assertThat(redis.xlen(k.outbound("hi"))).isZero();
    assertThat(redis.hget(k.attempts(), id)).isNull();
    assertThat(redis.entries(k.inbound())).extracting(e -> e.get("e")).containsExactly("{\"s\":2}");
  }

  @Test
  void lengthCountsBothLanes() {
    TenantQueueKeys k = partition();
    redis.xadd(k.outbound("hi"), "c", "a", "m", "{}");
    redis.xadd(k.outbound("lo"), "c", "b", "m", "{}");
    redis.xadd(k.outbound("lo"), "c", "c", "m", "{}");

    assertThat(store.length(k).await()).isEqualTo(3);
  }

  // ---- pacing ----

  /** Sender: one per 100 ms, a burst of 2 (tolerance 200 ms). Recipients: one per minute. */
  private static final Rates RATES = new Rates(100, 200, 60_000, 0);

  @Test
  void paceManyLetsTheBurstGoThenMakesTheRestWaitWithoutHoldingBackOtherRecipients() {
    String channel = TestBackends.uniqueId("ch");

    List<Long> waits = store.paceMany(channel, RATES, List.of("a", "b", "a", "c", "d")).await();

    assertThat(waits.get(0)).isZero(); // a
    assertThat(waits.get(1)).isZero(); // b
    assertThat(waits.get(2)).isBetween(59_000L, 60_000L); // a again: its recipient must wait
    assertThat(waits.get(3)).isZero(); // c: the waiting "a" held back nothing
    assertThat(waits.get(4)).isBetween(1L, 100L); // d: the sender's burst is spent
    assertThat(redis.exists(redis.backend().keyPrefix() + "{c:" + channel + "}:rate")).isTrue();
  }

  @Test
  void paceReservingBooksTurnsWithinTheHorizonAndOnlyThose() {
    String channel = TestBackends.uniqueId("ch");
    // 10 a second, a burst of 2; a recipient once a minute.
    Rates rates = new Rates(100, 200, 60_000, 0);

    List<Long> turns =
        store
            .paceReserving(channel, rates, List.of("a", "b", "c", "d", "e", "a", "f"), 250)
            .await();

    assertThat(turns.get(0)).isZero(); // a
    assertThat(turns.get(1)).isZero(); // b
    assertThat(turns.get(2)).isZero(); // c: the burst
    assertThat(turns.get(3)).isBetween(90L, 100L); // d: the next turn, booked
    assertThat(turns.get(4)).isBetween(190L, 200L); // e: the one after, booked
    assertThat(turns.get(5)).isBetween(-60_000L, -59_000L); // a again: a minute away, not booked
    assertThat(turns.get(6)).isBetween(-300L, -290L); // f: beyond the horizon, not booked
    // The booked turns count: the next message waits for the one after e's.
    assertThat(store.paceReserving(channel, rates, List.of("g"), 0).await().get(0))
        .isBetween(-300L, -280L);
    // A recipient whose turn was booked is paced from that turn on.
    assertThat(store.paceReserving(channel, rates, List.of("d"), 120_000).await().get(0))
        .isBetween(59_000L, 60_100L);
  }

  @Test
  void theKeptPaceIsPaceManyForOneMessage() {
    String channel = TestBackends.uniqueId("ch");

    assertThat(store.pace(channel, RATES, "a").await()).isZero();
    assertThat(store.pace(channel, RATES, "a").await()).isBetween(59_000L, 60_000L);
    assertThat(store.paceMany(channel, RATES, List.of("a", "b")).await().get(1)).isZero();
  }

  // ---- helpers ----

  /** Adds a message to the partition's high lane and leases it as a pull does. */
  private static String enqueueAndLease(TenantQueueKeys k, String conversation) {
    String id = redis.xadd(k.outbound("hi"), "c", conversation, "m", "{}");
    redis.send(
        Request.cmd(Command.ZADD)
            .arg(k.outboundLeases("hi"))
            .arg(System.currentTimeMillis() + LEASE_MS)
            .arg(id));
    return id;
  }

  private static Settlement finish(String id, String event) {
    byte[] e = event.isEmpty() ? null : event.getBytes(StandardCharsets.UTF_8);
    byte[] raw = event.isEmpty() ? null : "{}".getBytes(StandardCharsets.UTF_8);
    return new Settlement(Action.FINISH, OutboundLane.HIGH, id, 0, e, raw, "conv", "", "");
  }

  private static Settlement optOut(String id, String conversation) {
    return new Settlement(
        Action.FINISH, OutboundLane.HIGH, id, 0, null, null, "", "", conversation);
  }

  private static Settlement waiting(Action action, String id, long due) {
    return new Settlement(action, OutboundLane.HIGH, id, due, null, null, "", "", "");
  }
}
