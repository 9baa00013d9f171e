package dev.sluice.gateway.queue;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The id a tenant sees for a queued event: lane, partition and stream entry id, e.g. {@code
 * i3:1795421512130-0}. Opaque to tenants; parsing is strict so a forged id can only name an entry
 * of the caller's own queue.
 */
public record EventId(Lane lane, int partition, String entryId) {
  private static final Pattern FORMAT = Pattern.compile("([iq])(\\d{1,4}):(\\d{1,19}-\\d{1,19})");

  /** Parses an id given by a tenant; empty when it is not one of ours. */
  public static Optional<EventId> parse(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Matcher m = FORMAT.matcher(id);
    if (!m.matches()) {
      return Optional.empty();
    }
    Lane lane = m.group(1).equals("q") ? Lane.QUARANTINE : Lane.INBOUND;
    return Optional.of(new EventId(lane, Integer.parseInt(m.group(2)), m.group(3)));
  }

  @Override
  public String toString() {
    return (lane == Lane.QUARANTINE ? "q" : "i") + partition + ":" + entryId;
  }
}
