package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.privacy.jobs.Job.Kind;
import dev.sluice.gateway.privacy.jobs.Job.Requester;
import dev.sluice.gateway.privacy.jobs.Job.Status;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Every PostgreSQL query of privacy jobs: the job rows (create, claim under a lease, progress,
 * finish, the export's download), Meta's deletion requests, and the person's data an erasure
 * deletes and an export reads. This class is the one place that knows how a person is found in
 * PostgreSQL: by the keyed hash each row keeps beside the address ({@code messages.recipient_hash},
 * {@code campaign_rows.phone_hash}, both {@link PhoneHasher#hash} of the person's conversation key
 * — a number's digits, as Redis names their conversations — indexed), and, for rows written before
 * those columns existed, by the address itself. An audience row that was rejected keeps the text it
 * was given, so it is also matched by the number's digits.
 */
final class PrivacyRepository {
  private static final String JOB_COLUMNS =
      "id, tenant_id, kind, requested_by, status, deadline, removed, subject, error,"
          + " result_expires_at, downloaded_at, confirmation_code, attempts, created_at,"
          + " started_at, finished_at";

  /** How long the law gives for an erasure or an export (GDPR art. 12(3): one month). */
  static final String DEADLINE = "interval '30 days'";

  /**
   * A person's messages: by the keyed hash of the address as stored, or by the address where a row
   * has no hash (written before the column existed).
   */
  private static final String PERSONS_MESSAGES =
      "tenant_id = $1 AND (recipient_hash = ANY($2)"
          + " OR (recipient_hash IS NULL AND recipient = ANY($3)))";

  /**
   * A person's rows of a tenant's campaign audiences ({@code r}, joined with campaigns {@code c}).
   */
  private static final String PERSONS_ROWS =
      """
      c.id = r.campaign_id AND c.tenant_id = $1
        AND (r.phone_hash = ANY($2) OR (r.phone_hash IS NULL AND r.phone = ANY($3))
             OR (r.state = 'rejected' AND $4::text IS NOT NULL
                 AND regexp_replace(r.phone, '[^0-9]', '', 'g') = $4))
      """;

  private final Pool pool;
  private final PhoneHasher hasher;

  /**
   * @param hasher the keyed hash the history and the audiences keep beside each address
   */
  PrivacyRepository(Pool pool, PhoneHasher hasher) {
    this.pool = pool;
    this.hasher = hasher;
  }

  // ---- jobs ----

  /** A job to create. */
  record NewJob(
      UUID id,
      String tenantId,
      Kind kind,
      Requester requestedBy,
      byte[] subjectHash,
      byte[] sealedSubject,
      String confirmationCode) {}

  /** Runs {@code work} in one transaction: committed when its Future succeeds. */
  <T> Future<T> transaction(Function<SqlConnection, Future<T>> work) {
    return pool.withTransaction(work);
  }

  /** Creates a job, due at once. */
  Future<Job> create(SqlClient client, NewJob job) {
    return client
        .preparedQuery(
            "INSERT INTO privacy_jobs (id, tenant_id, kind, requested_by, subject_hash, subject,"
                + " deadline, confirmation_code) VALUES ($1, $2, $3, $4, $5, $6, now() + "
                + DEADLINE
                + ", $7) RETURNING "
                + JOB_COLUMNS)
        .execute(
            Tuple.of(
                job.id(),
                job.tenantId(),
                job.kind().wire,
                job.requestedBy().wire,
                Buffer.buffer(job.subjectHash()),
                Buffer.buffer(job.sealedSubject()),
                job.confirmationCode()))
        .map(rows -> job(rows.iterator().next()));
  }

  /** A tenant's job of one kind. */
  Future<Optional<Job>> find(String tenantId, Kind kind, UUID id) {
    return pool.preparedQuery(
            "SELECT "
                + JOB_COLUMNS
                + " FROM privacy_jobs WHERE id = $1 AND tenant_id = $2"
                + " AND kind = $3")
        .execute(Tuple.of(id, tenantId, kind.wire))
        .map(PrivacyRepository::first);
  }

  /**
   * Takes the job due first that no live instance holds ({@code FOR UPDATE SKIP LOCKED}), under a
   * lease of {@code leaseMs}: a job whose holder died (its lease ran out) is taken again and run
   * from the start.
   */
  Future<Optional<Job>> claim(String owner, long leaseMs) {
    return pool.preparedQuery(
            "UPDATE privacy_jobs j SET status = 'running', lease_owner = $1,"
                + " lease_until = now() + $2::bigint * interval '1 millisecond', attempts = j.attempts + 1,"
                + " started_at = COALESCE(j.started_at, now())"
                + " WHERE j.id = (SELECT id FROM privacy_jobs WHERE status IN ('pending', 'running')"
                + " AND due_at <= now() AND (lease_until IS NULL OR lease_until < now())"
                + " ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING "
                + JOB_COLUMNS)
        .execute(Tuple.of(owner, leaseMs))
        .map(PrivacyRepository::first);
  }

  /** Extends the lease; false when the job is no longer this owner's (another took it over). */
  Future<Boolean> renew(UUID id, String owner, long leaseMs) {
    return pool.preparedQuery(
            "UPDATE privacy_jobs SET lease_until = now() + $3::bigint * interval '1 millisecond'"
                + " WHERE id = $1 AND lease_owner = $2 AND status = 'running'")
        .execute(Tuple.of(id, owner, leaseMs))
        .map(rows -> rows.rowCount() == 1);
  }

  /** Writes the counts so far; false when the job is no longer this owner's. */
  Future<Boolean> progress(UUID id, String owner, Map<String, Long> removed) {
    return pool.preparedQuery(
            "UPDATE privacy_jobs SET removed = $3 WHERE id = $1 AND lease_owner = $2"
                + " AND status = 'running'")
        .execute(Tuple.of(id, owner, json(removed)))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Finishes a job: completed with its counts, and for an export its sealed document, readable for
   * {@code resultTtlHours}; the sealed subject is dropped.
   *
   * @return the job as finished, or empty when it is no longer this owner's
   */
  Future<Optional<Job>> complete(
      SqlClient client,
      UUID id,
      String owner,
      Map<String, Long> removed,
      byte[] result,
      long resultTtlHours) {
    return client
        .preparedQuery(
            "UPDATE privacy_jobs SET status = 'completed', removed = $3, subject = NULL,"
                + " error = NULL, finished_at = now(), lease_owner = NULL, lease_until = NULL,"
                + " result = $4, result_expires_at = CASE WHEN $4::bytea IS NULL THEN NULL"
                + " ELSE now() + $5::bigint * interval '1 hour' END"
                + " WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING "
                + JOB_COLUMNS)
        .execute(
            Tuple.of(
                id,
                owner,
                json(removed),
                result == null ? null : Buffer.buffer(result),
                resultTtlHours))
        .map(PrivacyRepository::first);
  }

  /** Gives the job back after a failed attempt, due again at {@code dueAt}, the reason noted. */
  Future<Void> retryLater(UUID id, String owner, String error, Instant dueAt) {
    return pool.preparedQuery(
            "UPDATE privacy_jobs SET lease_owner = NULL, lease_until = NULL, error = $3,"
                + " due_at = $4 WHERE id = $1 AND lease_owner = $2 AND status = 'running'")
        .execute(Tuple.of(id, owner, error, time(dueAt)))
        .mapEmpty();
  }

  /**
   * Fails a job for good (its subject cannot be read, or its deadline passed); drops the subject.
   */
  Future<Optional<Job>> fail(SqlClient client, UUID id, String owner, String error) {
    return client
        .preparedQuery(
            "UPDATE privacy_jobs SET status = 'failed', error = $3, subject = NULL,"
                + " finished_at = now(), lease_owner = NULL, lease_until = NULL"
                + " WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING "
                + JOB_COLUMNS)
        .execute(Tuple.of(id, owner, error))
        .map(PrivacyRepository::first);
  }

  /**
   * Takes an export's sealed document, once: it is cleared in the same statement, so two downloads
   * at once get it once.
   *
   * @return the sealed document, or empty when there is none to take (see {@link #find} for why)
   */
  Future<Optional<byte[]>> takeResult(SqlClient client, String tenantId, UUID id) {
    return client
        .preparedQuery(
            "UPDATE privacy_jobs n SET result = NULL, downloaded_at = now()"
                + " FROM privacy_jobs o WHERE n.id = o.id AND n.id = $1 AND n.tenant_id = $2"
                + " AND n.kind = 'export' AND n.result IS NOT NULL AND n.result_expires_at > now()"
                + " RETURNING o.result")
        .execute(Tuple.of(id, tenantId))
        .map(
            rows ->
                rows.size() == 0
                    ? Optional.empty()
                    : Optional.of(rows.iterator().next().getBuffer(0).getBytes()));
  }

  /** Drops export documents whose time ran out; how many. */
  Future<Integer> dropExpiredResults() {
    return pool.query(
            "UPDATE privacy_jobs SET result = NULL WHERE result IS NOT NULL"
                + " AND result_expires_at <= now()")
        .execute()
        .map(RowSet::rowCount);
  }

  // ---- Meta's data-deletion callback ----

  /** The tenants with a channel on a Meta app (not those being deleted). */
  Future<List<String>> tenantsOfMetaApp(String appId) {
    return pool.preparedQuery(
            "SELECT DISTINCT c.tenant_id FROM channels c JOIN tenants t ON t.id = c.tenant_id"
                + " WHERE c.meta_app_id = $1 AND t.deleted_at IS NULL")
        .execute(Tuple.of(appId))
        .map(PrivacyRepository::firstColumn);
  }

  /** Records a deletion request. */
  Future<Void> createDeletionRequest(SqlClient client, String code, String appId) {
    return client
        .preparedQuery("INSERT INTO privacy_deletion_requests (code, meta_app_id) VALUES ($1, $2)")
        .execute(Tuple.of(code, appId))
        .mapEmpty();
  }

  /**
   * A deletion request as its confirmation page shows it.
   *
   * @param statuses the status of each erasure it started (none when no tenant had a channel on the
   *     app)
   * @param finishedAt when the last of them finished, or {@code null}
   */
  record Deletion(Instant requestedAt, List<Status> statuses, Instant finishedAt) {}

  Future<Optional<Deletion>> deletion(String code) {
    return pool.preparedQuery(
            "SELECT r.created_at, j.status, j.finished_at FROM privacy_deletion_requests r"
                + " LEFT JOIN privacy_jobs j ON j.confirmation_code = r.code WHERE r.code = $1")
        .execute(Tuple.of(code))
        .map(
            rows -> {
              if (rows.size() == 0) {
                return Optional.empty();
              }
              Instant requested = null;
              Instant finished = null;
              List<Status> statuses = new ArrayList<>();
              for (Row r : rows) {
                requested = instant(r, "created_at");
                if (r.getString("status") != null) {
                  statuses.add(Status.of(r.getString("status")));
                  Instant f = instant(r, "finished_at");
                  if (f != null && (finished == null || f.isAfter(finished))) {
                    finished = f;
                  }
                }
              }
              return Optional.of(new Deletion(requested, statuses, finished));
            });
  }

  // ---- the person's data ----

  /** A tenant's channels (its members' rate and pacing state is named by channel). */
  Future<List<String>> channelsOf(String tenantId) {
    return pool.preparedQuery("SELECT id FROM channels WHERE tenant_id = $1")
        .execute(Tuple.of(tenantId))
        .map(PrivacyRepository::firstColumn);
  }

  /**
   * One of the person's messages in the history, by what other stores know it: its id (idempotency
   * markers, the ledger), and the provider's id (provider reports).
   */
  record MessageKey(String id, String provider, String providerMessageId, Instant createdAt) {}

  /** Every message of the tenant to the person. */
  Future<List<MessageKey>> messageKeys(String tenantId, Subject subject) {
    return pool.preparedQuery(
            "SELECT id, provider, provider_message_id, created_at FROM messages WHERE "
                + PERSONS_MESSAGES)
        .execute(person(tenantId, subject))
        .map(
            rows -> {
              List<MessageKey> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(
                    new MessageKey(
                        r.getUUID("id").toString(),
                        r.getString("provider"),
                        r.getString("provider_message_id"),
                        instant(r, "created_at")));
              }
              return out;
            });
  }

  /** What one batch of {@link #deleteMessages} removed. */
  record Deleted(long messages, long events, long providerStatuses, long bodies) {}

  /**
   * Deletes up to {@code batch} of the person's messages with their status history, their bodies
   * and the provider's reports on them, in one statement (so a batch goes whole or not at all).
   * Called until it deletes no message: each batch is a short transaction however many rows the
   * person has. The history and the bodies are found in their month's partition.
   */
  Future<Deleted> deleteMessages(String tenantId, Subject subject, int batch) {
    return pool.preparedQuery(
            "WITH doomed AS (SELECT id, created_at, provider, provider_message_id FROM messages"
                + " WHERE "
                + PERSONS_MESSAGES
                + " LIMIT $4 FOR UPDATE),"
                + """
                ev AS (DELETE FROM message_events e USING doomed d
                       WHERE e.message_id = d.id AND e.message_created_at = d.created_at
                       RETURNING 1),
                bo AS (DELETE FROM message_bodies b USING doomed d
                       WHERE b.message_id = d.id AND b.message_created_at = d.created_at
                       RETURNING 1),
                ps AS (DELETE FROM provider_statuses p USING doomed d
                       WHERE p.provider = d.provider
                         AND p.provider_message_id = d.provider_message_id
                       RETURNING 1),
                m AS (DELETE FROM messages m USING doomed d
                      WHERE m.id = d.id AND m.created_at = d.created_at RETURNING 1)
                SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM ev),
                  (SELECT count(*) FROM ps), (SELECT count(*) FROM bo)
                """)
        .execute(person(tenantId, subject).addValue(batch))
        .map(
            rows -> {
              Row r = rows.iterator().next();
              return new Deleted(r.getLong(0), r.getLong(1), r.getLong(2), r.getLong(3));
            });
  }

  /**
   * Redacts the person's rows of the tenant's campaign audiences: the number and the row's
   * variables are replaced, the row and its state kept, so a campaign's counts stay right; a row
   * still pending is not sent any more (suppressed, reason {@code erased}). A rejected row keeps
   * the text it was given, so it is also matched by its digits.
   *
   * @return how many rows were redacted
   */
  Future<Integer> redactCampaignRows(String tenantId, Subject subject) {
    return pool.preparedQuery(
            """
            UPDATE campaign_rows r SET phone = 'erased:' || r.row_no, phone_hash = NULL,
              vars = NULL,
              state = CASE WHEN r.state = 'pending' THEN 'suppressed' ELSE r.state END,
              reason = CASE WHEN r.state = 'pending' THEN 'erased' ELSE r.reason END
            FROM campaigns c WHERE
            """
                + PERSONS_ROWS)
        .execute(person(tenantId, subject).addValue(digits(subject)))
        .map(RowSet::rowCount);
  }

  /** One of the person's messages, as an export lists it. */
  record ExportedMessage(
      String id,
      String channelId,
      String provider,
      String lane,
      String clientRef,
      String status,
      String errorCode,
      String errorMessage,
      String campaignId,
      Instant createdAt,
      Instant updatedAt,
      List<HistoryEntry> history,
      byte[] sealedBody) {}

  /** One status change of a message. */
  record HistoryEntry(String status, Instant at, String source, String errorCode) {}

  /**
   * A page of the person's messages, oldest first, with their histories (keyset: after {@code
   * after}, or from the first when {@code null}).
   */
  Future<List<ExportedMessage>> exportMessages(
      String tenantId, Subject subject, ExportedMessage after, int limit) {
    return pool.preparedQuery(
            "SELECT id, channel_id, provider, lane, client_ref, status, error_code, error_message,"
                + " campaign_id, created_at, updated_at FROM messages WHERE "
                + PERSONS_MESSAGES
                + " AND ($4::timestamptz IS NULL OR (created_at, id) > ($4, $5))"
                + " ORDER BY created_at, id LIMIT $6")
        .execute(
            person(tenantId, subject)
                .addValue(after == null ? null : time(after.createdAt()))
                .addValue(after == null ? null : UUID.fromString(after.id()))
                .addValue(limit))
        .compose(this::withHistories);
  }

  private Future<List<ExportedMessage>> withHistories(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Future.succeededFuture(List.of());
    }
    UUID[] ids = new UUID[rows.size()];
    OffsetDateTime[] created = new OffsetDateTime[rows.size()];
    int i = 0;
    for (Row r : rows) {
      ids[i] = r.getUUID("id");
      created[i++] = r.getOffsetDateTime("created_at");
    }
    return pool.preparedQuery(
            """
            WITH k AS (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS k(id, created))
            SELECT e.message_id, e.status, e.at, e.source, e.error_code
            FROM message_events e JOIN k ON e.message_id = k.id AND e.message_created_at = k.created
            UNION ALL
            SELECT m.id, 'accepted', m.created_at, 'api', NULL
            FROM messages m JOIN k ON m.id = k.id AND m.created_at = k.created
            WHERE NOT EXISTS (
              SELECT 1 FROM message_events e WHERE e.message_id = m.id
                AND e.message_created_at = m.created_at AND e.status = 'accepted')
            UNION ALL
            SELECT m.id, ps.status, ps.at, 'provider', ps.error_code
            FROM messages m JOIN k ON m.id = k.id AND m.created_at = k.created
            JOIN provider_statuses ps
              ON m.provider = ps.provider AND m.provider_message_id = ps.provider_message_id
            ORDER BY at, status
            """)
        .execute(Tuple.tuple().addValue(ids).addValue(created))
        .compose(history -> bodies(ids, created).map(bodies -> messages(rows, history, bodies)));
  }

  /** The sealed bodies of the messages {@code ids} created at {@code created}, by message. */
  private Future<Map<UUID, byte[]>> bodies(UUID[] ids, OffsetDateTime[] created) {
    return pool.preparedQuery(
            "SELECT b.message_id, b.sealed FROM message_bodies b"
                + " JOIN unnest($1::uuid[], $2::timestamptz[]) AS k(id, created)"
                + " ON b.message_id = k.id AND b.message_created_at = k.created")
        .execute(Tuple.tuple().addValue(ids).addValue(created))
        .map(
            rows -> {
              Map<UUID, byte[]> out = new LinkedHashMap<>();
              rows.forEach(r -> out.put(r.getUUID(0), r.getBuffer(1).getBytes()));
              return out;
            });
  }

  private static List<ExportedMessage> messages(
      RowSet<Row> rows, RowSet<Row> history, Map<UUID, byte[]> bodies) {
    Map<UUID, List<HistoryEntry>> byMessage = new LinkedHashMap<>();
    for (Row h : history) {
      byMessage
          .computeIfAbsent(h.getUUID("message_id"), k -> new ArrayList<>())
          .add(
              new HistoryEntry(
                  h.getString("status"),
                  instant(h, "at"),
                  h.getString("source"),
                  h.getString("error_code")));
    }
    List<ExportedMessage> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      UUID campaign = r.getUUID("campaign_id");
      out.add(
          new ExportedMessage(
              r.getUUID("id").toString(),
              r.getString("channel_id"),
              r.getString("provider"),
              r.getString("lane"),
              r.getString("client_ref"),
              r.getString("status"),
              r.getString("error_code"),
              r.getString("error_message"),
              campaign == null ? null : campaign.toString(),
              instant(r, "created_at"),
              instant(r, "updated_at"),
              byMessage.getOrDefault(r.getUUID("id"), List.of()),
              bodies.get(r.getUUID("id"))));
    }
    return out;
  }

  /** One of the person's rows in a campaign audience. */
  record ExportedRow(
      String campaignId,
      String campaignName,
      int row,
      String state,
      String reason,
      JsonObject variables,
      String messageId) {}

  /**
   * The person's rows in the tenant's campaign audiences (matched as {@link #redactCampaignRows}).
   */
  Future<List<ExportedRow>> exportCampaignRows(String tenantId, Subject subject) {
    return pool.preparedQuery(
            """
            SELECT r.campaign_id, c.name, r.row_no, r.state, r.reason, r.vars, r.message_id
            FROM campaign_rows r, campaigns c WHERE
            """
                + PERSONS_ROWS
                + " ORDER BY c.created_at, r.campaign_id, r.row_no")
        .execute(person(tenantId, subject).addValue(digits(subject)))
        .map(
            rows -> {
              List<ExportedRow> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                Object vars = r.getValue("vars");
                UUID message = r.getUUID("message_id");
                out.add(
                    new ExportedRow(
                        r.getUUID("campaign_id").toString(),
                        r.getString("name"),
                        r.getInteger("row_no"),
                        r.getString("state"),
                        r.getString("reason"),
                        vars instanceof JsonObject o ? o : null,
                        message == null ? null : message.toString()));
              }
              return out;
            });
  }

  // ---- mapping ----

  /**
   * The parameters that find a person: the tenant ($1), the keyed hash of their conversation key
   * ($2) and the addresses themselves for rows without a hash ($3). (Arrays go through {@code
   * addValue}: {@code Tuple.of(a, array)} would spread the array.)
   */
  private Tuple person(String tenantId, Subject subject) {
    List<String> addresses = subject.recipients();
    String[] hashes = {hasher.hash(subject.key())};
    return Tuple.tuple()
        .addValue(tenantId)
        .addValue(hashes)
        .addValue(addresses.toArray(new String[0]));
  }

  /** A phone subject's digits (a rejected audience row is matched by them), else null. */
  private static String digits(Subject subject) {
    return subject.phone() == null ? null : subject.key();
  }

  private static List<String> firstColumn(RowSet<Row> rows) {
    List<String> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(r.getString(0)));
    return out;
  }

  private static Optional<Job> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(job(rows.iterator().next()));
  }

  private static Job job(Row r) {
    Map<String, Long> removed = new LinkedHashMap<>();
    Object counts = r.getValue("removed");
    if (counts instanceof JsonObject o) {
      o.forEach(e -> removed.put(e.getKey(), ((Number) e.getValue()).longValue()));
    }
    Buffer subject = r.getBuffer("subject");
    return new Job(
        r.getUUID("id"),
        r.getString("tenant_id"),
        Kind.of(r.getString("kind")),
        Requester.of(r.getString("requested_by")),
        Status.of(r.getString("status")),
        instant(r, "deadline"),
        removed,
        subject == null ? null : subject.getBytes(),
        r.getString("error"),
        instant(r, "result_expires_at"),
        instant(r, "downloaded_at"),
        r.getString("confirmation_code"),
        r.getInteger("attempts"),
        instant(r, "created_at"),
        instant(r, "started_at"),
        instant(r, "finished_at"));
  }

  private static JsonObject json(Map<String, Long> counts) {
    JsonObject o = new JsonObject();
    counts.forEach(o::put);
    return o;
  }

  private static Instant instant(Row r, String column) {
    OffsetDateTime t = r.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }

  private static OffsetDateTime time(Instant t) {
    return t == null ? null : OffsetDateTime.ofInstant(t, java.time.ZoneOffset.UTC);
  }
}
