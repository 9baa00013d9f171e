/**
 * Provider webhook bodies to {@link dev.sluice.gateway.core.InboundEvent}s, after the signature has
 * been verified: one parser per provider family (Meta, Telegram, Twilio, Infobip, Standard
 * Webhooks).
 *
 * <p>Invariants: parsers are stateless and thread-safe, safe to share across event loops, and do no
 * I/O. For any input they return a list of events whose required fields ({@code provider}, {@code
 * kind}, {@code dedupId}, {@code raw}) are set, or throw {@link
 * dev.sluice.gateway.ingress.parse.PayloadException} (stack-free, client-safe message, mapped to
 * 400); never any other exception. JSON nesting is capped at 64 levels. A field of the wrong JSON
 * type reads as absent; an event without the id we deduplicate on, or a routed array of the wrong
 * type, rejects the whole body so that the provider redelivers rather than an event being dropped.
 * Statuses are normalised to {@code queued|sent|delivered|read|failed}; a provider status outside
 * that mapping is not routed. An event's ids, addresses, status and error code never hold a NUL
 * character (PostgreSQL text cannot): a body with one is refused like a body whose event lacks its
 * id. Unparseable timestamps, and times outside years 1970..9999, are 0.
 */
package dev.sluice.gateway.ingress.parse;
