/**
 * Handing tenant-queue events to tenants. Today: the pull API ({@code /v1/events}); push delivery
 * to each tenant's endpoint comes next. Events reach a tenant in order per conversation and are
 * removed only when the tenant acknowledges them.
 */
package dev.sluice.gateway.delivery;
