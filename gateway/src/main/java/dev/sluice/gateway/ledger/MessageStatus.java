package dev.sluice.gateway.ledger;

import java.util.Locale;
import java.util.Optional;

/**
 * A message's status. Statuses only move forward, by rank: accepted < queued < sent < failed =
 * cancelled < delivered < read. An update of lower or equal rank (late, duplicated or out of order)
 * changes nothing; it stays in the history.
 *
 * <p>Delivered and read rank above failed because a receipt is evidence: a message that was
 * delivered reached the person, so a {@code failed} reported after it (a late or contradictory
 * provider report) does not undo that, and a receipt arriving after a {@code failed} (an attempt
 * that timed out but got through) moves the message to delivered or read.
 */
public enum MessageStatus {
  ACCEPTED(0),
  QUEUED(1),
  SENT(2),
  FAILED(3),
  CANCELLED(3),
  DELIVERED(4),
  READ(5);

  private final int rank;
  private final String wireName = name().toLowerCase(Locale.ROOT);

  MessageStatus(int rank) {
    this.rank = rank;
  }

  public int rank() {
    return rank;
  }

  /** Whether a message may end in this status: delivered, read, failed or cancelled. */
  public boolean isFinal() {
    return rank >= FAILED.rank;
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
