package dev.sluice.gateway.core;

import java.util.Objects;

/**
 * One event taken out of a provider webhook: an end user's message or a status report. A webhook
 * request may carry many (Meta batches entries, changes and messages; Infobip batches results).
 *
 * @param provider the provider that sent it
 * @param channelAddress how the provider names our side, for routing when the URL does not name the
 *     channel: WhatsApp {@code phone_number_id}, Messenger page id, Instagram account id ({@code
 *     entry[].id}). {@code null} for providers whose webhook URL names the channel.
 * @param kind message or status
 * @param dedupId the provider's identifier of this event, unique per channel, stable across the
 *     provider's redeliveries: the message id for messages; message id + {@code ":"} + provider
 *     status for status events (one message has several statuses); Telegram {@code update_id}
 * @param endUser the end user's address (phone number digits without {@code +}, or a chat / user
 *     id); the conversation key used for partitioning and the per-phone rate limit. {@code null}
 *     when the provider does not say.
 * @param from sender address: a phone number in E.164 with {@code +} (what {@code POST
 *     /v1/messages} takes as {@code to}, so a reply to it works), else as the provider gives it (a
 *     short code, an alphanumeric sender, a chat or page-scoped id); {@code null} when absent
 * @param to recipient address, in the same form as {@code from}
 * @param providerMessageId the provider's message id (wamid, MessageSid, Infobip messageId,
 *     Telegram message_id), or {@code null}
 * @param timestamp the provider's event time in Unix seconds, 0 when absent
 * @param type message type ({@code text}, {@code image}, {@code interactive}, …) for messages;
 *     {@code null} for status events
 * @param text the text of a text message, or {@code null}
 * @param status for status events, the normalised status ({@code queued}, {@code sent}, {@code
 *     delivered}, {@code read}, {@code failed}); {@code null} for messages
 * @param errorCode the provider's error code on a failed status, or {@code null}
 * @param errorMessage what the provider says of that error (its title and details), or {@code null}
 * @param raw the provider's own JSON object for this one event (for form-encoded providers, a JSON
 *     object of the form fields)
 * @param messageId for a status event, our id of the message it reports on when the provider echoed
 *     the reference the connector gave it ({@link MessageRef}); {@code null} otherwise
 * @param profileName the sender's display name where the provider gives one (WhatsApp {@code
 *     contacts[].profile.name}, Twilio {@code ProfileName}); {@code null} otherwise
 */
public record InboundEvent(
    Provider provider,
    String channelAddress,
    EventKind kind,
    String dedupId,
    String endUser,
    String from,
    String to,
    String providerMessageId,
    long timestamp,
    String type,
    String text,
    String status,
    String errorCode,
    String raw,
    String errorMessage,
    String messageId,
    String profileName) {

  /** An event whose provider says nothing of an error beyond its code. */
  public InboundEvent(
      Provider provider,
      String channelAddress,
      EventKind kind,
      String dedupId,
      String endUser,
      String from,
      String to,
      String providerMessageId,
      long timestamp,
      String type,
      String text,
      String status,
      String errorCode,
      String raw) {
    this(
        provider,
        channelAddress,
        kind,
        dedupId,
        endUser,
        from,
        to,
        providerMessageId,
        timestamp,
        type,
        text,
        status,
        errorCode,
        raw,
        null,
        null,
        null);
  }

  /** This event, reporting on our message {@code id}. */
  public InboundEvent withMessageId(String id) {
    return new InboundEvent(
        provider,
        channelAddress,
        kind,
        dedupId,
        endUser,
        from,
        to,
        providerMessageId,
        timestamp,
        type,
        text,
        status,
        errorCode,
        raw,
        errorMessage,
        id,
        profileName);
  }

  public InboundEvent {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(dedupId, "dedupId");
    Objects.requireNonNull(raw, "raw");
  }
}
