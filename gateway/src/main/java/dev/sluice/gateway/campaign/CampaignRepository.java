package dev.sluice.gateway.campaign;

import dev.sluice.gateway.ledger.LedgerRepository;
import dev.sluice.gateway.outbound.SendWindow;
import dev.sluice.gateway.privacy.PhoneHasher;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Campaigns and their audience rows in PostgreSQL. Rows go in a thousand at a time, arrays through
 * {@code unnest}; a number seen on an earlier row of the campaign is kept as a {@code duplicate} (a
 * partial unique index decides, so two instances or a retried batch cannot send it twice).
 */
final class CampaignRepository {
  static final String COLUMNS =
      "id, tenant_id, name, channel_id, message, template_name, lane, send_at, send_window,"
          + " rate_per_second, status, status_reason, total, rejected, duplicates, created_at,"
          + " started_at, finished_at";

  private static final String INSERT_ROWS =
      """
      INSERT INTO campaign_rows (campaign_id, row_no, phone, vars, state, reason, due_at,
          phone_hash)
      SELECT $1, row_no, phone, vars::jsonb,
          CASE WHEN reason IS NULL THEN 'pending' ELSE 'rejected' END, reason, $5, phone_hash
      FROM unnest($2::int[], $3::text[], $4::text[], $6::text[], $7::text[])
        AS t(row_no, phone, vars, reason, phone_hash)
      ORDER BY row_no
      ON CONFLICT (campaign_id, phone) WHERE state IN ('pending', 'queued', 'suppressed', 'skipped')
      DO NOTHING
      RETURNING row_no
      """;

  private static final String INSERT_DUPLICATES =
      """
      INSERT INTO campaign_rows (campaign_id, row_no, phone, state, reason, phone_hash)
      SELECT $1, row_no, phone, 'duplicate', 'the same number as an earlier row: sent once',
          phone_hash
      FROM unnest($2::int[], $3::text[], $4::text[]) AS t(row_no, phone, phone_hash)
      """;

  private final Pool pool;
  private final PhoneHasher hasher;

  /**
   * @param hasher the keyed hash each audience row stores beside its number ({@code phone_hash}),
   *     by which a person's rows are found
   */
  CampaignRepository(Pool pool, PhoneHasher hasher) {
    this.pool = pool;
    this.hasher = hasher;
  }

  Pool pool() {
    return pool;
  }

  // ---- creation ----

  Future<Void> insert(SqlConnection conn, Campaign c) {
    return conn.preparedQuery(
            "INSERT INTO campaigns (id, tenant_id, name, channel_id, message, template_name, lane,"
                + " send_at, send_window, rate_per_second, status, created_at, started_at)"
                + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                + " CASE WHEN $11::text = 'running' THEN $12::timestamptz END)")
        .execute(
            Tuple.tuple()
                .addUUID(UUID.fromString(c.id()))
                .addString(c.tenantId())
                .addString(c.name())
                .addString(c.channelId())
                .addValue(c.message())
                .addString(c.templateName())
                .addString(c.lane())
                .addOffsetDateTime(time(c.sendAt()))
                .addValue(c.window() == null ? null : c.window().toJson())
                .addInteger(c.ratePerSecond())
                .addString(c.status().wire())
                .addOffsetDateTime(time(c.createdAt())))
        .mapEmpty();
  }

