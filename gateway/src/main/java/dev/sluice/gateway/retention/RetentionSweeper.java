package dev.sluice.gateway.retention;

import dev.sluice.gateway.ledger.HistoryPartitions;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisBackend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what each tenant's {@link Retention} no longer lets the gateway keep. A background job,
 * never on the hot path: one pass every {@code retention.sweepMinutes}, one instance at a time (a
 * PostgreSQL advisory lock held by the sweeping session, released if that instance dies).
 *
 * <p>First the months of history (messages and their status history, partitioned by month of
 * creation: {@link HistoryPartitions}) that ended before the longest history any tenant keeps are
 * dropped whole, with the providers' reports older than that, and the months of message bodies
 * older than the longest body retention; the months ahead are created. Then, per tenant:
 *
 * <ul>
 *   <li><b>history</b>: what remains of its messages created before its own cutoff (a tenant with a
 *       shorter retention than the longest, and the current month's share of the rest), deleted a
 *       bounded batch per statement through the {@code (tenant_id, created_at)} index; finished
 *       campaigns before it, with their audience rows, likewise;
 *   <li><b>bodies</b>: what remains of its sealed message bodies before its body cutoff (whole
 *       months of bodies go first, as for the history, once every tenant's body retention has
 *       passed them), and the variables of finished campaigns' audience rows (the personal part of
 *       their texts) before the body cutoff, a range of rows per statement;
 *   <li><b>raw payloads</b>: the replay archive and the inbound and outbound dead letters in Redis,
 *       trimmed by the time in their stream ids ({@code XTRIM MINID}), exactly.
 * </ul>
 *
 * Every step is idempotent: a pass cut short by a crash is finished by the next one.
 */
