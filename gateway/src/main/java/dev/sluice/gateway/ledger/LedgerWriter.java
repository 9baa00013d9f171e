package dev.sluice.gateway.ledger;

import dev.sluice.gateway.ledger.LedgerStream.Entry;
import dev.sluice.gateway.ledger.LedgerStream.Parked;
import dev.sluice.gateway.logging.ThrottledLogger;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
 *
 * <p>An event PostgreSQL refuses for its data is isolated from its batch (the rest is written), its
 * status is written without the refused details, and the event itself is parked in {@code
 * <prefix>{ledger}:dead}, counted in {@code sluice_ledger_parked_events_total}; the lane's length
 * is the gauge {@code sluice_ledger_dead_entries}. An entry that cannot be read at all is parked as
 * it is.
 */
public final class LedgerWriter extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerWriter.class);
  private static final ThrottledLogger WARNINGS = new ThrottledLogger(LOG);

  /**
   * Where events PostgreSQL refused for their data are kept, one per entry, for an operator (see
   * the operations notes in docs/decisions.md: what lands here, how to inspect, replay or discard).
   */
  static String dead(String keyPrefix) {
    return keyPrefix + "{ledger}:dead";
  }

  /** Stream entries per PostgreSQL batch (each holds up to 500 events: {@link Ledger}). */
  static final int BATCH = 100;

  static final long BLOCK_MS = 200;

  /**
   * How long the writer waits before its next read after a batch that was not full: the stream had
   * no backlog, and what arrives meanwhile goes in one transaction instead of a transaction per
   * read (each commit flushes PostgreSQL's WAL). A status shows in the history up to this much
   * later; a backlog is read without waiting.
   */
  static final long LINGER_MS = 50;

  static final long RETRY_MS = 1_000;

  /** How often the dead lane's length is read for {@code sluice_ledger_dead_entries}. */
  static final long DEAD_SAMPLE_MS = 5_000;

  private final RedisBackend backend;
  private final Clock clock;
  private final String dead;
  private final LedgerRepository repository;
  private final String consumer;
  private final long claimMs;
  private final LedgerMetrics metrics;
  private PipelinedRedis redis;
  private LedgerStream stream;
  private long deadSampler = -1;
  private boolean stopped;

  /** The read and write under way; stop waits for it before closing the connection. */
  private Future<?> cycle = Future.succeededFuture();

  private boolean ownPendingFirst = true;
  private long lastClaimMs;

  /**
   * @param claimMs how long entries stay pending with a writer before another takes them over
   * @param metrics created once per process (one instance of this verticle is deployed, but the
   *     gauge must never be registered twice)
   */
  public LedgerWriter(
      RedisBackend backend,
      LedgerRepository repository,
      String consumer,
      long claimMs,
      LedgerMetrics metrics,
      Clock clock) {
    this.clock = clock;
    this.backend = backend;
    this.dead = dead(backend.keyPrefix());
    this.repository = repository;
    this.consumer = consumer;
    this.claimMs = claimMs;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    redis = backend.pipelined();
    stream = new LedgerStream(redis);
    stream.createGroup().onComplete(ar -> next());
    sampleDead();
    deadSampler = vertx.setPeriodic(DEAD_SAMPLE_MS, id -> sampleDead());
    return Future.succeededFuture();
  }

  /**
   * Lets the read and write under way end (a read blocks {@link #BLOCK_MS} at most), so what it
   * read is written and acknowledged, then closes the connection; closing it under a blocked read
   * would fail that read and warn of a failure that is none.
   */
  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(deadSampler);
    return cycle.transform(ar -> redis.close());
  }

  private void next() {
    if (stopped) {
      return;
    }
    Future<List<Entry>> read;
    long now = clock.millis();
    if (now - lastClaimMs > claimMs / 2) {
      lastClaimMs = now;
      read = claimAbandoned();
    } else {
      read = read();
    }
    cycle =
        read.compose(entries -> write(entries).map(entries.size()))
            .onComplete(
                ar -> {
                  if (stopped) {
                    return;
                  }
                  if (ar.failed()) {
                    warn(ar.cause());
                    ownPendingFirst = true;
                    // The stream was deleted (by hand, or a Redis restarted without its data) and
                    // an
                    // append made it again, without our group: make the group, or nothing appended
                    // from now on would ever be read.
                    Future<?> group =
                        String.valueOf(ar.cause().getMessage()).startsWith("NOGROUP")
                            ? stream.createGroup()
                            : Future.succeededFuture();
                    group.onComplete(g -> vertx.setTimer(RETRY_MS, id -> next()));
                  } else if (ar.result() > 0 && ar.result() < BATCH) {
                    vertx.setTimer(LINGER_MS, id -> next());
                  } else {
                    vertx.runOnContext(v -> next());
                  }
                });
  }

  /** Our own pending entries first (after a restart), then new ones. */
  private Future<List<Entry>> read() {
    if (!ownPendingFirst) {
      return stream.readNew(consumer, BATCH, BLOCK_MS);
    }
    return stream
        .readOwnPending(consumer, BATCH)
        .onSuccess(
            entries -> {
              if (entries.isEmpty()) {
                ownPendingFirst = false;
              }
            });
  }

  /** Entries another writer read but never acknowledged (it died): take them over. */
  private Future<List<Entry>> claimAbandoned() {
    return stream.claimAbandoned(consumer, claimMs, BATCH);
  }

  /** An event and the stream entry it came in. */
  private record Sourced(String entryId, LedgerEvent event) {}

  private Future<Void> write(List<Entry> entries) {
    if (entries.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Sourced> events = new ArrayList<>();
    Future<Void> unreadable = Future.succeededFuture();
    for (Entry entry : entries) {
      entry.events().forEach(e -> events.add(new Sourced(entry.id(), e)));
      if (entry.unreadable() != null) {
        unreadable = unreadable.compose(v -> parkUnreadable(entry));
      }
    }
    return unreadable
        .compose(v -> writeIsolating(events))
        .compose(
            v -> {
              long now = clock.millis();
              metrics.written(events.size());
              events.forEach(e -> metrics.lag(now - e.event().at()));
              return stream.acknowledge(entries);
            });
  }

  /**
   * Writes the events in one transaction. When PostgreSQL refuses it for its data (not for being
   * down), the events are written in halves, and the refused half in halves again, until each
   * refused event stands alone: one bad event costs about 2 log2(n) transactions and never holds
   * back or parks its neighbours. Writing an event twice changes nothing (every write is an
   * idempotent upsert), so halves already written before PostgreSQL went down are harmless when the
   * whole batch is retried.
   */
  private Future<Void> writeIsolating(List<Sourced> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    return repository
        .write(events.stream().map(Sourced::event).toList())
        .recover(
            e -> {
              if (!isDataError(e)) {
                return Future.failedFuture(e);
              }
              if (events.size() == 1) {
                return writeRefused(events.get(0), e);
              }
              int half = events.size() / 2;
              return writeIsolating(events.subList(0, half))
                  .compose(v -> writeIsolating(events.subList(half, events.size())));
            });
  }

  /**
   * An event PostgreSQL refused on its own: its status is written without the details (provider id,
   * error, client reference; an unstorable time becomes now), so the message still moves on, and
   * the whole event is parked for an operator.
   */
  private Future<Void> writeRefused(Sourced refused, Throwable cause) {
    LedgerEvent statusOnly = refused.event().statusOnly(clock.millis());
    return repository
        .write(List.of(statusOnly))
        .transform(
            ar -> {
              if (ar.succeeded()) {
                return park(refused, cause, true);
              }
              return isDataError(ar.cause())
                  ? park(refused, cause, false)
                  : Future.failedFuture(ar.cause());
            });
  }

  /** Moves one event PostgreSQL will never take to {@code {ledger}:dead}, for an operator. */
  private Future<Void> park(Sourced refused, Throwable cause, boolean statusRecorded) {
    LedgerEvent e = refused.event();
    LOG.error(
        "ledger event parked in {} [entry={}, msg={}, status={}]: {}; {}",
        dead,
        refused.entryId(),
        e.aboutOurMessage() ? e.messageId() : "-",
        e.status().wireName(),
        reason(cause),
        statusRecorded ? "its status was written without its details" : "nothing was written");
    return park(new Parked(
            refused.entryId(),
            LedgerCodec.encode(List.of(e)),
            reason(cause),
            statusRecorded ? "status" : "none"))
        .onSuccess(v -> metrics.parked(statusRecorded));
  }

  private Future<Void> parkUnreadable(Entry entry) {
    LOG.error("unreadable ledger entry {} parked in {}", entry.id(), dead);
    return park(new Parked(entry.id(), entry.unreadable(), "unreadable", "none"))
        .onSuccess(v -> metrics.parked(false));
  }

  /**
   * Parks one entry in the dead lane (see {@link LedgerStream.Parked}), then samples its length.
   */
  private Future<Void> park(Parked parked) {
    return stream.park(parked).compose(v -> sampleDead());
  }

  /** The dead lane's length into the gauge; also every {@link #DEAD_SAMPLE_MS}. */
  private Future<Void> sampleDead() {
    return stream
        .deadLength()
        .map(
            n -> {
              metrics.deadEntries(n);
              return (Void) null;
            })
        .otherwiseEmpty();
  }

  /** The SQLSTATE and PostgreSQL's message (which names no data), or our own refusal's reason. */
  private static String reason(Throwable e) {
    if (e instanceof PgException pg) {
      return pg.getSqlState() + " " + pg.getErrorMessage();
    }
    return e.getMessage();
  }

  /**
   * SQLSTATE classes 22 (data exception) and 23 (integrity), and events the repository refuses
   * before asking PostgreSQL: retrying cannot help.
   */
  static boolean isDataError(Throwable e) {
    return e instanceof LedgerRepository.Refused
        || e instanceof PgException pg
            && pg.getSqlState() != null
            && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23"));
  }

  private void warn(Throwable e) {
    WARNINGS.warn("ledger writer cannot write, retrying: {}", e.toString());
  }
}
