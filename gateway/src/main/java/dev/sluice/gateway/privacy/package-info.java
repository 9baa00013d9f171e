/**
 * Privacy duties of the gateway. For now: sealing provider credentials at rest ({@link
 * dev.sluice.gateway.privacy.CredentialCipher}, AES-256-GCM under the master key, each sealed value
 * bound to the row it belongs to). Plain values never leave this package in a form that prints:
 * callers hold them as {@link dev.sluice.gateway.config.Secret}.
 */
package dev.sluice.gateway.privacy;
