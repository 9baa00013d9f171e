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
 * @param attempts on the dispatcher's event for a provider call that asked for a retry (or spent
 *     the retry budget), how many such calls the message has had; else 0. Its error is the call's.
 * @param nextAttemptAt with {@code attempts}, when the message is tried again (ms since the epoch),
 *     or 0 when it is not
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
    String body,
    int attempts,
    long nextAttemptAt) {

  public LedgerEvent {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(source, "source");
  }

  /** An event that is not about a retry. */
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
      String campaignId,
      String body) {
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
        body,
        0,
        0);
  }

  /**
   * This event as the record of the {@code attempts}-th provider call that asked for a retry (or
   * spent the budget), the message due again at {@code nextAttemptAt} (0: not again).
   */
  public LedgerEvent withAttempts(int attempts, long nextAttemptAt) {
    return new LedgerEvent(
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
        body,
        attempts,
        nextAttemptAt);
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
    return fromProvider(provider, providerMessageId, status, at, errorCode, null);
  }

  /**
   * A provider's status report, with what it says of a failure beside its code ({@code
   * errorMessage}: its title and details, or {@code null}).
   */
  public static LedgerEvent fromProvider(
      String provider,
      String providerMessageId,
      MessageStatus status,
      long at,
      String errorCode,
      String errorMessage) {
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
        errorMessage,
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
