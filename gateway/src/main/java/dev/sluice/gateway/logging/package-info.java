/**
 * Logging helpers shared by every feature: {@link ThrottledLogger}, which keeps a warning that
 * repeats on every loop turn (Redis down, PostgreSQL refusing) to one line per interval. Depends on
 * nothing of the gateway, so any package may use it.
 */
package dev.sluice.gateway.logging;
