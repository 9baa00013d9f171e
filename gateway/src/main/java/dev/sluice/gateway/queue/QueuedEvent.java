package dev.sluice.gateway.queue;

/**
 * An event handed out from a tenant queue.
 *
 * @param payload the event JSON written at admission (without {@code id} and {@code raw})
 * @param raw the provider's own JSON object for this event
 */
public record QueuedEvent(EventId id, String conversation, String payload, String raw) {}
