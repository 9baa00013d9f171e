package dev.sluice.gateway.ledger;

import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.TurnBatcher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.List;

/**
 * Appends status changes to the ledger stream in Redis; the {@link LedgerWriter} moves them into
 * PostgreSQL in batches. Nothing on the request path waits for PostgreSQL: while it is down,
 * history is late, not traffic. The events appended in one event-loop turn go into one stream
 * entry. One per verticle, on its event loop.
 */
public final class Ledger {
  /** The ledger stream of a key namespace (one slot: its hash tag is {@code {ledger}}). */
  public static String stream(String keyPrefix) {
    return keyPrefix + "{ledger}:events";
  }

  /** Events per stream entry at most (an entry is a JSON array of events). */
  static final int MAX_EVENTS_PER_ENTRY = 500;

  private final TurnBatcher<LedgerEvent> batcher;

  /**
   * @param context the verticle's context: every {@link #append} runs on its event loop
   */
  public Ledger(Context context, PipelinedRedis redis) {
    String stream = stream(redis.keyPrefix());
    this.batcher =
        new TurnBatcher<>(
            context,
            MAX_EVENTS_PER_ENTRY,
            events ->
                redis.send(
                    Request.cmd(Command.XADD)
                        .arg(stream)
                        .arg("*")
                        .arg("e")
                        .arg(LedgerCodec.encode(events))));
  }

  /** Appends the events; completes when Redis has them. */
  public Future<Void> append(List<LedgerEvent> events) {
    return batcher.add(events);
  }
}
