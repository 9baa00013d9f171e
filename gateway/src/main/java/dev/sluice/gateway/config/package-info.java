/**
 * Configuration: immutable records loaded once, before Vert.x starts, from {@code
 * config/gateway.yaml} and {@code SLUICE_*} environment overrides. Every problem is reported
 * together, each naming its key. Secrets are wrapped in {@link dev.sluice.gateway.config.Secret} so
 * they never print.
 */
package dev.sluice.gateway.config;
