/**
 * The tenant API for outbound messages: validation (E.164 with libphonenumber, lengths, template
 * and media shape), idempotency keys, opt-outs, and the enqueue onto the tenant's partitioned
 * outbound queue. A 202 means the message is in Redis; the dispatcher takes it from there.
 *
 * <p>The send routes are the gateway's hot path: they are served ahead of the router, read the body
 * with Jackson's streaming parser ({@link dev.sluice.gateway.outbound.MessageJson}), write their
 * answers as bytes, hash the recipient once per message (stored in the payload as {@code
 * recipientHash}) and enqueue through one {@code sluice_out_enqueue} call per tenant partition per
 * event-loop turn ({@link dev.sluice.gateway.outbound.EnqueueBatcher}). Batchers are per verticle
 * and touched only on its event loop.
 *
 * <p>{@link dev.sluice.gateway.outbound.OutboundStore} is the one class that calls the outbound
 * queue's Redis functions (enqueue, the dispatcher's pull, record and length, pacing): typed
 * arguments in, typed replies out.
 */
package dev.sluice.gateway.outbound;
