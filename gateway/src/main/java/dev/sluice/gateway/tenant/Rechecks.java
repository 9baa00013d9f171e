package dev.sluice.gateway.tenant;

import dev.sluice.gateway.tenant.TenantDirectory.Presence;
import io.vertx.core.Future;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct PostgreSQL lookups for what a directory snapshot lacks. Each answer is kept for {@link
 * #TTL_MS}, and at most one lookup per key is in flight, so a burst of messages for one new channel
 * costs one query. Never blocks: a caller gets {@link Presence#UNKNOWN} until an answer is in.
 * Thread-safe; shared by every event loop.
 */
final class Rechecks {
  private static final Logger LOG = LoggerFactory.getLogger(Rechecks.class);

  /** How long an answer stands. */
  static final long TTL_MS = 1_000;

  private static final long TTL_NANOS = TimeUnit.MILLISECONDS.toNanos(TTL_MS);
  private static final long QUERY_TIMEOUT_MS = 5_000;
  private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** Answers kept at most; far more than the ids unknown at any one time. */
  private static final int MAX_ANSWERS = 10_000;

  /** What PostgreSQL said, as of when it was asked. */
  private record Answer(Presence presence, long askedNanos) {
    boolean fresh(long now) {
      return now - askedNanos < TTL_NANOS;
    }
  }

  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final Set<String> asking = ConcurrentHashMap.newKeySet();
  private final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

  /**
   * What PostgreSQL says of {@code key}: a fresh answer, else {@link Presence#UNKNOWN} while one is
   * asked with {@code lookup} (started here unless already under way).
   *
   * @param lookup whether PostgreSQL has it now
   * @param onStored run once for each lookup that finds it
   */
  Presence presence(String key, Supplier<Future<Boolean>> lookup, Runnable onStored) {
    long now = System.nanoTime();
    Answer known = answers.get(key);
    if (known != null && known.fresh(now)) {
      return known.presence();
    }
    if (asking.add(key)) {
      Future<Boolean> stored;
      try {
        stored = lookup.get().timeout(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        stored = Future.failedFuture(e);
      }
      stored.onComplete(
          ar -> {
            if (ar.succeeded()) {
              keep(key, new Answer(ar.result() ? Presence.STORED : Presence.ABSENT, now));
              if (ar.result()) {
                onStored.run();
              }
            } else {
              warn(key, ar.cause());
            }
            asking.remove(key);
          });
    }
    return Presence.UNKNOWN;
  }

  private void keep(String key, Answer answer) {
    if (answers.size() >= MAX_ANSWERS) {
      long now = System.nanoTime();
      answers.values().removeIf(a -> !a.fresh(now));
      if (answers.size() >= MAX_ANSWERS) {
        answers.clear();
      }
    }
    answers.put(key, answer);
  }

  private void warn(String key, Throwable cause) {
    long now = System.nanoTime();
    long last = lastWarnNanos.get();
    if (now - last >= WARN_INTERVAL_NANOS && lastWarnNanos.compareAndSet(last, now)) {
      LOG.warn(
          "cannot ask PostgreSQL about {} unknown to the tenant directory ({}); asking again later",
          key,
          String.valueOf(cause.getMessage()));
    }
  }
}