  /**
   * Stores checked rows, due from {@code dueAt}.
   *
   * @return how many valid rows were duplicates of an earlier row's number
   */
  Future<Integer> insertRows(
      SqlConnection conn, String campaignId, List<AudienceRow> rows, Instant dueAt) {
    int n = rows.size();
    Integer[] rowNo = new Integer[n];
    String[] phone = new String[n];
    String[] vars = new String[n];
    String[] reason = new String[n];
    String[] phoneHash = new String[n];
    for (int i = 0; i < n; i++) {
      AudienceRow r = rows.get(i);
      rowNo[i] = r.row();
      phone[i] = r.phone();
      phoneHash[i] =
          r.phone() == null ? null : hasher.hash(LedgerRepository.conversationKey(r.phone()));
      vars[i] = r.vars() == null ? null : r.vars().encode();
      reason[i] = r.reason();
    }
    UUID id = UUID.fromString(campaignId);
    return conn.preparedQuery(INSERT_ROWS)
        .execute(Tuple.of(id, rowNo, phone, vars, time(dueAt), reason).addValue(phoneHash))
        .compose(
            inserted -> {
              java.util.Set<Integer> in = new java.util.HashSet<>();
              inserted.forEach(r -> in.add(r.getInteger(0)));
              List<Integer> dupRows = new ArrayList<>();
              List<String> dupPhones = new ArrayList<>();
              List<String> dupHashes = new ArrayList<>();
              for (int i = 0; i < n; i++) {
                AudienceRow r = rows.get(i);
                if (!r.rejected() && !in.contains(r.row())) {
                  dupRows.add(r.row());
                  dupPhones.add(r.phone());
                  dupHashes.add(phoneHash[i]);
                }
              }
              if (dupRows.isEmpty()) {
                return Future.succeededFuture(0);
              }
              return conn.preparedQuery(INSERT_DUPLICATES)
                  .execute(
                      Tuple.of(
                          id,
                          dupRows.toArray(new Integer[0]),
                          dupPhones.toArray(new String[0]),
                          dupHashes.toArray(new String[0])))
                  .map(dupRows.size());
            });
  }

  Future<Void> setTotals(SqlConnection conn, String id, int total, int rejected, int duplicates) {
    return conn.preparedQuery(
            "UPDATE campaigns SET total = $2, rejected = $3, duplicates = $4 WHERE id = $1")
        .execute(Tuple.of(UUID.fromString(id), total, rejected, duplicates))
        .mapEmpty();
  }

  // ---- reads ----

  Future<Optional<Campaign>> find(String tenantId, String id) {
    UUID uuid = uuid(id);
    if (uuid == null) {
      return Future.succeededFuture(Optional.empty());
    }
    return pool.preparedQuery(
            "SELECT " + COLUMNS + " FROM campaigns WHERE id = $1 AND tenant_id = $2")
        .execute(Tuple.of(uuid, tenantId))
        .map(rows -> first(rows));
  }

  Future<Optional<Campaign>> load(String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM campaigns WHERE id = $1")
        .execute(Tuple.of(UUID.fromString(id)))
        .map(rows -> first(rows));
  }

  /** A tenant's campaigns, newest first, created before {@code before} (or any). */
  Future<List<Campaign>> list(String tenantId, Instant before, int limit) {
    return pool.preparedQuery(
            "SELECT "
                + COLUMNS
                + " FROM campaigns WHERE tenant_id = $1 AND created_at < $2"
                + " ORDER BY created_at DESC LIMIT $3")
        .execute(
            Tuple.of(
                tenantId,
                time(before == null ? Instant.parse("9999-12-31T00:00:00Z") : before),
                limit))
        .map(
            rows -> {
              List<Campaign> out = new ArrayList<>();
              rows.forEach(r -> out.add(campaign(r)));
              return out;
            });
  }

  /** Live counts of a campaign: its rows by state and its messages by status. */
  record Counts(Map<String, Long> rows, Map<String, Long> messages, long waitingForWindow) {}

  Future<Counts> counts(String id, Instant now) {
    UUID uuid = UUID.fromString(id);
    Future<Map<String, Long>> rows =
        pool.preparedQuery(
                "SELECT state, count(*) FROM campaign_rows WHERE campaign_id = $1 GROUP BY state")
            .execute(Tuple.of(uuid))
            .map(CampaignRepository::countMap);
    Future<Map<String, Long>> messages =
        pool.preparedQuery(
                "SELECT status, count(*) FROM messages WHERE campaign_id = $1 GROUP BY status")
            .execute(Tuple.of(uuid))
            .map(CampaignRepository::countMap);
    Future<Long> waiting =
        pool.preparedQuery(
                "SELECT count(*) FROM campaign_rows WHERE campaign_id = $1 AND state = 'pending'"
                    + " AND due_at > $2")
            .execute(Tuple.of(uuid, time(now)))
            .map(r -> r.iterator().next().getLong(0));
    return Future.all(rows, messages, waiting)
        .map(v -> new Counts(rows.result(), messages.result(), waiting.result()));
  }

