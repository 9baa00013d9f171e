package dev.sluice.gateway.queue;

import java.util.Locale;
import java.util.Optional;

/** A lane of a tenant's inbound queue. */
public enum Lane {
  /** Events admitted within their limits. */
  INBOUND,
  /** Events over the per-phone inbound limit: kept, never dropped, read separately. */
  QUARANTINE;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code inbound} (also {@code null} or empty) or {@code quarantine}. */
  public static Optional<Lane> fromWireName(String name) {
    if (name == null || name.isEmpty() || name.equals("inbound")) {
      return Optional.of(INBOUND);
    }
    return name.equals("quarantine") ? Optional.of(QUARANTINE) : Optional.empty();
  }
}
