package dev.sluice.gateway.work;

/**
 * How long a scheduler waits before its next claim: the adaptive due time of its units.
 *
 * <p>Under a steady flow spread over many partitions, a dispatcher that claims again as soon as a
 * slot is free finds one or two messages per partition, and pays a claim, a pull, a pacing call and
 * a record call for each one or two. Waiting a few milliseconds lets every partition gather more,
 * so the same calls carry several messages. The wait follows how full the recent pulls were (a
 * moving average of messages taken over messages asked for): {@code (1 - fill) × lingerMs}, so a
 * standing backlog (full pulls) is claimed without waiting, a sparse flow waits up to {@code
 * lingerMs}, and the cost in latency is at most {@code lingerMs} per message. Touched only on its
 * scheduler's event loop.
 */
final class ClaimLinger {
  /** Weight of the newest pull in the moving average: about the last ten pulls count. */
  private static final double WEIGHT = 0.1;

  private final long lingerMs;
  private double fill = 1; // no wait until pulls have shown the flow is sparse

  ClaimLinger(long lingerMs) {
    this.lingerMs = lingerMs;
  }

  /** One pull took {@code taken} of the {@code asked} messages it asked for. */
  void pulled(int taken, int asked) {
    double f = asked <= 0 ? 1 : Math.min(1, (double) taken / asked);
    fill += WEIGHT * (f - fill);
  }

  /** How much longer to wait before the next claim, {@code sinceLastClaimMs} after the last one. */
  long waitMs(long sinceLastClaimMs) {
    return Math.max(0, Math.round(lingerMs * (1 - fill)) - Math.max(0, sinceLastClaimMs));
  }
}
