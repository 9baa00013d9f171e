package dev.sluice.gateway.ingress;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.tenant.Channel;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The admission of SMPP binds' receipts and mobile-originated messages: a {@link WebhookIngest} of
 * its own, on its own event loop and Redis connection, deployed once per instance. {@link #admit}
 * may be called from any thread; it hops onto this verticle's event loop.
 */
public final class SmppIngestVerticle extends VerticleBase {
  static final long ADMIT_DEADLINE_MS = 30_000;

  private final RedisBackend redis;
  private final BiFunction<Context, PipelinedRedis, WebhookIngest> ingests;
  private PipelinedRedis connection;
  private volatile Context loop;
  private volatile WebhookIngest ingest;

  /**
   * @param ingests builds the verticle's ingest on its context and connection
   */
  public SmppIngestVerticle(
      RedisBackend redis, BiFunction<Context, PipelinedRedis, WebhookIngest> ingests) {
    this.redis = redis;
    this.ingests = ingests;
  }

  @Override
  public Future<?> start() {
    connection = redis.pipelined();
    ingest = ingests.apply(context, connection);
    loop = context;
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    ingest = null;
    return connection.close();
  }

  /**
   * Admits one event of an SMPP channel, as {@link WebhookIngest#admitOne}.
   *
   * @return completes when the event is durable; fails with a 503 {@link GatewayException} when it
   *     is not (then the SMSC is asked to deliver it again)
   */
  public Future<Void> admit(Channel channel, InboundEvent event, List<String> alsoKnownAs) {
    WebhookIngest now = ingest;
    Context on = loop;
    if (now == null || on == null) {
      return Future.failedFuture(
          GatewayException.unavailable(
              "unavailable",
              "the gateway is not taking events",
              WebhookIngest.RETRY_AFTER_UNAVAILABLE));
    }
    Promise<Void> done = Promise.promise();
    on.runOnContext(v -> now.admitOne(channel, event, alsoKnownAs).onComplete(done));
    // Admission has its own Redis deadlines; this one only keeps an SMSC from waiting forever for
    // its answer should the loop stop taking tasks (a failure is answered 0x64: redelivered).
    return done.future().timeout(ADMIT_DEADLINE_MS, TimeUnit.MILLISECONDS);
  }
}
