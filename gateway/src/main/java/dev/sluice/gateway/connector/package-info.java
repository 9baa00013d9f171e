/**
 * Outbound provider connectors: one {@link dev.sluice.gateway.connector.Connector} per provider,
 * each in its own sub-package, sends one message and classifies the answer into a {@link
 * dev.sluice.gateway.connector.SendResult} by the provider's error code, not the HTTP status alone.
 *
 * <p>Invariants: a send never fails for anything a provider answered or for a network error (those
 * are results; a failed Future means a bug); every call has a deadline ({@code
 * providers.requestTimeoutMs}); nothing blocks; credentials, recipients and bodies are never
 * logged, and credentials are masked in every error text a result carries. The package knows
 * nothing of Redis, queues or retry policy: pacing, backoff and circuit breaking belong to the
 * dispatcher.
 *
 * <p>A 2xx answer whose body cannot be read is SENT without a provider message id, never RETRYABLE:
 * the provider has taken the message, and sending it again would reach the recipient twice, while a
 * missing id costs only the correlation of its later status updates (logged as a throttled
 * warning). Timeouts and broken connections are RETRYABLE although the provider may have taken the
 * message; none of these APIs offers an idempotency key to tell.
 */
package dev.sluice.gateway.connector;
