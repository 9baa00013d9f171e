package dev.sluice.gateway.ledger;

import java.time.Instant;
import java.util.List;

/**
 * A message as {@code GET /v1/messages/{id}} shows it.
 *
 * @param campaignId the campaign it was sent for, or {@code null}
 * @param content what it carried (the queue's content JSON), or {@code null} once the tenant's body
 *     retention has passed (or it was erased)
 * @param attempts provider calls that asked for a retry so far
 * @param nextAttemptAt when it is tried again, or {@code null} when it is not waiting for a retry
 * @param lastErrorCode the error of the last call that asked for a retry, or {@code null}
 */
public record MessageRecord(
    String id,
    String channelId,
    String recipient,
    String lane,
    String clientRef,
    String status,
    String providerMessageId,
    String errorCode,
    String errorMessage,
    Instant createdAt,
    Instant updatedAt,
    String campaignId,
    String content,
    List<HistoryEntry> history,
    int attempts,
    Instant nextAttemptAt,
    String lastErrorCode,
    String lastErrorMessage) {

  /** One status change; {@code source} is api, dispatcher or provider. */
  public record HistoryEntry(
      String status, Instant at, String source, String errorCode, String errorMessage) {}
}
