package dev.sluice.gateway.tenant;

import java.util.Objects;

/**
 * A customer of the gateway: every channel, key, queue and message belongs to one.
 *
 * @param id lowercase letters, digits and dashes, {@code ^[a-z0-9][a-z0-9-]{0,62}$}
 * @param name display name
 */
public record Tenant(String id, String name) {
  public Tenant {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
  }
}
