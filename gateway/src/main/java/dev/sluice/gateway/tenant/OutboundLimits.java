package dev.sluice.gateway.tenant;

/**
 * A channel's sending limits; any {@code null} part falls back to the provider's default.
 *
 * @param perSecond messages per second from this sender (WhatsApp: per phone number; Telegram: per
 *     bot)
 * @param burst messages above the steady rate the sender may send at once
 * @param perRecipientPerMinute messages per minute to one recipient (WhatsApp's pair limit,
 *     Telegram's one per second per chat)
 * @param recipientBurst messages above that rate one recipient may receive at once
 */
public record OutboundLimits(
    Integer perSecond, Integer burst, Integer perRecipientPerMinute, Integer recipientBurst) {}
