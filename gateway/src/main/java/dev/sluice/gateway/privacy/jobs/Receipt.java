package dev.sluice.gateway.privacy.jobs;

import io.vertx.core.Future;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a running job has done so far, per store, written to its row after every step that changed
 * something. A job taken over after its instance died starts from the counts written, and runs
 * every step again: what the first run removed is gone, so the second adds nothing for it, and the
 * total stays right. Only the counts of the one step in progress when the instance died can be lost
 * (its deletion was done, its count not yet written). Used on one event loop.
 */
final class Receipt {
  /** The stores of an erasure's receipt, in the order it shows them. */
  static final List<String> ERASURE_STORES =
      List.of(
          "inbound",
          "quarantine",
          "inboundDeadLetters",
          "replayArchive",
          "outboundQueued",
          "outboundDeadLetters",
          "idempotencyKeys",
          "rateKeys",
          "ledgerDeadLetters",
          "messages",
          "messageEvents",
          "messageBodies",
          "providerStatuses",
          "campaignRows");

  /** The job was taken over by another instance (its lease ran out): this run must stop. */
  static final class LeaseLost extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LeaseLost() {
      super("the job's lease was lost", null, false, false);
    }
  }

  private final Map<String, Long> counts = new LinkedHashMap<>();
  private final Function<Map<String, Long>, Future<Boolean>> save;

  /**
   * @param stores the names every receipt shows, 0 until something is counted
   * @param written the counts the job's row holds
   * @param save writes the counts; answers false when the job is no longer this instance's
   */
  Receipt(
      List<String> stores,
      Map<String, Long> written,
      Function<Map<String, Long>, Future<Boolean>> save) {
    stores.forEach(s -> counts.put(s, 0L));
    counts.putAll(written);
    this.save = save;
  }

  /**
   * Counts {@code n} more for a store and writes the counts.
   *
   * @return fails with {@link LeaseLost} when the job is no longer this instance's
   */
  Future<Void> add(String store, long n) {
    if (n == 0) {
      return Future.succeededFuture();
    }
    counts.merge(store, n, Long::sum);
    return save.apply(Map.copyOf(counts))
        .compose(ours -> ours ? Future.succeededFuture() : Future.failedFuture(new LeaseLost()));
  }

  /** The counts so far, in the receipt's order. */
  Map<String, Long> counts() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(counts));
  }
}
