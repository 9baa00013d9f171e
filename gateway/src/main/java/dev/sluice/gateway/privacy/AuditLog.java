package dev.sluice.gateway.privacy;

import dev.sluice.gateway.core.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: operator and privacy actions, appended to {@code audit_log} (which refuses
 * UPDATE, DELETE and TRUNCATE), each entry chained to the one before by its hash (see {@link
 * AuditEntry} and the V12 migration).
 *
 * <p><b>Appending.</b> Where the action is a PostgreSQL write, append in the action's own
 * transaction with {@link #append(SqlConnection, String, String, String, String, JsonObject)}, as
 * its <em>last</em> statement: the entry exists exactly when the action committed, and the trail's
 * lock (taken by the append, held until the transaction ends) is held no longer than needed. Where
 * it is not, call {@link #append(String, String, String, String, JsonObject)} (its own transaction)
 * right after the action and fail the request if it fails. Either way a failed append fails its
 * Future with a {@link GatewayException} 503 {@code audit_unavailable}, so an action is never
 * answered as done without its entry; bad arguments (a caller's bug) fail it with {@link
 * IllegalArgumentException} and write nothing.
 *
 * <pre>{@code
 * pool.withTransaction(conn ->
 *     doTheChange(conn)
 *         .compose(v -> audit.append(conn, AuditLog.OPERATOR, "erasure.requested",
 *             tenantId, jobId.toString(), new JsonObject().put("requestedBy", "tenant"))));
 * }</pre>
 *
 * <p><b>Actors</b>: {@link #OPERATOR}, {@link #SYSTEM}, {@link #tenant(String)}, {@link
 * #metaApp(String)}. <b>Actions</b>: {@code <thing>.<past participle>} in lowercase, such as {@code
 * api_key.issued}. <b>Subject</b>: an id, never a phone number or a secret. <b>Details</b>: a small
 * JSON object (at most 8 KiB) of strings, whole numbers, booleans, nulls, arrays and objects, never
 * a secret, a phone number or a message text.
 *
 * <p><b>Several instances.</b> Appends are serialised across every gateway on the database by a
 * transaction-scoped advisory lock: under it, the append reads the last entry and inserts the next
 * (seq + 1, chained to its hash). The lock needs READ COMMITTED (the default), so that the read
 * sees the entry committed by the lock's previous holder; an append in a transaction of another
 * isolation level fails. Were two appends ever to read the same last entry, the primary key on seq
 * would refuse the second rather than fork the chain.
 *
 * <p>Thread-safe; every call is one or a few round trips on the pool, no blocking.
 */
public final class AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  /** The operator API, authenticated by the admin token. */
  public static final String OPERATOR = "operator";

  /** The gateway itself (a background job, a scheduled purge). */
  public static final String SYSTEM = "system";

  /** Most entries of one {@link #page}. */
  public static final int MAX_PAGE = 500;

  /**
   * The key of the trail's {@code pg_advisory_xact_lock}: the ASCII of {@code "sluiceau"}, not used
   * by anything else of the gateway.
   */
  static final long LOCK_KEY = 0x736C756963656175L;

  /** Entries read per round trip by {@link #verify}: bounded work per event-loop turn. */
  static final int VERIFY_PAGE = 256;

  private static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");
  private static final int MAX_TEXT = 200;
  private static final String COLUMNS =
      "seq, at, actor, action, tenant_id, subject, details, prev_hash, hash";

  /** A page of the trail and where the next one starts. */
  public record Page(List<AuditEntry> entries, Long next) {}

  /**
   * The outcome of {@link #verify}.
   *
   * @param ok whether every entry matches its hash and links to the one before
   * @param entries how many entries were found intact (all of them when {@code ok}; those before
   *     {@code brokenAt} otherwise)
   * @param brokenAt the seq of the first entry whose hash, link or place does not match, or {@code
   *     null}
   * @param lastHash when {@code ok}, the hash of the last entry (null for an empty trail): to note
   *     somewhere else, so that a trail cut short or recomputed can be told later
   */
  public record Verification(boolean ok, long entries, Long brokenAt, byte[] lastHash) {}

  private final Pool pool;

  public AuditLog(Pool pool) {
    this.pool = pool;
  }

  /** The actor of a tenant acting through its API key. */
  public static String tenant(String tenantId) {
    return "tenant:" + tenantId;
  }

  /** The actor of a Meta app calling back (data deletion). */
  public static String metaApp(String appId) {
    return "meta:" + appId;
  }

  /**
   * Appends an entry in the caller's transaction; call it last in that transaction.
   *
   * @param tx a connection inside a READ COMMITTED transaction (as {@code Pool.withTransaction}
   *     gives)
   * @param tenantId the tenant concerned, or {@code null}
   * @param subject the id of what was acted on, or {@code null}
   * @param details small facts, or {@code null} for none
   * @return the entry as written (it exists once the transaction commits)
   */
  public Future<AuditEntry> append(
      SqlConnection tx,
      String actor,
      String action,
      String tenantId,
      String subject,
      JsonObject details) {
    Draft draft;
    try {
      draft = Draft.of(actor, action, tenantId, subject, details);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (tx.transaction() == null) {
      return Future.failedFuture(
          new IllegalArgumentException("an audit append needs a transaction to hold its lock"));
    }
    return tx.query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")")
        .execute()
        // A statement of its own: under READ COMMITTED its snapshot is taken after the lock.
        .compose(
            locked ->
                tx.query(
                        "SELECT current_setting('transaction_isolation') AS isolation,"
                            + " date_trunc('milliseconds', clock_timestamp()) AS now,"
                            + " last.seq, last.hash FROM (SELECT 1) one LEFT JOIN"
                            + " (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) last"
                            + " ON true")
                    .execute())
        .compose(head -> insert(tx, draft, head.iterator().next()))
        .recover(e -> Future.failedFuture(unavailable(draft.action(), e)));
  }

  /**
   * Appends an entry in a transaction of its own: for an action that is not a PostgreSQL write of
   * the caller's. The caller fails its request when this fails.
   */
  public Future<AuditEntry> append(
      String actor, String action, String tenantId, String subject, JsonObject details) {
    return pool.withTransaction(tx -> append(tx, actor, action, tenantId, subject, details))
        .recover(e -> Future.failedFuture(unavailable(action, e)));
  }

  /**
   * Entries in order, after {@code afterSeq}, at most {@code limit}, optionally only a tenant's.
   *
   * @param limit 1..{@value #MAX_PAGE}
   * @return the entries and the seq to ask after for the next page ({@code null} at the end)
   */
  public Future<Page> page(long afterSeq, int limit, String tenantId) {
    if (limit < 1 || limit > MAX_PAGE) {
      return Future.failedFuture(new IllegalArgumentException("limit must be 1.." + MAX_PAGE));
    }
    Future<RowSet<Row>> rows =
        tenantId == null
            ? pool.preparedQuery(
                    "SELECT " + COLUMNS + " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
                .execute(Tuple.of(afterSeq, limit + 1))
            : pool.preparedQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM audit_log WHERE tenant_id = $3 AND seq > $1"
                        + " ORDER BY seq LIMIT $2")
                .execute(Tuple.of(afterSeq, limit + 1, tenantId));
    return rows.map(
        r -> {
          List<AuditEntry> entries = new ArrayList<>(Math.min(r.size(), limit));
          for (Row row : r) {
            if (entries.size() == limit) {
              return new Page(entries, entries.get(limit - 1).seq());
            }
            entries.add(entry(row));
          }
          return new Page(entries, null);
        });
  }

  /**
   * Walks the whole trail in order, a page at a time, recomputing each entry's hash and checking
   * its link to the one before and its seq (no gap). Stops at the first entry that does not match.
   */
  public Future<Verification> verify() {
    return verifyAfter(0, AuditChain.GENESIS, 0);
  }

  private Future<Verification> verifyAfter(long afterSeq, byte[] prevHash, long intact) {
    return pool.preparedQuery(
            "SELECT " + COLUMNS + " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
        .execute(Tuple.of(afterSeq, VERIFY_PAGE))
        .compose(
            rows -> {
              long seq = afterSeq;
              byte[] prev = prevHash;
              long count = intact;
              for (Row row : rows) {
                long expected = seq + 1;
                seq = row.getLong("seq");
                byte[] hash = bytes(row, "hash");
                if (seq != expected
                    || !Arrays.equals(bytes(row, "prev_hash"), prev)
                    || !Arrays.equals(recomputed(row), hash)) {
                  return Future.succeededFuture(new Verification(false, count, seq, null));
                }
                prev = hash;
                count++;
              }
              if (rows.size() < VERIFY_PAGE) {
                return Future.succeededFuture(
                    new Verification(true, count, null, count == 0 ? null : prev));
              }
              return verifyAfter(seq, prev, count);
            });
  }

  /** The hash the row should have, or {@code null} when its details cannot be hashed at all. */
  private static byte[] recomputed(Row row) {
    try {
      return AuditChain.hash(
          bytes(row, "prev_hash"),
          row.getLong("seq"),
          row.getOffsetDateTime("at").toInstant().toEpochMilli(),
          row.getString("actor"),
          row.getString("action"),
          row.getString("tenant_id"),
          row.getString("subject"),
          AuditChain.canonical(details(row)));
    } catch (IllegalArgumentException e) {
      return null; // details no append could have written: changed behind the service's back
    }
  }

  private Future<AuditEntry> insert(SqlConnection tx, Draft draft, Row head) {
    String isolation = head.getString("isolation");
    if (!"read committed".equals(isolation)) {
      return Future.failedFuture(
          new IllegalArgumentException(
              "an audit append needs a READ COMMITTED transaction, not " + isolation));
    }
    OffsetDateTime at = head.getOffsetDateTime("now");
    Long lastSeq = head.getLong("seq");
    long seq = lastSeq == null ? 1 : lastSeq + 1;
    byte[] prev = lastSeq == null ? AuditChain.GENESIS : bytes(head, "hash");
    byte[] hash =
        AuditChain.hash(
            prev,
            seq,
            at.toInstant().toEpochMilli(),
            draft.actor(),
            draft.action(),
            draft.tenantId(),
            draft.subject(),
            draft.canonical());
    return tx.preparedQuery(
            "INSERT INTO audit_log (" + COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .execute(
            Tuple.tuple()
                .addLong(seq)
                .addOffsetDateTime(at)
                .addString(draft.actor())
                .addString(draft.action())
                .addString(draft.tenantId())
                .addString(draft.subject())
                .addValue(draft.details())
                .addBuffer(Buffer.buffer(prev))
                .addBuffer(Buffer.buffer(hash)))
        .map(
            r ->
                new AuditEntry(
                    seq,
                    at.toInstant(),
                    draft.actor(),
                    draft.action(),
                    draft.tenantId(),
                    draft.subject(),
                    draft.details(),
                    prev,
                    hash));
  }

  private static AuditEntry entry(Row row) {
    return new AuditEntry(
        row.getLong("seq"),
        row.getOffsetDateTime("at").toInstant(),
        row.getString("actor"),
        row.getString("action"),
        row.getString("tenant_id"),
        row.getString("subject"),
        details(row),
        bytes(row, "prev_hash"),
        bytes(row, "hash"));
  }

  private static JsonObject details(Row row) {
    Object value = row.getValue("details");
    if (value instanceof JsonObject o) {
      return o;
    }
    // Only a change behind the service's back stores anything but an object.
    throw new IllegalArgumentException("details are not a JSON object");
  }

  private static byte[] bytes(Row row, String column) {
    Buffer b = row.getBuffer(column);
    return b == null ? null : b.getBytes();
  }

  private static Throwable unavailable(String action, Throwable e) {
    if (e instanceof GatewayException || e instanceof IllegalArgumentException) {
      return e;
    }
    LOG.warn("audit entry not written [action={}]: {}", action, e.getMessage());
    return GatewayException.unavailable(
        "audit_unavailable", "the audit trail cannot be written right now", 5);
  }

  /** An entry's fields before it has a place in the trail, checked. */
  private record Draft(
      String actor,
      String action,
      String tenantId,
      String subject,
      JsonObject details,
      byte[] canonical) {

    static Draft of(
        String actor, String action, String tenantId, String subject, JsonObject details) {
      text("actor", Objects.requireNonNull(actor, "actor"));
      text("action", Objects.requireNonNull(action, "action"));
      if (!ACTION.matcher(action).matches()) {
        throw new IllegalArgumentException("action must look like thing.done, not " + action);
      }
      if (tenantId != null) {
        text("tenant", tenantId);
      }
      if (subject != null) {
        text("subject", subject);
      }
      JsonObject d = details == null ? new JsonObject() : details.copy();
      return new Draft(actor, action, tenantId, subject, d, AuditChain.canonical(d));
    }

    private static void text(String name, String value) {
      if (value.isEmpty() || value.length() > MAX_TEXT || value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            name + " must be 1.." + MAX_TEXT + " characters without NUL");
      }
    }
  }
}
