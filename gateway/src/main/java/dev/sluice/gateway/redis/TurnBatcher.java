package dev.sluice.gateway.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * Gathers what the requests of one event-loop turn add and writes it in one Redis call when the
 * turn ends (or sooner, once {@code maxItems} are waiting; never more than that per call), so many
 * requests cost one round trip. Each caller's future completes with the call that carried its
 * items. Used on its own context's event loop only.
 *
 * @param <T> what is gathered
 */
public final class TurnBatcher<T> {
  private final Context context;
  private final int maxItems;
  private final Function<List<T>, Future<?>> write;
  private List<T> items = new ArrayList<>();
  private List<Promise<Void>> waiting = new ArrayList<>();
  private boolean scheduled;

  /**
   * @param context the event-loop context every {@link #add} runs on
   * @param maxItems items per call at most
   * @param write writes one batch (never empty)
   */
  public TurnBatcher(Context context, int maxItems, Function<List<T>, Future<?>> write) {
    this.context = context;
    this.maxItems = maxItems;
    this.write = write;
  }

  /** Adds the items to this turn's batch; completes when the call that carried them did. */
  public Future<Void> add(Collection<? extends T> more) {
    if (more.isEmpty()) {
      return Future.succeededFuture();
    }
    items.addAll(more);
    Promise<Void> done = Promise.promise();
    waiting.add(done);
    if (items.size() >= maxItems) {
      flush();
    } else if (!scheduled) {
      scheduled = true;
      context.runOnContext(
          v -> {
            scheduled = false;
            flush();
          });
    }
    return done.future();
  }

  private void flush() {
    if (items.isEmpty()) {
      return;
    }
    List<T> batch = items;
    List<Promise<Void>> callers = waiting;
    items = new ArrayList<>();
    waiting = new ArrayList<>();
    List<Future<?>> calls = new ArrayList<>();
    for (int from = 0; from < batch.size(); from += maxItems) {
      List<T> chunk = batch.subList(from, Math.min(batch.size(), from + maxItems));
      try {
        calls.add(write.apply(chunk));
      } catch (RuntimeException e) {
        calls.add(Future.failedFuture(e));
      }
    }
    Future<?> written = Future.all(calls);
    written.onComplete(
        ar -> {
          for (Promise<Void> p : callers) {
            if (ar.succeeded()) {
              p.complete();
            } else {
              p.fail(ar.cause());
            }
          }
        });
  }
}
