package dev.sluice.gateway.core;

import java.util.Locale;
import java.util.Optional;

/** A messaging provider whose webhooks Sluice receives and whose APIs it sends through. */
public enum Provider {
  WHATSAPP,
  MESSENGER,
  INSTAGRAM,
  TELEGRAM,
  TWILIO,
  INFOBIP,
  STANDARD,
  /** SMS straight to a carrier or aggregator over SMPP 3.4 (a bind, not webhooks). */
  SMPP;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** The lowercase name used in APIs, metric tags and the database. */
  public String wireName() {
    return wireName;
  }

  /** The provider with this wire name, if any. */
  public static Optional<Provider> fromWireName(String name) {
    for (Provider p : values()) {
      if (p.wireName.equals(name)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
