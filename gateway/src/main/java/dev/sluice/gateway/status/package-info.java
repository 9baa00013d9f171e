/**
 * The operator's status page, {@code GET /admin/status}: one self-contained HTML page and the JSON
 * it polls (instances, tenants, channels with breaker state and pacing, backlogs, rates,
 * campaigns). Everything it shows is read from what the gateway keeps anyway (the tenant directory,
 * the breakers, the backlog gauges' last sample, the meter registry) plus one small heartbeat hash
 * in Redis through which the instances know each other; nothing here runs on the send or webhook
 * paths.
 */
package dev.sluice.gateway.status;
