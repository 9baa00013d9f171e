package dev.sluice.gateway.admission;

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

  static AdmissionOutcome fromCode(long code) {
    return switch ((int) code) {
      case 0 -> ENQUEUED;
      case 1 -> DUPLICATE;
      case 2 -> QUARANTINED;
      case 3 -> REFUSED;
      default -> throw new IllegalStateException("unknown admission code " + code);
    };
  }
}
