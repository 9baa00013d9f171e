package dev.sluice.gateway.campaign;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.ledger.LedgerEvent;
import dev.sluice.gateway.ledger.MessageStatus;
import dev.sluice.gateway.logging.ThrottledLogger;
import dev.sluice.gateway.outbound.CampaignHolds;
import dev.sluice.gateway.outbound.MessageValidator;
import dev.sluice.gateway.outbound.OutboundQueue;
import dev.sluice.gateway.outbound.QueuedMessage;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.tenant.TenantDirectory;
import dev.sluice.gateway.work.WorkScheduler;
import dev.sluice.gateway.work.WorkSet;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expands running campaigns into messages, a step at a time. Campaigns are units of a Redis work
 * set ({@link #work}): an instance claims one, takes its due pending rows (up to what its rate cap
 * allows and what its share of the outbound queue has room for), queues them as ordinary messages
 * and marks the rows queued, then puts the campaign back due when it can take more. A dead
 * instance's campaign comes back when its claim ends, and another instance goes on where the rows
 * say: a row queued but not yet marked is queued again under the same idempotency key and message
 * id, which the queue answers as a replay, so no row is sent twice and none is skipped.
 *
 * <p>A step also runs the campaign's other duties: it starts a scheduled campaign at its time,
 * keeps a paused campaign's hold in place, cancels a cancelled one's pending rows, pauses a
 * campaign whose recent sends fail too often, and completes one whose every row is done.
 */
public final class CampaignRunner extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(CampaignRunner.class);

  /** Rows queued per step at most. */
  static final int MAX_STEP = 2_500;

  /** How soon a campaign that can take no more now (queue full, window closed) looks again. */
  static final long RECHECK_MS = 200;

  /** How often a paused or finishing campaign is looked at. */
  static final long SLOW_MS = 1_000;

  /** How the reason of a campaign that paused itself for its failures begins. */
  static final String FAILURE_RATIO = "failure_ratio";

  /** How often the failure ratio of a running campaign is checked. */
  static final long FAILURE_CHECK_MS = 2_000;

  /** How often a campaign whose queue share looks full checks the count against PostgreSQL. */
  static final long COUNTER_CHECK_MS = 5_000;

  /** The work set of campaigns to expand, member = campaign id, score = due (ms). */
  public static String work(String keyPrefix) {
    return keyPrefix + "{campaign}:work";
  }

  private final RedisBackend backend;
  private final CampaignRepository campaigns;
  private final TenantDirectory directory;
  private final MessageValidator validator;
  private final PhoneHasher hasher;
  private final GatewayConfig config;
  private final Clock clock;
  private final ThrottledLogger warnings = new ThrottledLogger(LOG);

  /** The campaigns this instance holds now: since when (System.nanoTime). */
  private final Map<String, Long> heldSince = new HashMap<>();

  /** Per campaign: its rate bucket and when its failures were last counted. */
  private final Map<String, Pace> paces = new HashMap<>();

  private PipelinedRedis redis;
  private OutboundQueue queue;
  private Ledger ledger;
  private WorkScheduler scheduler;
  private long sweepTimer = -1;

  public CampaignRunner(
      RedisBackend backend,
      io.vertx.sqlclient.Pool pg,
      TenantDirectory directory,
      MessageValidator validator,
      PhoneHasher hasher,
      GatewayConfig config,
      Clock clock) {
    this.backend = backend;
    this.campaigns = new CampaignRepository(pg, hasher);
    this.directory = directory;
    this.validator = validator;
    this.hasher = hasher;
    this.config = config;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    redis = backend.pipelined();
    queue =
        new OutboundQueue(
            context,
            redis,
            hasher,
            config.ingress().partitions(),
            config.dispatch().maxBacklogPerTenant());
    ledger = new Ledger(context, redis, clock);
    scheduler =
        new WorkScheduler(
            context,
            new WorkSet(redis, work(redis.keyPrefix())),
            WorkScheduler.Settings.of("campaign", 16, config.campaigns().claimMs(), 100)
                .failedUnitDueInMs(SLOW_MS),
            warnings,
            clock,
            this::step);
    scheduler.start();
    sweep();
    sweepTimer = vertx.setPeriodic(CampaignService.SWEEP_MS, id -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    scheduler.stop();
    vertx.cancelTimer(sweepTimer);
    return redis.close();
  }

  /**
   * Puts every live campaign in the work set unless it is there already (ZADD NX), so one whose
   * mark was lost (Redis restarted, a call failed after the commit) is taken up again.
   */
  private void sweep() {
    campaigns
        .pool()
        .preparedQuery(
            "SELECT id FROM campaigns WHERE status IN ('scheduled', 'running', 'paused')"
                + " OR (status = 'cancelled' AND finished_at > now() - interval '1 day')")
        .execute()
        .compose(
            rows -> {
              if (rows.size() == 0) {
                return Future.succeededFuture();
              }
              Request zadd = Request.cmd(Command.ZADD).arg(work(redis.keyPrefix())).arg("NX");
              String now = Long.toString(clock.millis());
              rows.forEach(r -> zadd.arg(now).arg(r.getUUID(0).toString()));
              return redis.send(zadd);
            })
        .onFailure(e -> warnings.warn("campaign sweep failed: {}", e.toString()));
  }

  /**
   * A claimed campaign: its steps run one after another on this instance for up to a third of the
   * claim ({@link #next}), so one instance at a time paces it and its rate cap holds however many
   * instances run campaigns; then it goes back to the work set for whichever instance is free.
   */
  private Future<Void> step(String id) {
    heldSince.put(id, System.nanoTime());
    Pace pace = paces.get(id);
    if (pace != null) {
      pace.restart(); // its last steps may have been another instance's: no stale allowance
    }
    return stepOnce(id).onComplete(ar -> heldSince.remove(id));
  }

  /**
   * After a step of a running campaign: the next step runs here, after its wait, while the campaign
   * has been held for less than a third of its claim and the wait is short; otherwise the campaign
   * goes back to the work set due at {@code dueMs}.
   */
  private Future<Void> next(String id, long dueMs) {
    long wait = Math.max(0, dueMs - clock.millis());
    Long since = heldSince.get(id);
    long heldMs = since == null ? Long.MAX_VALUE : (System.nanoTime() - since) / 1_000_000;
    if (wait <= SLOW_MS
        && heldMs + wait < config.campaigns().claimMs() / 3
        && !scheduler.stopped()) {
      Promise<Void> done = Promise.promise();
      vertx.setTimer(Math.max(1, wait), t -> stepOnce(id).onComplete(done));
      return done.future();
    }
    return scheduler.release(id, dueMs);
  }

  /** One step of one campaign. */
  private Future<Void> stepOnce(String id) {
    if (CampaignRepository.uuid(id) == null) {
      return scheduler.leave(id);
    }
    return campaigns
        .load(id)
        .compose(
            found -> {
              if (found.isEmpty()) {
                paces.remove(id);
                return scheduler.leave(id);
              }
              Campaign c = found.get();
              return switch (c.status()) {
                case SCHEDULED -> scheduled(c);
                case RUNNING -> running(c);
                case PAUSED -> paused(c);
                case CANCELLED -> cancelled(c);
                case COMPLETED -> {
                  paces.remove(id);
                  yield scheduler.leave(id);
                }
              };
            });
  }

  private Future<Void> scheduled(Campaign c) {
    Instant now = clock.instant();
    if (c.sendAt() != null && c.sendAt().isAfter(now)) {
      return scheduler.release(
          c.id(), Math.min(c.sendAt().toEpochMilli(), now.toEpochMilli() + 60_000));
    }
    return campaigns
        .transition(
            campaigns.pool(),
            null,
            c.id(),
            List.of(Campaign.Status.SCHEDULED),
            Campaign.Status.RUNNING,
            null,
            now)
        .compose(v -> scheduler.markDue(c.id(), clock.millis()));
  }

  private Future<Void> paused(Campaign c) {
    return redis
        .send(CampaignHolds.holdRequest(redis.keyPrefix(), c.id(), CampaignHolds.Hold.PAUSED))
        .compose(v -> scheduler.release(c.id(), clock.millis() + SLOW_MS));
  }

  /**
   * A cancelled campaign: its pending rows become cancelled, its queued messages are cancelled by
   * the dispatchers as they come up (the hold says so), and once none is left open the hold is
   * lifted and the campaign leaves the work set.
   */
  private Future<Void> cancelled(Campaign c) {
    paces.remove(c.id());
    return campaigns
        .pool()
        .preparedQuery(
            "UPDATE campaign_rows SET state = 'cancelled', reason = 'the campaign was cancelled'"
                + " WHERE campaign_id = $1 AND state = 'pending'")
        .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(c.id())))
        .compose(
            v ->
                redis.send(
                    CampaignHolds.holdRequest(
                        redis.keyPrefix(), c.id(), CampaignHolds.Hold.CANCELLED)))
        .compose(v -> campaigns.allSettled(c.id()))
        .compose(
            done ->
                done
                    ? redis
                        .send(CampaignHolds.releaseRequest(redis.keyPrefix(), List.of(c.id())))
                        .compose(v -> redis.send(Request.cmd(Command.DEL).arg(inQueueKey(c.id()))))
                        .compose(v -> scheduler.leave(c.id()))
                    : scheduler.release(c.id(), clock.millis() + SLOW_MS));
  }

  private Future<Void> running(Campaign c) {
    if (directory.channel(c.channelId()).isEmpty()
        && directory.recheckChannel(c.channelId()) != TenantDirectory.Presence.ABSENT) {
      // The channel was created through another instance a moment ago and this one's directory
      // has not polled since (or PostgreSQL has not answered yet): wait for it, as the dispatcher
      // does. Only a channel PostgreSQL does not have either pauses the campaign (in queue).
      return next(c.id(), clock.millis() + TenantDirectory.RECHECK_MS);
    }
    Pace pace = paces.computeIfAbsent(c.id(), k -> new Pace(c.ratePerSecond()));
    pace.rate = c.ratePerSecond();
    long nowMs = clock.millis();
    if (nowMs - pace.failuresCheckedAt >= FAILURE_CHECK_MS) {
      pace.failuresCheckedAt = nowMs;
      return failing(c).compose(paused -> paused ? paused(c) : expand(c, pace));
    }
    return expand(c, pace);
  }

  /** Pauses the campaign when too many of its recent sends failed; true when it did. */
  private Future<Boolean> failing(Campaign c) {
    return campaigns
        .recentOutcomes(c.id())
        .compose(
            recent -> {
              int max = config.campaigns().maxFailurePercent();
              if (recent.finished() < 100 || recent.failed() * 100 <= max * recent.finished()) {
                return Future.succeededFuture(false);
              }
              String reason =
                  FAILURE_RATIO
                      + ": "
                      + recent.failed()
                      + " of the last "
                      + recent.finished()
                      + " sends failed (more than "
                      + max
                      + "%)";
              LOG.warn("campaign {} paused itself: {}", c.id(), reason);
              return campaigns
                  .transition(
                      campaigns.pool(),
                      null,
                      c.id(),
                      List.of(Campaign.Status.RUNNING),
                      Campaign.Status.PAUSED,
                      reason,
                      clock.instant())
                  .map(Optional::isPresent);
            });
  }

  private String inQueueKey(String id) {
    return CampaignHolds.inQueueKey(redis.keyPrefix(), id);
  }

  private Future<Long> inQueue(String id) {
    return redis
        .send(Request.cmd(Command.GET).arg(inQueueKey(id)))
        .map(r -> r == null ? 0L : Math.max(0L, r.toLong()));
  }

  private Future<Void> expand(Campaign c, Pace pace) {
    return inQueue(c.id())
        .compose(
            held -> {
              long room = config.campaigns().maxQueued() - held;
              long nowMs = clock.millis();
              int n = (int) Math.min(MAX_STEP, Math.max(0, room));
              n = Math.min(n, pace.available(System.nanoTime()));
              if (room <= 0) {
                if (nowMs - pace.counterCheckedAt < COUNTER_CHECK_MS) {
                  return next(c.id(), nowMs + RECHECK_MS);
                }
                // Full for a while: if nothing of it is open after all, the counter drifted (a
                // dispatcher died between settling and counting down) and starts again from 0.
                pace.counterCheckedAt = nowMs;
                return campaigns
                    .allSettled(c.id())
                    .compose(
                        none ->
                            none
                                ? redis.send(Request.cmd(Command.DEL).arg(inQueueKey(c.id())))
                                : Future.succeededFuture())
                    .compose(v -> next(c.id(), nowMs + RECHECK_MS));
              }
              if (n <= 0) {
                return next(c.id(), nowMs + pace.msUntilOne());
              }
              int asked = n;
              return campaigns
                  .dueRows(c.id(), clock.instant(), n)
                  .compose(
                      rows ->
                          rows.isEmpty()
                              ? idle(c)
                              : queue(c, rows)
                                  .compose(
                                      queued -> {
                                        pace.take(queued);
                                        long next =
                                            rows.size() >= asked
                                                ? pace.rate == null ? 0 : pace.msUntilOne()
                                                : RECHECK_MS;
                                        return next(c.id(), clock.millis() + next);
                                      }));
            });
  }

  /** No row is due now: wait for the next due row, or complete when none is left and all went. */
  private Future<Void> idle(Campaign c) {
    return campaigns
        .nextDue(c.id())
        .compose(
            next -> {
              long now = clock.millis();
              if (next.isPresent()) {
                long due = Math.max(now + RECHECK_MS, next.get().toEpochMilli());
                return next(c.id(), Math.min(due, now + SLOW_MS));
              }
              // PostgreSQL decides, not the counter: a count that drifted must not hold it open.
              return campaigns
                  .allSettled(c.id())
                  .compose(done -> done ? complete(c) : next(c.id(), now + SLOW_MS));
            });
  }

  private Future<Void> complete(Campaign c) {
    paces.remove(c.id());
    return campaigns
        .transition(
            campaigns.pool(),
            null,
            c.id(),
            List.of(Campaign.Status.RUNNING),
            Campaign.Status.COMPLETED,
            null,
            clock.instant())
        .compose(v -> redis.send(Request.cmd(Command.DEL).arg(inQueueKey(c.id()))))
        .compose(v -> scheduler.leave(c.id()));
  }

  /**
   * Queues the due rows as messages (those outside the send window wait for it), records them in
   * the ledger and marks the rows.
   *
   * @return how many were queued
   */
  private Future<Integer> queue(Campaign c, List<CampaignRepository.DueRow> rows) {
    QueuedMessage prototype;
    CampaignMessage message;
    try {
      prototype = validator.campaignPrototype(c.tenantId(), c.channelId(), c.lane(), c.message());
      message = new CampaignMessage(prototype);
    } catch (GatewayException e) {
      // The channel was deleted (or changed provider) since the campaign was created.
      return campaigns
          .transition(
              campaigns.pool(),
              null,
              c.id(),
              List.of(Campaign.Status.RUNNING),
              Campaign.Status.PAUSED,
              "channel_unusable: " + e.getMessage(),
              clock.instant())
          .map(0);
    }
    Instant now = clock.instant();
    List<CampaignRepository.RowUpdate> updates = new ArrayList<>();
    List<OutboundQueue.Item> items = new ArrayList<>();
    List<CampaignRepository.DueRow> sent = new ArrayList<>();
    for (CampaignRepository.DueRow row : rows) {
      if (c.window() != null) {
        Optional<Instant> at = c.window().nextSendTime(row.phone(), now);
        if (at.isEmpty()) {
          updates.add(
              new CampaignRepository.RowUpdate(
                  row.row(),
                  "skipped",
                  null,
                  null,
                  "no send window within two weeks in this number's time zones"));
          continue;
        }
        if (at.get().isAfter(now)) {
          updates.add(new CampaignRepository.RowUpdate(row.row(), "pending", at.get(), null, null));
          continue;
        }
      }
      Map<String, String> vars = new HashMap<>();
      row.vars()
          .forEach(
              e -> vars.put(e.getKey(), e.getValue() == null ? null : e.getValue().toString()));
      CampaignMessage.Rendered rendered = message.render(vars);
      if (rendered.problem() != null) {
        updates.add(
            new CampaignRepository.RowUpdate(
                row.row(), "rejected", null, null, rendered.problem()));
        continue;
      }
      UUID messageId = messageId(c.id(), row.row(), row.attempt());
      QueuedMessage m =
          new QueuedMessage(
                  messageId.toString(),
                  c.tenantId(),
                  prototype.channelId(),
                  prototype.provider(),
                  row.phone(),
                  row.phone().substring(1),
                  null,
                  prototype.lane(),
                  null,
                  now.toEpochMilli(),
                  rendered.content())
              .inCampaign(c.id(), c.window());
      items.add(
          new OutboundQueue.Item(m, "cmp:" + c.id() + ":" + row.row() + ":" + row.attempt(), true));
      sent.add(row);
    }
    if (items.isEmpty()) {
      return campaigns.update(c.id(), updates).map(0);
    }
    return queue
        .enqueue(items)
        .compose(
            results -> {
              List<LedgerEvent> accepted = new ArrayList<>();
              int queued = 0;
              int fresh = 0;
              for (int i = 0; i < results.size(); i++) {
                OutboundQueue.Result r = results.get(i);
                CampaignRepository.DueRow row = sent.get(i);
                QueuedMessage m = items.get(i).message();
                if (r.optedOut()) {
                  updates.add(
                      new CampaignRepository.RowUpdate(
                          row.row(), "suppressed", null, null, "the recipient opted out"));
                } else if (r.full()) {
                  // The tenant's queue is at its bound: the row stays pending for a later step.
                  continue;
                } else {
                  queued++;
                  if (!r.replayed()) {
                    fresh++;
                    accepted.add(
                        m.ledgerEvent(
                            MessageStatus.ACCEPTED, m.acceptedAt(), null, null, null, "campaign"));
                  }
                  updates.add(
                      new CampaignRepository.RowUpdate(
                          row.row(), "queued", null, UUID.fromString(r.id()), null));
                }
              }
              int total = queued;
              Future<?> counted =
                  fresh == 0
                      ? Future.succeededFuture()
                      : redis.send(
                          Request.cmd(Command.INCRBY)
                              .arg(CampaignHolds.inQueueKey(redis.keyPrefix(), c.id()))
                              .arg(fresh));
              return counted
                  .compose(v -> ledger.appendEventually(accepted))
                  .compose(v -> campaigns.update(c.id(), updates))
                  .map(total);
            });
  }

  /**
   * The id of a row's message: the same for the same campaign, row and attempt, on any instance.
   */
  static UUID messageId(String campaignId, int row, int attempt) {
    return UUID.nameUUIDFromBytes(
        ("sluice-campaign:" + campaignId + ":" + row + ":" + attempt)
            .getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A campaign's rate cap on this instance: a token bucket of {@code rate} per second holding at
   * most a fifth of a second's worth (a step's burst), started empty-ish when a campaign is taken
   * over so a takeover does not burst.
   */
  private static final class Pace {
    Integer rate;
    double tokens;
    long lastNanos = System.nanoTime();
    long failuresCheckedAt;
    long counterCheckedAt;

    Pace(Integer rate) {
      this.rate = rate;
      this.tokens = rate == null ? 0 : Math.max(1, rate / 20.0);
    }

    /** Taken up again after a while: the time away earns nothing, a step's burst is allowed. */
    void restart() {
      lastNanos = System.nanoTime();
      tokens = rate == null ? 0 : Math.min(tokens, Math.max(1, rate / 20.0));
    }

    int available(long nowNanos) {
      if (rate == null) {
        return Integer.MAX_VALUE;
      }
      double elapsed = (nowNanos - lastNanos) / 1e9;
      lastNanos = nowNanos;
      tokens = Math.min(Math.max(1, rate / 5.0), tokens + rate * elapsed);
      return (int) Math.floor(tokens);
    }

    void take(int n) {
      if (rate != null) {
        tokens -= n;
      }
    }

    long msUntilOne() {
      if (rate == null) {
        return 0;
      }
      double missing = Math.max(0, 1 - tokens);
      return Math.max(10, (long) Math.ceil(missing * 1000 / rate));
    }
  }
}
