package dev.sluice.gateway.ledger;

import java.util.Objects;

/**
 * One status change for the ledger. Either about one of our messages ({@code messageId} set; it
 * carries everything needed to create the message's row, so events may arrive in any order), or a
 * provider's status report ({@code messageId} null), correlated later by provider message id.
 *
 * @param source {@code api}, {@code dispatcher} or {@code webhook}
 * @param at when it happened, ms since the epoch
 * @param campaignId the campaign the message belongs to, or {@code null}
 * @param body what the message carries (its content as JSON), on the event that accepts it only;
 *     stored sealed with the tenant's data key, and kept for the tenant's body retention
 */
public record LedgerEvent(
    String messageId,
    String tenantId,
    String channelId,
    String provider,
    String recipient,
    String lane,
    String clientRef,
    long createdAt,
    MessageStatus status,
    long at,
    String providerMessageId,
    String errorCode,
    String errorMessage,
    String source,
    String campaignId,
    String body) {

  public LedgerEvent {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(source, "source");
  }

  /** An event about a message of no campaign. */
  public LedgerEvent(
      String messageId,
      String tenantId,
      String channelId,
      String provider,
      String recipient,
      String lane,
      String clientRef,
      long createdAt,
      MessageStatus status,
      long at,
      String providerMessageId,
      String errorCode,
      String errorMessage,
      String source) {
    this(
        messageId,
        tenantId,
        channelId,
        provider,
        recipient,
        lane,
        clientRef,
        createdAt,
        status,
        at,
        providerMessageId,
        errorCode,
        errorMessage,
        source,
        null,
        null);
  }

  /** An event about a message of a campaign (or none), without its body. */
  public LedgerEvent(
      String messageId,
      String tenantId,
      String channelId,
      String provider,
      String recipient,
      String lane,
      String clientRef,
      long createdAt,
      MessageStatus status,
      long at,
      String providerMessageId,
      String errorCode,
      String errorMessage,
      String source,
      String campaignId) {
    this(
        messageId,
        tenantId,
        channelId,
        provider,
        recipient,
        lane,
        clientRef,
        createdAt,
        status,
        at,
        providerMessageId,
        errorCode,
        errorMessage,
        source,
        campaignId,
        null);
  }

  /** A provider's status report on a message it knows as {@code providerMessageId}. */
  public static LedgerEvent fromProvider(
      String provider, String providerMessageId, MessageStatus status, long at, String errorCode) {
    return new LedgerEvent(
        null,
        null,
        null,
        provider,
        null,
        null,
        null,
        0,
        status,
        at,
        providerMessageId,
        errorCode,
        null,
        "webhook");
  }

  public boolean aboutOurMessage() {
    return messageId != null;
  }

  /**
   * This event with only what its status needs, for when PostgreSQL refused the whole of it: no
   * client reference, error or (for our own messages) provider id; a time the ledger cannot store
   * becomes {@code nowMs}.
   */
  LedgerEvent statusOnly(long nowMs) {
    long when = LedgerRepository.storableTime(at) ? at : nowMs;
    if (!aboutOurMessage()) {
      return fromProvider(provider, providerMessageId, status, when, null);
    }
    long created = LedgerRepository.storableTime(createdAt) ? createdAt : 0;
    return new LedgerEvent(
        messageId,
        tenantId,
        channelId,
        provider,
        recipient,
        lane,
        null,
        created,
        status,
        when,
        null,
        null,
        null,
        source,
        campaignId);
  }
}
