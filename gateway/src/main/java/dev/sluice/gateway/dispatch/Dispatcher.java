package dev.sluice.gateway.dispatch;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.connector.Connectors;
import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.delivery.DeliveryWork;
import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.ledger.LedgerEvent;
import dev.sluice.gateway.ledger.MessageStatus;
import dev.sluice.gateway.outbound.MessageCodec;
import dev.sluice.gateway.outbound.OutboundQueue;
import dev.sluice.gateway.outbound.QueuedMessage;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued messages. Each dispatcher claims due tenant partitions from the shared work set
 * ({@code sluice_claim}), takes a few messages from each (high lane first, one per conversation:
 * {@code sluice_out_pull}), paces them in Redis per sender and recipient ({@code sluice_pace}),
 * asks the channel's breaker, calls the provider and records the outcome ({@code sluice_out_done}
 * and the ledger). Every instance runs dispatchers; a partition is worked by one at a time, and a
 * dead instance's partitions and in-flight messages come back after their claim and lease expire.
 *
 * <p>Fairness: a partition gives at most {@code messagesPerUnit} messages per claim and goes back
 * to the end of the line, so one tenant's backlog cannot hold another tenant's replies; a message
 * that must wait (pacing, retry, open breaker) is leased until its time and holds back only later
 * messages to the same recipient.
 */
