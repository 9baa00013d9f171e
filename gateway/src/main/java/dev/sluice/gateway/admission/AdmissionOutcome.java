package dev.sluice.gateway.admission;

import dev.sluice.gateway.queue.InboundStore.Admitted;
import java.util.Locale;

/** What admission did with one event. */
public enum AdmissionOutcome {
  /** Added to the tenant's queue. */
  ENQUEUED,
  /** Seen before on this channel: acknowledged to the provider, not enqueued again. */
  DUPLICATE,
  /** Over the end user's inbound limit: kept on the tenant's quarantine lane. */
  QUARANTINED,
  /** The tenant's backlog is full: nothing written; the provider must redeliver later. */
  REFUSED;

  private final String tag = name().toLowerCase(Locale.ROOT);

  /** Lowercase name for metric tags. */
  public String tag() {
    return tag;
  }

  static AdmissionOutcome of(Admitted answer) {
    return switch (answer) {
      case ENQUEUED -> ENQUEUED;
      case DUPLICATE -> DUPLICATE;
      case QUARANTINED -> QUARANTINED;
      case REFUSED -> REFUSED;
    };
  }
}
