package dev.sluice.gateway.ledger;

import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgException;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the ledger stream into PostgreSQL in batches. Every instance runs one, in the consumer
 * group {@code ledger}; an entry is acknowledged (and deleted) only after its batch committed, so a
 * writer that dies loses nothing: its pending entries are claimed by another writer once they have
 * been pending for {@code ledger.claimMs} (each writer looks every half of that). Writing an entry
 * twice is harmless (history rows are unique, statuses only move forward), so a slow live writer
 * whose entries are taken over costs a repeated write, not a wrong row. While PostgreSQL is down,
 * entries wait in Redis and history is late; sending goes on.
 */
public final class LedgerWriter extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerWriter.class);
  static final String GROUP = "ledger";

  /** Entries PostgreSQL refused for their data, kept for an operator (in a key namespace). */
  static String dead(String keyPrefix) {
    return keyPrefix + "{ledger}:dead";
  }

  /** Stream entries per PostgreSQL batch (each holds up to 500 events: {@link Ledger}). */
  static final int BATCH = 100;

  static final long BLOCK_MS = 200;
  static final long RETRY_MS = 1_000;

  private final RedisBackend backend;
  private final String stream;
  private final String dead;
  private final LedgerRepository repository;
  private final String consumer;
  private final long claimMs;
  private final DistributionSummary batchSize;
  private final Timer lag;
  private PipelinedRedis redis;
  private boolean stopped;
  private boolean ownPendingFirst = true;
  private long lastClaimMs;
  private long lastWarnMs;

  /**
   * @param claimMs how long entries stay pending with a writer before another takes them over
   */
  public LedgerWriter(
      RedisBackend backend,
      LedgerRepository repository,
      String consumer,
      long claimMs,
      MeterRegistry registry) {
    this.backend = backend;
    this.stream = Ledger.stream(backend.keyPrefix());
    this.dead = dead(backend.keyPrefix());
    this.repository = repository;
    this.consumer = consumer;
    this.claimMs = claimMs;
    this.batchSize =
        DistributionSummary.builder("sluice.ledger.batch.size")
            .description("Status events written to PostgreSQL per batch")
            .baseUnit("events")
            .register(registry);
    this.lag =
        Timer.builder("sluice.ledger.lag")
            .description("Time from a status change to its row in PostgreSQL")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
  }

  @Override
  public Future<?> start() {
    redis = backend.pipelined();
    redis
        .send(
            Request.cmd(Command.XGROUP)
                .arg("CREATE")
                .arg(stream)
                .arg(GROUP)
                .arg("0")
                .arg("MKSTREAM"))
        .onComplete(ar -> next());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return redis.close();
  }

  private void next() {
    if (stopped) {
      return;
    }
    Future<List<Entry>> read;
    long now = System.currentTimeMillis();
    if (now - lastClaimMs > claimMs / 2) {
      lastClaimMs = now;
      read = claimAbandoned();
    } else {
      read = read(ownPendingFirst ? "0" : ">");
    }
    read.compose(this::write)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                warn(ar.cause());
                ownPendingFirst = true;
                vertx.setTimer(RETRY_MS, id -> next());
              } else {
                vertx.runOnContext(v -> next());
              }
            });
  }

  private Future<List<Entry>> read(String from) {
    Request r =
        Request.cmd(Command.XREADGROUP)
            .arg("GROUP")
            .arg(GROUP)
            .arg(consumer)
            .arg("COUNT")
            .arg(BATCH);
    if (from.equals(">")) {
      r.arg("BLOCK").arg(BLOCK_MS);
    }
    r.arg("STREAMS").arg(stream).arg(from);
    return redis
        .send(r)
        .map(
            reply -> {
              List<Entry> entries = entries(streamEntries(reply));
              if (from.equals("0") && entries.isEmpty()) {
                ownPendingFirst = false;
              }
              return entries;
            });
  }

  /** Entries another writer read but never acknowledged (it died): take them over. */
  private Future<List<Entry>> claimAbandoned() {
    return redis
        .send(
            Request.cmd(Command.XAUTOCLAIM)
                .arg(stream)
                .arg(GROUP)
                .arg(consumer)
                .arg(claimMs)
                .arg("0-0")
                .arg("COUNT")
                .arg(BATCH))
        .map(reply -> entries(reply == null ? null : reply.get(1)));
  }

  /** The entries of our one stream in an XREADGROUP reply (map or array, RESP3 or RESP2). */
  private Response streamEntries(Response reply) {
    if (reply == null || reply.size() == 0) {
      return null;
    }
    Response first = reply.containsKey(stream) ? reply.get(stream) : null;
    if (first != null) {
      return first;
    }
    Response pair = reply.get(0);
    return pair == null ? null : pair.get(1);
  }

  private record Entry(String id, List<LedgerEvent> events) {}

  private List<Entry> entries(Response list) {
    List<Entry> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    for (Response entry : list) {
      if (entry == null || entry.size() < 2 || entry.get(1) == null) {
        continue;
      }
      String id = entry.get(0).toString();
      Response fields = entry.get(1);
      List<LedgerEvent> events = new ArrayList<>();
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        if ("e".equals(fields.get(i).toString())) {
          try {
            events.addAll(LedgerCodec.decode(fields.get(i + 1).toBytes()));
          } catch (RuntimeException e) {
            LOG.error("unreadable ledger entry {} skipped", id);
          }
        }
      }
      out.add(new Entry(id, events));
    }
    return out;
  }

  private Future<Void> write(List<Entry> entries) {
    if (entries.isEmpty()) {
      return Future.succeededFuture();
    }
    List<LedgerEvent> events = new ArrayList<>();
    entries.forEach(e -> events.addAll(e.events()));
    return repository
        .write(events)
        .recover(
            e ->
                isDataError(e) && entries.size() > 1
                    ? writeOneByOne(entries)
                    : isDataError(e) ? park(entries.get(0), e) : Future.failedFuture(e))
        .compose(
            v -> {
              long now = System.currentTimeMillis();
              batchSize.record(events.size());
              events.forEach(e -> lag.record(Math.max(0, now - e.at()), TimeUnit.MILLISECONDS));
              Request ack = Request.cmd(Command.XACK).arg(stream).arg(GROUP);
              Request del = Request.cmd(Command.XDEL).arg(stream);
              for (Entry e : entries) {
                ack.arg(e.id());
                del.arg(e.id());
              }
              return redis.send(ack).compose(r -> redis.send(del)).mapEmpty();
            });
  }

  /**
   * A batch PostgreSQL refused for its data (not for being down): write its entries one at a time
   * so one bad entry cannot hold the ledger back; an entry refused on its own is parked.
   */
  private Future<Void> writeOneByOne(List<Entry> entries) {
    Future<Void> chain = Future.succeededFuture();
    for (Entry entry : entries) {
      chain =
          chain.compose(
              v ->
                  repository
                      .write(entry.events())
                      .recover(e -> isDataError(e) ? park(entry, e) : Future.failedFuture(e)));
    }
    return chain;
  }

  /**
   * Moves an entry PostgreSQL will never take to {@code <prefix>{ledger}:dead}, for an operator.
   */
  private Future<Void> park(Entry entry, Throwable cause) {
    LOG.error("ledger entry {} refused by PostgreSQL and parked: {}", entry.id(), cause.toString());
    return redis
        .send(
            Request.cmd(Command.XADD)
                .arg(dead)
                .arg("*")
                .arg("id")
                .arg(entry.id())
                .arg("e")
                .arg(LedgerCodec.encode(entry.events())))
        .mapEmpty();
  }

  /** SQLSTATE classes 22 (data exception) and 23 (integrity): retrying cannot help. */
  static boolean isDataError(Throwable e) {
    return e instanceof PgException pg
        && pg.getSqlState() != null
        && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23"));
  }

  private void warn(Throwable e) {
    long now = System.currentTimeMillis();
    if (now - lastWarnMs > 30_000) {
      lastWarnMs = now;
      LOG.warn("ledger writer cannot write, retrying: {}", e.toString());
    }
  }
}
