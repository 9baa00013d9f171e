/**
 * Liveness and readiness: {@code /health/live} and {@code /health/ready} with a check per backend.
 */
package dev.sluice.gateway.health;
