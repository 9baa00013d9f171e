/**
 * Tenants, their channels and API keys, and the in-memory {@link
 * dev.sluice.gateway.tenant.TenantDirectory} every gateway instance routes by.
 *
 * <p>Invariants: PostgreSQL is the source of truth and every change to it bumps {@code
 * directory_version} in the same transaction ({@link dev.sluice.gateway.tenant.TenantRepository});
 * the directory reloads a consistent snapshot whenever that version moves, and lookups read an
 * immutable snapshot without locks or I/O. A snapshot may lag: an id it lacks is asked of
 * PostgreSQL before anything treats it as deleted. API keys are stored only as SHA-256 hashes;
 * provider credentials only sealed with the master key, and they are held in memory as {@link
 * dev.sluice.gateway.config.Secret} so that no record here prints them.
 */
package dev.sluice.gateway.tenant;
