package dev.sluice.gateway.ledger;

import dev.sluice.gateway.ledger.LedgerStream.DeadEntry;
import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What an erasure needs of the ledger's Redis streams. Events carry a message's recipient in clear
 * on their way to PostgreSQL, so an erasure waits until the events stream has been written past the
 * moment it removed the person's messages from the queues ({@link #mark}, {@link #writtenThrough}),
 * then deletes the person's rows; and it removes the person's events from the dead lane ({@link
 * #eraseDead}), where nothing would ever move them. Holds nothing but its connection: used on the
 * connection's event loop.
 */
public final class LedgerErasure {
  /** Dead-lane entries read per step. */
  static final int DEAD_STEP = 200;

  private final LedgerStream stream;

  public LedgerErasure(RedisCommands redis) {
    this.stream = new LedgerStream(redis);
  }

  /**
   * The newest entry of the events stream now, or {@code null} when it holds none (nothing is on
   * its way to PostgreSQL).
   */
  public Future<String> mark() {
    return stream.newestId();
  }

  /**
   * Whether every entry up to {@code mark} has left the events stream: the writers take an entry
   * out only once PostgreSQL committed it (or parked the events it refused).
   */
  public Future<Boolean> writtenThrough(String mark) {
    return mark == null ? Future.succeededFuture(true) : stream.holdsUpTo(mark).map(held -> !held);
  }

  /**
   * Deletes the dead lane's entries that hold an event {@code about} says is the person's, walking
   * the lane a few hundred entries per call. An entry too damaged to read is left alone.
   *
   * @return how many entries were deleted
   */
  public Future<Long> eraseDead(Predicate<LedgerEvent> about) {
    return eraseDead(about, "-", 0);
  }

  private Future<Long> eraseDead(Predicate<LedgerEvent> about, String from, long erased) {
    return stream
        .deadEntries(from, DEAD_STEP)
        .compose(
            entries -> {
              List<String> matched = new ArrayList<>();
              for (DeadEntry e : entries) {
                if (matches(e, about)) {
                  matched.add(e.id());
                }
              }
              Future<Long> deleted =
                  matched.isEmpty() ? Future.succeededFuture(0L) : stream.deleteDead(matched);
              return deleted.compose(
                  n ->
                      entries.size() < DEAD_STEP
                          ? Future.succeededFuture(erased + n)
                          : eraseDead(
                              about, "(" + entries.get(entries.size() - 1).id(), erased + n));
            });
  }

  private static boolean matches(DeadEntry entry, Predicate<LedgerEvent> about) {
    try {
      return LedgerCodec.decode(entry.events()).stream().anyMatch(about);
    } catch (IllegalArgumentException unreadable) {
      return false;
    }
  }
}
