package dev.sluice.gateway.outbound;

import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The campaigns whose queued messages must not be sent now: paused ones (their messages wait) and
 * cancelled ones (their messages are cancelled when they come up). The campaign API keeps them in
 * one Redis hash ({@link #key}, campaign id → {@code paused} | {@code cancelled}); every gateway
 * reads it on a short timer, so a pause reaches every dispatcher within {@link #POLL_MS} and a
 * message already in the queue is held, not sent. Thread-safe: the snapshot is replaced whole.
 */
public final class CampaignHolds {
  /** How often the hash is read: well inside the one second a pause must take. */
  public static final long POLL_MS = 250;

  /** What a dispatcher does with a queued message of a held campaign. */
  public enum Hold {
    /** Keep it queued; it goes once the campaign resumes. */
    PAUSED,
    /** Finish it as cancelled. */
    CANCELLED
  }

  private final RedisCommands redis;
  private volatile Map<String, Hold> held = Map.of();
  private long timer = -1;

  public CampaignHolds(RedisCommands redis) {
    this.redis = redis;
  }

  /** The hash of held campaigns in a key namespace. */
  public static String key(String keyPrefix) {
    return keyPrefix + "{campaigns}:held";
  }

  /**
   * The counter of a campaign's messages in the outbound queue (raised by its expansion, lowered as
   * dispatchers finish them): what keeps a campaign from filling Redis.
   */
  public static String inQueueKey(String keyPrefix, String campaignId) {
    return keyPrefix + "{cmp:" + campaignId + "}:inq";
  }

  /** Whether a campaign's messages are held now, as of the last read. */
  public Hold hold(String campaignId) {
    return campaignId == null ? null : held.get(campaignId);
  }

  /** Reads the hash now and then every {@link #POLL_MS}. */
  public Future<Void> start(Vertx vertx) {
    return refresh()
        .onComplete(ar -> timer = vertx.setPeriodic(POLL_MS, id -> refresh()))
        .otherwiseEmpty();
  }

  public void stop(Vertx vertx) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * A verticle that reads the hash from its start (which completes after the first read) until it
   * is undeployed: deployed before the dispatchers, it is undeployed after them.
   */
  public VerticleBase poller() {
    return new VerticleBase() {
      @Override
      public Future<?> start() {
        return CampaignHolds.this.start(vertx);
      }

      @Override
      public Future<?> stop() {
        CampaignHolds.this.stop(vertx);
        return Future.succeededFuture();
      }
    };
  }

  /** Reads the hash once; a failed read keeps the last snapshot. */
  public Future<Void> refresh() {
    return redis
        .send(Request.cmd(Command.HGETALL).arg(key(redis.keyPrefix())))
        .map(
            reply -> {
              Map<String, Hold> next = new HashMap<>();
              if (reply != null) {
                for (String id : reply.getKeys()) {
                  Response v = reply.get(id);
                  next.put(id, "cancelled".equals(v.toString()) ? Hold.CANCELLED : Hold.PAUSED);
                }
              }
              held = Map.copyOf(next);
              return (Void) null;
            });
  }

  /** Marks a campaign held (the API's pause and cancel). */
  public static Request holdRequest(String keyPrefix, String campaignId, Hold hold) {
    return Request.cmd(Command.HSET)
        .arg(key(keyPrefix))
        .arg(campaignId)
        .arg(hold == Hold.CANCELLED ? "cancelled" : "paused");
  }

  /**
   * Counts {@code finished} of a campaign's messages out of its {@link #inQueueKey} counter (the
   * dispatcher, once it has recorded them finished).
   */
  public static Request countDownRequest(String keyPrefix, String campaignId, long finished) {
    return Request.cmd(Command.DECRBY).arg(inQueueKey(keyPrefix, campaignId)).arg(finished);
  }

  /** Lets a campaign's messages go again (resume, or a cancelled campaign with none left). */
  public static Request releaseRequest(String keyPrefix, List<String> campaignIds) {
    Request r = Request.cmd(Command.HDEL).arg(key(keyPrefix));
    campaignIds.forEach(r::arg);
    return r;
  }
}