public final class Dispatcher extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  /** Entries scanned per lane per pull at most. */
  static final int SCAN_LIMIT = 2_000;

  private final RedisBackend backend;
  private final TenantDirectory directory;
  private final Connectors connectors;
  private final Breakers breakers;
  private final DispatchMetrics metrics;
  private final PhoneHasher hasher;
  private final GatewayConfig.Dispatch config;
  private final long leaseMs;
  private final long dedupTtlSeconds;
  private final RetryPolicy retries;

  private PipelinedRedis redis;
  private Ledger ledger;
  private boolean stopped;
  private long lastWarnMs;

  public Dispatcher(
      RedisBackend backend,
      TenantDirectory directory,
      Connectors connectors,
      Breakers breakers,
      DispatchMetrics metrics,
      PhoneHasher hasher,
      GatewayConfig config) {
    this.backend = backend;
    this.directory = directory;
    this.connectors = connectors;
    this.breakers = breakers;
    this.metrics = metrics;
    this.hasher = hasher;
    this.config = config.dispatch();
    // A message in flight stays leased past the provider's deadline, so a dead dispatcher's
    // messages come back soon after, and a live one's never twice.
    this.leaseMs = config.providers().requestTimeoutMs() + 5_000;
    this.dedupTtlSeconds = config.ingress().dedupTtlSeconds();
    this.retries = new RetryPolicy(config.dispatch().retryBaseMs(), config.dispatch().retryMaxMs());
  }

  @Override
  public Future<?> start() {
    redis = backend.pipelined();
    ledger = new Ledger(redis);
    vertx.runOnContext(v -> loop());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return redis.close();
  }

  private void loop() {
    if (stopped) {
      return;
    }
    claim()
        .compose(this::work)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                warn("dispatch round failed: " + ar.cause());
                vertx.setTimer(Math.max(config.idlePollMs(), 500), id -> loop());
              } else if (ar.result()) {
                vertx.runOnContext(v -> loop());
              } else {
                vertx.setTimer(config.idlePollMs(), id -> loop());
              }
            });
  }

  private Future<List<String>> claim() {
    return redis
        .send(
            Request.cmd(Command.FCALL)
                .arg("sluice_claim")
                .arg(1)
                .arg(OutboundQueue.WORK)
                .arg(config.unitsPerClaim())
                .arg(config.claimMs()))
        .map(
            r -> {
              List<String> units = new ArrayList<>(r.size());
              r.forEach(u -> units.add(u.toString()));
              return units;
            });
  }

  /** Works the claimed units in parallel; true when any had messages (look again at once). */
  private Future<Boolean> work(List<String> units) {
    if (units.isEmpty()) {
      return Future.succeededFuture(false);
    }
    List<Future<Boolean>> done = new ArrayList<>(units.size());
    for (String unit : units) {
      done.add(unit(unit).otherwise(false));
    }
    return Future.join(done)
        .map(
            all -> {
              for (Future<Boolean> f : done) {
                if (Boolean.TRUE.equals(f.result())) {
                  return true;
                }
              }
              return false;
            });
  }

  private record Pulled(String lane, String entryId, String payload, int attempts) {}

  /** One tenant partition: pull, send, reschedule. True when it handed out messages. */
  private Future<Boolean> unit(String unit) {
    int colon = unit.lastIndexOf(':');
    String tenant = unit.substring(0, colon);
    int partition = Integer.parseInt(unit.substring(colon + 1));
    TenantQueueKeys keys = new TenantQueueKeys(tenant, partition);
    Request pull =
        Request.cmd(Command.FCALL)
            .arg("sluice_out_pull")
            .arg(5)
            .arg(keys.outbound("hi"))
            .arg(keys.outboundLeases("hi"))
            .arg(keys.outbound("lo"))
            .arg(keys.outboundLeases("lo"))
            .arg(keys.attempts())
            .arg(config.messagesPerUnit())
            .arg(leaseMs)
            .arg(SCAN_LIMIT);
    return redis
        .send(pull)
        .compose(
            r -> {
              long next = r.get(0).toLong();
              List<Pulled> pulled = new ArrayList<>();
              for (int i = 1; i + 3 < r.size(); i += 4) {
                pulled.add(
                    new Pulled(
                        r.get(i).toString(),
                        r.get(i + 1).toString(),
                        r.get(i + 2).toString(),
                        r.get(i + 3).toInteger()));
              }
              List<Future<Long>> dues = new ArrayList<>(pulled.size());
              for (Pulled p : pulled) {
                dues.add(handle(keys, p).otherwise(System.currentTimeMillis() + leaseMs));
              }
              return Future.join(dues)
                  .compose(v -> reschedule(unit, keys, next, dues, pulled.size()))
                  .map(v -> !pulled.isEmpty());
            });
  }

  /**
   * Sends one message and records the outcome.
   *
   * @return when the message is due again (ms), or 0 when it is finished
   */
  private Future<Long> handle(TenantQueueKeys keys, Pulled p) {
    QueuedMessage m;
    try {
      m = MessageCodec.decode(p.payload());
    } catch (IllegalArgumentException e) {
      LOG.error("unreadable outbound entry {} dead-lettered [tenant={}]", p.entryId(), keys.tag());
      return done(keys, p, "dead", 0, null, null, "", p.payload()).map(0L);
    }
    Optional<Channel> found = directory.channel(m.channelId());
    if (found.isEmpty()) {
      SendResult gone = SendResult.permanent("channel_deleted", "the channel no longer exists", 0);
      return finish(keys, p, m, MessageStatus.FAILED, gone, false).map(0L);
    }
    Channel channel = found.get();
    Pacing pacing = Pacing.of(channel);
    return pace(channel, m, pacing)
        .compose(
            waitMs -> {
              long now = System.currentTimeMillis();
              if (waitMs > 0) {
                metrics.paced(m.provider());
                return wait(keys, p, now + waitMs);
              }
              CircuitBreaker breaker = breakers.forChannel(channel.id());
              if (!breaker.tryAcquirePermission()) {
                metrics.heldByBreaker(m.provider());
                return wait(keys, p, now + breakers.openFor().toMillis());
              }
              long start = System.nanoTime();
              return connectors
                  .forProvider(channel.provider())
                  .send(channel, m.toOutbound())
                  .compose(result -> outcome(keys, p, m, breaker, start, result));
            });
  }

  private Future<Long> pace(Channel channel, QueuedMessage m, Pacing pacing) {
    String tag = "{c:" + channel.id() + "}";
    return redis
        .send(
            Request.cmd(Command.FCALL)
                .arg("sluice_pace")
                .arg(2)
                .arg(tag + ":rate")
                .arg(tag + ":r:" + hasher.hash(m.recipient()))
                .arg(Double.toString(pacing.senderIntervalMs()))
                .arg(Double.toString(pacing.senderToleranceMs()))
                .arg(Double.toString(pacing.recipientIntervalMs()))
                .arg(Double.toString(pacing.recipientToleranceMs())))
        .map(Response::toLong);
  }

  private Future<Long> outcome(
      TenantQueueKeys keys,
      Pulled p,
      QueuedMessage m,
      CircuitBreaker breaker,
      long start,
      SendResult result) {
    long elapsed = System.nanoTime() - start;
    metrics.sent(m.provider(), result.outcome(), start);
    if (isOutage(result)) {
      breaker.onError(elapsed, TimeUnit.NANOSECONDS, new ProviderOutage(result.errorCode()));
    } else {
      breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
    }
    return switch (result.outcome()) {
      case SENT -> finish(keys, p, m, MessageStatus.SENT, result, false).map(0L);
      case PERMANENT -> finish(keys, p, m, MessageStatus.FAILED, result, false).map(0L);
      case OPT_OUT -> finish(keys, p, m, MessageStatus.FAILED, result, true).map(0L);
      case RETRYABLE -> retry(keys, p, m, result);
    };
  }

  /** Outages open the breaker; a provider that answers, even "no", is up. */
  static boolean isOutage(SendResult r) {
    return r.outcome() == SendResult.Outcome.RETRYABLE
        && (r.httpStatus() == 0 || r.httpStatus() >= 500)
        && r.retryAfter() == null;
  }

  private Future<Long> retry(TenantQueueKeys keys, Pulled p, QueuedMessage m, SendResult r) {
    int attempt = p.attempts() + 1;
    if (attempt >= config.maxAttempts()) {
      metrics.deadLetter(m.provider());
      SendResult spent =
          SendResult.permanent(
              r.errorCode(),
              "retry budget spent after " + attempt + " attempts: " + r.errorMessage(),
              r.httpStatus());
      return record(m, MessageStatus.FAILED, spent)
          .compose(
              v ->
                  done(
                      keys,
                      p,
                      "dead",
                      0,
                      m,
                      statusEvent(m, MessageStatus.FAILED, spent),
                      "",
                      MessageCodec.encode(m)))
          .map(0L);
    }
    metrics.retry(m.provider());
    long due = System.currentTimeMillis() + retries.delayMs(attempt, r);
    return done(keys, p, "retry", due, null, null, "", "").map(due);
  }

  private Future<Long> wait(TenantQueueKeys keys, Pulled p, long due) {
    return done(keys, p, "wait", due, null, null, "", "").map(due);
  }

  /** Records a final outcome: the ledger first (so history cannot miss it), then the queue. */
  private Future<Void> finish(
      TenantQueueKeys keys,
      Pulled p,
      QueuedMessage m,
      MessageStatus status,
      SendResult r,
      boolean optOut) {
    return record(m, status, r)
        .compose(
            v ->
                done(
                    keys,
                    p,
                    "finish",
                    0,
                    m,
                    statusEvent(m, status, r),
                    optOut ? conversation(m) : "",
                    ""));
  }

  private Future<Void> record(QueuedMessage m, MessageStatus status, SendResult r) {
    LedgerEvent event =
        m.ledgerEvent(
            status,
            System.currentTimeMillis(),
            r.providerMessageId(),
            r.errorCode(),
            r.errorMessage(),
            "dispatcher");
    return ledger
        .append(List.of(event))
        .recover(
            e -> {
              // The message was sent (or failed for good): do not send it again for want of a
              // history line.
              warn("ledger append failed [msg=" + m.id() + "]: " + e);
              return Future.succeededFuture();
            });
  }

  private Future<Void> done(
      TenantQueueKeys keys,
      Pulled p,
      String action,
      long due,
      QueuedMessage m,
      String[] statusEvent,
      String optOutConversation,
      String deadLetter) {
    String dedup =
        m == null ? keys.dedup("out", p.entryId()) : keys.dedup("out", m.id() + ":" + action);
    return redis
        .send(
            Request.cmd(Command.FCALL)
                .arg("sluice_out_done")
                .arg(7)
                .arg(keys.outbound(p.lane()))
                .arg(keys.outboundLeases(p.lane()))
                .arg(keys.attempts())
                .arg(keys.deadLetters())
                .arg(keys.inbound())
                .arg(dedup)
                .arg(keys.optOuts())
                .arg(action)
                .arg(p.entryId())
                .arg(due)
                .arg(statusEvent == null ? "" : statusEvent[0])
                .arg(statusEvent == null ? "" : statusEvent[1])
                .arg(m == null ? "" : conversation(m))
                .arg(dedupTtlSeconds)
                .arg(deadLetter.getBytes(StandardCharsets.UTF_8))
                .arg(optOutConversation))
        .compose(
            v ->
                statusEvent != null && directory.endpoint(keys.tenantId()).isPresent()
                    ? DeliveryWork.touch(redis, keys.tenantId(), keys.partition())
                        .otherwiseEmpty() // the delivery sweep makes it due later
                    : Future.<Void>succeededFuture());
  }

  private String conversation(QueuedMessage m) {
    return m.channelId() + ":" + hasher.hash(m.recipient());
  }

  /** The status event put on the tenant's queue: {payload, raw}. */
  private static String[] statusEvent(QueuedMessage m, MessageStatus status, SendResult r) {
    long now = System.currentTimeMillis();
    JsonObject payload =
        new JsonObject()
            .put("channel", m.channelId())
            .put("provider", m.provider().wireName())
            .put("kind", "status")
            .put("from", null)
            .put("to", m.to())
            .put("providerMessageId", r.providerMessageId())
            .put("timestamp", now / 1000)
            .put("type", null)
            .put("text", null)
            .put("status", status.wireName())
            .put("errorCode", r.errorCode())
            .put("messageId", m.id())
            .put("clientRef", m.clientRef())
            .put("receivedAt", now);
    JsonObject raw =
        new JsonObject()
            .put("messageId", m.id())
            .put("status", status.wireName())
            .put("errorCode", r.errorCode())
            .put("errorMessage", r.errorMessage());
    return new String[] {payload.encode(), raw.encode()};
  }

  /**
   * Puts the partition back in the work set: due now when it may have more ready, at its next
   * waiting message's time otherwise; removed when empty (re-added if a message arrived meanwhile:
   * the API adds before we check, so nothing is stranded).
   */
  private Future<Void> reschedule(
      String unit, TenantQueueKeys keys, long next, List<Future<Long>> dues, int pulled) {
    long now = System.currentTimeMillis();
    long due = pulled >= config.messagesPerUnit() ? now : Long.MAX_VALUE;
    if (next > 0) {
      due = Math.min(due, next);
    }
    for (Future<Long> f : dues) {
      Long d = f.result();
      if (d != null && d > 0) {
        due = Math.min(due, d);
      }
    }
    if (due != Long.MAX_VALUE) {
      return zadd(unit, due);
    }
    return redis
        .send(Request.cmd(Command.ZREM).arg(OutboundQueue.WORK).arg(unit))
        .compose(
            v ->
                redis.send(
                    Request.cmd(Command.FCALL)
                        .arg("sluice_out_len")
                        .arg(2)
                        .arg(keys.outbound("hi"))
                        .arg(keys.outbound("lo"))))
        .compose(len -> len.toLong() > 0 ? zadd(unit, now) : Future.succeededFuture());
  }

  private Future<Void> zadd(String unit, long due) {
    return redis
        .send(Request.cmd(Command.ZADD).arg(OutboundQueue.WORK).arg("LT").arg(due).arg(unit))
        .mapEmpty();
  }

  private void warn(String message) {
    long now = System.currentTimeMillis();
    if (now - lastWarnMs > 10_000) {
      lastWarnMs = now;
      LOG.warn(message);
    }
  }

  /** What a breaker records for an outage (no stack: it is counted, not thrown). */
  static final class ProviderOutage extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ProviderOutage(String code) {
      super(code, null, false, false);
    }
  }
}
