package dev.sluice.gateway.privacy;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.logging.ThrottledLogger;
import dev.sluice.gateway.redis.RedisBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the data of deleted tenants, in the background. Deleting a tenant ({@code DELETE
 * /admin/tenants/{t}}) first destroys its data key and marks it deleted in one transaction, so its
 * sealed data is unreadable at once and every instance drops it from its directory within a second;
 * this class then deletes what is left of it, in PostgreSQL and in Redis, and finally its {@code
 * tenants} row.
 *
 * <p><b>Resumable.</b> Nothing is remembered in memory: every instance looks for tenants with
 * {@code deleted_at} set at start and every {@link Timing#sweepMs}, and purges each again. Two
 * instances never purge one tenant at once: a purge holds a session advisory lock on the tenant
 * ({@code pg_try_advisory_lock}), and an instance that cannot take it leaves the tenant to the one
 * that holds it. A crash releases the lock with its session.
 *
 * <p><b>Bounded steps.</b> Large tables are deleted from in batches of {@value #BATCH} rows, one
 * short transaction each, so a tenant with millions of messages holds no long transaction; Redis
 * keys are found with SCAN on every master, {@value #SCAN_COUNT} at a time, and deleted with
 * UNLINK.
 *
 * <p><b>Stragglers.</b> Work already under way for the tenant when it was deleted (a dispatcher's
 * claimed partition, a ledger batch, a campaign step) may still write for a while; a purge
 * therefore repeats its pass until one finds nothing, and deletes the {@code tenants} row only when
 * such a pass started at least {@link Timing#settleMs} after the deletion. Until then the row
 * stays, marked deleted, and later sweeps pass again.
 */
public final class TenantPurge {
  private static final Logger LOG = LoggerFactory.getLogger(TenantPurge.class);

  /** Rows per delete statement on large tables. */
  static final int BATCH = 5_000;

  /** Keys per SCAN step. */
  static final int SCAN_COUNT = 1_000;

  /** Passes one purge makes at most before leaving the tenant to a later sweep. */
  private static final int MAX_PASSES = 5;

  /** The first key of the purge's advisory locks ({@code pg_try_advisory_lock(int, int)}). */
  private static final int LOCK_CLASS = 0x53_4c_50_47; // "SLPG"

  /**
   * The statements that delete a deleted tenant's rows ({@code $1}: the tenant id), run in order,
   * each repeated until it deletes nothing. A table that holds tenant data gets a statement here.
   * Batched ones delete at most {@link #BATCH} rows per run.
   */
  static final List<String> ROW_DELETES =
      List.of(
          // Message bodies (sealed with the key already destroyed: unreadable since the deletion).
          "DELETE FROM message_bodies b USING (SELECT message_id, message_created_at"
              + " FROM message_bodies WHERE tenant_id = $1 LIMIT "
              + BATCH
              + ") batch WHERE b.message_id = batch.message_id"
              + " AND b.message_created_at = batch.message_created_at",
          // Messages, with their history and the provider reports matched to them.
          "WITH batch AS (SELECT id, provider, provider_message_id FROM messages"
              + " WHERE tenant_id = $1 LIMIT "
              + BATCH
              + "), events AS (DELETE FROM message_events e USING batch"
              + " WHERE e.message_id = batch.id),"
              + " reports AS (DELETE FROM provider_statuses p USING batch"
              + " WHERE p.provider = batch.provider"
              + " AND p.provider_message_id = batch.provider_message_id)"
              + " DELETE FROM messages m USING batch WHERE m.id = batch.id",
          "DELETE FROM campaign_rows r USING (SELECT campaign_id, row_no FROM campaign_rows"
              + " WHERE campaign_id IN (SELECT id FROM campaigns WHERE tenant_id = $1) LIMIT "
              + BATCH
              + ") batch WHERE r.campaign_id = batch.campaign_id AND r.row_no = batch.row_no",
          "DELETE FROM campaigns WHERE tenant_id = $1",
          "DELETE FROM endpoints WHERE tenant_id = $1",
          "DELETE FROM channels WHERE tenant_id = $1",
          "DELETE FROM api_keys WHERE tenant_id = $1",
          "DELETE FROM tenant_keys WHERE tenant_id = $1");

  /**
   * Where a tenant's state lives in Redis besides the keys tagged with it ({@code
   * <prefix>{t:<tenant>…}}, found by SCAN): named by the packages that own them.
   *
   * @param partitionWorkSets work sets whose members are {@code <tenant>:<partition>} (dispatch,
   *     delivery)
   * @param campaignWorkSets work sets whose members are campaign ids
   * @param campaignHashes hashes whose fields are campaign ids
   * @param campaignKeys keys of one campaign, from its id
   */
  public record RedisPlaces(
      List<String> partitionWorkSets,
      List<String> campaignWorkSets,
      List<String> campaignHashes,
      List<UnaryOperator<String>> campaignKeys) {
    public RedisPlaces {
      partitionWorkSets = List.copyOf(partitionWorkSets);
      campaignWorkSets = List.copyOf(campaignWorkSets);
      campaignHashes = List.copyOf(campaignHashes);
      campaignKeys = List.copyOf(campaignKeys);
    }
  }

  /**
   * @param settleMs how long after a deletion work that was under way for the tenant may still
   *     write: the longest claim any instance holds, plus two directory polls
   * @param sweepMs how often every instance looks for deleted tenants
   */
  public record Timing(long settleMs, long sweepMs) {
    /** From the claims of the configuration. */
    public static Timing of(GatewayConfig config) {
      long claims =
          Math.max(
              Math.max(config.dispatch().claimMs(), config.delivery().claimMs()),
              Math.max(config.campaigns().claimMs(), config.ledger().claimMs()));
      long settle = claims + 2 * config.pg().directoryPollMs();
      return new Timing(settle, Math.max(1_000, Math.min(30_000, settle / 2)));
    }
  }

  /** How one purge of a tenant ended. */
  public enum Outcome {
    /** Its tenants row is gone: nothing of it is left. */
    DONE,
    /** Passes made; the row stays until a quiet pass after the settle time. */
    PENDING,
    /** Another session is purging it. */
    BUSY,
    /** It is not marked deleted. */
    NOT_DELETED
  }

  private final Vertx vertx;
  private final Pool pool;
  private final RedisBackend redis;
  private final RedisPlaces places;
  private final int partitions;
  private final Timing timing;
  private final ThrottledLogger warnings = new ThrottledLogger(LOG);
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private volatile long timerId = -1;

  public TenantPurge(
      Vertx vertx,
      Pool pool,
      RedisBackend redis,
      RedisPlaces places,
      int partitions,
      Timing timing) {
    this.vertx = vertx;
    this.pool = pool;
    this.redis = redis;
    this.places = places;
    this.partitions = partitions;
    this.timing = timing;
  }

  /** Sweeps now, then every {@link Timing#sweepMs}. Idempotent; never blocks. */
  public synchronized void start() {
    if (timerId >= 0) {
      return;
    }
    timerId = vertx.setPeriodic(1, timing.sweepMs(), id -> sweep());
  }

  public synchronized void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  /**
   * Purges every tenant marked deleted, one after another; skipped while the previous sweep runs.
   */
  public Future<Void> sweep() {
    if (!sweeping.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    return pool.query("SELECT id FROM tenants WHERE deleted_at IS NOT NULL ORDER BY deleted_at")
        .execute()
        .compose(
            rows -> {
              Future<Void> chain = Future.succeededFuture();
              for (Row r : rows) {
                String tenant = r.getString("id");
                chain = chain.compose(v -> purge(tenant).<Void>mapEmpty().otherwiseEmpty());
              }
              return chain;
            })
        .onFailure(e -> warnings.warn("cannot look for deleted tenants: {}", e.getMessage()))
        .onComplete(ar -> sweeping.set(false));
  }

  /**
   * Purges one deleted tenant now: passes until one finds nothing (at most a few), then deletes its
   * row if the settle time has passed.
   */
  public Future<Outcome> purge(String tenantId) {
    return pool.getConnection()
        .compose(
            conn ->
                conn.preparedQuery("SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked")
                    .execute(Tuple.of(LOCK_CLASS, tenantId))
                    .compose(
                        r ->
                            r.iterator().next().getBoolean("locked")
                                ? passes(conn, tenantId, 0)
                                    .eventually(
                                        () ->
                                            conn.preparedQuery(
                                                    "SELECT pg_advisory_unlock($1, hashtext($2))")
                                                .execute(Tuple.of(LOCK_CLASS, tenantId)))
                                : Future.succeededFuture(Outcome.BUSY))
                    .eventually(conn::close))
        .onFailure(
            e -> warnings.warn("[tenant={}] purge interrupted: {}", tenantId, e.getMessage()));
  }

  private Future<Outcome> passes(SqlConnection conn, String tenantId, int done) {
    return conn.preparedQuery(
            "SELECT deleted_at IS NOT NULL AS deleting,"
                + " deleted_at <= now() - make_interval(secs => $2) AS settled"
                + " FROM tenants WHERE id = $1")
        .execute(Tuple.of(tenantId, timing.settleMs() / 1000.0))
        .compose(
            rows -> {
              if (rows.size() == 0) {
                return Future.succeededFuture(Outcome.DONE);
              }
              Row row = rows.iterator().next();
              if (!row.getBoolean("deleting")) {
                return Future.succeededFuture(Outcome.NOT_DELETED);
              }
              boolean settled = row.getBoolean("settled");
              return pass(conn, tenantId)
                  .compose(
                      deleted -> {
                        if (deleted == 0 && settled) {
                          return conn.preparedQuery(
                                  "DELETE FROM tenants WHERE id = $1 AND deleted_at IS NOT NULL")
                              .execute(Tuple.of(tenantId))
                              .map(
                                  r -> {
                                    LOG.info("[tenant={}] purged: nothing of it is left", tenantId);
                                    return Outcome.DONE;
                                  });
                        }
                        if (deleted == 0 || done + 1 >= MAX_PASSES) {
                          return Future.succeededFuture(Outcome.PENDING);
                        }
                        return passes(conn, tenantId, done + 1);
                      });
            });
  }

  /** One pass: Redis, then PostgreSQL. The number of keys, members and rows deleted. */
  private Future<Long> pass(SqlConnection conn, String tenantId) {
    return conn.preparedQuery("SELECT id::text AS id FROM campaigns WHERE tenant_id = $1")
        .execute(Tuple.of(tenantId))
        .compose(
            rows -> {
              List<String> campaigns = new ArrayList<>();
              rows.forEach(r -> campaigns.add(r.getString("id")));
              return purgeRedis(tenantId, campaigns);
            })
        .compose(
            keys ->
                purgeRows(conn, tenantId)
                    .map(
                        rows -> {
                          if (keys + rows > 0) {
                            LOG.info(
                                "[tenant={}] purge pass: {} Redis key(s) and work item(s), {}"
                                    + " PostgreSQL row(s) deleted",
                                tenantId,
                                keys,
                                rows);
                          }
                          return keys + rows;
                        }));
  }

  /**
   * Runs {@link #ROW_DELETES} in order, each until it deletes nothing; each statement starts from
   * the previous one's callback, so millions of rows nest no Futures.
   */
  private Future<Long> purgeRows(SqlConnection conn, String tenantId) {
    Promise<Long> done = Promise.promise();
    deleteRows(conn, tenantId, 0, 0, done);
    return done.future();
  }

  private void deleteRows(
      SqlConnection conn, String tenantId, int step, long deleted, Promise<Long> done) {
    if (step == ROW_DELETES.size()) {
      done.complete(deleted);
      return;
    }
    conn.preparedQuery(ROW_DELETES.get(step))
        .execute(Tuple.of(tenantId))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                done.fail(ar.cause());
              } else if (ar.result().rowCount() > 0) {
                deleteRows(conn, tenantId, step, deleted + ar.result().rowCount(), done);
              } else {
                deleteRows(conn, tenantId, step + 1, deleted, done);
              }
            });
  }

  private Future<Long> purgeRedis(String tenantId, List<String> campaigns) {
    List<Future<Response>> calls = new ArrayList<>();
    for (String workSet : places.partitionWorkSets()) {
      Request zrem = Request.cmd(Command.ZREM).arg(workSet);
      for (int p = 0; p < partitions; p++) {
        zrem.arg(tenantId + ":" + p);
      }
      calls.add(redis.send(zrem));
    }
    List<String> campaignKeys = new ArrayList<>();
    if (!campaigns.isEmpty()) {
      for (String workSet : places.campaignWorkSets()) {
        Request zrem = Request.cmd(Command.ZREM).arg(workSet);
        campaigns.forEach(zrem::arg);
        calls.add(redis.send(zrem));
      }
      for (String hash : places.campaignHashes()) {
        Request hdel = Request.cmd(Command.HDEL).arg(hash);
        campaigns.forEach(hdel::arg);
        calls.add(redis.send(hdel));
      }
      for (UnaryOperator<String> key : places.campaignKeys()) {
        campaigns.forEach(c -> campaignKeys.add(key.apply(c)));
      }
    }
    AtomicLong deleted = new AtomicLong();
    String pattern = RedisBackend.globLiteral(redis.keyPrefix() + "{t:" + tenantId) + "[:}]*";
    return Future.all(calls)
        .compose(
            all -> {
              calls.forEach(f -> deleted.addAndGet(f.result() == null ? 0 : f.result().toLong()));
              return campaignKeys.isEmpty()
                  ? Future.succeededFuture(0L)
                  : redis.unlink(campaignKeys);
            })
        .compose(
            n -> {
              deleted.addAndGet(n);
              return redis.scan(
                  pattern, SCAN_COUNT, keys -> redis.unlink(keys).onSuccess(deleted::addAndGet));
            })
        .map(v -> deleted.get());
  }
}
