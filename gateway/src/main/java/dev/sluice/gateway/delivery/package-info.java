/**
 * Handing tenant-queue events to tenants: the pull API ({@code /v1/events}), or push delivery to
 * the tenant's endpoint ({@code /v1/endpoint}), never both for the inbound lane; the delivery log,
 * dead letters, redrive and replay ({@code /v1/deliveries}, {@code /v1/dead-letters}, {@code
 * /v1/events/replay}). Events reach a tenant in order per conversation and are removed only when
 * the tenant acknowledges them.
 *
 * <p>{@link dev.sluice.gateway.delivery.PushStore} is the one class that calls push delivery's
 * Redis functions and reads its streams (delivery log, dead letters); the routes and the deliverer
 * call it.
 */
package dev.sluice.gateway.delivery;
