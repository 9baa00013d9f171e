package dev.sluice.gateway.tenant;

import dev.sluice.gateway.core.Provider;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * One consistent, immutable view of the directory at a {@code directory_version}. Built once per
 * reload and then only read, from any thread.
 */
final class DirectorySnapshot {
  static final DirectorySnapshot EMPTY =
      new DirectorySnapshot(Long.MIN_VALUE, Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

  final long version;
  final Map<String, Tenant> tenants;
  final Map<String, Tenant> tenantsByKeyHash;
  final Map<String, Channel> channels;
  final Map<Provider, Map<String, Channel>> channelsByAddress;
  final Map<String, MetaApp> metaApps;
  final Map<String, Endpoint> endpoints;

  DirectorySnapshot(
      long version,
      Map<String, Tenant> tenants,
      Map<String, Tenant> tenantsByKeyHash,
      Map<String, Channel> channels,
      Map<String, MetaApp> metaApps,
      Map<String, Endpoint> endpoints) {
    this.version = version;
    this.tenants = Map.copyOf(tenants);
    this.tenantsByKeyHash = Map.copyOf(tenantsByKeyHash);
    this.channels = Map.copyOf(channels);
    this.metaApps = Map.copyOf(metaApps);
    this.endpoints = Map.copyOf(endpoints);
    Map<Provider, Map<String, Channel>> byAddress = new EnumMap<>(Provider.class);
    for (Channel c : channels.values()) {
      if (c.address() != null) {
        byAddress.computeIfAbsent(c.provider(), p -> new HashMap<>()).put(c.address(), c);
      }
    }
    byAddress.replaceAll((p, m) -> Map.copyOf(m));
    this.channelsByAddress = byAddress;
  }
}
