/**
 * Privacy duties of the gateway: sealing provider credentials at rest ({@link
 * dev.sluice.gateway.privacy.CredentialCipher}, AES-256-GCM under the master key, each sealed value
 * bound to the row it belongs to), the keyed hash of phone numbers ({@link
 * dev.sluice.gateway.privacy.PhoneHasher}), and the audit trail of operator and privacy actions
 * ({@link dev.sluice.gateway.privacy.AuditLog}, append-only and hash-chained). Plain values never
 * leave this package in a form that prints: callers hold them as {@link
 * dev.sluice.gateway.config.Secret}.
 */
package dev.sluice.gateway.privacy;
