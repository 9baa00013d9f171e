/**
 * Retention: how long each tenant's data is kept ({@link dev.sluice.gateway.retention.Retention},
 * the configured default and the tenant's own settings) and the background sweep that removes what
 * has expired ({@link dev.sluice.gateway.retention.RetentionSweeper}).
 */
package dev.sluice.gateway.retention;
