/**
 * Privacy duties of the gateway: the key hierarchy and what is sealed with what ({@link
 * dev.sluice.gateway.privacy.MasterKeys}, {@link dev.sluice.gateway.privacy.CredentialCipher} and
 * {@link dev.sluice.gateway.privacy.MasterSealed} for the master key; {@link
 * dev.sluice.gateway.privacy.TenantKeys} and {@link dev.sluice.gateway.privacy.DataKey} for each
 * tenant's data; {@link dev.sluice.gateway.privacy.PhoneIndexKey} and {@link
 * dev.sluice.gateway.privacy.PhoneHasher} for phone numbers), master-key rotation ({@link
 * dev.sluice.gateway.privacy.MasterKeyRotation}), the purge of deleted tenants ({@link
 * dev.sluice.gateway.privacy.TenantPurge}) and the audit trail of operator and privacy actions
 * ({@link dev.sluice.gateway.privacy.AuditLog}, append-only and hash-chained). Plain secrets never
 * leave this package in a form that prints: callers hold them as {@link
 * dev.sluice.gateway.config.Secret}. See docs/privacy.md.
 */
package dev.sluice.gateway.privacy;
