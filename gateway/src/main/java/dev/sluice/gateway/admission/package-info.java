/**
 * Admission of inbound events into tenant queues: deduplication on the provider event id, the
 * per-phone GCRA limit (over it: quarantine, never dropped), the tenant backlog bound, the enqueue
 * and an SMS keyword's opt-out or opt-in ({@link dev.sluice.gateway.admission.OptKeyword}), as one
 * atomic Redis function call per tenant partition, batched per event-loop turn. A provider is
 * answered 2xx only after every event of its request was confirmed by Redis.
 */
package dev.sluice.gateway.admission;
