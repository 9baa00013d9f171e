package dev.sluice.gateway.ledger;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.privacy.DataKey;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.privacy.TenantKeys;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
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
 * The ledger in PostgreSQL: one transaction per batch, one statement per kind of write, every row
 * passed as arrays through {@code unnest} (never one statement per event).
 *
 * <p>A message's status only moves to a higher {@code status_rank} ({@link MessageStatus}); its
 * error fields describe its current status, so a receipt that moves a failed message to delivered
 * clears them (the failure stays in the history).
 */
public final class LedgerRepository {
  private static final String UPSERT_MESSAGES =
      """
      INSERT INTO messages AS m (id, tenant_id, channel_id, provider, recipient, lane, client_ref,
          status, status_rank, provider_message_id, error_code, error_message, created_at,
          campaign_id, recipient_hash)
      SELECT DISTINCT ON (id) id, tenant_id, channel_id, provider, recipient, lane, client_ref,
          status, status_rank, provider_message_id, error_code, error_message, created_at,
          campaign_id, recipient_hash
      FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
          $7::text[], $8::text[], $9::int2[], $10::text[], $11::text[], $12::text[],
          $13::timestamptz[], $14::uuid[], $15::text[])
        AS t(id, tenant_id, channel_id, provider, recipient, lane, client_ref, status,
          status_rank, provider_message_id, error_code, error_message, created_at, campaign_id,
          recipient_hash)
      ORDER BY id, status_rank DESC
      ON CONFLICT (id, created_at) DO UPDATE SET
        status = CASE WHEN EXCLUDED.status_rank > m.status_rank
            THEN EXCLUDED.status ELSE m.status END,
        error_code = CASE WHEN EXCLUDED.status_rank > m.status_rank
            THEN EXCLUDED.error_code ELSE m.error_code END,
        error_message = CASE WHEN EXCLUDED.status_rank > m.status_rank
            THEN EXCLUDED.error_message ELSE m.error_message END,
        status_rank = GREATEST(m.status_rank, EXCLUDED.status_rank),
        provider_message_id = COALESCE(m.provider_message_id, EXCLUDED.provider_message_id),
        campaign_id = COALESCE(m.campaign_id, EXCLUDED.campaign_id),
        recipient_hash = COALESCE(m.recipient_hash, EXCLUDED.recipient_hash),
        next_attempt_at = CASE WHEN GREATEST(m.status_rank, EXCLUDED.status_rank) >= 2
            THEN NULL ELSE m.next_attempt_at END,
        updated_at = now()
      """;

  /**
   * The retries of a batch, after the upsert: each message takes its latest (most attempts), never
   * an older one, and a message already sent or finished is not waiting for a next attempt.
   */
  private static final String RECORD_ATTEMPTS =
      """
      UPDATE messages m SET attempts = r.attempts,
          next_attempt_at = CASE WHEN m.status_rank < 2 THEN r.next_attempt_at END,
          last_error_code = r.error_code, last_error_message = r.error_message
      FROM (SELECT DISTINCT ON (id) id, created_at, attempts, next_attempt_at, error_code,
              error_message
            FROM unnest($1::uuid[], $2::timestamptz[], $3::int4[], $4::timestamptz[],
                $5::text[], $6::text[])
              AS t(id, created_at, attempts, next_attempt_at, error_code, error_message)
            ORDER BY id, attempts DESC) r
      WHERE m.id = r.id AND m.created_at = r.created_at AND r.attempts > m.attempts
      """;

  private static final String INSERT_EVENTS =
      """
      INSERT INTO message_events (message_id, status, at, source, provider_message_id,
          error_code, error_message, message_created_at)
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
          $6::text[], $7::text[], $8::timestamptz[])
      ON CONFLICT (message_id, status, source, message_created_at) DO NOTHING
      """;

  private static final String INSERT_BODIES =
      """
      INSERT INTO message_bodies (message_id, tenant_id, message_created_at, sealed)
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::bytea[])
      ON CONFLICT DO NOTHING
      """;

  private static final String INSERT_PROVIDER_STATUSES =
      """
      INSERT INTO provider_statuses (provider, provider_message_id, status, status_rank, at,
          error_code, error_message)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int2[], $5::timestamptz[],
          $6::text[], $7::text[])
      ON CONFLICT DO NOTHING
      """;

