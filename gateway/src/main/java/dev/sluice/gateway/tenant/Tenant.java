package dev.sluice.gateway.tenant;

import java.util.Objects;

/**
 * A customer of the gateway: every channel, key, queue and message belongs to one.
 *
 * @param id lowercase letters, digits and dashes, {@code ^[a-z0-9][a-z0-9-]{0,62}$}
 * @param name display name
 * @param outboundEvents which status changes of its outbound messages go on its event queue
 */
public record Tenant(String id, String name, OutboundEvents outboundEvents) {
  public Tenant {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(outboundEvents, "outboundEvents");
  }

  /** A tenant with every outbound status event on (the default). */
  public Tenant(String id, String name) {
    this(id, name, OutboundEvents.ALL);
  }
}
