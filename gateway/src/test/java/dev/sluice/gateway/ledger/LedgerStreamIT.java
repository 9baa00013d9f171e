package dev.sluice.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.ledger.LedgerStream.Entry;
import dev.sluice.gateway.ledger.LedgerStream.Parked;
import dev.sluice.gateway.redis.RedisCommands;
import dev.sluice.gateway.testing.LibraryRedis;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Future;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ledger streams through {@link LedgerStream}: what an append writes, what the consumer group
 * reads back, and the dead lane. On a redis-server of this class's own; each test has its own key
 * namespace.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LedgerStreamIT {
  private static LibraryRedis server;

  private LedgerStream stream;
  private String prefix;

  @BeforeAll
  static void start() {
    server = LibraryRedis.start("");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void namespace() {
    prefix = TestBackends.uniqueId("ledger") + ":";
    stream = new LedgerStream(new Prefixed(prefix));
  }

  private static LedgerEvent event(String providerId) {
    return LedgerEvent.fromProvider(
        "twilio", providerId, MessageStatus.DELIVERED, 1_700_000_000_000L, null);
  }

  @Test
  void appendedEventsAreReadByTheGroupOneEntryPerAppendAndGoneOnceAcknowledged() {
    stream.createGroup().await();
    stream.append(List.of(event("a"), event("b"))).await();
    stream.append(List.of(event("c"))).await();

    List<Entry> read = stream.readNew("w1", 10, 50).await();

    assertThat(read)
        .extracting(Entry::events)
        .containsExactly(List.of(event("a"), event("b")), List.of(event("c")));
    assertThat(read).extracting(Entry::unreadable).containsOnlyNulls();
    assertThat(stream.readNew("w1", 10, 10).await()).isEmpty();
    assertThat(stream.readOwnPending("w1", 10).await())
        .extracting(Entry::id)
        .containsExactlyElementsOf(read.stream().map(Entry::id).toList());

    stream.acknowledge(read).await();

    assertThat(stream.readOwnPending("w1", 10).await()).isEmpty();
    assertThat(server.xlen(Ledger.stream(prefix))).isZero();
  }

  @Test
  void theGroupIsCreatedOnceWithItsStream() {
    stream.createGroup().await();

    assertThat(server.exists(Ledger.stream(prefix))).isTrue();
    assertThatThrownBy(() -> stream.createGroup().await()).hasMessageContaining("BUSYGROUP");
  }

  @Test
  void entriesAnotherWriterLeftPendingAreTakenOver() {
    stream.createGroup().await();
    stream.append(List.of(event("a"))).await();
    List<Entry> read = stream.readNew("dead-writer", 10, 50).await();

    List<Entry> claimed = stream.claimAbandoned("w2", 0, 10).await();

    assertThat(claimed).extracting(Entry::id).containsExactly(read.get(0).id());
    assertThat(claimed.get(0).events()).containsExactly(event("a"));
    assertThat(stream.readOwnPending("w2", 10).await()).hasSize(1);
  }

  @Test
  void anEntryThatCannotBeReadComesBackRawToBeParked() {
    stream.createGroup().await();
    server.xadd(Ledger.stream(prefix), "e", "not json");

    List<Entry> read = stream.readNew("w1", 10, 50).await();

    assertThat(read).hasSize(1);
    assertThat(read.get(0).events()).isEmpty();
    assertThat(new String(read.get(0).unreadable(), StandardCharsets.UTF_8)).isEqualTo("not json");
  }

  @Test
  void aParkedEventIsKeptWithItsReasonAndCounted() {
    assertThat(stream.deadLength().await()).isZero();

    stream
        .park(new Parked("5-0", "[{}]".getBytes(StandardCharsets.UTF_8), "22P02 bad", "status"))
        .await();

    assertThat(server.entries(LedgerWriter.dead(prefix)))
        .containsExactly(
            Map.of("id", "5-0", "e", "[{}]", "reason", "22P02 bad", "recorded", "status"));
    assertThat(stream.deadLength().await()).isEqualTo(1);
  }

  @Test
  void theNewestEntryMarksWhatIsOnItsWayAndIsHeldUntilAcknowledged() {
    assertThat(stream.newestId().await()).isNull();
    stream.createGroup().await();
    stream.append(List.of(event("a"))).await();
    stream.append(List.of(event("b"))).await();
    String mark = stream.newestId().await();
    stream.append(List.of(event("c"))).await();

    assertThat(stream.holdsUpTo(mark).await()).isTrue();
    List<Entry> read = stream.readNew("w1", 2, 50).await();
    assertThat(read.get(1).id()).isEqualTo(mark);
    stream.acknowledge(List.of(read.get(0))).await();
    assertThat(stream.holdsUpTo(mark).await()).isTrue();
    stream.acknowledge(List.of(read.get(1))).await();

    assertThat(stream.holdsUpTo(mark).await()).isFalse();
    assertThat(server.xlen(Ledger.stream(prefix))).isEqualTo(1); // c, after the mark
  }

  @Test
  void deadEntriesAreReadInStepsWithTheirEventsAndDeletedById() {
    for (String id : List.of("1-0", "2-0", "3-0")) {
      stream
          .park(new Parked(id, ("[" + id + "]").getBytes(StandardCharsets.UTF_8), "r", "none"))
          .await();
    }

    List<LedgerStream.DeadEntry> first = stream.deadEntries("-", 2).await();
    List<LedgerStream.DeadEntry> rest = stream.deadEntries("(" + first.get(1).id(), 2).await();

    assertThat(first)
        .extracting(e -> new String(e.events(), StandardCharsets.UTF_8))
        .containsExactly("[1-0]", "[2-0]");
    assertThat(rest)
        .extracting(e -> new String(e.events(), StandardCharsets.UTF_8))
        .containsExactly("[3-0]");
    assertThat(stream.deleteDead(List.of(first.get(0).id(), "9-9")).await()).isEqualTo(1);
    assertThat(stream.deadLength().await()).isEqualTo(2);
  }

  @Test
  void anErasureDeletesTheDeadEntriesHoldingAMatchingEventAndLeavesTheRest() {
    for (int i = 0; i < LedgerErasure.DEAD_STEP + 50; i++) {
      String pmid = i % 100 == 7 ? "person-" + i : "other-" + i;
      stream
          .park(new Parked(i + "-0", LedgerCodec.encode(List.of(event(pmid))), "r", "none"))
          .await();
    }
    server.xadd(LedgerWriter.dead(prefix), "id", "9-0", "e", "person but unreadable");

    long erased =
        new LedgerErasure(new Prefixed(prefix))
            .eraseDead(e -> e.providerMessageId().startsWith("person-"))
            .await();

    assertThat(erased).isEqualTo(3); // 7, 107, 207
    assertThat(stream.deadLength().await()).isEqualTo(LedgerErasure.DEAD_STEP + 50 - 3 + 1);
    assertThat(server.entries(LedgerWriter.dead(prefix)))
        .noneSatisfy(e -> assertThat(e.get("e")).contains("\"person-"));
  }

  /** The test server's pool under this test's own key namespace. */
  private static final class Prefixed implements RedisCommands {
    private final String prefix;

    Prefixed(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Future<Response> send(Request request) {
      return server.backend().send(request);
    }

    @Override
    public String keyPrefix() {
      return prefix;
    }
  }
}
