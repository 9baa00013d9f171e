/**
 * The tenant API for outbound messages: validation (E.164 with libphonenumber, lengths, template
 * and media shape), idempotency keys, opt-outs, and the enqueue onto the tenant's partitioned
 * outbound queue. A 202 means the message is in Redis; the dispatcher takes it from there.
 */
package dev.sluice.gateway.outbound;