public final class RetentionSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);

  /** The advisory lock that makes one instance sweep at a time ("sluice-retention"). */
  static final long LOCK = 0x736c756963655245L;

  private static final int BATCH = 5_000;

  /** How many months of history partitions exist ahead of the current one. */
  private static final int MONTHS_AHEAD = 3;

  private static final String DELETE_HISTORY =
      """
      WITH doomed AS (
        SELECT id, provider, provider_message_id FROM messages
        WHERE tenant_id = $1 AND created_at < $2
        ORDER BY created_at LIMIT $3),
      bodies AS (
        DELETE FROM message_bodies b USING doomed d WHERE b.message_id = d.id),
      events AS (
        DELETE FROM message_events e USING doomed d WHERE e.message_id = d.id),
      statuses AS (
        DELETE FROM provider_statuses p USING doomed d
        WHERE d.provider_message_id IS NOT NULL AND p.provider = d.provider
          AND p.provider_message_id = d.provider_message_id)
      DELETE FROM messages m USING doomed d WHERE m.id = d.id
      """;

  private static final String DELETE_BODIES =
      """
      DELETE FROM message_bodies b USING (
        SELECT message_id, message_created_at FROM message_bodies
        WHERE tenant_id = $1 AND message_created_at < $2
        ORDER BY message_created_at LIMIT $3) d
      WHERE b.message_id = d.message_id AND b.message_created_at = d.message_created_at
      """;

  /** The results of one pass; {@code swept} false when another instance held the lock. */
  public record Swept(
      boolean swept,
      long monthsDropped,
      long historyRows,
      long campaigns,
      long campaignRows,
      long bodiesRedacted,
      long archived,
      long deadLetters) {
    static final Swept SKIPPED = new Swept(false, 0, 0, 0, 0, 0, 0, 0);

    Swept plus(Swept o) {
      return new Swept(
          true,
          monthsDropped + o.monthsDropped,
          historyRows + o.historyRows,
          campaigns + o.campaigns,
          campaignRows + o.campaignRows,
          bodiesRedacted + o.bodiesRedacted,
          archived + o.archived,
          deadLetters + o.deadLetters);
    }
  }

  private final Pool pool;
  private final RedisBackend redis;
  private final RetentionRepository settings;
  private final Retention defaults;
  private final int partitions;
  private final Clock clock;
  private final HistoryPartitions partitionsOfHistory;
  private final Counter months;
  private final Counter bodyMonths;
  private final Counter history;
  private final Counter campaignRows;
  private final Counter bodies;
  private final Counter archived;
  private final Counter deadLetters;
  private Future<Swept> current = Future.succeededFuture(Swept.SKIPPED);

  public RetentionSweeper(
      Pool pool,
      RedisBackend redis,
      RetentionRepository settings,
      Retention defaults,
      int partitions,
      MeterRegistry registry,
      Clock clock) {
    this.pool = pool;
    this.redis = redis;
    this.settings = settings;
    this.defaults = defaults;
    this.partitions = partitions;
    this.clock = clock;
    this.partitionsOfHistory = new HistoryPartitions(pool);
    this.months = removed(registry, "history_months");
    this.bodyMonths = removed(registry, "body_months");
    this.history = removed(registry, "history");
    this.campaignRows = removed(registry, "campaign_rows");
    this.bodies = removed(registry, "bodies");
    this.archived = removed(registry, "redis_archive");
    this.deadLetters = removed(registry, "redis_dead_letters");
  }

  private static Counter removed(MeterRegistry registry, String store) {
    return Counter.builder("sluice_retention_removed")
        .description("Rows, entries and values removed because their retention ran out")
        .tag("store", store)
        .register(registry);
  }

  /**
   * A verticle that sweeps at once and then every {@code intervalMs} (a pass still running is not
   * started again); undeploying it waits for a pass under way, so the clients it uses are not
   * closed under it.
   */
  public VerticleBase verticle(long intervalMs) {
    return new VerticleBase() {
      private long timer = -1;

      @Override
      public Future<?> start() {
        timer = vertx.setPeriodic(0, intervalMs, id -> tick());
        return Future.succeededFuture();
      }

      @Override
      public Future<?> stop() {
        vertx.cancelTimer(timer);
        return current.transform(ar -> Future.succeededFuture());
      }
    };
  }

  private void tick() {
    if (!current.isComplete()) {
      return;
    }
    current = sweep();
    current.onComplete(
        ar -> {
          if (ar.failed()) {
            LOG.warn(
                "retention sweep incomplete (the next pass resumes it): {}", ar.cause().toString());
          } else if (ar.result().swept()) {
            Swept s = ar.result();
            LOG.info(
                "retention sweep: {} month(s) of history dropped, {} message(s), {} campaign(s)"
                    + " with {} audience row(s) removed, {} bodies removed, {} archived and {}"
                    + " dead-letter entries trimmed",
                s.monthsDropped(),
                s.historyRows(),
                s.campaigns(),
                s.campaignRows(),
                s.bodiesRedacted(),
                s.archived(),
                s.deadLetters());
          }
        });
  }

  /** One pass over every tenant, unless another instance is sweeping. */
  public Future<Swept> sweep() {
    return pool.getConnection()
        .compose(
            lockHolder ->
                lockHolder
                    .preparedQuery("SELECT pg_try_advisory_lock($1) AS taken")
                    .execute(Tuple.of(LOCK))
                    .compose(
                        rows ->
                            rows.iterator().next().getBoolean("taken")
                                ? sweepTenants().eventually(() -> unlock(lockHolder))
                                : Future.succeededFuture(Swept.SKIPPED))
                    .eventually(lockHolder::close));
  }

  private static Future<Void> unlock(SqlConnection conn) {
    return conn.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(LOCK)).mapEmpty();
  }

  private Future<Swept> sweepTenants() {
    Instant now = clock.instant();
    return settings
        .all()
        .compose(
            all -> {
              // Whole months first: those older than the longest history any tenant keeps.
              int longest = defaults.historyDays();
              int longestBodies = defaults.bodyDays();
              for (RetentionRepository.Settings own : all.values()) {
                longest = Math.max(longest, own.over(defaults).historyDays());
                longestBodies = Math.max(longestBodies, own.over(defaults).bodyDays());
              }
              Instant oldestKept = now.minus(Duration.ofDays(longest));
              Instant oldestBodyKept = now.minus(Duration.ofDays(longestBodies));
              Future<Swept> total =
                  partitionsOfHistory
                      .ensure(now, MONTHS_AHEAD)
                      .compose(
                          v ->
                              partitionsOfHistory
                                  .dropBodiesBefore(oldestBodyKept)
                                  .map(
                                      months -> {
                                        bodyMonths.increment(months.size());
                                        return v;
                                      }))
                      .compose(v -> partitionsOfHistory.dropBefore(oldestKept))
                      .compose(
                          dropped ->
                              deleteReports(time(oldestKept), 0)
                                  .map(
                                      reports -> {
                                        history.increment(reports);
                                        return dropped;
                                      }))
                      .map(
                          dropped -> {
                            months.increment(dropped.size());
                            return new Swept(true, dropped.size(), 0, 0, 0, 0, 0, 0);
                          });
              // One tenant at a time: the sweep is background work and must stay small.
              for (Map.Entry<String, RetentionRepository.Settings> e : all.entrySet()) {
                String tenant = e.getKey();
                Retention r = e.getValue().over(defaults);
                total = total.compose(sum -> sweepTenant(tenant, r, now).map(sum::plus));
              }
              return total;
            });
  }

  /** One tenant's pass, with {@code now} the time the cutoffs count back from. */
  Future<Swept> sweepTenant(String tenant, Retention r, Instant now) {
    // history rows, campaigns, campaign rows, bodies redacted, archived, dead letters
    long[] n = new long[6];
    return deleteInBatches(DELETE_HISTORY, tenant, time(r.historyCutoff(now)), 0)
        .compose(
            rows -> {
              n[0] = rows;
              return expiredCampaigns(tenant, time(r.historyCutoff(now)));
            })
        .compose(ids -> deleteCampaigns(ids, 0, 0))
        .compose(
            removed -> {
              n[1] = removed[0];
              n[2] = removed[1];
              return campaignsWithBodies(tenant, time(r.bodyCutoff(now)));
            })
        .compose(ids -> redactCampaigns(ids, 0, 0))
        .compose(
            rows -> {
              n[3] = rows;
              return deleteInBatches(DELETE_BODIES, tenant, time(r.bodyCutoff(now)), 0);
            })
        .compose(
            rows -> {
              n[3] += rows;
              return trimRedis(tenant, r.payloadCutoff(now).toEpochMilli());
            })
        .map(
            trimmed -> {
              n[4] = trimmed[0];
              n[5] = trimmed[1];
              history.increment(n[0]);
              campaignRows.increment(n[2]);
              bodies.increment(n[3]);
              archived.increment(n[4]);
              deadLetters.increment(n[5]);
              return new Swept(true, 0, n[0], n[1], n[2], n[3], n[4], n[5]);
            });
  }

  /** Runs {@code sql} ($1 tenant, $2 cutoff, $3 batch) until a batch comes back short. */
  private Future<Long> deleteInBatches(
      String sql, String tenant, OffsetDateTime cutoff, long sofar) {
    return pool.preparedQuery(sql)
        .execute(Tuple.of(tenant, cutoff, BATCH))
        .compose(
            rows -> {
              long total = sofar + rows.rowCount();
              return rows.rowCount() < BATCH
                  ? Future.succeededFuture(total)
                  : deleteInBatches(sql, tenant, cutoff, total);
            });
  }

  /**
   * Providers' reports older than every tenant's history (those of dropped months, and reports that
   * never matched a message); a batch per statement through their {@code at} index.
   */
  private Future<Long> deleteReports(OffsetDateTime cutoff, long sofar) {
    return pool.preparedQuery(
            "DELETE FROM provider_statuses WHERE ctid = ANY (ARRAY("
                + "SELECT ctid FROM provider_statuses WHERE at < $1 LIMIT $2))")
        .execute(Tuple.of(cutoff, BATCH))
        .compose(
            rows -> {
              long total = sofar + rows.rowCount();
              return rows.rowCount() < BATCH
                  ? Future.succeededFuture(total)
                  : deleteReports(cutoff, total);
            });
  }

  private Future<List<UUID>> expiredCampaigns(String tenant, OffsetDateTime cutoff) {
    return ids(
        "SELECT id FROM campaigns WHERE tenant_id = $1 AND finished_at < $2",
        Tuple.of(tenant, cutoff));
  }

  private Future<List<UUID>> campaignsWithBodies(String tenant, OffsetDateTime cutoff) {
    return ids(
        "SELECT id FROM campaigns WHERE tenant_id = $1 AND finished_at < $2"
            + " AND bodies_expired_at IS NULL",
        Tuple.of(tenant, cutoff));
  }

  private Future<List<UUID>> ids(String sql, Tuple args) {
    return pool.preparedQuery(sql)
        .execute(args)
        .map(
            rows -> {
              List<UUID> out = new ArrayList<>();
              for (Row row : rows) {
                out.add(row.getUUID("id"));
              }
              return out;
            });
  }

  /** Deletes campaigns one by one, their rows a range at a time; {campaigns, rows} removed. */
  private Future<long[]> deleteCampaigns(List<UUID> ids, int i, long rowsSoFar) {
    if (i == ids.size()) {
      return Future.succeededFuture(new long[] {ids.size(), rowsSoFar});
    }
    UUID id = ids.get(i);
    return inRanges(
            id, "DELETE FROM campaign_rows WHERE campaign_id = $1 AND row_no >= $2 AND row_no < $3")
        .compose(
            n ->
                pool.preparedQuery("DELETE FROM campaigns WHERE id = $1")
                    .execute(Tuple.of(id))
                    .compose(v -> deleteCampaigns(ids, i + 1, rowsSoFar + n)));
  }

  private Future<Long> redactCampaigns(List<UUID> ids, int i, long sofar) {
    if (i == ids.size()) {
      return Future.succeededFuture(sofar);
    }
    UUID id = ids.get(i);
    return inRanges(
            id,
            "UPDATE campaign_rows SET vars = NULL WHERE campaign_id = $1 AND row_no >= $2"
                + " AND row_no < $3 AND vars IS NOT NULL")
        .compose(
            n ->
                pool.preparedQuery("UPDATE campaigns SET bodies_expired_at = now() WHERE id = $1")
                    .execute(Tuple.of(id))
                    .compose(v -> redactCampaigns(ids, i + 1, sofar + n)));
  }

  /**
   * Runs {@code sql} ($1 campaign, $2..$3 a row range) over the campaign's rows, BATCH at a time.
   */
  private Future<Long> inRanges(UUID campaign, String sql) {
    return pool.preparedQuery(
            "SELECT coalesce(max(row_no), 0) AS last FROM campaign_rows WHERE campaign_id = $1")
        .execute(Tuple.of(campaign))
        .compose(rows -> ranges(campaign, sql, 0, rows.iterator().next().getInteger("last"), 0));
  }

  private Future<Long> ranges(UUID campaign, String sql, int from, int last, long sofar) {
    if (from > last) {
      return Future.succeededFuture(sofar);
    }
    return pool.preparedQuery(sql)
        .execute(Tuple.of(campaign, from, from + BATCH))
        .compose(rows -> ranges(campaign, sql, from + BATCH, last, sofar + rows.rowCount()));
  }

  /**
   * Trims every partition's replay archive and dead letters to what was added since {@code
   * cutoffMs}; {archive entries, dead letters} removed.
   */
  private Future<long[]> trimRedis(String tenant, long cutoffMs) {
    List<Future<Long>> archive = new ArrayList<>();
    List<Future<Long>> dead = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), tenant, p);
      archive.add(trim(keys.delivered(), cutoffMs));
      dead.add(trim(keys.inboundDeadLetters(), cutoffMs));
      dead.add(trim(keys.deadLetters(), cutoffMs));
    }
    return Future.all(Future.all(archive), Future.all(dead))
        .map(v -> new long[] {sum(archive), sum(dead)});
  }

  private Future<Long> trim(String key, long cutoffMs) {
    return redis
        .send(Request.cmd(Command.XTRIM).arg(key).arg("MINID").arg(cutoffMs))
        .map(r -> r == null ? 0L : r.toLong());
  }

  private static long sum(List<Future<Long>> counts) {
    long n = 0;
    for (Future<Long> f : counts) {
      n += f.result();
    }
    return n;
  }

  private static OffsetDateTime time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
