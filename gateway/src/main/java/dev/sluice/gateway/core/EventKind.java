package dev.sluice.gateway.core;

import java.util.Locale;

/** What an inbound event is: an end user's message, or a status report on a message we sent. */
public enum EventKind {
  MESSAGE,
  STATUS;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** The lowercase name used in the tenant API. */
  public String wireName() {
    return wireName;
  }
}
