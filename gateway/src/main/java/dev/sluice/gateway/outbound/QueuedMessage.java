package dev.sluice.gateway.outbound;

import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.connector.OutboundMessage;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.ledger.LedgerEvent;
import dev.sluice.gateway.ledger.MessageStatus;
import java.util.Objects;

/**
 * A message accepted from a tenant, as it waits in the outbound queue.
 *
 * @param to the address as the provider takes it: E.164 with {@code +} for phone channels, the chat
 *     id for Telegram
 * @param recipient the conversation key: the phone number's digits, or the chat id — the same key
 *     ingress uses for the end user, so a conversation's inbound and outbound share a partition
 * @param recipientHash the keyed hash of {@code recipient} ({@code PhoneHasher.hash}), computed
 *     once when the message is queued so the partition and conversation key need no second HMAC;
 *     {@code null} until then, and in payloads queued before it was stored
 * @param acceptedAt when the API accepted it (ms since the epoch)
 * @param campaignId the campaign it belongs to, or {@code null}
 * @param window the quiet hours it may be sent within, or {@code null} for any time
 */
public record QueuedMessage(
    String id,
    String tenantId,
    String channelId,
    Provider provider,
    String to,
    String recipient,
    String recipientHash,
    OutboundLane lane,
    String clientRef,
    long acceptedAt,
    MessageContent content,
    String campaignId,
    SendWindow window) {

  /** A message of no campaign and without a send window. */
  public QueuedMessage(
      String id,
      String tenantId,
      String channelId,
      Provider provider,
      String to,
      String recipient,
      String recipientHash,
      OutboundLane lane,
      String clientRef,
      long acceptedAt,
      MessageContent content) {
    this(
        id,
        tenantId,
        channelId,
        provider,
        to,
        recipient,
        recipientHash,
        lane,
        clientRef,
        acceptedAt,
        content,
        null,
        null);
  }

  public QueuedMessage {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(channelId, "channelId");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(lane, "lane");
    Objects.requireNonNull(content, "content");
  }

  /** This message with the keyed hash of its recipient. */
  public QueuedMessage withRecipientHash(String hash) {
    return new QueuedMessage(
        id,
        tenantId,
        channelId,
        provider,
        to,
        recipient,
        hash,
        lane,
        clientRef,
        acceptedAt,
        content,
        campaignId,
        window);
  }

  /**
   * This message as its request asked for it: without what the gateway gave it (its id, the time it
   * was accepted, its recipient's hash). Two requests that ask for the same message give equal
   * values, whatever their JSON's field order or spacing: an idempotency key is checked against it.
   */
  public QueuedMessage asRequested() {
    return new QueuedMessage(
        "",
        tenantId,
        channelId,
        provider,
        to,
        recipient,
        null,
        lane,
        clientRef,
        0,
        content,
        campaignId,
        window);
  }

  /** This message as part of a campaign, sent within {@code window} (or any time when null). */
  public QueuedMessage inCampaign(String campaign, SendWindow sendWindow) {
    return new QueuedMessage(
        id,
        tenantId,
        channelId,
        provider,
        to,
        recipient,
        recipientHash,
        lane,
        clientRef,
        acceptedAt,
        content,
        campaign,
        sendWindow);
  }

  /** This message sent within {@code sendWindow} (or any time when null). */
  public QueuedMessage withWindow(SendWindow sendWindow) {
    return inCampaign(campaignId, sendWindow);
  }

  /**
   * A ledger event about this message (everything needed to create its row comes along; the event
   * that accepts it also carries its content, which the ledger keeps sealed).
   */
  public LedgerEvent ledgerEvent(
      MessageStatus status,
      long atMs,
      String providerMessageId,
      String errorCode,
      String errorMessage,
      String source) {
    return new LedgerEvent(
        id,
        tenantId,
        channelId,
        provider.wireName(),
        to,
        lane.wireName(),
        clientRef,
        acceptedAt,
        status,
        atMs,
        providerMessageId,
        errorCode,
        errorMessage,
        source,
        campaignId,
        status == MessageStatus.ACCEPTED ? MessageCodec.contentJson(content) : null);
  }

  /** What a connector needs to send it. */
  public OutboundMessage toOutbound() {
    return new OutboundMessage(id, to, content);
  }
}
