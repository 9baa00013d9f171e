package dev.sluice.gateway.ledger;

import java.util.Locale;
import java.util.Optional;

/**
 * A message's status. Statuses only move forward, by rank: accepted < queued < sent < delivered <
 * read; failed and cancelled are terminal. An update of lower or equal rank (late, duplicated or
 * out of order) changes nothing.
 */
public enum MessageStatus {
  ACCEPTED(0),
  QUEUED(1),
  SENT(2),
  DELIVERED(3),
  READ(4),
  FAILED(5),
  CANCELLED(5);

  private final int rank;
  private final String wireName = name().toLowerCase(Locale.ROOT);

  MessageStatus(int rank) {
    this.rank = rank;
  }

  public int rank() {
    return rank;
  }

  public String wireName() {
    return wireName;
  }

  /** The status for a normalised provider status ({@code sent}, {@code delivered}, …). */
  public static Optional<MessageStatus> fromWireName(String name) {
    for (MessageStatus s : values()) {
      if (s.wireName.equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
