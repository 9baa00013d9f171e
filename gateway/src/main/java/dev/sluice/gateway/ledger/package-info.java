/**
 * The message ledger: every status change goes to a Redis stream first ({@link
 * dev.sluice.gateway.ledger.Ledger}) and is written to PostgreSQL in batches by {@link
 * dev.sluice.gateway.ledger.LedgerWriter}. Statuses only move forward by rank (a receipt outranks a
 * failure: {@link dev.sluice.gateway.ledger.MessageStatus}); provider reports are matched to our
 * messages by provider message id, in whatever order they arrive. An event PostgreSQL refuses never
 * holds back its batch: its status is written without its details and the event is parked in {@code
 * {ledger}:dead} for an operator. Both streams are read and written through {@code LedgerStream}
 * only.
 */
package dev.sluice.gateway.ledger;
