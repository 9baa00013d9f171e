package dev.sluice.gateway.tenant;

import java.util.Objects;

/**
 * A customer of the gateway: every channel, key, queue and message belongs to one.
 *
 * @param id lowercase letters, digits and dashes, {@code ^[a-z0-9][a-z0-9-]{0,62}$}
 * @param name display name
 * @param outboundEvents which status changes of its outbound messages go on its event queue
 * @param optKeywords the SMS keywords that opt its end users out and back in
 */
public record Tenant(
    String id, String name, OutboundEvents outboundEvents, OptKeywords optKeywords) {
  public Tenant {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(outboundEvents, "outboundEvents");
    Objects.requireNonNull(optKeywords, "optKeywords");
  }

  /** A tenant with the default keywords. */
  public Tenant(String id, String name, OutboundEvents outboundEvents) {
    this(id, name, outboundEvents, OptKeywords.DEFAULT);
  }

  /** A tenant with every outbound status event on and the default keywords (the defaults). */
  public Tenant(String id, String name) {
    this(id, name, OutboundEvents.ALL);
  }
}
