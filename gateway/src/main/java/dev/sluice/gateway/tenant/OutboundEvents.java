package dev.sluice.gateway.tenant;

import dev.sluice.gateway.ledger.MessageStatus;
import java.util.Locale;
import java.util.Optional;

/**
 * Which status changes of a tenant's outbound messages become events on its queue. A tenant that
 * only sends, or that reads statuses from {@code GET /v1/messages/{id}}, can turn them off and save
 * the queue's memory and its own reading; the ledger keeps every status whatever the setting.
 */
public enum OutboundEvents {
  /** Every status change: sent, delivered, read, failed. */
  ALL,
  /** Only the statuses a message ends in or is read in: delivered, read, failed, cancelled. */
  FINAL,
  /** Only failed and cancelled. */
  FAILURES,
  /** None. */
  NONE;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }

  /** Whether a change to {@code status} is put on the tenant's queue. */
  public boolean includes(MessageStatus status) {
    return switch (this) {
      case ALL -> true;
      case FINAL -> status.isFinal();
      case FAILURES -> status == MessageStatus.FAILED || status == MessageStatus.CANCELLED;
      case NONE -> false;
    };
  }

  public static Optional<OutboundEvents> fromWireName(String name) {
    for (OutboundEvents e : values()) {
      if (e.wireName.equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
