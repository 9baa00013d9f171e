package dev.sluice.gateway.dispatch;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.connector.Connector;
import dev.sluice.gateway.connector.OutboundMessage;
import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.connector.smpp.SmppConnector;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.delivery.DeliveryWork;
import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.ledger.LedgerEvent;
import dev.sluice.gateway.ledger.MessageStatus;
import dev.sluice.gateway.logging.ThrottledLogger;
import dev.sluice.gateway.outbound.CampaignHolds;
import dev.sluice.gateway.outbound.MessageCodec;
import dev.sluice.gateway.outbound.OutboundQueue;
import dev.sluice.gateway.outbound.OutboundStore;
import dev.sluice.gateway.outbound.OutboundStore.Action;
import dev.sluice.gateway.outbound.OutboundStore.Pulled;
import dev.sluice.gateway.outbound.OutboundStore.Settlement;
import dev.sluice.gateway.outbound.QueuedMessage;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.OutboundEvents;
import dev.sluice.gateway.tenant.Tenant;
import dev.sluice.gateway.tenant.TenantDirectory;
import dev.sluice.gateway.work.Backoff;
import dev.sluice.gateway.work.WorkScheduler;
import dev.sluice.gateway.work.WorkSet;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued messages. Each dispatcher's {@link WorkScheduler} claims due tenant partitions from
 * the shared work set ({@code sluice_claim}) and works up to {@code unitsPerClaim} of them at a
 * time, each on its own: it takes a few messages from the partition (high lane first, one per
 * conversation: {@code sluice_out_pull}), paces them in Redis per sender and recipient ({@code
 * sluice_pace_many}, one call per channel), asks the channel's breaker, calls the provider, and
 * records every outcome of the partition in one ledger append and one {@code sluice_out_record}
 * call. Each dispatcher has its own provider client on its event loop, with a connection for each
 * message it can have in flight. Every instance runs dispatchers; a partition is worked by one at a
 * time, and a dead instance's partitions and in-flight messages come back after their claim and
 * lease expire.
 *
 * <p>Fairness: a partition gives at most {@code messagesPerUnit} messages per claim (more, up to
 * {@link #MAX_UNIT_GROWTH} times as many, while its claims keep coming back full: a standing
 * backlog) and goes back to the end of the line, so one tenant's backlog cannot hold another
 * tenant's replies; a message that must wait (pacing, retry, open breaker) is leased until its time
 * and holds back only later messages to the same recipient. A slow partition holds only its own
 * slot: the others are claimed again as soon as they finish.
 *
 * <p>Holds, checked for every pulled message before it is paced, and only for a message of a
 * campaign or with a send window (any other costs two null checks): a message of a paused campaign
 * waits {@link #PAUSED_RECHECK_MS}, one of a cancelled campaign ends {@code cancelled} unsent, and
 * one outside its send window waits for the window's next opening, looked at again at least every
 * {@code dispatch.windowRecheckMs}; a window its recipient's zones never share fails it ({@code
 * no_send_window}). WhatsApp's per-user marketing cap (131049) is a hold too: the message waits
 * {@link #MARKETING_CAP_WAIT_MS}, without spending an attempt.
 */
public final class Dispatcher extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  /** Entries scanned per lane per pull at most. */
  static final int SCAN_LIMIT = 2_000;

  /**
   * How long a known outcome may wait for the others of its claim before it is recorded: short
   * enough that a crash loses only outcomes of this instant, long enough that answers arriving
   * together share one call.
   */
  static final long RECORD_WAIT_MS = 20;

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * How far ahead pacing books a message's turn: a message whose turn comes within this is sent
   * then by the dispatcher that pulled it, holding its claim meanwhile; one whose turn is further
   * waits in the queue and is paced again when due. Well inside the lease margin.
   */
  static final long PACE_HORIZON_MS = 1_000;

  /** A backlogged partition's claims grow to this many times {@code messagesPerUnit} at most. */
  static final int MAX_UNIT_GROWTH = 4;

  /**
   * How long a message of a paused campaign waits before it is looked at again. With {@link
   * CampaignHolds#POLL_MS}, the most that passes between a campaign's resume and its queued
   * messages going out again; each waiting message costs a look this often while the campaign is
   * paused.
   */
  static final long PAUSED_RECHECK_MS = 2_000;

  /** WhatsApp's error code for its per-user marketing message cap. */
  static final String MARKETING_CAP = "131049";

  /**
   * How long a message refused for WhatsApp's per-user marketing cap waits before it is tried
   * again: Meta counts the cap over a rolling day and advises against retrying sooner.
   */
  static final long MARKETING_CAP_WAIT_MS = 24 * 3600 * 1000L;

  private static final SendResult CAMPAIGN_CANCELLED =
      SendResult.permanent("campaign_cancelled", "the message's campaign was cancelled", 0);
  private static final SendResult NO_SEND_WINDOW =
      SendResult.permanent(
          "no_send_window",
          "the send window is not open in all of the recipient's time zones at once within two"
              + " weeks",
          0);

  private final RedisBackend backend;
  private final Clock clock;
  private final TenantDirectory directory;
  private final GatewayConfig gatewayConfig;
  private final Breakers breakers;
  private final DispatchMetrics metrics;
  private final PhoneHasher hasher;
  private final CampaignHolds holds;
  private final GatewayConfig.Dispatch config;
  private final long leaseMs;
  private final SmppConnector smpp;
  private final long eventBacklogBound;
  private final RetryPolicy retries;
  private final ThrottledLogger warnings = new ThrottledLogger(LOG);

  private PipelinedRedis redis;
  private OutboundStore outbox;
  private WebClient web;
  private Connectors connectors;
  private Ledger ledger;
  private WorkScheduler scheduler;

  /**
   * How many messages the next claim of a partition takes, for partitions whose last claim came
   * back full: doubled each time, up to {@link #MAX_UNIT_GROWTH} × {@code messagesPerUnit}, and
   * back to {@code messagesPerUnit} once a claim is not full. A standing backlog is sent in larger
   * units (fewer claims, pulls and records per message); a quiet partition stays small.
   */
  private final Map<String, Integer> unitSizes = new HashMap<>();

  public Dispatcher(
      RedisBackend backend,
      TenantDirectory directory,
      Breakers breakers,
      DispatchMetrics metrics,
      PhoneHasher hasher,
      CampaignHolds holds,
      SmppConnector smpp,
      GatewayConfig config,
      Clock clock) {
    this.clock = clock;
    this.smpp = smpp;
    this.holds = holds;
    this.backend = backend;
    this.directory = directory;
    this.gatewayConfig = config;
    this.breakers = breakers;
    this.metrics = metrics;
    this.hasher = hasher;
    this.config = config.dispatch();
    // A message in flight stays leased past the provider's deadline, so a dead dispatcher's
    // messages come back soon after, and a live one's never twice.
    this.leaseMs = WorkScheduler.leaseOutliving(config.providers().requestTimeoutMs());
    // Status events share the tenant's inbound backlog bound: they never push it past it.
    this.eventBacklogBound =
        Math.max(1, config.ingress().maxBacklogPerTenant() / config.ingress().partitions());
    this.retries =
        new RetryPolicy(
            new Backoff(
                config.dispatch().retryBaseMs(),
                config.dispatch().retryMaxMs(),
                Backoff.Jitter.FULL));
  }

  @Override
  public Future<?> start() {
    redis = backend.pipelined();
    outbox = new OutboundStore(redis);
    ledger = new Ledger(context, redis, clock);
    scheduler =
        new WorkScheduler(
            context,
            new WorkSet(redis, OutboundQueue.work(redis.keyPrefix())),
            WorkScheduler.Settings.of(
                    "dispatch", config.unitsPerClaim(), config.claimMs(), config.idlePollMs())
                .lingerMs(config.lingerMs()),
            warnings,
            clock,
            this::unit);
    // This dispatcher's own provider client, on its event loop, with a connection for every
    // message it can have in flight: a request never waits in the pool for a connection.
    web =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setUserAgent("sluice-gateway")
                .setKeepAlive(true)
                .setConnectTimeout((int) gatewayConfig.providers().requestTimeoutMs()),
            new PoolOptions()
                .setHttp1MaxSize(config.unitsPerClaim() * config.messagesPerUnit())
                .setMaxWaitQueueSize(-1));
    connectors = new Connectors(web, gatewayConfig.providers(), gatewayConfig.http().publicUrl());
    if (smpp != null) {
      connectors.add(smpp);
    }
    scheduler.start();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    scheduler.stop();
    if (web != null) {
      web.close();
    }
    return redis.close();
  }

  /** A pulled message of a known channel, ready to be paced and sent. */
  private record Ready(Pulled p, QueuedMessage m, Channel channel) {}

  /**
   * What became of one pulled message, written with the rest of its partition's by {@link
   * OutboundStore#record}.
   *
   * @param due when it is due again (ms) for wait and retry, else 0
   * @param m the message, or {@code null} when its entry was unreadable
   * @param history its ledger event, or {@code null}
   * @param statusEvent the status event for the tenant's queue {payload, raw}, or {@code null}
   * @param optOut the conversation to add to the opt-out set, or ""
   * @param deadLetter the dead-letter record, or ""
   */
  private record Outcome(
      Pulled p,
      Action action,
      long due,
      QueuedMessage m,
      LedgerEvent history,
      byte[][] statusEvent,
      String optOut,
      String deadLetter) {

    static Outcome waiting(Pulled p, Action action, long due) {
      return new Outcome(p, action, due, null, null, null, "", "");
    }
  }

  /** One tenant partition: pull, send, settle, reschedule. */
  private Future<Void> unit(String unit) {
    int colon = unit.lastIndexOf(':');
    String tenant = unit.substring(0, colon);
    int partition = Integer.parseInt(unit.substring(colon + 1));
    TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), tenant, partition);
    int size = unitSizes.getOrDefault(unit, config.messagesPerUnit());
    return outbox
        .pull(keys, size, leaseMs(), SCAN_LIMIT)
        .compose(
            batch -> {
              long next = batch.nextDueMs();
              List<Pulled> pulled = batch.messages();
              scheduler.pulled(pulled.size(), size);
              boolean full = pulled.size() >= size;
              if (pulled.isEmpty()) {
                unitSizes.remove(unit);
                // Nothing visible and nothing waiting (else next > 0): the partition is empty.
                return reschedule(
                    unit,
                    keys,
                    next,
                    new Settled(List.of(), next > 0 ? Settled.UNKNOWN : 0),
                    false);
              }
              Recorder recorder = new Recorder(keys, pulled.size());
              dispatch(keys, pulled, recorder);
              return recorder
                  .settled()
                  .compose(
                      settled -> {
                        // A claim whose messages had to wait for their channel's pace asked for
                        // more than the pace gives: the next takes what went this time, and comes
                        // when the first of those waiting is due, not at once. Pulling again at
                        // once would lease the same waiting messages over and over.
                        boolean more = full && recorder.paced == 0;
                        if (recorder.paced > 0) {
                          unitSizes.put(unit, Math.max(1, pulled.size() - recorder.paced));
                        } else if (full) {
                          unitSizes.put(
                              unit, Math.min(2 * size, MAX_UNIT_GROWTH * config.messagesPerUnit()));
                        } else {
                          unitSizes.remove(unit);
                        }
                        return reschedule(unit, keys, next, settled, more);
                      });
            });
  }

  /**
   * Paces and sends the pulled messages, handing each outcome to the recorder as it is known. A
   * message whose handling failed on the way (Redis lost mid-way) has no outcome: it stays leased
   * and comes back when its lease ends.
   */
  private void dispatch(TenantQueueKeys keys, List<Pulled> pulled, Recorder recorder) {
    Map<String, List<Ready>> byChannel = new LinkedHashMap<>();
    for (Pulled p : pulled) {
      QueuedMessage m;
      try {
        m = MessageCodec.decode(p.payload());
      } catch (IllegalArgumentException e) {
        LOG.error(
            "unreadable outbound entry {} dead-lettered [tenant={}]", p.entryId(), keys.tag());
        recorder.offer(
            List.of(new Outcome(p, Action.DEAD, 0, null, null, null, "", p.payload())), 1);
        continue;
      }
      Outcome held = held(p, m);
      if (held != null) {
        recorder.offer(List.of(held), 1);
        continue;
      }
      Optional<Channel> found = directory.channel(m.channelId());
      if (found.isEmpty()) {
        recorder.offer(List.of(unknownChannel(p, m)), 1);
      } else {
        byChannel
            .computeIfAbsent(m.channelId(), k -> new ArrayList<>())
            .add(new Ready(p, m, found.get()));
      }
    }
    for (List<Ready> group : byChannel.values()) {
      Future<List<Long>> waits = pace(group).onSuccess(recorder::paced);
      Connector connector = connectors.forProvider(group.get(0).channel().provider());
      if (connector.maxBatch() > 1) {
        recorder.offer(waits.compose(w -> attemptMany(connector, group, w)), group.size());
        continue;
      }
      for (int i = 0; i < group.size(); i++) {
        Ready ready = group.get(i);
        int index = i;
        recorder.offer(
            waits.compose(w -> attempt(connector, ready, w.get(index))).map(List::of), 1);
      }
    }
  }

  /**
   * What a message of a campaign or with a send window must do instead of being sent now, or {@code
   * null} when it may go. The campaign comes first: a cancelled campaign's message ends whatever
   * its window, a paused one's waits. The window is read on this dispatcher's clock (see "Two
   * clocks" in docs/decisions.md); a message that reached its window's end while it waited in the
   * queue waits for the next opening rather than being sent late.
   */
  private Outcome hold(Pulled p, QueuedMessage m) {
    CampaignHolds.Hold campaign = holds.hold(m.campaignId());
    if (campaign == CampaignHolds.Hold.CANCELLED) {
      return finished(p, m, MessageStatus.CANCELLED, CAMPAIGN_CANCELLED, false);
    }
    if (campaign == CampaignHolds.Hold.PAUSED) {
      metrics.heldByCampaign();
      return Outcome.waiting(p, Action.WAIT, clock.millis() + PAUSED_RECHECK_MS);
    }
    if (m.window() == null) {
      return null;
    }
    Instant now = clock.instant();
    Optional<Instant> opens = m.window().nextSendTime(m.to(), now);
    if (opens.isEmpty()) {
      return finished(p, m, MessageStatus.FAILED, NO_SEND_WINDOW, false);
    }
    long waitMs = opens.get().toEpochMilli() - now.toEpochMilli();
    if (waitMs <= 0) {
      return null;
    }
    metrics.heldByWindow();
    // Looked at again within the recheck at the latest, so a clock set right or changed zone
    // rules are seen before a far opening.
    return Outcome.waiting(
        p, Action.WAIT, now.toEpochMilli() + Math.min(waitMs, config.windowRecheckMs()));
  }

  /**
   * A message whose channel this directory does not have. The directory polls PostgreSQL, so the
   * channel may just have been created through another instance: the message waits while PostgreSQL
   * is asked, and fails as {@code channel_deleted} only when PostgreSQL does not have the channel
   * either. A channel PostgreSQL has is normally in the directory by the time the message is due
   * again; if not, it waits again.
   */
  private Outcome unknownChannel(Pulled p, QueuedMessage m) {
    return switch (directory.recheckChannel(m.channelId())) {
      case ABSENT ->
          finished(
              p,
              m,
              MessageStatus.FAILED,
              SendResult.permanent("channel_deleted", "the channel no longer exists", 0),
              false);
      case STORED, UNKNOWN ->
          Outcome.waiting(p, Action.WAIT, clock.millis() + TenantDirectory.RECHECK_MS);
    };
  }

  /**
   * Paces the messages of one channel in one call: per message 0 to go now, {@code w > 0} for a
   * turn booked {@code w} ms from now, {@code -w} to wait {@code w} ms and be paced again.
   */
  private Future<List<Long>> pace(List<Ready> group) {
    Pacing pacing = Pacing.of(group.get(0).channel());
    List<String> recipients = new ArrayList<>(group.size());
    for (Ready r : group) {
      recipients.add(recipientHash(r.m()));
    }
    return outbox.paceReserving(
        group.get(0).channel().id(), pacing.rates(), recipients, PACE_HORIZON_MS);
  }

  /**
   * How long pulled messages stay leased: past the provider call's deadline, and past an SMPP
   * send's (throttle wait and response timeout) while this instance has SMPP binds.
   */
  private long leaseMs() {
    long smppDeadline = smpp == null ? 0 : smpp.sendDeadlineMs();
    return smppDeadline == 0
        ? leaseMs
        : Math.max(leaseMs, WorkScheduler.leaseOutliving(smppDeadline));
  }

  /**
   * Sends one message now, at its booked turn, or not yet (pacing without a turn, open breaker).
   *
   * @param pace what pacing said (see {@link #pace})
   */
  private Future<Outcome> attempt(Connector connector, Ready ready, long pace) {
    if (pace < 0) {
      metrics.paced(ready.m().provider());
      return Future.succeededFuture(Outcome.waiting(ready.p(), Action.WAIT, clock.millis() - pace));
    }
    if (pace > 0) {
      metrics.paced(ready.m().provider());
      return after(pace)
          .compose(
              v -> {
                // A hold that came up while it waited for its turn (a campaign paused) still holds.
                Outcome held = held(ready.p(), ready.m());
                return held != null ? Future.succeededFuture(held) : attemptNow(connector, ready);
              });
    }
    return attemptNow(connector, ready);
  }

  /** Completes after {@code ms} on this dispatcher's event loop. */
  private Future<Void> after(long ms) {
    Promise<Void> due = Promise.promise();
    vertx.setTimer(ms, id -> due.complete());
    return due.future();
  }

  /**
   * {@link #hold} for a message of a campaign or with a send window; {@code null} (two null checks)
   * for any other.
   */
  private Outcome held(Pulled p, QueuedMessage m) {
    return m.campaignId() != null || m.window() != null ? hold(p, m) : null;
  }

  /** Sends one message unless its breaker is open. */
  private Future<Outcome> attemptNow(Connector connector, Ready ready) {
    Pulled p = ready.p();
    QueuedMessage m = ready.m();
    long now = clock.millis();
    CircuitBreaker breaker = breakers.forChannel(ready.channel().id());
    if (!breaker.tryAcquirePermission()) {
      metrics.heldByBreaker(m.provider());
      return Future.succeededFuture(
          Outcome.waiting(p, Action.WAIT, now + breakers.openFor().toMillis()));
    }
    long start = System.nanoTime();
    return connector
        .send(ready.channel(), m.toOutbound())
        .map(
            result -> {
              record(breaker, start, result);
              return outcome(p, m, start, result);
            });
  }

  /**
   * Sends the messages of one channel that may go now in as few provider calls as the connector
   * allows, under one breaker permission per call; the others wait (pacing, open breaker).
   */
  private Future<List<Outcome>> attemptMany(
      Connector connector, List<Ready> group, List<Long> waits) {
    long now = clock.millis();
    List<Outcome> done = new ArrayList<>(group.size());
    List<Ready> go = new ArrayList<>(group.size());
    List<Ready> booked = new ArrayList<>();
    long lastTurn = 0;
    for (int i = 0; i < group.size(); i++) {
      Ready ready = group.get(i);
      long pace = waits.get(i);
      if (pace < 0) {
        metrics.paced(ready.m().provider());
        done.add(Outcome.waiting(ready.p(), Action.WAIT, now - pace));
      } else if (pace > 0) {
        metrics.paced(ready.m().provider());
        booked.add(ready);
        lastTurn = Math.max(lastTurn, pace);
      } else {
        go.add(ready);
      }
    }
    List<Future<List<Outcome>>> calls = new ArrayList<>();
    batches(connector, go, calls);
    if (!booked.isEmpty()) {
      // Together at the last of their turns: none goes before its own.
      calls.add(after(lastTurn).compose(v -> sendBooked(connector, booked)));
    }
    return joined(done, calls);
  }

  /** The outcomes already known, then every call's, once all calls are over. */
  private static Future<List<Outcome>> joined(
      List<Outcome> known, List<Future<List<Outcome>>> calls) {
    return Future.all(calls)
        .map(
            all -> {
              for (Future<List<Outcome>> call : calls) {
                known.addAll(call.result());
              }
              return known;
            });
  }

  private void batches(Connector connector, List<Ready> go, List<Future<List<Outcome>>> calls) {
    for (int from = 0; from < go.size(); from += connector.maxBatch()) {
      calls.add(
          sendMany(connector, go.subList(from, Math.min(go.size(), from + connector.maxBatch()))));
    }
  }

  /** Messages whose turns have come: those a hold came up for meanwhile stay. */
  private Future<List<Outcome>> sendBooked(Connector connector, List<Ready> booked) {
    List<Outcome> held = new ArrayList<>();
    List<Ready> go = new ArrayList<>(booked.size());
    for (Ready ready : booked) {
      Outcome h = held(ready.p(), ready.m());
      if (h != null) {
        held.add(h);
      } else {
        go.add(ready);
      }
    }
    List<Future<List<Outcome>>> calls = new ArrayList<>();
    batches(connector, go, calls);
    return joined(held, calls);
  }

  private Future<List<Outcome>> sendMany(Connector connector, List<Ready> batch) {
    Channel channel = batch.get(0).channel();
    CircuitBreaker breaker = breakers.forChannel(channel.id());
    if (!breaker.tryAcquirePermission()) {
      long until = clock.millis() + breakers.openFor().toMillis();
      List<Outcome> held = new ArrayList<>(batch.size());
      for (Ready r : batch) {
        metrics.heldByBreaker(r.m().provider());
        held.add(Outcome.waiting(r.p(), Action.WAIT, until));
      }
      return Future.succeededFuture(held);
    }
    List<OutboundMessage> messages = new ArrayList<>(batch.size());
    batch.forEach(r -> messages.add(r.m().toOutbound()));
    long start = System.nanoTime();
    return connector
        .sendMany(channel, messages)
        .map(
            results -> {
              // One call, one record for the breaker: an outage fails every message of it alike.
              SendResult call = results.get(0);
              for (SendResult r : results) {
                if (isOutage(r)) {
                  call = r;
                  break;
                }
              }
              record(breaker, start, call);
              List<Outcome> out = new ArrayList<>(batch.size());
              for (int i = 0; i < batch.size(); i++) {
                out.add(outcome(batch.get(i).p(), batch.get(i).m(), start, results.get(i)));
              }
              return out;
            });
  }

  /** Tells the channel's breaker how a provider call went. */
  private static void record(CircuitBreaker breaker, long start, SendResult result) {
    long elapsed = System.nanoTime() - start;
    if (isOutage(result)) {
      breaker.onError(elapsed, TimeUnit.NANOSECONDS, new ProviderOutage(result.errorCode()));
    } else {
      breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
    }
  }

  private Outcome outcome(Pulled p, QueuedMessage m, long start, SendResult result) {
    metrics.sent(m.provider(), result.outcome(), start);
    if (m.provider() == Provider.WHATSAPP && MARKETING_CAP.equals(result.errorCode())) {
      return marketingCap(p, m, result);
    }
    return switch (result.outcome()) {
      case SENT -> finished(p, m, MessageStatus.SENT, result, false);
      case PERMANENT -> finished(p, m, MessageStatus.FAILED, result, false);
      case OPT_OUT -> finished(p, m, MessageStatus.FAILED, result, true);
      case RETRYABLE -> retry(p, m, result);
    };
  }

  /** Outages open the breaker; a provider that answers, even "no", is up. */
  static boolean isOutage(SendResult r) {
    return r.outcome() == SendResult.Outcome.RETRYABLE
        && (r.httpStatus() == 0 || r.httpStatus() >= 500)
        && r.retryAfter() == null;
  }

  /**
   * WhatsApp's per-user marketing cap (131049): Meta delivers no more marketing messages to this
   * user for now and advises against trying again soon. Not a failure and not an attempt: the
   * message waits {@link #MARKETING_CAP_WAIT_MS} (holding back only later messages to the same
   * recipient), and its history says so, {@code queued} with the code and when it is tried again.
   * It is still in the queue, so its campaign's in-queue count stays as it is.
   */
  private Outcome marketingCap(Pulled p, QueuedMessage m, SendResult r) {
    metrics.heldByMarketingCap();
    long now = clock.millis();
    long due = now + MARKETING_CAP_WAIT_MS;
    String why =
        "WhatsApp's marketing message limit for this user was reached; tried again at "
            + Instant.ofEpochMilli(due)
            + (r.errorMessage() == null ? "" : " (" + r.errorMessage() + ")");
    return new Outcome(
        p,
        Action.WAIT,
        due,
        m,
        m.ledgerEvent(MessageStatus.QUEUED, now, null, r.errorCode(), why, "dispatcher"),
        null,
        "",
        "");
  }

  private Outcome retry(Pulled p, QueuedMessage m, SendResult r) {
    int attempt = p.attempts() + 1;
    if (attempt >= config.maxAttempts()) {
      metrics.deadLetter(m.provider());
      SendResult spent =
          SendResult.permanent(
              r.errorCode(),
              "retry budget spent after " + attempt + " attempts: " + r.errorMessage(),
              r.httpStatus());
      return new Outcome(
          p,
          Action.DEAD,
          0,
          m,
          history(m, MessageStatus.FAILED, spent).withAttempts(attempt, 0),
          statusEvent(m, MessageStatus.FAILED, spent),
          "",
          MessageCodec.encode(m));
    }
    metrics.retry(m.provider());
    long now = clock.millis();
    long due = now + retries.delayMs(attempt, r);
    // The history says the message waits for a retry, why, and until when: GET /v1/messages/{id}
    // shows the attempts, the next one's time and the last error while it retries.
    LedgerEvent waiting =
        m.ledgerEvent(
                MessageStatus.QUEUED, now, null, r.errorCode(), r.errorMessage(), "dispatcher")
            .withAttempts(attempt, due);
    return new Outcome(p, Action.RETRY, due, m, waiting, null, "", "");
  }

  /** A final outcome: sent, or failed for good. */
  private Outcome finished(
      Pulled p, QueuedMessage m, MessageStatus status, SendResult r, boolean optOut) {
    return new Outcome(
        p,
        Action.FINISH,
        0,
        m,
        history(m, status, r),
        statusEvent(m, status, r),
        optOut ? conversation(m) : "",
        "");
  }

  private LedgerEvent history(QueuedMessage m, MessageStatus status, SendResult r) {
    return m.ledgerEvent(
        status,
        clock.millis(),
        r.providerMessageId(),
        r.errorCode(),
        r.errorMessage(),
        "dispatcher");
  }

  /**
   * Records the partition's outcomes: the ledger first (so history cannot miss them), then the
   * queue, in one call.
   *
   * @return when each message is due again (0 when finished; every pulled message without a
   *     recorded outcome stays leased until its lease ends), and the messages left in the partition
   */
  private Future<Settled> settle(TenantQueueKeys keys, List<Outcome> outcomes, long leaseEnd) {
    List<Long> dues = new ArrayList<>(outcomes.size());
    List<LedgerEvent> events = new ArrayList<>(outcomes.size());
    boolean statusEvents = false;
    for (Outcome o : outcomes) {
      if (o.history() != null) {
        events.add(o.history());
      }
      statusEvents |= o.statusEvent() != null;
    }
    boolean push = statusEvents && directory.endpoint(keys.tenantId()).isPresent();
    // The messages were sent (or failed for good): never send them again for want of a history
    // line; the ledger keeps an append Redis refused and tries it again.
    return ledger
        .appendEventually(events)
        .compose(v -> outbox.record(keys, eventBacklogBound, settlements(outcomes)))
        .compose(
            recorded -> {
              countDownCampaigns(outcomes);
              metrics.droppedEvents(recorded.droppedEvents());
              return (push
                      ? DeliveryWork.touch(redis, keys.tenantId(), keys.partition())
                          .otherwiseEmpty() // the delivery sweep makes it due later
                      : Future.<Void>succeededFuture())
                  .map(recorded.left());
            })
        .transform(
            ar -> {
              for (Outcome o : outcomes) {
                dues.add(ar.succeeded() ? o.due() : leaseEnd);
              }
              if (ar.failed()) {
                warnings.warn(
                    "cannot record dispatch outcomes [{}]: {}", keys.tag(), ar.cause().toString());
              }
              return Future.succeededFuture(
                  new Settled(dues, ar.succeeded() ? ar.result() : Settled.UNKNOWN));
            });
  }

  /**
   * Lowers the in-queue count of each campaign whose messages the record call just finished (sent,
   * failed, dead-lettered or cancelled): one {@code DECRBY} per campaign, not waited for. A lost
   * decrement leaves the count high, which only slows the campaign's expansion, so a failure is a
   * throttled warning. A message waiting (paused campaign, window, WhatsApp's marketing cap) is
   * still queued and not counted down; an entry too damaged to decode names no campaign. Recording
   * a message twice (a lease that lapsed mid-send) counts it down twice: the count is a bound on
   * Redis memory, not an exact figure.
   */
  private void countDownCampaigns(List<Outcome> outcomes) {
    Map<String, Long> finished = null;
    for (Outcome o : outcomes) {
      if ((o.action() == Action.FINISH || o.action() == Action.DEAD)
          && o.m() != null
          && o.m().campaignId() != null) {
        if (finished == null) {
          finished = new HashMap<>();
        }
        finished.merge(o.m().campaignId(), 1L, Long::sum);
      }
    }
    if (finished == null) {
      return;
    }
    finished.forEach(
        (campaign, n) ->
            redis
                .send(CampaignHolds.countDownRequest(redis.keyPrefix(), campaign, n))
                .onFailure(
                    e ->
                        warnings.warn(
                            "cannot count down the queued messages of campaign {}: {}",
                            campaign,
                            e.toString())));
  }

  /**
   * @param dues when each pulled message is due again (0 when finished)
   * @param left the messages left in the partition after the settle call, or {@link #UNKNOWN}
   */
  private record Settled(List<Long> dues, long left) {
    static final long UNKNOWN = -1;
  }

  /**
   * Records the outcomes of one claimed partition as they come in: those known in the same moment
   * go in one ledger append and one {@code sluice_out_record} call, at the latest {@link
   * #RECORD_WAIT_MS} after the first of them, so a fast answer is not held in memory (where a crash
   * would lose it and the message would be sent again) while a slow provider call of the same claim
   * is still open. Touched only on the dispatcher's event loop.
   */
  private final class Recorder {
    private final TenantQueueKeys keys;
    private final int expected;
    private final long leaseEnd = clock.millis() + leaseMs();
    private final List<Long> dues;
    private final Promise<Settled> done = Promise.promise();
    private List<Outcome> pending = new ArrayList<>();
    private int received;
    private int recording;
    private long left = Settled.UNKNOWN;
    private long timer = -1;

    /** Messages of the claim its channel's pace made wait without a booked turn. */
    int paced;

    Recorder(TenantQueueKeys keys, int expected) {
      this.keys = keys;
      this.expected = expected;
      this.dues = new ArrayList<>(expected);
    }

    /** Counts the messages of one pacing answer that must wait without a booked turn. */
    void paced(List<Long> waits) {
      for (long w : waits) {
        if (w < 0) {
          paced++;
        }
      }
    }

    /** The outcomes of {@code covered} messages; a failed future leaves them leased. */
    void offer(Future<List<Outcome>> outcomes, int covered) {
      outcomes.onComplete(
          ar -> {
            if (ar.failed()) {
              warnings.warn("dispatch of a message failed: {}", ar.cause().toString());
            }
            offer(ar.succeeded() ? ar.result() : List.of(), covered);
          });
    }

    void offer(List<Outcome> outcomes, int covered) {
      received += covered;
      for (int i = outcomes.size(); i < covered; i++) {
        dues.add(leaseEnd); // no outcome: it comes back when its lease ends
      }
      pending.addAll(outcomes);
      if (received >= expected) {
        if (timer >= 0) {
          vertx.cancelTimer(timer);
          timer = -1;
        }
        flush();
      } else if (!pending.isEmpty() && timer < 0) {
        timer =
            vertx.setTimer(
                RECORD_WAIT_MS,
                id -> {
                  timer = -1;
                  flush();
                });
      }
    }

    private void flush() {
      List<Outcome> batch = pending;
      pending = new ArrayList<>();
      if (!batch.isEmpty()) {
        recording++;
        // Calls on one connection complete in order: the last one's count of what is left in
        // the partition is the newest.
        settle(keys, batch, leaseEnd)
            .onSuccess(
                settled -> {
                  recording--;
                  dues.addAll(settled.dues());
                  left = settled.left();
                  complete();
                });
      }
      complete();
    }

    private void complete() {
      if (received >= expected && pending.isEmpty() && recording == 0) {
        done.tryComplete(new Settled(dues, left));
      }
    }

    Future<Settled> settled() {
      return done.future();
    }
  }

  private List<Settlement> settlements(List<Outcome> outcomes) {
    List<Settlement> out = new ArrayList<>(outcomes.size());
    for (Outcome o : outcomes) {
      byte[][] event = o.statusEvent();
      out.add(
          new Settlement(
              o.action(),
              o.p().lane(),
              o.p().entryId(),
              o.due(),
              event == null ? null : event[0],
              event == null ? null : event[1],
              o.m() == null ? "" : conversation(o.m()),
              o.deadLetter(),
              o.optOut()));
    }
    return out;
  }

  private String conversation(QueuedMessage m) {
    return m.channelId() + ":" + recipientHash(m);
  }

  /** The API computed it once; a message queued by an older gateway comes without it. */
  private String recipientHash(QueuedMessage m) {
    return m.recipientHash() != null ? m.recipientHash() : hasher.hash(m.recipient());
  }

  /**
   * The status event put on the tenant's queue: {payload, raw}; {@code null} when the tenant does
   * not take events of this status.
   */
  private byte[][] statusEvent(QueuedMessage m, MessageStatus status, SendResult r) {
    OutboundEvents wanted =
        directory.tenant(m.tenantId()).map(Tenant::outboundEvents).orElse(OutboundEvents.ALL);
    if (!wanted.includes(status)) {
      return null;
    }
    long now = clock.millis();
    ByteArrayBuilder payload = new ByteArrayBuilder(384);
    ByteArrayBuilder raw = new ByteArrayBuilder(160);
    try (JsonGenerator g = JSON.createGenerator(payload, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("channel", m.channelId());
      g.writeStringField("provider", m.provider().wireName());
      g.writeStringField("kind", "status");
      g.writeNullField("from");
      g.writeStringField("to", m.to());
      g.writeStringField("providerMessageId", r.providerMessageId());
      g.writeNumberField("timestamp", now / 1000);
      g.writeNullField("type");
      g.writeNullField("text");
      g.writeStringField("status", status.wireName());
      g.writeStringField("errorCode", r.errorCode());
      g.writeStringField("messageId", m.id());
      g.writeStringField("clientRef", m.clientRef());
      if (m.campaignId() != null) {
        g.writeStringField("campaignId", m.campaignId());
      }
      g.writeNumberField("receivedAt", now);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an in-memory buffer does not fail
    }
    try (JsonGenerator g = JSON.createGenerator(raw, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("messageId", m.id());
      g.writeStringField("status", status.wireName());
      g.writeStringField("errorCode", r.errorCode());
      g.writeStringField("errorMessage", r.errorMessage());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new byte[][] {payload.toByteArray(), raw.toByteArray()};
  }

  /**
   * Puts the partition back in the work set: due now when it may have more ready, at its next
   * waiting message's time otherwise; removed when empty. A message the API adds meanwhile is not
   * stranded: the API marks the partition due after adding, and the removal spares a partition
   * marked due since its claim ({@code sluice_unclaim}); when the settle call did not say what is
   * left, the partition is removed first and its length checked after.
   */
  private Future<Void> reschedule(
      String unit, TenantQueueKeys keys, long next, Settled settled, boolean more) {
    long now = clock.millis();
    long due = more ? now : Long.MAX_VALUE;
    if (next > 0) {
      due = Math.min(due, next);
    }
    for (long d : settled.dues()) {
      if (d > 0) {
        due = Math.min(due, d);
      }
    }
    if (due != Long.MAX_VALUE) {
      return scheduler.markDue(unit, due);
    }
    if (settled.left() > 0) {
      return scheduler.markDue(unit, now); // arrived while the partition was worked
    }
    if (settled.left() == 0) {
      return scheduler.unclaim(unit);
    }
    return scheduler.park(unit, () -> outbox.length(keys));
  }

  /** What a breaker records for an outage (no stack: it is counted, not thrown). */
  static final class ProviderOutage extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ProviderOutage(String code) {
      super(code, null, false, false);
    }
  }
}
