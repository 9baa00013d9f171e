package dev.sluice.gateway.outbound;

import java.util.Locale;
import java.util.Optional;

/** The lane of an outbound message: high (replies, transactional) goes before low (campaigns). */
public enum OutboundLane {
  HIGH("hi"),
  LOW("lo");

  private final String shortName;
  private final String wireName = name().toLowerCase(Locale.ROOT);

  OutboundLane(String shortName) {
    this.shortName = shortName;
  }

  /** {@code hi} or {@code lo}: the stream suffix and the value the Redis functions use. */
  public String shortName() {
    return shortName;
  }

  public String wireName() {
    return wireName;
  }

  /** {@code high} (also absent) or {@code low}. */
  public static Optional<OutboundLane> fromWireName(String name) {
    if (name == null || name.equals("high")) {
      return Optional.of(HIGH);
    }
    return name.equals("low") ? Optional.of(LOW) : Optional.empty();
  }

  public static OutboundLane fromShortName(String s) {
    return s.equals("lo") ? LOW : HIGH;
  }
}