  private static Map<String, Long> countMap(RowSet<Row> rows) {
    Map<String, Long> out = new HashMap<>();
    rows.forEach(r -> out.put(r.getString(0), r.getLong(1)));
    return out;
  }

  // ---- status ----

  /**
   * Moves a campaign to {@code to} if it is in one of {@code from}.
   *
   * @return the campaign after the change, or empty when it is not in one of them (or not the
   *     tenant's)
   */
  Future<Optional<Campaign>> transition(
      SqlClient client,
      String tenantId,
      String id,
      List<Campaign.Status> from,
      Campaign.Status to,
      String reason,
      Instant now) {
    String[] states = from.stream().map(Campaign.Status::wire).toArray(String[]::new);
    String sql =
        "UPDATE campaigns SET status = $3, status_reason = $4, updated_at = now(),"
            + " started_at = CASE WHEN $3 = 'running' THEN COALESCE(started_at, $6) ELSE"
            + " started_at END,"
            + " finished_at = CASE WHEN $3 IN ('completed', 'cancelled') THEN $6 ELSE NULL END"
            + " WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2) AND status = ANY($5)"
            + " RETURNING "
            + COLUMNS;
    UUID uuid = uuid(id);
    if (uuid == null) {
      return Future.succeededFuture(Optional.empty());
    }
    return client
        .preparedQuery(sql)
        .execute(Tuple.of(uuid, tenantId, to.wire(), reason, states, time(now)))
        .map(CampaignRepository::first);
  }

  /**
   * How many campaigns are scheduled, running or paused, per tenant and status: {@code tenant →
   * status → count}. Campaigns are few (rows are in {@code campaign_rows}), so this reads the
   * table.
   */
  Future<Map<String, Map<String, Long>>> inProgress() {
    return pool.query(
            "SELECT tenant_id, status, count(*) FROM campaigns"
                + " WHERE status IN ('scheduled', 'running', 'paused') GROUP BY tenant_id, status")
        .execute()
        .map(
            rows -> {
              Map<String, Map<String, Long>> out = new HashMap<>();
              rows.forEach(
                  r ->
                      out.computeIfAbsent(r.getString(0), t -> new HashMap<>())
                          .put(r.getString(1), r.getLong(2)));
              return out;
            });
  }

  /** The running, scheduled or paused campaigns sending a WhatsApp template of this name. */
  Future<List<Campaign>> usingTemplate(String templateName) {
    return pool.preparedQuery(
            "SELECT "
                + COLUMNS
                + " FROM campaigns WHERE template_name = $1"
                + " AND status IN ('scheduled', 'running', 'paused')")
        .execute(Tuple.of(templateName))
        .map(
            rows -> {
              List<Campaign> out = new ArrayList<>();
              rows.forEach(r -> out.add(campaign(r)));
              return out;
            });
  }

  // ---- expansion ----

  /** A pending row due now. */
  record DueRow(int row, String phone, JsonObject vars, int attempt) {}