  /** Applies the best provider status of every provider id touched by this batch. */
  private static final String APPLY_PROVIDER_STATUSES =
      """
      WITH touched AS (
        SELECT DISTINCT provider, pmid FROM unnest($1::text[], $2::text[]) AS t(provider, pmid)),
      best AS (
        SELECT DISTINCT ON (ps.provider, ps.provider_message_id)
            ps.provider, ps.provider_message_id, ps.status, ps.status_rank, ps.error_code,
            ps.error_message
        FROM provider_statuses ps
        JOIN touched t ON ps.provider = t.provider AND ps.provider_message_id = t.pmid
        ORDER BY ps.provider, ps.provider_message_id, ps.status_rank DESC)
      UPDATE messages m SET status = best.status, status_rank = best.status_rank,
          error_code = best.error_code, error_message = best.error_message,
          next_attempt_at = CASE WHEN best.status_rank >= 2 THEN NULL ELSE m.next_attempt_at END,
          updated_at = now()
      FROM best
      WHERE m.provider = best.provider AND m.provider_message_id = best.provider_message_id
        AND best.status_rank > m.status_rank
      """;

  /** 9999-12-31T23:59:59.999Z: the latest time the ledger stores. */
  static final long MAX_TIME_MS = 253_402_300_799_999L;

  private final Pool pool;
  private final PhoneHasher hasher;
  private final TenantKeys keys;
  private final boolean storeBodies;

  /**
   * @param hasher the keyed hash each message row stores beside its recipient ({@code
   *     recipient_hash}, of its {@link #conversationKey}: the same value that names the person's
   *     conversations in Redis), by which a person's messages are found
   * @param keys the tenants' data keys, which seal message bodies at rest
   * @param storeBodies whether message bodies are kept ({@code retention.storeBodies})
   */
  public LedgerRepository(Pool pool, PhoneHasher hasher, TenantKeys keys, boolean storeBodies) {
    this.pool = pool;
    this.hasher = hasher;
    this.keys = keys;
    this.storeBodies = storeBodies;
  }

  /**
   * Writes a batch in one transaction; fails as a whole (the writer retries the batch). Fails with
   * a {@link PgException} when PostgreSQL refuses a row, and with {@link Refused} for an event that
   * can never be written as it is (checked before the transaction, because the client would fail on
   * it with an exception of its own: a message id that is not a UUID, a time whose microseconds
   * overflow).
   */
  public Future<Void> write(List<LedgerEvent> events) {
    for (LedgerEvent e : events) {
      String problem = unwritable(e);
      if (problem != null) {
        return Future.failedFuture(new Refused(problem));
      }
    }
    List<LedgerEvent> ours = new ArrayList<>();
    List<LedgerEvent> providers = new ArrayList<>();
    for (LedgerEvent e : events) {
      (e.aboutOurMessage() ? ours : providers).add(e);
    }
    return sealBodies(ours)
        .compose(
            bodies ->
                pool.withTransaction(
                    conn ->
                        upsertMessages(conn, ours)
                            .compose(v -> recordAttempts(conn, ours))
                            .compose(v -> insertEvents(conn, ours))
                            .compose(v -> insertBodies(conn, bodies))
                            .compose(v -> insertProviderStatuses(conn, providers))
                            .compose(v -> applyProviderStatuses(conn, events))));
  }

  /**
   * The key the gateway knows an end user by, whose keyed hash names their conversations and
   * partition in Redis and finds their rows here: a number's digits without {@code +}, any other
   * address (a chat id) as it is.
   */
  public static String conversationKey(String address) {
    return address.startsWith("+") ? address.substring(1) : address;
  }

  /** A message body sealed with its tenant's data key, ready for {@code message_bodies}. */
  private record SealedBody(LedgerEvent event, byte[] sealed) {}

