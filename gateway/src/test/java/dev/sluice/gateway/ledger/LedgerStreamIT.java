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
