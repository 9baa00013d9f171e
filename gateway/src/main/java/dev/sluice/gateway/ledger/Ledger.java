package dev.sluice.gateway.ledger;

import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.TurnBatcher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends status changes to the ledger stream in Redis; the {@link LedgerWriter} moves them into
 * PostgreSQL in batches. Nothing on the request path waits for PostgreSQL: while it is down,
 * history is late, not traffic. The events appended in one event-loop turn go into one stream
 * entry. One per verticle, on its event loop.
 */
public final class Ledger {
  private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

  /** The ledger stream of a key namespace (one slot: its hash tag is {@code {ledger}}). */
  public static String stream(String keyPrefix) {
    return keyPrefix + "{ledger}:events";
  }

  /** Events per stream entry at most (an entry is a JSON array of events). */
  static final int MAX_EVENTS_PER_ENTRY = 500;

  /** Events {@link #appendEventually} keeps for a later attempt at most; the oldest go first. */
  static final int MAX_KEPT = 100_000;

  static final long RETRY_MS = 1_000;

  private final Context context;
  private final Clock clock;
  private final TurnBatcher<LedgerEvent> batcher;
  private final ArrayDeque<LedgerEvent> kept = new ArrayDeque<>();
  private boolean retryScheduled;
  private long dropped;
  private long lastWarnMs;

  /**
   * @param context the verticle's context: every {@link #append} runs on its event loop
   */
  public Ledger(Context context, PipelinedRedis redis, Clock clock) {
    this.context = context;
    this.clock = clock;
    this.batcher =
        new TurnBatcher<>(context, MAX_EVENTS_PER_ENTRY, new LedgerStream(redis)::append);
  }

  /** Appends the events; completes when Redis has them. */
  public Future<Void> append(List<LedgerEvent> events) {
    return batcher.add(events);
  }

  /**
   * Appends the events for a caller that cannot undo what they record (a message already sent):
   * when Redis does not take them, they are kept in memory and appended again every second until it
   * does, so a failed append does not leave the message's history behind for good. Never fails;
   * completes once the first attempt is over. Kept events are lost only if this process stops
   * before Redis takes them again, or when more than {@link #MAX_KEPT} wait (the oldest are
   * dropped, logged).
   */
  public Future<Void> appendEventually(List<LedgerEvent> events) {
    return append(events)
        .recover(
            e -> {
              keep(events, e);
              return Future.succeededFuture();
            });
  }

  /** Events waiting for another attempt. */
  int kept() {
    return kept.size();
  }

  private void keep(List<LedgerEvent> events, Throwable cause) {
    kept.addAll(events);
    while (kept.size() > MAX_KEPT) {
      kept.removeFirst();
      dropped++;
    }
    long now = clock.millis();
    if (now - lastWarnMs > 10_000) {
      lastWarnMs = now;
      LOG.warn(
          "ledger append failed, {} event(s) kept to append again{}: {}",
          kept.size(),
          dropped > 0 ? " (" + dropped + " dropped, over " + MAX_KEPT + ")" : "",
          cause.toString());
    }
    if (!retryScheduled) {
      retryScheduled = true;
      context.owner().setTimer(RETRY_MS, id -> context.runOnContext(v -> retryKept()));
    }
  }

  private void retryKept() {
    retryScheduled = false;
    List<LedgerEvent> batch = new ArrayList<>(kept);
    kept.clear();
    appendEventually(batch)
        .onComplete(
            ar -> {
              if (kept.isEmpty() && !batch.isEmpty()) {
                LOG.info("{} kept ledger event(s) appended", batch.size());
              }
            });
  }
}
