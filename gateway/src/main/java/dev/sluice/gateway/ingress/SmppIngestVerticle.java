package dev.sluice.gateway.ingress;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.ingress.WebhookIngest.Unhooked;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.tenant.Channel;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The admission of SMPP binds' receipts and mobile-originated messages: a {@link WebhookIngest} of
 * its own, with its own Redis connection, on the binds' own event loop (the instance's SMPP loop),
 * deployed once per instance. A receipt is admitted where it was read, and its answer written there
 * when Redis has it: no hop to another loop and back. {@link #admit} may also be called from any
 * other thread; it then hops onto the SMPP loop.
 *
 * <p>Events are admitted in batches, as a webhook's are: those that reach the loop before it gets
 * to them go in one admission call and one ledger append per tenant (at most {@value #MAX_BATCH}),
 * so a bind's window of receipts costs a few Redis round trips rather than one each. One tenant per
 * batch: a tenant whose queue is full fails only its own events (their SMSC delivers them again),
 * never another tenant's.
 */
public final class SmppIngestVerticle extends VerticleBase {
  static final long ADMIT_DEADLINE_MS = 30_000;
  static final int MAX_BATCH = 500;

  private final RedisBackend redis;
  private final Context smppLoop;
  private final BiFunction<Context, PipelinedRedis, WebhookIngest> ingests;
  private PipelinedRedis connection;
  private volatile Context loop;
  private volatile WebhookIngest ingest;

  /** Events waiting for the next batch, by tenant; touched on the loop only. */
  private final Map<String, List<Waiting>> waiting = new LinkedHashMap<>();

  private boolean flushScheduled;

  private record Waiting(Unhooked event, Promise<Void> done) {}

  /**
   * @param smppLoop the event-loop context of the SMPP binds, where admission runs
   * @param ingests builds the ingest on that context and the connection
   */
  public SmppIngestVerticle(
      RedisBackend redis,
      Context smppLoop,
      BiFunction<Context, PipelinedRedis, WebhookIngest> ingests) {
    this.redis = redis;
    this.smppLoop = smppLoop;
    this.ingests = ingests;
  }

  @Override
  public Future<?> start() {
    Promise<Void> started = Promise.promise();
    smppLoop.runOnContext(
        v -> {
          connection = redis.pipelined();
          ingest = ingests.apply(smppLoop, connection);
          loop = smppLoop;
          started.complete();
        });
    return started.future();
  }

  @Override
  public Future<?> stop() {
    Promise<Void> stopped = Promise.promise();
    smppLoop.runOnContext(
        v -> {
          ingest = null;
          flush(); // what is still waiting is refused: its SMSC delivers it again
          connection.close().onComplete(stopped);
        });
    return stopped.future();
  }

  /**
   * Admits one event of an SMPP channel, with the others waiting on the loop (see above).
   *
   * @param alsoKnownAs for a status event, other forms of its provider message id
   * @return completes when the event is durable; fails with a 503 {@link GatewayException} when it
   *     is not (then the SMSC is asked to deliver it again)
   */
  public Future<Void> admit(Channel channel, InboundEvent event, List<String> alsoKnownAs) {
    Context on = loop;
    if (ingest == null || on == null) {
      return Future.failedFuture(unavailable());
    }
    Promise<Void> done = Promise.promise();
    Waiting w = new Waiting(new Unhooked(channel, event, alsoKnownAs), done);
    if (Vertx.currentContext() == on) {
      enqueue(w);
    } else {
      on.runOnContext(v -> enqueue(w));
    }
    // Admission has its own Redis deadlines; this one only keeps an SMSC from waiting forever for
    // its answer should the loop stop taking tasks (a failure is answered 0x64: redelivered).
    return done.future().timeout(ADMIT_DEADLINE_MS, TimeUnit.MILLISECONDS);
  }

  private void enqueue(Waiting w) {
    waiting.computeIfAbsent(w.event().channel().tenantId(), t -> new ArrayList<>()).add(w);
    if (!flushScheduled) {
      flushScheduled = true;
      // After the tasks already queued on the loop: every event that arrived meanwhile joins in.
      loop.runOnContext(v -> flush());
    }
  }

  private void flush() {
    flushScheduled = false;
    WebhookIngest now = ingest;
    for (List<Waiting> tenant : waiting.values()) {
      for (int from = 0; from < tenant.size(); from += MAX_BATCH) {
        List<Waiting> batch = tenant.subList(from, Math.min(tenant.size(), from + MAX_BATCH));
        Future<Void> admitted =
            now == null
                ? Future.failedFuture(unavailable())
                : now.admitAll(batch.stream().map(Waiting::event).toList());
        List<Waiting> answered = List.copyOf(batch);
        admitted.onComplete(ar -> answered.forEach(w -> w.done().handle(ar)));
      }
    }
    waiting.clear();
  }

  private static GatewayException unavailable() {
    return GatewayException.unavailable(
        "unavailable", "the gateway is not taking events", WebhookIngest.RETRY_AFTER_UNAVAILABLE);
  }
}
