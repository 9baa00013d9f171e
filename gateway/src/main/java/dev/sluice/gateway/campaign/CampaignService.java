package dev.sluice.gateway.campaign;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.dispatch.Pacing;
import dev.sluice.gateway.outbound.CampaignHolds;
import dev.sluice.gateway.outbound.MessageValidator;
import dev.sluice.gateway.outbound.QueuedMessage;
import dev.sluice.gateway.outbound.SendWindow;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.redis.RedisCommands;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the campaign API and Meta's template webhook do to campaigns: create one from its settings
 * and audience (every row checked and stored in one transaction, a thousand at a time, so a refused
 * audience leaves nothing behind), show one with its live counts, and pause, resume or cancel it.
 * Thread-safe: PostgreSQL through the pool, Redis through the shared backend.
 */
public final class CampaignService {
  private static final Logger LOG = LoggerFactory.getLogger(CampaignService.class);

  /** Rows checked and stored per batch while an audience is read. */
  static final int BATCH = 1_000;

  /** How often every instance puts live campaigns back in the work set if they went missing. */
  static final long SWEEP_MS = 10_000;

  private final Vertx vertx;
  private final CampaignRepository campaigns;
  private final MessageValidator validator;
  private final TenantDirectory directory;
  private final RedisCommands redis;
  private final Clock clock;

  public CampaignService(
      Vertx vertx,
      io.vertx.sqlclient.Pool pg,
      MessageValidator validator,
      TenantDirectory directory,
      RedisCommands redis,
      PhoneHasher hasher,
      Clock clock) {
    this.vertx = vertx;
    this.campaigns = new CampaignRepository(pg, hasher);
    this.validator = validator;
    this.directory = directory;
    this.redis = redis;
    this.clock = clock;
  }

  /**
   * The campaigns in progress, for the status page: {@code tenant → status → count} over {@code
   * scheduled}, {@code running} and {@code paused}.
   */
  public Future<Map<String, Map<String, Long>>> inProgress() {
    return campaigns.inProgress();
  }

  CampaignRepository repository() {
    return campaigns;
  }

  /**
   * A campaign's settings as the API took them.
   *
   * @param message the message's content fields, placeholders included
   */
  record Settings(
      String name,
      String channelId,
      JsonObject message,
      Instant sendAt,
      SendWindow window,
      Integer ratePerSecond,
      String lane) {}

