/**
 * Metrics: the process's one Prometheus meter registry and the {@code /metrics} endpoint. Meter
 * names are {@code sluice.<area>.<thing>} (exported as {@code sluice_<area>_<thing>}); tags are
 * bounded sets (provider, outcome, reason, lane), never tenant-supplied free text or phone numbers.
 */
package dev.sluice.gateway.metrics;
