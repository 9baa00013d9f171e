package dev.sluice.gateway.tenant;

import java.time.OffsetDateTime;

/**
 * What may be shown of a stored API key.
 *
 * @param revokedAt {@code null} while the key authenticates
 */
public record ApiKeyInfo(String prefix, OffsetDateTime createdAt, OffsetDateTime revokedAt) {}
