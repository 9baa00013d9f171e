/**
 * The message ledger: every status change goes to a Redis stream first ({@link
 * dev.sluice.gateway.ledger.Ledger}) and is written to PostgreSQL in batches by {@link
 * dev.sluice.gateway.ledger.LedgerWriter}. Statuses only move forward by rank; provider reports are
 * matched to our messages by provider message id, in whatever order they arrive.
 */
package dev.sluice.gateway.ledger;