  Future<List<DueRow>> dueRows(String id, Instant now, int limit) {
    return pool.preparedQuery(
            "SELECT row_no, phone, vars, attempt FROM campaign_rows"
                + " WHERE campaign_id = $1 AND state = 'pending' AND due_at <= $2"
                + " ORDER BY due_at, row_no LIMIT $3")
        .execute(Tuple.of(UUID.fromString(id), time(now), limit))
        .map(
            rows -> {
              List<DueRow> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                Object vars = r.getValue(2);
                out.add(
                    new DueRow(
                        r.getInteger(0),
                        r.getString(1),
                        vars instanceof JsonObject o ? o : new JsonObject(),
                        r.getInteger(3)));
              }
              return out;
            });
  }

  /** When the earliest pending row is due, or empty when none is pending. */
  Future<Optional<Instant>> nextDue(String id) {
    return pool.preparedQuery(
            "SELECT min(due_at) FROM campaign_rows WHERE campaign_id = $1 AND state = 'pending'")
        .execute(Tuple.of(UUID.fromString(id)))
        .map(
            rows -> {
              OffsetDateTime t = rows.iterator().next().getOffsetDateTime(0);
              return Optional.ofNullable(t == null ? null : t.toInstant());
            });
  }

  /** What became of a due row in one expansion step. */
  record RowUpdate(int row, String state, Instant dueAt, UUID messageId, String reason) {}

  Future<Void> update(String id, List<RowUpdate> updates) {
    if (updates.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = updates.size();
    Integer[] row = new Integer[n];
    String[] state = new String[n];
    OffsetDateTime[] due = new OffsetDateTime[n];
    UUID[] message = new UUID[n];
    String[] reason = new String[n];
    for (int i = 0; i < n; i++) {
      RowUpdate u = updates.get(i);
      row[i] = u.row();
      state[i] = u.state();
      due[i] = time(u.dueAt());
      message[i] = u.messageId();
      reason[i] = u.reason();
    }
    return pool.preparedQuery(
            "UPDATE campaign_rows r SET state = t.state, due_at = COALESCE(t.due_at, r.due_at),"
                + " message_id = COALESCE(t.message_id, r.message_id), reason = t.reason"
                + " FROM unnest($2::int[], $3::text[], $4::timestamptz[], $5::uuid[], $6::text[])"
                + " AS t(row_no, state, due_at, message_id, reason)"
                + " WHERE r.campaign_id = $1 AND r.row_no = t.row_no")
        .execute(Tuple.of(UUID.fromString(id), row, state, due, message, reason))
        .mapEmpty();
  }

  /**
   * Whether every queued row's message has reached the ledger and none is still waiting to be sent
   * (accepted, or queued again for later).
   */
  Future<Boolean> allSettled(String id) {
    UUID uuid = UUID.fromString(id);
    return pool.preparedQuery(
            "SELECT (SELECT count(*) FROM messages WHERE campaign_id = $1"
                + " AND status IN ('accepted', 'queued')) AS open,"
                + " (SELECT count(*) FROM messages WHERE campaign_id = $1) AS ledgered,"
                + " (SELECT count(*) FROM campaign_rows WHERE campaign_id = $1"
                + " AND state = 'queued') AS queued")
        .execute(Tuple.of(uuid))
        .map(
            rows -> {
              Row r = rows.iterator().next();
              return r.getLong(0) == 0 && r.getLong(1) >= r.getLong(2);
            });
  }

  /** Of the campaign's last (up to) 1,000 finished sends: how many, and how many failed. */
  record Recent(long finished, long failed) {}

  Future<Recent> recentOutcomes(String id) {
    return pool.preparedQuery(
            "SELECT count(*), count(*) FILTER (WHERE status = 'failed') FROM ("
                + "SELECT status FROM messages WHERE campaign_id = $1"
                + " AND status NOT IN ('accepted', 'queued', 'cancelled')"
                + " ORDER BY updated_at DESC LIMIT 1000) last")
        .execute(Tuple.of(UUID.fromString(id)))
        .map(
            rows -> {
              Row r = rows.iterator().next();
              return new Recent(r.getLong(0), r.getLong(1));
            });
  }

  /** The live campaigns by status, and how many of the paused ones paused themselves. */
  record Live(Map<Campaign.Status, Long> byStatus, long pausedByFailures) {}

  /** Counts the scheduled, running and paused campaigns of every tenant. */
  Future<Live> live() {
    return pool.preparedQuery(
            "SELECT status, count(*), count(*) FILTER (WHERE status_reason LIKE $1)"
                + " FROM campaigns WHERE status IN ('scheduled', 'running', 'paused')"
                + " GROUP BY status")
        .execute(Tuple.of(CampaignRunner.FAILURE_RATIO + ":%"))
        .map(
            rows -> {
              Map<Campaign.Status, Long> byStatus = new HashMap<>();
              long failing = 0;
              for (Row r : rows) {
                Optional<Campaign.Status> status = Campaign.Status.of(r.getString(0));
                if (status.isPresent()) {
                  byStatus.put(status.get(), r.getLong(1));
                }
                failing += r.getLong(2);
              }
              return new Live(byStatus, failing);
            });
  }

  // ---- reports ----

  /** One row of a report: the row, its number, its message and that message's outcome. */
  record ReportRow(
      int row,
      String phone,
      String state,
      String reason,
      UUID messageId,
      String status,
      String errorCode) {}

  /**
   * Rows after {@code afterRow} in row order, {@code limit} at most.
   *
   * @param states only rows in these states (any when null)
   * @param messageStatus only rows whose message has this status (any when null)
   */
  Future<List<ReportRow>> report(
      String id, int afterRow, int limit, List<String> states, String messageStatus) {
    return pool.preparedQuery(
            "SELECT r.row_no, r.phone, r.state, r.reason, r.message_id, m.status, m.error_code"
                + " FROM campaign_rows r LEFT JOIN messages m ON m.id = r.message_id"
                + " WHERE r.campaign_id = $1 AND r.row_no > $2"
                + " AND ($4::text[] IS NULL OR r.state = ANY($4))"
                + " AND ($5::text IS NULL OR m.status = $5)"
                + " ORDER BY r.row_no LIMIT $3")
        .execute(
            Tuple.of(
                UUID.fromString(id),
                afterRow,
                limit,
                states == null ? null : states.toArray(new String[0]),
                messageStatus))
        .map(
            rows -> {
              List<ReportRow> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(
                    new ReportRow(
                        r.getInteger(0),
                        r.getString(1),
                        r.getString(2),
                        r.getString(3),
                        r.getUUID(4),
                        r.getString(5),
                        r.getString(6)));
              }
              return out;
            });
  }

  /**
   * Puts back the rows whose message failed after its retries ran out (the provider was down,
   * throttling or not answering): pending again, as a new attempt with a new message id.
   *
   * @return how many rows will be sent again
   */
  Future<Integer> retryFailed(SqlClient client, String id, Instant now) {
    return client
        .preparedQuery(
            "UPDATE campaign_rows r SET state = 'pending', attempt = r.attempt + 1,"
                + " due_at = $2, message_id = NULL, reason = NULL"
                + " FROM messages m WHERE r.campaign_id = $1 AND r.state = 'queued'"
                + " AND m.id = r.message_id AND m.status = 'failed'"
                + " AND m.error_message LIKE 'retry budget spent%'")
        .execute(Tuple.of(UUID.fromString(id), time(now)))
        .map(RowSet::rowCount);
  }

  // ---- mapping ----

  private static Optional<Campaign> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(campaign(rows.iterator().next()));
  }

  static Campaign campaign(Row r) {
    Object window = r.getValue("send_window");
    return new Campaign(
        r.getUUID("id").toString(),
        r.getString("tenant_id"),
        r.getString("name"),
        r.getString("channel_id"),
        (JsonObject) r.getValue("message"),
        r.getString("template_name"),
        r.getString("lane"),
        instant(r.getOffsetDateTime("send_at")),
        window instanceof JsonObject w ? SendWindow.fromJson(w) : null,
        r.getInteger("rate_per_second"),
        Campaign.Status.of(r.getString("status")).orElseThrow(),
        r.getString("status_reason"),
        r.getInteger("total"),
        r.getInteger("rejected"),
        r.getInteger("duplicates"),
        instant(r.getOffsetDateTime("created_at")),
        instant(r.getOffsetDateTime("started_at")),
        instant(r.getOffsetDateTime("finished_at")));
  }

  static UUID uuid(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static OffsetDateTime time(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
