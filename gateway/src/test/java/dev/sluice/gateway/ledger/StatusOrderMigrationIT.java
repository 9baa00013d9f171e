package dev.sluice.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.db.Database;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rows written under the old status order (failed and cancelled above delivered and read) read
 * right after the migration to the new one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusOrderMigrationIT {
  private static final String DB = TestBackends.uniqueId("sluice_order").replace('-', '_');
  private static final String READ_THEN_FAILED = UUID.randomUUID().toString();
  private static final String DELIVERED = UUID.randomUUID().toString();
  private static final String FAILED = UUID.randomUUID().toString();

  private static GatewayConfig.Postgres pg;

  @BeforeAll
  static void migrateOldRows() throws Exception {
    pg = TestGateways.config(Map.of("pg.url", TestGateways.pgUrl(DB))).pg();
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/postgres",
                pg.user(),
                pg.password().reveal());
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE \"" + DB + "\"");
    }
    Flyway.configure()
        .dataSource(pg.jdbcUrl(), pg.user(), pg.password().reveal())
        .locations("classpath:db/migration")
        .target("7")
        .load()
        .migrate();
    try (Connection c =
            DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password().reveal());
        Statement s = c.createStatement()) {
      // Old ranks: delivered 3, read 4, failed 5. A late "failed" moved the first message back.
      s.execute(row(READ_THEN_FAILED, "failed", 5, "wamid.MIG1", "131026"));
      s.execute(report("wamid.MIG1", "read", 4));
      s.execute(report("wamid.MIG1", "failed", 5));
      s.execute(row(DELIVERED, "delivered", 3, "wamid.MIG2", null));
      s.execute(report("wamid.MIG2", "delivered", 3));
      s.execute(row(FAILED, "failed", 5, "wamid.MIG3", "131026"));
      s.execute(report("wamid.MIG3", "failed", 5));
    }
    Database.prepare(pg, 3_000); // the gateway's own start: migrates to the newest version
  }

  @AfterAll
  static void drop() throws Exception {
    TestGateways.dropDatabase(DB);
  }

  private static String row(String id, String status, int rank, String pmid, String code) {
    return "INSERT INTO messages (id, tenant_id, channel_id, provider, recipient, lane, status,"
        + " status_rank, provider_message_id, error_code, created_at) VALUES ('"
        + id
        + "', 'acme', 'acme-wa', 'whatsapp', '4915112345678', 'high', '"
        + status
        + "', "
        + rank
        + ", '"
        + pmid
        + "', "
        + (code == null ? "NULL" : "'" + code + "'")
        + ", now())";
  }

  private static String report(String pmid, String status, int rank) {
    return "INSERT INTO provider_statuses (provider, provider_message_id, status, status_rank, at)"
        + " VALUES ('whatsapp', '"
        + pmid
        + "', '"
        + status
        + "', "
        + rank
        + ", now())";
  }

  @Test
  void storedRanksFollowTheNewOrderAndAMessageReadBeforeALateFailureIsRead() {
    Vertx vertx = Vertx.vertx();
    Pool pool = Database.pool(vertx, pg);
    try {
      LedgerRepository ledger = TestGateways.ledgerRepository(pool);
      MessageRecord read = ledger.find("acme", UUID.fromString(READ_THEN_FAILED)).await().get();
      assertThat(read.status()).isEqualTo("read");
      assertThat(read.errorCode()).isNull();
      assertThat(ledger.find("acme", UUID.fromString(FAILED)).await().get().status())
          .isEqualTo("failed");

      // The stored ranks are those of the new order: a late failure leaves a delivered message
      // delivered, and a receipt moves a failed one on.
      ledger
          .write(
              List.of(
                  LedgerEvent.fromProvider(
                      "whatsapp", "wamid.MIG2", MessageStatus.FAILED, 9_000, "1"),
                  LedgerEvent.fromProvider(
                      "whatsapp", "wamid.MIG3", MessageStatus.DELIVERED, 9_000, null)))
          .await();
      assertThat(ledger.find("acme", UUID.fromString(DELIVERED)).await().get().status())
          .isEqualTo("delivered");
      assertThat(ledger.find("acme", UUID.fromString(FAILED)).await().get().status())
          .isEqualTo("delivered");
      assertThat(
              pool.query(
                      "SELECT count(*) FROM provider_statuses WHERE status_rank <> CASE status"
                          + " WHEN 'sent' THEN 2 WHEN 'failed' THEN 3 WHEN 'delivered' THEN 4"
                          + " WHEN 'read' THEN 5 END")
                  .execute()
                  .await()
                  .iterator()
                  .next()
                  .getLong(0))
          .isZero();
    } finally {
      pool.close().await();
      vertx.close().await();
    }
  }
}
