package dev.sluice.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.tenant.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The monthly partitions of the message history: where rows land, moves, drops. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HistoryPartitionsIT {
  private static TestDatabase db;
  private static Vertx vertx;
  private static Pool pool;
  private static LedgerRepository ledger;
  private static HistoryPartitions partitions;

  @BeforeAll
  static void start() {
    db = TestDatabase.create();
    vertx = Vertx.vertx();
    pool = db.pool(vertx);
    ledger = TestGateways.ledgerRepository(pool);
    partitions = new HistoryPartitions(pool);
  }

  @AfterAll
  static void stop() {
    pool.close().await();
    vertx.close().await();
    db.close();
  }

  @Test
  void theMigrationCreatedThisMonthAndThreeAhead() {
    YearMonth now = YearMonth.now(ZoneOffset.UTC);
    assertThat(partitions.months().await())
        .contains(now, now.plusMonths(1), now.plusMonths(2), now.plusMonths(3));
  }

  @Test
  void aMessageAndItsHistoryLandInTheMonthOfItsCreationAndAreReadBack() {
    Instant created = Instant.now();
    String id = sent(created);
    String month =
        HistoryPartitions.name("messages", YearMonth.from(created.atZone(ZoneOffset.UTC)));
    assertThat(partitionOf("messages", "id", id)).isEqualTo(month);
    assertThat(partitionOf("message_events", "message_id", id))
        .isEqualTo(
            HistoryPartitions.name(
                "message_events", YearMonth.from(created.atZone(ZoneOffset.UTC))));
    // A later event for the same message updates its one row (same creation time, same partition).
    ledger
        .write(List.of(event(id, created, MessageStatus.DELIVERED, created.plusSeconds(5))))
        .await();
    assertThat(db.count("SELECT count(*) FROM messages WHERE id = ?::uuid", id)).isEqualTo(1);
    MessageRecord found = ledger.find("acme", UUID.fromString(id)).await().orElseThrow();
    assertThat(found.status()).isEqualTo("delivered");
    assertThat(found.history())
        .extracting(MessageRecord.HistoryEntry::status)
        .containsExactly("accepted", "sent", "delivered");
  }

  @Test
  void creatingAMonthMovesItsRowsOutOfTheDefaultPartition() {
    Instant created = Instant.now().minus(900, ChronoUnit.DAYS); // older than any month created
    YearMonth month = YearMonth.from(created.atZone(ZoneOffset.UTC));
    String id = sent(created);
    assertThat(partitionOf("messages", "id", id)).isEqualTo("messages_default");

    partitions.ensure(created, 0).await();

    assertThat(partitionOf("messages", "id", id))
        .isEqualTo(HistoryPartitions.name("messages", month));
    assertThat(partitionOf("message_events", "message_id", id))
        .isEqualTo(HistoryPartitions.name("message_events", month));
    assertThat(ledger.find("acme", UUID.fromString(id)).await()).isPresent();
    partitions.ensure(created, 0).await(); // a month that exists: nothing
  }

  @Test
  void droppingRemovesWholeMonthsBeforeTheCutoffOnly() {
    Instant old = Instant.now().minus(800, ChronoUnit.DAYS);
    YearMonth oldMonth = YearMonth.from(old.atZone(ZoneOffset.UTC));
    partitions.ensure(old, 1).await();
    String gone = sent(old);
    String kept = sent(Instant.now());

    // The cutoff falls inside the month after: that month has not ended, so it stays.
    Instant cutoff = oldMonth.plusMonths(1).atDay(15).atStartOfDay(ZoneOffset.UTC).toInstant();
    List<YearMonth> dropped = partitions.dropBefore(cutoff).await();

    assertThat(dropped).contains(oldMonth).doesNotContain(oldMonth.plusMonths(1));
    assertThat(partitions.months().await())
        .doesNotContain(oldMonth)
        .contains(oldMonth.plusMonths(1));
    assertThat(db.count("SELECT count(*) FROM messages WHERE id = ?::uuid", gone)).isZero();
    assertThat(db.count("SELECT count(*) FROM message_events WHERE message_id = ?::uuid", gone))
        .isZero();
    assertThat(db.count("SELECT count(*) FROM messages WHERE id = ?::uuid", kept)).isEqualTo(1);
    assertThat(partitions.dropBefore(cutoff).await()).isEmpty();
  }

  private static String sent(Instant created) {
    String id = UUID.randomUUID().toString();
    ledger
        .write(
            List.of(
                event(id, created, MessageStatus.ACCEPTED, created),
                event(id, created, MessageStatus.SENT, created.plusSeconds(1))))
        .await();
    return id;
  }

  private static LedgerEvent event(String id, Instant created, MessageStatus status, Instant at) {
    return new LedgerEvent(
        id,
        "acme",
        "acme-wa",
        "whatsapp",
        "+4915112345678",
        "high",
        null,
        created.toEpochMilli(),
        status,
        at.toEpochMilli(),
        status == MessageStatus.SENT ? "wamid." + id : null,
        null,
        null,
        status == MessageStatus.ACCEPTED ? "api" : "dispatcher");
  }

  private static String partitionOf(String table, String idColumn, String id) {
    return pool.preparedQuery(
            "SELECT tableoid::regclass::text AS part FROM "
                + table
                + " WHERE "
                + idColumn
                + " = $1")
        .execute(Tuple.of(UUID.fromString(id)))
        .await()
        .iterator()
        .next()
        .getString("part");
  }
}