  /**
   * Creates a campaign: checks its message, reads and checks its audience row by row and stores it
   * all in one transaction, then puts it in the work set.
   *
   * @param audience opens the audience; called on a worker thread (a CSV file is read there)
   * @throws GatewayException (as a failed Future) 422 for a message that cannot be sent, 400 for an
   *     audience that cannot be read
   */
  Future<JsonObject> create(String tenantId, Settings s, Supplier<Audience> audience) {
    QueuedMessage prototype =
        validator.campaignPrototype(tenantId, s.channelId(), s.lane(), s.message());
    CampaignMessage message = new CampaignMessage(prototype);
    Instant now = clock.instant();
    boolean later = s.sendAt() != null && s.sendAt().isAfter(now);
    Campaign c =
        new Campaign(
            UUID.randomUUID().toString(),
            tenantId,
            s.name(),
            prototype.channelId(),
            s.message(),
            message.templateName(),
            prototype.lane().wireName(),
            s.sendAt(),
            s.window(),
            s.ratePerSecond(),
            later ? Campaign.Status.SCHEDULED : Campaign.Status.RUNNING,
            null,
            0,
            0,
            0,
            now,
            null,
            null);
    Instant firstDue = later ? s.sendAt() : now;
    return vertx
        .executeBlocking(audience::get)
        .compose(
            rows ->
                campaigns
                    .pool()
                    .withTransaction(
                        conn ->
                            campaigns
                                .insert(conn, c)
                                .compose(v -> store(conn, c, rows, message, firstDue, new int[3])))
                    .eventually(
                        () ->
                            vertx.executeBlocking(
                                () -> {
                                  rows.close();
                                  return null;
                                })))
        .onFailure(
            e -> {
              if (!(e instanceof Audience.Refused) && !(e instanceof GatewayException)) {
                LOG.warn("campaign {} could not be stored: {}", c.id(), e.toString());
              }
            })
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof Audience.Refused r
                        ? GatewayException.malformed("invalid_audience", r.getMessage())
                        : e instanceof GatewayException
                            ? e
                            : GatewayException.unavailable(
                                "unavailable", "the campaign cannot be stored right now", 5)))
        .compose(v -> running(c.id(), firstDue.toEpochMilli()).otherwiseEmpty())
        .compose(v -> view(tenantId, c.id()))
        .map(Optional::orElseThrow);
  }

  /** Reads, checks and stores the audience a batch at a time; counts {total, rejected, dups}. */
  private Future<Void> store(
      io.vertx.sqlclient.SqlConnection conn,
      Campaign c,
      Audience rows,
      CampaignMessage message,
      Instant due,
      int[] counts) {
    int first = counts[0] + 1;
    return vertx
        .executeBlocking(
            () -> {
              List<Map<String, String>> batch = rows.next(BATCH);
              List<AudienceRow> checked = new ArrayList<>(batch.size());
              for (int i = 0; i < batch.size(); i++) {
                checked.add(AudienceRow.check(first + i, batch.get(i), message));
              }
              return checked;
            })
        .compose(
            checked -> {
              if (checked.isEmpty()) {
                return campaigns.setTotals(conn, c.id(), counts[0], counts[1], counts[2]);
              }
              counts[0] += checked.size();
              for (AudienceRow r : checked) {
                if (r.rejected()) {
                  counts[1]++;
                }
              }
              return campaigns
                  .insertRows(conn, c.id(), checked, due)
                  .compose(
                      dups -> {
                        counts[2] += dups;
                        return store(conn, c, rows, message, due, counts);
                      });
            });
  }

  /** Marks a campaign due in the work set at {@code dueMs} (or earlier if it is due sooner). */
  private Future<Void> running(String id, long dueMs) {
    return redis
        .send(
            Request.cmd(Command.ZADD)
                .arg(CampaignRunner.work(redis.keyPrefix()))
                .arg("LT")
                .arg(dueMs)
                .arg(id))
        .mapEmpty();
  }

  /** A campaign with its live counts and estimated finish, or empty if not the tenant's. */
  Future<Optional<JsonObject>> view(String tenantId, String id) {
    return campaigns
        .find(tenantId, id)
        .compose(
            found ->
                found.isEmpty()
                    ? Future.succeededFuture(Optional.empty())
                    : counts(found.get()).map(Optional::of));
  }

  Future<List<JsonObject>> list(String tenantId, Instant before, int limit) {
    return campaigns.list(tenantId, before, limit).map(l -> l.stream().map(c -> json(c)).toList());
  }

  private Future<JsonObject> counts(Campaign c) {
    Instant now = clock.instant();
    return campaigns
        .counts(c.id(), now)
        .map(
            counts -> {
              Map<String, Long> rows = counts.rows();
              Map<String, Long> m = counts.messages();
              long pending = rows.getOrDefault("pending", 0L);
              long open = m.getOrDefault("accepted", 0L) + m.getOrDefault("queued", 0L);
              JsonObject n =
                  new JsonObject()
                      .put("total", c.total())
                      .put("rejected", rows.getOrDefault("rejected", 0L))
                      .put("duplicates", rows.getOrDefault("duplicate", 0L))
                      .put("suppressed", rows.getOrDefault("suppressed", 0L))
                      .put("noWindow", rows.getOrDefault("skipped", 0L))
                      .put("waitingForWindow", counts.waitingForWindow())
                      .put("pending", pending - counts.waitingForWindow())
                      .put("queued", open)
                      .put("sent", m.getOrDefault("sent", 0L))
                      .put("delivered", m.getOrDefault("delivered", 0L))
                      .put("read", m.getOrDefault("read", 0L))
                      .put("failed", m.getOrDefault("failed", 0L))
                      .put(
                          "cancelled",
                          rows.getOrDefault("cancelled", 0L) + m.getOrDefault("cancelled", 0L));
              JsonObject out = json(c).put("counts", n);
              boolean allWait = pending > 0 && counts.waitingForWindow() == pending && open == 0;
              Instant eta = estimate(c, pending + open, allWait, now);
              out.put("estimatedFinishAt", eta == null ? null : eta.toString());
              return out;
            });
  }

  /**
   * When the campaign should be done at the rate it may send (its cap, else its channel's limit),
   * from now or from its start. A guide, not a promise: receipts, retries, other traffic on the
   * channel and quiet hours move it; while every row left waits for its window it is empty.
   */
  private Instant estimate(Campaign c, long left, boolean allWaitForWindow, Instant now) {
    if (c.status().finished() || c.status() == Campaign.Status.PAUSED) {
      return null;
    }
    if (left == 0) {
      return now;
    }
    if (c.window() != null && allWaitForWindow) {
      return null;
    }
    int rate = directory.channel(c.channelId()).map(Pacing::perSecond).orElse(Integer.MAX_VALUE);
    if (c.ratePerSecond() != null) {
      rate = Math.min(rate, c.ratePerSecond());
    }
    if (rate == Integer.MAX_VALUE || rate <= 0) {
      return null;
    }
    Instant from = now;
    if (c.status() == Campaign.Status.SCHEDULED && c.sendAt() != null && c.sendAt().isAfter(now)) {
      from = c.sendAt();
    }
    return from.plusMillis((long) Math.ceil(left * 1000.0 / rate));
  }

  static JsonObject json(Campaign c) {
    return new JsonObject()
        .put("id", c.id())
        .put("name", c.name())
        .put("channel", c.channelId())
        .put("status", c.status().wire())
        .put("reason", c.reason())
        .put("lane", c.lane())
        .put("message", c.message())
        .put("sendAt", c.sendAt() == null ? null : c.sendAt().toString())
        .put("window", c.window() == null ? null : c.window().toJson())
        .put("ratePerSecond", c.ratePerSecond())
        .put("createdAt", c.createdAt().toString())
        .put("startedAt", c.startedAt() == null ? null : c.startedAt().toString())
        .put("finishedAt", c.finishedAt() == null ? null : c.finishedAt().toString());
  }

  // ---- pause, resume, cancel ----

  Future<Optional<JsonObject>> pause(String tenantId, String id, String reason) {
    return hold(
        tenantId,
        id,
        List.of(Campaign.Status.SCHEDULED, Campaign.Status.RUNNING),
        Campaign.Status.PAUSED,
        reason,
        CampaignHolds.Hold.PAUSED);
  }

  Future<Optional<JsonObject>> cancel(String tenantId, String id) {
    return hold(
        tenantId,
        id,
        List.of(Campaign.Status.SCHEDULED, Campaign.Status.RUNNING, Campaign.Status.PAUSED),
        Campaign.Status.CANCELLED,
        null,
        CampaignHolds.Hold.CANCELLED);
  }

  /**
   * Moves the campaign and holds its queued messages: PostgreSQL first (the expansion stops), then
   * the hold every dispatcher reads within a quarter of a second. If Redis fails in between the
   * answer is a 503 and the runner puts the hold in place on its next look at the campaign.
   */
  private Future<Optional<JsonObject>> hold(
      String tenantId,
      String id,
      List<Campaign.Status> from,
      Campaign.Status to,
      String reason,
      CampaignHolds.Hold hold) {
    return campaigns
        .transition(campaigns.pool(), tenantId, id, from, to, reason, clock.instant())
        .compose(
            moved -> {
              if (moved.isEmpty()) {
                return stateConflict(tenantId, id, to);
              }
              return redis
                  .send(CampaignHolds.holdRequest(redis.keyPrefix(), id, hold))
                  .compose(v -> running(id, clock.millis()))
                  .recover(e -> Future.failedFuture(unavailable()))
                  .compose(v -> view(tenantId, id));
            });
  }

  Future<Optional<JsonObject>> resume(String tenantId, String id) {
    return campaigns
        .find(tenantId, id)
        .compose(
            found -> {
              if (found.isEmpty()) {
                return Future.succeededFuture(Optional.<JsonObject>empty());
              }
              Campaign c = found.get();
              Instant now = clock.instant();
              Campaign.Status to =
                  c.sendAt() != null && c.sendAt().isAfter(now)
                      ? Campaign.Status.SCHEDULED
                      : Campaign.Status.RUNNING;
              return campaigns
                  .transition(
                      campaigns.pool(),
                      tenantId,
                      id,
                      List.of(Campaign.Status.PAUSED),
                      to,
                      null,
                      now)
                  .compose(
                      moved -> {
                        if (moved.isEmpty()) {
                          return stateConflict(tenantId, id, Campaign.Status.RUNNING);
                        }
                        return redis
                            .send(CampaignHolds.releaseRequest(redis.keyPrefix(), List.of(id)))
                            .compose(v -> running(id, clock.millis()))
                            .recover(e -> Future.failedFuture(unavailable()))
                            .compose(v -> view(tenantId, id));
                      });
            });
  }

  /** Sends again the rows whose message failed after its retries ran out. */
  Future<Optional<JsonObject>> retryFailed(String tenantId, String id) {
    return campaigns
        .find(tenantId, id)
        .compose(
            found -> {
              if (found.isEmpty()) {
                return Future.succeededFuture(Optional.<JsonObject>empty());
              }
              Campaign c = found.get();
              if (c.status() == Campaign.Status.CANCELLED) {
                return Future.failedFuture(
                    GatewayException.conflict(
                        "campaign_cancelled", "a cancelled campaign sends nothing more"));
              }
              Instant now = clock.instant();
              return campaigns
                  .pool()
                  .withTransaction(
                      conn ->
                          campaigns
                              .retryFailed(conn, id, now)
                              .compose(
                                  n ->
                                      n == 0 || c.status() != Campaign.Status.COMPLETED
                                          ? Future.succeededFuture(n)
                                          : campaigns
                                              .transition(
                                                  conn,
                                                  tenantId,
                                                  id,
                                                  List.of(Campaign.Status.COMPLETED),
                                                  Campaign.Status.RUNNING,
                                                  null,
                                                  now)
                                              .map(n)))
                  .compose(
                      n ->
                          running(id, clock.millis())
                              .otherwiseEmpty()
                              .compose(v -> view(tenantId, id))
                              .map(o -> o.map(v -> v.put("retried", n))));
            });
  }

  /**
   * Meta paused (or re-activated) a WhatsApp template: the live campaigns sending it through a
   * channel of that Meta app pause with reason {@code template_paused}, and resume when it is
   * approved again — only those it paused itself. Never blocks; failures are logged.
   */
  public void onTemplateStatus(String app, String name, String language, String event) {
    templateStatus(app, name, language, event)
        .onFailure(
            e -> LOG.warn("template status {} of {} not applied: {}", event, name, e.toString()));
  }

  Future<Void> templateStatus(String app, String name, String language, String event) {
    boolean pause = PAUSING.contains(event);
    boolean resume = RESUMING.contains(event);
    if (!pause && !resume) {
      return Future.succeededFuture();
    }
    return campaigns
        .usingTemplate(name)
        .compose(
            found -> {
              List<Future<?>> all = new ArrayList<>();
              for (Campaign c : found) {
                boolean ours =
                    directory
                        .channel(c.channelId())
                        .map(ch -> app.equals(ch.metaAppId()))
                        .orElse(false);
                JsonObject template = c.message().getJsonObject("template");
                String lang = template == null ? null : template.getString("language");
                if (!ours || (language != null && lang != null && !language.equals(lang))) {
                  continue;
                }
                if (pause && c.status() != Campaign.Status.PAUSED) {
                  LOG.info("campaign {} paused: Meta reported its template {}", c.id(), event);
                  all.add(
                      pause(c.tenantId(), c.id(), "template_paused: Meta reported it " + event));
                } else if (resume
                    && c.status() == Campaign.Status.PAUSED
                    && c.reason() != null
                    && c.reason().startsWith("template_paused")) {
                  LOG.info("campaign {} resumed: its template is {} again", c.id(), event);
                  all.add(resume(c.tenantId(), c.id()));
                }
              }
              return Future.join(new ArrayList<>(all)).mapEmpty();
            });
  }

  /** Template events that stop a template from being sent. */
  private static final java.util.Set<String> PAUSING = java.util.Set.of("PAUSED", "DISABLED");

  /** Template events after which it can be sent again. */
  private static final java.util.Set<String> RESUMING =
      java.util.Set.of("APPROVED", "REINSTATED", "UNPAUSED", "ACTIVE");

  private Future<Optional<JsonObject>> stateConflict(
      String tenantId, String id, Campaign.Status to) {
    return campaigns
        .find(tenantId, id)
        .compose(
            found ->
                found.isEmpty()
                    ? Future.succeededFuture(Optional.empty())
                    : Future.failedFuture(
                        GatewayException.conflict(
                            "invalid_state",
                            "the campaign is "
                                + found.get().status().wire()
                                + " and cannot be made "
                                + to.wire())));
  }

  private static GatewayException unavailable() {
    return GatewayException.unavailable(
        "unavailable", "the campaign cannot be changed right now; retry later", 5);
  }
}
