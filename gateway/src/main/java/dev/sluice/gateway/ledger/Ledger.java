package dev.sluice.gateway.ledger;

import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.List;

/**
 * Appends status changes to the ledger stream in Redis; the {@link LedgerWriter} moves them into
 * PostgreSQL in batches. Nothing on the request path waits for PostgreSQL: while it is down,
 * history is late, not traffic. One per verticle, on its event loop.
 */
public final class Ledger {
  /** The ledger stream (one slot: its hash tag is {@code {ledger}}). */
  public static final String STREAM = "{ledger}:events";

  private final PipelinedRedis redis;

  public Ledger(PipelinedRedis redis) {
    this.redis = redis;
  }

  /** Appends the events as one stream entry; completes when Redis has them. */
  public Future<Void> append(List<LedgerEvent> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    JsonArray batch = new JsonArray();
    events.forEach(e -> batch.add(e.toJson()));
    return redis
        .send(Request.cmd(Command.XADD).arg(STREAM).arg("*").arg("e").arg(batch.encode()))
        .mapEmpty();
  }
}
