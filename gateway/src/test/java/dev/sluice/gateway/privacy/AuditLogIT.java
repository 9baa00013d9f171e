package dev.sluice.gateway.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.tenant.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The audit trail on a real PostgreSQL (a database of each test's own, since the trail is one per
 * database): the chain, concurrent appends from two pools (two gateway instances), rows changed or
 * removed behind the service's back, and the append-only triggers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuditLogIT {
  private TestDatabase db;
  private Vertx vertx;
  private Pool pool;
  private AuditLog audit;

  @BeforeEach
  void start() {
    db = TestDatabase.create();
    vertx = Vertx.vertx();
    pool = db.pool(vertx);
    audit = new AuditLog(pool);
  }

  @AfterEach
  void stop() {
    try {
      vertx.close().await();
    } finally {
      db.close();
    }
  }

  @Test
  void aChainOfAppendsVerifies() {
    AuditEntry first =
        audit
            .append(AuditLog.OPERATOR, "tenant.created", "acme", "acme", details("name", "Acme"))
            .await();
    AuditEntry second =
        audit.append(AuditLog.tenant("acme"), "endpoint.removed", "acme", null, null).await();
    AuditEntry third =
        audit.append(AuditLog.SYSTEM, "audit.tested", null, null, new JsonObject()).await();

    assertThat(first.seq()).isEqualTo(1);
    assertThat(first.prevHash()).isEqualTo(new byte[32]);
    assertThat(second.seq()).isEqualTo(2);
    assertThat(second.prevHash()).isEqualTo(first.hash());
    assertThat(third.prevHash()).isEqualTo(second.hash());
    AuditLog.Verification v = audit.verify().await();
    assertThat(v.ok()).isTrue();
    assertThat(v.entries()).isEqualTo(3);
    assertThat(v.brokenAt()).isNull();
    assertThat(v.lastHash()).isEqualTo(third.hash());
    // What was stored is what append answered.
    List<AuditEntry> stored = audit.page(0, 10, null).await().entries();
    assertThat(stored).hasSize(3);
    assertThat(stored.get(0).at()).isEqualTo(first.at());
    assertThat(stored.get(0).details()).isEqualTo(details("name", "Acme"));
    assertThat(stored.get(1).subject()).isNull();
    assertThat(stored.get(2).hash()).isEqualTo(third.hash());
  }

  @Test
  void anEmptyTrailVerifies() {
    AuditLog.Verification v = audit.verify().await();

    assertThat(v.ok()).isTrue();
    assertThat(v.entries()).isZero();
    assertThat(v.lastHash()).isNull();
  }

  @Test
  void aTrailLongerThanOneVerifyPageVerifies() {
    int count = AuditLog.VERIFY_PAGE * 2 + 3;
    for (int i = 0; i < count; i++) {
      audit.append(AuditLog.SYSTEM, "audit.tested", null, "s" + i, details("i", i)).await();
    }

    AuditLog.Verification v = audit.verify().await();

    assertThat(v.ok()).isTrue();
    assertThat(v.entries()).isEqualTo(count);
  }

  @Test
  void concurrentAppendsFromTwoPoolsFormOneUnbrokenChain() {
    Pool otherPool = db.pool(vertx);
    AuditLog other = new AuditLog(otherPool);
    int count = 50;
    List<Future<AuditEntry>> appends = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      AuditLog log = i % 2 == 0 ? audit : other;
      appends.add(log.append(AuditLog.SYSTEM, "audit.tested", null, "s" + i, details("i", i)));
    }

    Future.all(appends).await();

    List<AuditEntry> stored = audit.page(0, AuditLog.MAX_PAGE, null).await().entries();
    assertThat(stored.stream().map(AuditEntry::seq))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, count).boxed().toList());
    assertThat(stored.stream().map(AuditEntry::subject).collect(Collectors.toSet())).hasSize(count);
    for (int i = 1; i < stored.size(); i++) {
      assertThat(stored.get(i).prevHash()).isEqualTo(stored.get(i - 1).hash());
    }
    AuditLog.Verification v = other.verify().await();
    assertThat(v.ok()).isTrue();
    assertThat(v.entries()).isEqualTo(count);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "details = '{\"name\": \"Evil\"}'",
        "actor = 'tenant:acme'",
        "action = 'api_key.issued'",
        "tenant_id = NULL",
        "subject = 'other'",
        "at = at + interval '1 millisecond'",
        "hash = sha256('x')",
        "prev_hash = sha256('x')",
      })
  void aRowChangedBehindTheServicesBackIsFound(String change) {
    appendFive();

    behindTheServicesBack("UPDATE audit_log SET " + change + " WHERE seq = 3");

    AuditLog.Verification v = audit.verify().await();
    assertThat(v.ok()).isFalse();
    assertThat(v.brokenAt()).isEqualTo(3);
    assertThat(v.entries()).isEqualTo(2);
  }

  @Test
  void aRowChangedBackToWhatItWasVerifiesAgain() {
    appendFive();
    behindTheServicesBack("UPDATE audit_log SET subject = 'other' WHERE seq = 4");
    assertThat(audit.verify().await().brokenAt()).isEqualTo(4);

    behindTheServicesBack("UPDATE audit_log SET subject = 's4' WHERE seq = 4");

    assertThat(audit.verify().await().ok()).isTrue();
  }

  @Test
  void aMiddleRowDeletedBehindTheServicesBackIsFound() {
    appendFive();

    behindTheServicesBack("DELETE FROM audit_log WHERE seq = 3");

    AuditLog.Verification v = audit.verify().await();
    assertThat(v.ok()).isFalse();
    assertThat(v.brokenAt()).as("the row after the hole").isEqualTo(4);
    assertThat(v.entries()).isEqualTo(2);
  }

  @Test
  void theFirstRowDeletedIsFound() {
    appendFive();

    behindTheServicesBack("DELETE FROM audit_log WHERE seq = 1");

    assertThat(audit.verify().await().brokenAt()).isEqualTo(2);
  }

  @Test
  void updateDeleteAndTruncateThroughTheServicesConnectionAreRefused() {
    appendFive();
    byte[] before = audit.verify().await().lastHash();

    for (String sql :
        List.of(
            "UPDATE audit_log SET details = '{}' WHERE seq = 2",
            "DELETE FROM audit_log WHERE seq = 5",
            "DELETE FROM audit_log WHERE seq = 999",
            "TRUNCATE audit_log")) {
      assertThatThrownBy(() -> pool.query(sql).execute().await())
          .as(sql)
          .isInstanceOf(PgException.class)
          .hasMessageContaining("audit_log is append-only");
    }

    AuditLog.Verification v = audit.verify().await();
    assertThat(v.ok()).isTrue();
    assertThat(v.entries()).isEqualTo(5);
    assertThat(v.lastHash()).isEqualTo(before);
  }

  @Test
  void anAppendRolledBackWithItsTransactionLeavesNoEntryAndNoGap() {
    audit.append(AuditLog.SYSTEM, "audit.tested", null, "kept", null).await();

    assertThatThrownBy(
            () ->
                pool.withTransaction(
                        conn ->
                            audit
                                .append(conn, AuditLog.SYSTEM, "audit.tested", null, "lost", null)
                                .compose(e -> Future.failedFuture(new IllegalStateException("no"))))
                    .await())
        .hasMessage("no");
    AuditEntry next = audit.append(AuditLog.SYSTEM, "audit.tested", null, "next", null).await();

    assertThat(next.seq()).isEqualTo(2);
    assertThat(audit.page(0, 10, null).await().entries().stream().map(AuditEntry::subject))
        .containsExactly("kept", "next");
    assertThat(audit.verify().await().ok()).isTrue();
  }

  @Test
  void anAppendThatCannotBeWrittenFailsWithUnavailable() {
    db.execute("ALTER TABLE audit_log ADD CONSTRAINT refuse_all CHECK (false) NOT VALID");

    assertThatThrownBy(
            () -> audit.append(AuditLog.SYSTEM, "audit.tested", null, null, null).await())
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(GatewayException.Kind.UNAVAILABLE);
              assertThat(e.code()).isEqualTo("audit_unavailable");
            });
    assertThat(db.count("SELECT count(*) FROM audit_log")).isZero();
  }

  @Test
  void badArgumentsAndTheWrongTransactionWriteNothing() {
    assertThatThrownBy(
            () ->
                audit
                    .append(AuditLog.SYSTEM, "audit.tested", null, null, details("f", 0.5))
                    .await())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> audit.append(AuditLog.SYSTEM, "Tested", null, null, null).await())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("action");
    assertThatThrownBy(() -> audit.append(AuditLog.SYSTEM, "audit.tested", null, "", null).await())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                pool.withConnection(
                        conn ->
                            audit.append(conn, AuditLog.SYSTEM, "audit.tested", null, null, null))
                    .await())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("transaction");
    assertThatThrownBy(
            () ->
                pool.withTransaction(
                        conn ->
                            conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                                .execute()
                                .compose(
                                    r ->
                                        audit.append(
                                            conn,
                                            AuditLog.SYSTEM,
                                            "audit.tested",
                                            null,
                                            null,
                                            null)))
                    .await())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("READ COMMITTED");

    assertThat(db.count("SELECT count(*) FROM audit_log")).isZero();
  }

  @Test
  void pagesFollowOneAnotherAndFilterByTenant() {
    for (int i = 0; i < 7; i++) {
      audit
          .append(AuditLog.SYSTEM, "audit.tested", i % 2 == 0 ? "even" : "odd", "s" + i, null)
          .await();
    }

    Set<Long> seen = new HashSet<>();
    Long after = 0L;
    int pages = 0;
    while (after != null) {
      AuditLog.Page page = audit.page(after, 3, null).await();
      page.entries().forEach(e -> assertThat(seen.add(e.seq())).isTrue());
      after = page.next();
      pages++;
    }
    AuditLog.Page even = audit.page(0, 3, "even").await();

    assertThat(seen).hasSize(7);
    assertThat(pages).isEqualTo(3);
    assertThat(even.entries().stream().map(AuditEntry::seq)).containsExactly(1L, 3L, 5L);
    assertThat(even.next()).isEqualTo(5L);
    assertThat(audit.page(5, 3, "even").await())
        .satisfies(
            p -> {
              assertThat(p.entries().stream().map(AuditEntry::seq)).containsExactly(7L);
              assertThat(p.next()).isNull();
            });
  }

  private void appendFive() {
    for (int i = 0; i < 5; i++) {
      audit
          .append(AuditLog.OPERATOR, "audit.tested", "acme", "s" + (i + 1), details("i", i))
          .await();
    }
    assertThat(audit.verify().await().ok()).isTrue();
  }

  /** A superuser with DDL rights goes around the triggers, as the migration says one can. */
  private void behindTheServicesBack(String sql) {
    db.execute("ALTER TABLE audit_log DISABLE TRIGGER ALL");
    try {
      db.execute(sql);
    } finally {
      db.execute("ALTER TABLE audit_log ENABLE TRIGGER ALL");
    }
  }

  private static JsonObject details(String key, Object value) {
    return new JsonObject().put(key, value);
  }
}
