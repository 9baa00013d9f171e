package dev.sluice.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.db.Database;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ledger's PostgreSQL side: monotonic statuses, late correlation, foreign input. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LedgerRepositoryIT {
  private static final String DB = TestBackends.uniqueId("sluice_ledger").replace('-', '_');

  private static Vertx vertx;
  private static Pool pool;
  private static LedgerRepository ledger;

  @BeforeAll
  static void start() {
    GatewayConfig.Postgres pg = TestGateways.config(Map.of("pg.url", TestGateways.pgUrl(DB))).pg();
    Database.prepare(pg, 3_000);
    vertx = Vertx.vertx();
    pool = Database.pool(vertx, pg);
    ledger = TestGateways.ledgerRepository(pool);
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().await();
    vertx.close().await();
    TestGateways.dropDatabase(DB);
  }

  private static LedgerEvent ours(
      String id, MessageStatus status, long at, String providerId, String clientRef) {
    return new LedgerEvent(
        id,
        "acme",
        "acme-wa",
        "whatsapp",
        "+4915112345678",
        "high",
        clientRef,
        1_000,
        status,
        at,
        providerId,
        null,
        null,
        "dispatcher");
  }

  private static MessageRecord find(String id) {
    return ledger.find("acme", UUID.fromString(id)).await().orElseThrow();
  }

  @Test
  void aBodyIsKeptSealedWithItsTenantsKeyAndCannotBeOpenedOnceTheKeyIsGone() {
    String tenant = "sealed-" + UUID.randomUUID().toString().substring(0, 8);
    pool.preparedQuery("INSERT INTO tenants (id, name) VALUES ($1, 'Sealed')")
        .execute(io.vertx.sqlclient.Tuple.of(tenant))
        .await();
    String id = UUID.randomUUID().toString();
    String body = "{\"type\":\"text\",\"text\":\"the secret words 4711\"}";
    ledger
        .write(
            List.of(
                new LedgerEvent(
                    id,
                    tenant,
                    "c",
                    "whatsapp",
                    "+4915112345678",
                    "high",
                    null,
                    5_000,
                    MessageStatus.ACCEPTED,
                    5_000,
                    null,
                    null,
                    null,
                    "api",
                    null,
                    body)))
        .await();

    assertThat(ledger.find(tenant, UUID.fromString(id)).await().orElseThrow().content())
        .isEqualTo(body);
    byte[] stored =
        pool.preparedQuery("SELECT sealed FROM message_bodies WHERE message_id = $1")
            .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(id)))
            .await()
            .iterator()
            .next()
            .getBuffer("sealed")
            .getBytes();
    assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain("secret words");

    // Crypto-shredding: without the tenant's key row, a repository that has nothing cached (any
    // process holding the master key) finds the message but cannot open its body.
    pool.preparedQuery("UPDATE tenants SET deleted_at = now() WHERE id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(tenant))
        .await();
    pool.preparedQuery("DELETE FROM tenant_keys WHERE tenant_id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(tenant))
        .await();
    MessageRecord after =
        TestGateways.ledgerRepository(pool).find(tenant, UUID.fromString(id)).await().orElseThrow();
    assertThat(after.status()).isEqualTo("accepted");
    assertThat(after.content()).isNull();
  }

  @Test
  void aMessageRowCarriesItsRecipientsKeyedHashForLookups() {
    String id = UUID.randomUUID().toString();
    ledger.write(List.of(ours(id, MessageStatus.ACCEPTED, 1_000, null, null))).await();
    String stored =
        pool.preparedQuery("SELECT recipient_hash FROM messages WHERE id = $1")
            .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(id)))
            .await()
            .iterator()
            .next()
            .getString("recipient_hash");
    assertThat(stored)
        .isEqualTo(TestGateways.phoneHasher().hash("4915112345678"))
        .doesNotContain("4915112345678");
    // Found through the hash alone, by the index a person's lookup uses.
    long found =
        pool.preparedQuery(
                "SELECT count(*) AS n FROM messages WHERE tenant_id = 'acme' AND recipient_hash = $1")
            .execute(io.vertx.sqlclient.Tuple.of(stored))
            .await()
            .iterator()
            .next()
            .getLong("n");
    assertThat(found).isGreaterThanOrEqualTo(1);
  }

  @Test
  void statusesOnlyMoveForwardWhateverTheOrderOfUpdates() {
    String id = UUID.randomUUID().toString();
    ledger.write(List.of(ours(id, MessageStatus.ACCEPTED, 1_000, null, null))).await();
    ledger
        .write(
            List.of(
                LedgerEvent.fromProvider("whatsapp", "wamid.M1", MessageStatus.READ, 4_000, null),
                ours(id, MessageStatus.SENT, 2_000, "wamid.M1", null)))
        .await();
    ledger
        .write(
            List.of(
                LedgerEvent.fromProvider(
                    "whatsapp", "wamid.M1", MessageStatus.DELIVERED, 3_000, null),
                LedgerEvent.fromProvider("whatsapp", "wamid.M1", MessageStatus.READ, 4_000, null)))
        .await();

    MessageRecord m = find(id);
    assertThat(m.status()).isEqualTo("read");
    assertThat(m.providerMessageId()).isEqualTo("wamid.M1");
    assertThat(m.history())
        .extracting(MessageRecord.HistoryEntry::status)
        .containsExactly("accepted", "sent", "delivered", "read");
  }

  @Test
  void aProviderReportBeforeTheSendIsRecordedIsAppliedOnceItIs() {
    String id = UUID.randomUUID().toString();
    ledger
        .write(
            List.of(
                LedgerEvent.fromProvider(
                    "whatsapp", "wamid.EARLY", MessageStatus.DELIVERED, 3_000, null)))
        .await();
    ledger.write(List.of(ours(id, MessageStatus.SENT, 2_000, "wamid.EARLY", null))).await();

    assertThat(find(id).status()).isEqualTo("delivered");
  }

  @Test
  void theApisAcceptedIsShownFromTheMessageRowWithoutAHistoryRowOfItsOwn() {
    String id = UUID.randomUUID().toString();
    LedgerEvent accepted =
        new LedgerEvent(
            id,
            "acme",
            "acme-wa",
            "whatsapp",
            "+4915112345678",
            "high",
            null,
            1_000,
            MessageStatus.ACCEPTED,
            1_000,
            null,
            null,
            null,
            "api");
    ledger.write(List.of(accepted)).await();
    ledger.write(List.of(ours(id, MessageStatus.SENT, 2_000, "wamid.IMPLICIT", null))).await();

    MessageRecord m = find(id);
    assertThat(m.history())
        .extracting(MessageRecord.HistoryEntry::status, MessageRecord.HistoryEntry::source)
        .containsExactly(tuple("accepted", "api"), tuple("sent", "dispatcher"));
    assertThat(m.history().get(0).at().toEpochMilli()).isEqualTo(1_000);
    assertThat(
            pool.preparedQuery("SELECT count(*) FROM message_events WHERE message_id = $1")
                .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(id)))
                .await()
                .iterator()
                .next()
                .getLong(0))
        .isEqualTo(1); // only "sent" has a row
  }

  @Test
  void theSameOutcomeWrittenTwiceIsOneHistoryEntry() {
    String id = UUID.randomUUID().toString();
    LedgerEvent sent = ours(id, MessageStatus.SENT, 2_000, "wamid.TWICE", null);
    ledger.write(List.of(ours(id, MessageStatus.ACCEPTED, 1_000, null, null), sent)).await();
    // A dispatcher that crashed after its ledger append, or whose lease lapsed, records it again:
    // in a later batch, and twice in one batch.
    ledger.write(List.of(ours(id, MessageStatus.SENT, 2_500, "wamid.TWICE", null))).await();
    ledger.write(List.of(sent, sent)).await();

    assertThat(find(id).history())
        .extracting(MessageRecord.HistoryEntry::status)
        .containsExactly("accepted", "sent");
  }

  @Test
  void aLateFailedAfterReadIsKeptInTheHistoryButDoesNotChangeTheStatus() {
    String id = UUID.randomUUID().toString();
    ledger.write(List.of(ours(id, MessageStatus.SENT, 2_000, "wamid.RF", null))).await();
    ledger
        .write(
            List.of(
                LedgerEvent.fromProvider("whatsapp", "wamid.RF", MessageStatus.READ, 4_000, null)))
        .await();
    ledger
        .write(
            List.of(
                LedgerEvent.fromProvider(
                    "whatsapp", "wamid.RF", MessageStatus.FAILED, 5_000, "131026")))
        .await();

    MessageRecord m = find(id);
    assertThat(m.status()).isEqualTo("read");
    assertThat(m.errorCode()).isNull();
    assertThat(m.history())
        .extracting(MessageRecord.HistoryEntry::status)
        .containsExactly("accepted", "sent", "read", "failed");
  }

  @Test
  void aLateFailedInTheSameBatchAsReadDoesNotChangeTheStatus() {
    String id = UUID.randomUUID().toString();
    ledger
        .write(
            List.of(
                ours(id, MessageStatus.SENT, 2_000, "wamid.RF1", null),
                LedgerEvent.fromProvider("whatsapp", "wamid.RF1", MessageStatus.READ, 4_000, null),
                LedgerEvent.fromProvider(
                    "whatsapp", "wamid.RF1", MessageStatus.FAILED, 5_000, "131026")))
        .await();

    assertThat(find(id).status()).isEqualTo("read");
  }

  @Test
  void aDeliveredReceiptAfterFailedMovesTheMessageToDelivered() {
    String id = UUID.randomUUID().toString();
    ledger.write(List.of(ours(id, MessageStatus.SENT, 2_000, "wamid.FD", null))).await();
    ledger
        .write(
            List.of(
                LedgerEvent.fromProvider(
                    "whatsapp", "wamid.FD", MessageStatus.FAILED, 3_000, "131026")))
        .await();
    assertThat(find(id).status()).isEqualTo("failed");
    assertThat(find(id).errorCode()).isEqualTo("131026");

    ledger
        .write(
            List.of(
                LedgerEvent.fromProvider(
                    "whatsapp", "wamid.FD", MessageStatus.DELIVERED, 3_500, null)))
        .await();

    MessageRecord m = find(id);
    assertThat(m.status()).isEqualTo("delivered");
    assertThat(m.errorCode()).isNull();
    assertThat(m.history())
        .extracting(MessageRecord.HistoryEntry::status)
        .containsExactly("accepted", "sent", "failed", "delivered");
  }

  @Test
  void aReadReceiptMovesAMessageOurDispatcherFailedToRead() {
    // The dispatcher gave up (its last attempt timed out) although the provider had sent it.
    String id = UUID.randomUUID().toString();
    ledger.write(List.of(ours(id, MessageStatus.SENT, 2_000, "wamid.DF", null))).await();
    ledger.write(List.of(ours(id, MessageStatus.FAILED, 3_000, "wamid.DF", null))).await();
    assertThat(find(id).status()).isEqualTo("failed");

    ledger
        .write(
            List.of(
                LedgerEvent.fromProvider("whatsapp", "wamid.DF", MessageStatus.READ, 4_000, null)))
        .await();

    assertThat(find(id).status()).isEqualTo("read");
  }

  @Test
  void aFailedOutcomeWrittenAfterReadDoesNotChangeTheStatus() {
    String id = UUID.randomUUID().toString();
    ledger
        .write(
            List.of(
                LedgerEvent.fromProvider("whatsapp", "wamid.OF", MessageStatus.READ, 4_000, null),
                ours(id, MessageStatus.SENT, 2_000, "wamid.OF", null)))
        .await();
    ledger.write(List.of(ours(id, MessageStatus.FAILED, 5_000, "wamid.OF", null))).await();

    assertThat(find(id).status()).isEqualTo("read");
  }

  @Test
  void aNulInForeignTextIsStoredReplacedInsteadOfFailingTheBatch() {
    String id = UUID.randomUUID().toString();
    ledger.write(List.of(ours(id, MessageStatus.ACCEPTED, 1_000, null, "ref\u0000x"))).await();

    assertThat(find(id).clientRef()).isEqualTo("ref\uFFFDx");
  }

  @Test
  void aNulInAProviderMessageIdIsStoredReplacedAndStillMatchesItsReports() {
    // A provider's send answer is foreign input too: its id reaches the ledger with "sent".
    String id = UUID.randomUUID().toString();
    ledger
        .write(
            List.of(
                ours(id, MessageStatus.SENT, 2_000, "wamid.\u0000N", null),
                LedgerEvent.fromProvider(
                    "whatsapp", "wamid.\u0000N", MessageStatus.DELIVERED, 3_000, null)))
        .await();

    MessageRecord m = find(id);
    assertThat(m.status()).isEqualTo("delivered");
    assertThat(m.providerMessageId()).isEqualTo("wamid.\uFFFDN");
  }
}
