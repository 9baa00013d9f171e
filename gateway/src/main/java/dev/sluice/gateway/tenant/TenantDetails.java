package dev.sluice.gateway.tenant;

import java.util.List;

/**
 * A tenant as the operator sees it, read from PostgreSQL.
 *
 * @param channels without credentials, ordered by id
 * @param keys ordered by creation time
 */
public record TenantDetails(Tenant tenant, List<Channel> channels, List<ApiKeyInfo> keys) {
  public TenantDetails {
    channels = List.copyOf(channels);
    keys = List.copyOf(keys);
  }
}