  /**
   * Seals the bodies the batch carries, each with its tenant's data key (from memory; loaded once
   * per tenant otherwise). A tenant without a key (deleted, or unknown) keeps no body: its data is
   * being removed, and the rest of its history is written as usual.
   */
  private Future<List<SealedBody>> sealBodies(List<LedgerEvent> ours) {
    if (!storeBodies) {
      return Future.succeededFuture(List.of());
    }
    Map<String, List<LedgerEvent>> byTenant = new HashMap<>();
    for (LedgerEvent e : ours) {
      if (e.body() != null && e.tenantId() != null) {
        byTenant.computeIfAbsent(e.tenantId(), t -> new ArrayList<>()).add(e);
      }
    }
    if (byTenant.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<SealedBody> out = new ArrayList<>();
    List<Future<?>> loads = new ArrayList<>();
    for (Map.Entry<String, List<LedgerEvent>> tenant : byTenant.entrySet()) {
      Optional<DataKey> cached = keys.cached(tenant.getKey());
      if (cached.isPresent()) {
        seal(cached.get(), tenant.getValue(), out);
      } else {
        loads.add(
            keys.key(tenant.getKey())
                .onSuccess(key -> seal(key, tenant.getValue(), out))
                .recover(LedgerRepository::noKeyIsNoBody));
      }
    }
    return Future.all(loads).map(v -> out);
  }

  /** A tenant without a data key (deleted, unknown) keeps no body; any other failure fails. */
  private static Future<DataKey> noKeyIsNoBody(Throwable e) {
    return e instanceof GatewayException g && g.kind() == GatewayException.Kind.NOT_FOUND
        ? Future.succeededFuture()
        : Future.failedFuture(e);
  }

  private static void seal(DataKey key, List<LedgerEvent> events, List<SealedBody> out) {
    for (LedgerEvent e : events) {
      byte[] plain = e.body().getBytes(StandardCharsets.UTF_8);
      synchronized (out) {
        out.add(new SealedBody(e, key.seal(bodyContext(e.messageId()), plain)));
      }
    }
  }

  /** What a message's sealed body is bound to: it opens for that message only. */
  public static String bodyContext(String messageId) {
    return "message:" + messageId + ":body";
  }

  private static Future<Void> insertBodies(SqlConnection conn, List<SealedBody> bodies) {
    if (bodies.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = bodies.size();
    UUID[] id = new UUID[n];
    String[] tenant = new String[n];
    OffsetDateTime[] created = new OffsetDateTime[n];
    Buffer[] sealed = new Buffer[n];
    for (int i = 0; i < n; i++) {
      SealedBody b = bodies.get(i);
      id[i] = UUID.fromString(b.event().messageId());
      tenant[i] = b.event().tenantId();
      created[i] = createdAt(b.event());
      sealed[i] = Buffer.buffer(b.sealed());
    }
    return conn.preparedQuery(INSERT_BODIES)
        .execute(arrays(id, tenant, created, sealed))
        .mapEmpty();
  }

  private Future<Void> upsertMessages(SqlConnection conn, List<LedgerEvent> ours) {
    if (ours.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = ours.size();
    UUID[] id = new UUID[n];
    String[] tenant = new String[n];
    String[] channel = new String[n];
    String[] provider = new String[n];
    String[] recipient = new String[n];
    String[] lane = new String[n];
    String[] clientRef = new String[n];
    String[] status = new String[n];
    Short[] rank = new Short[n];
    String[] pmid = new String[n];
    String[] code = new String[n];
    String[] message = new String[n];
    OffsetDateTime[] created = new OffsetDateTime[n];
    UUID[] campaign = new UUID[n];
    String[] recipientHash = new String[n];
    for (int i = 0; i < n; i++) {
      LedgerEvent e = ours.get(i);
      recipientHash[i] = e.recipient() == null ? null : hasher.hash(conversationKey(e.recipient()));
      id[i] = UUID.fromString(e.messageId());
      campaign[i] = e.campaignId() == null ? null : UUID.fromString(e.campaignId());
      tenant[i] = text(e.tenantId());
      channel[i] = text(e.channelId());
      provider[i] = text(e.provider());
      recipient[i] = text(e.recipient());
      lane[i] = text(e.lane());
      clientRef[i] = text(e.clientRef());
      status[i] = e.status().wireName();
      rank[i] = (short) e.status().rank();
      pmid[i] = text(e.providerMessageId());
      code[i] = text(e.errorCode());
      message[i] = text(e.errorMessage());
      created[i] = createdAt(e);
    }
    return conn.preparedQuery(UPSERT_MESSAGES)
        .execute(
            arrays(
                id,
                tenant,
                channel,
                provider,
                recipient,
                lane,
                clientRef,
                status,
                rank,
                pmid,
                code,
                message,
                created,
                campaign,
                recipientHash))
        .mapEmpty();
  }

  private static Future<Void> recordAttempts(SqlConnection conn, List<LedgerEvent> ours) {
    List<LedgerEvent> retries = new ArrayList<>();
    for (LedgerEvent e : ours) {
      if (e.attempts() > 0) {
        retries.add(e);
      }
    }
    if (retries.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = retries.size();
    UUID[] id = new UUID[n];
    OffsetDateTime[] created = new OffsetDateTime[n];
    Integer[] attempts = new Integer[n];
    OffsetDateTime[] next = new OffsetDateTime[n];
    String[] code = new String[n];
    String[] message = new String[n];
    for (int i = 0; i < n; i++) {
      LedgerEvent e = retries.get(i);
      id[i] = UUID.fromString(e.messageId());
      created[i] = createdAt(e);
      attempts[i] = e.attempts();
      next[i] =
          e.nextAttemptAt() > 0 && storableTime(e.nextAttemptAt()) ? time(e.nextAttemptAt()) : null;
      code[i] = text(e.errorCode());
      message[i] = text(e.errorMessage());
    }
    return conn.preparedQuery(RECORD_ATTEMPTS)
        .execute(arrays(id, created, attempts, next, code, message))
        .mapEmpty();
  }

  /**
   * The history rows of our own status changes. The API's "accepted" is not among them: the
   * message's row holds that time ({@code created_at}) and the history shows it from there, which
   * saves a row and an index entry per message.
   */
  private static Future<Void> insertEvents(SqlConnection conn, List<LedgerEvent> all) {
    List<LedgerEvent> ours = new ArrayList<>(all.size());
    for (LedgerEvent e : all) {
      if (!(e.status() == MessageStatus.ACCEPTED
          && ("api".equals(e.source()) || "campaign".equals(e.source())))) {
        ours.add(e);
      }
    }
    if (ours.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = ours.size();
    UUID[] id = new UUID[n];
    String[] status = new String[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    String[] source = new String[n];
    String[] pmid = new String[n];
    String[] code = new String[n];
    String[] message = new String[n];
    OffsetDateTime[] created = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      LedgerEvent e = ours.get(i);
      id[i] = UUID.fromString(e.messageId());
      created[i] = createdAt(e);
      status[i] = e.status().wireName();
      at[i] = time(e.at());
      source[i] = text(e.source());
      pmid[i] = text(e.providerMessageId());
      code[i] = text(e.errorCode());
      message[i] = text(e.errorMessage());
    }
    return conn.preparedQuery(INSERT_EVENTS)
        .execute(arrays(id, status, at, source, pmid, code, message, created))
        .mapEmpty();
  }

  private static Future<Void> insertProviderStatuses(
      SqlConnection conn, List<LedgerEvent> providers) {
    if (providers.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = providers.size();
    String[] provider = new String[n];
    String[] pmid = new String[n];
    String[] status = new String[n];
    Short[] rank = new Short[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    String[] code = new String[n];
    String[] message = new String[n];
    for (int i = 0; i < n; i++) {
      LedgerEvent e = providers.get(i);
      provider[i] = text(e.provider());
      pmid[i] = text(e.providerMessageId());
      status[i] = e.status().wireName();
      rank[i] = (short) e.status().rank();
      at[i] = time(e.at());
      code[i] = text(e.errorCode());
      message[i] = text(e.errorMessage());
    }
    return conn.preparedQuery(INSERT_PROVIDER_STATUSES)
        .execute(arrays(provider, pmid, status, rank, at, code, message))
        .mapEmpty();
  }

  private static Future<Void> applyProviderStatuses(SqlConnection conn, List<LedgerEvent> all) {
    List<String> provider = new ArrayList<>();
    List<String> pmid = new ArrayList<>();
    for (LedgerEvent e : all) {
      if (e.providerMessageId() != null) {
        provider.add(text(e.provider()));
        pmid.add(text(e.providerMessageId()));
      }
    }
    if (provider.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(APPLY_PROVIDER_STATUSES)
        .execute(arrays(provider.toArray(new String[0]), pmid.toArray(new String[0])))
        .mapEmpty();
  }

  /** The columns a message is shown with ({@link #record}). */
  private static final String MESSAGE_COLUMNS =
      "id, channel_id, recipient, lane, client_ref, status, provider_message_id, error_code,"
          + " error_message, created_at, updated_at, campaign_id, attempts, next_attempt_at,"
          + " last_error_code, last_error_message";

  /**
   * One message of a tenant with its history, oldest first, and its content while the tenant's body
   * retention keeps it; empty when there is none.
   */
  public Future<Optional<MessageRecord>> find(String tenantId, UUID id) {
    // One snapshot for the row and its history: read apart, a write landing in between would show
    // a history step the status has not reached yet.
    return pool.withTransaction(
        conn ->
            conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute()
                .compose(
                    v ->
                        conn.preparedQuery(
                                "SELECT "
                                    + MESSAGE_COLUMNS
                                    + " FROM messages WHERE id = $1 AND tenant_id = $2")
                            .execute(Tuple.of(id, tenantId)))
                .compose(
                    rows -> {
                      if (rows.size() == 0) {
                        return Future.succeededFuture(Optional.empty());
                      }
                      Row m = rows.iterator().next();
                      OffsetDateTime created = m.getOffsetDateTime("created_at");
                      Future<List<MessageRecord.HistoryEntry>> history = history(conn, id, created);
                      Future<String> content = content(conn, tenantId, id, created);
                      return Future.all(history, content)
                          .map(all -> Optional.of(record(m, content.result(), history.result())));
                    }));
  }

  /**
   * A page of a tenant's messages, newest first: keyset pagination on (created_at, id), so a page
   * costs the same however deep it is, and the cursor's time leaves out the newer monthly
   * partitions. A recipient is looked up by the keyed hash of its conversation key, like every
   * lookup of a person; the indexes (V20) lead with the tenant, its recipient hash or the campaign,
   * then (created_at, id).
   */
  public Future<MessagePage> page(String tenantId, MessagePage.Query q) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(MESSAGE_COLUMNS)
            .append(" FROM messages WHERE tenant_id = ")
            .append(param(params, tenantId));
    if (q.status() != null) {
      sql.append(" AND status = ").append(param(params, q.status().wireName()));
    }
    if (q.channelId() != null) {
      sql.append(" AND channel_id = ").append(param(params, q.channelId()));
    }
    if (q.recipientKey() != null) {
      sql.append(" AND recipient_hash = ").append(param(params, hasher.hash(q.recipientKey())));
    }
    if (q.campaignId() != null) {
      sql.append(" AND campaign_id = ").append(param(params, q.campaignId()));
    }
    if (q.since() != null) {
      sql.append(" AND created_at >= ").append(param(params, time(q.since())));
    }
    if (q.until() != null) {
      sql.append(" AND created_at < ").append(param(params, time(q.until())));
    }
    if (q.after() != null) {
      sql.append(" AND (created_at, id) < (")
          .append(param(params, time(q.after().createdAt())))
          .append(", ")
          .append(param(params, q.after().id()))
          .append(")");
    }
    sql.append(" ORDER BY created_at DESC, id DESC LIMIT ").append(param(params, q.limit() + 1));
    return pool.preparedQuery(sql.toString())
        .execute(Tuple.from(params))
        .map(
            rows -> {
              List<MessageRecord> out = new ArrayList<>(Math.min(rows.size(), q.limit()));
              for (Row r : rows) {
                if (out.size() == q.limit()) {
                  break;
                }
                out.add(record(r, null, null));
              }
              MessageRecord last = out.isEmpty() ? null : out.get(out.size() - 1);
              MessagePage.Cursor next =
                  rows.size() > q.limit()
                      ? new MessagePage.Cursor(last.createdAt(), UUID.fromString(last.id()))
                      : null;
              return new MessagePage(out, next);
            });
  }

  private static String param(List<Object> params, Object value) {
    params.add(value);
    return "$" + params.size();
  }

  private static OffsetDateTime time(Instant t) {
    return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  /** A message row ({@link #MESSAGE_COLUMNS}) as shown, with its content and history if given. */
  private static MessageRecord record(
      Row m, String content, List<MessageRecord.HistoryEntry> history) {
    OffsetDateTime next = m.getOffsetDateTime("next_attempt_at");
    return new MessageRecord(
        m.getUUID("id").toString(),
        m.getString("channel_id"),
        m.getString("recipient"),
        m.getString("lane"),
        m.getString("client_ref"),
        m.getString("status"),
        m.getString("provider_message_id"),
        m.getString("error_code"),
        m.getString("error_message"),
        m.getOffsetDateTime("created_at").toInstant(),
        m.getOffsetDateTime("updated_at").toInstant(),
        m.getUUID("campaign_id") == null ? null : m.getUUID("campaign_id").toString(),
        content,
        history,
        m.getInteger("attempts"),
        next == null ? null : next.toInstant(),
        m.getString("last_error_code"),
        m.getString("last_error_message"));
  }

  /**
   * The message's content (JSON) opened with its tenant's data key; {@code null} when none is kept
   * (expired, erased, never stored) or the tenant's key is gone.
   */
  private Future<String> content(SqlClient sql, String tenantId, UUID id, OffsetDateTime created) {
    return sql.preparedQuery(
            "SELECT sealed FROM message_bodies WHERE message_id = $1 AND message_created_at = $2")
        .execute(Tuple.of(id, created))
        .compose(
            rows -> {
              if (rows.size() == 0) {
                return Future.succeededFuture(null);
              }
              byte[] sealed = rows.iterator().next().getBuffer("sealed").getBytes();
              return keys.key(tenantId)
                  .map(
                      key ->
                          new String(
                              key.open(bodyContext(id.toString()), sealed), StandardCharsets.UTF_8))
                  .recover(e -> noKeyIsNoBody(e).map((String) null));
            });
  }

  /** The history of message {@code id} created at {@code created} (its partitions). */
  private Future<List<MessageRecord.HistoryEntry>> history(
      SqlClient sql, UUID id, OffsetDateTime created) {
    return sql.preparedQuery(
            """
            SELECT status, at, source, error_code, error_message FROM message_events
            WHERE message_id = $1 AND message_created_at = $2
            UNION ALL
            SELECT 'accepted', m.created_at, 'api', NULL, NULL FROM messages m
            WHERE m.id = $1 AND m.created_at = $2 AND NOT EXISTS (
              SELECT 1 FROM message_events e WHERE e.message_id = $1
                AND e.message_created_at = $2 AND e.status = 'accepted')
            UNION ALL
            SELECT ps.status, ps.at, 'provider', ps.error_code, ps.error_message
            FROM provider_statuses ps JOIN messages m
              ON m.provider = ps.provider AND m.provider_message_id = ps.provider_message_id
            WHERE m.id = $1 AND m.created_at = $2
            ORDER BY at, status
            """)
        .execute(Tuple.of(id, created))
        .map(
            rows -> {
              List<MessageRecord.HistoryEntry> out = new ArrayList<>();
              for (Row r : rows) {
                out.add(
                    new MessageRecord.HistoryEntry(
                        r.getString("status"),
                        r.getOffsetDateTime("at").toInstant(),
                        r.getString("source"),
                        r.getString("error_code"),
                        r.getString("error_message")));
              }
              return out;
            });
  }

  /** Why the event can never be written as it is, or {@code null}. */
  static String unwritable(LedgerEvent e) {
    if (e.campaignId() != null && !isUuid(e.campaignId())) {
      return "campaign id is not a UUID";
    }
    if (e.aboutOurMessage() && !isUuid(e.messageId())) {
      return "message id is not a UUID";
    }
    if (!storableTime(e.at()) || (e.createdAt() > 0 && !storableTime(e.createdAt()))) {
      return "time outside 1970..9999";
    }
    return null;
  }

  /** Whether the ledger stores this time (ms since the epoch): 1970 to 9999. */
  static boolean storableTime(long epochMs) {
    return epochMs >= 0 && epochMs <= MAX_TIME_MS;
  }

  private static boolean isUuid(String s) {
    try {
      UUID.fromString(s);
      return s.length() == 36; // fromString also takes shortened groups such as 1-1-1-1-1
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** An event the ledger can never write as it is; stack-free, it names no data. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  /**
   * A tuple of array parameters, one per {@code unnest} column. ({@code Tuple.of(a, b)} would
   * spread an array passed as the varargs part into separate parameters.)
   */
  private static Tuple arrays(Object... columns) {
    Tuple t = Tuple.tuple();
    for (Object c : columns) {
      t.addValue(c);
    }
    return t;
  }

  /**
   * PostgreSQL text cannot hold NUL; provider error messages and tenant references are foreign
   * input, so a NUL becomes U+FFFD rather than failing the batch.
   */
  static String text(String s) {
    return s == null || s.indexOf('\u0000') < 0 ? s : s.replace('\u0000', '\uFFFD');
  }

  /**
   * The creation time of the event's message: the partition key of its row and of its history, so
   * every event about one message must give the same (each carries its message's acceptance time).
   */
  private static OffsetDateTime createdAt(LedgerEvent e) {
    return time(e.createdAt() > 0 ? e.createdAt() : e.at());
  }

  private static OffsetDateTime time(long epochMs) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
  }
}
