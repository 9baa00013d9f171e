package dev.sluice.gateway.dispatch;

import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.outbound.OutboundStore;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.OutboundLimits;

/**
 * A channel's sending limits as GCRA parameters, from the provider's documented limits unless the
 * channel overrides them ({@code limits.outbound}).
 *
 * <p>Defaults, with their sources in {@code provider-facts.md}: WhatsApp Cloud API 80 messages per
 * second per business number, and the pair limit of about one message per 6 seconds to one user (10
 * a minute; Meta allows short bursts, we allow 5); Telegram about 30 per second per bot and one per
 * second per chat; Twilio 10 per second per sender (a long code does 1, a short code or a Messaging
 * Service far more: set it per channel); Infobip 100 per second; SMPP 100 per second with a burst
 * of 10 (an SMSC's TPS is the account's contract: set it per channel).
 */
public record Pacing(
    double senderIntervalMs,
    double senderToleranceMs,
    double recipientIntervalMs,
    double recipientToleranceMs) {

  /** The messages per second a channel sends at most (its limit, or its provider's default). */
  public static int perSecond(Channel channel) {
    OutboundLimits o = channel.outboundLimits();
    return o != null && o.perSecond() != null ? o.perSecond() : defaults(channel.provider())[0];
  }

  static Pacing of(Channel channel) {
    OutboundLimits l = limits(channel);
    double si = 1000.0 / l.perSecond();
    double ri = 60_000.0 / l.perRecipientPerMinute();
    return new Pacing(si, si * l.burst(), ri, ri * l.recipientBurst());
  }

  /** The limits a channel is paced by: its own, each part it leaves out its provider's default. */
  public static OutboundLimits limits(Channel channel) {
    int[] d = defaults(channel.provider());
    OutboundLimits o = channel.outboundLimits();
    return new OutboundLimits(
        o != null && o.perSecond() != null ? o.perSecond() : d[0],
        o != null && o.burst() != null ? o.burst() : d[1],
        o != null && o.perRecipientPerMinute() != null ? o.perRecipientPerMinute() : d[2],
        o != null && o.recipientBurst() != null ? o.recipientBurst() : d[3]);
  }

  /** {perSecond, burst, perRecipientPerMinute, recipientBurst}. */
  static int[] defaults(Provider p) {
    return switch (p) {
      case WHATSAPP -> new int[] {80, 20, 10, 5};
      case TELEGRAM -> new int[] {30, 10, 60, 2};
      case TWILIO -> new int[] {10, 10, 60, 5};
      // An SMSC enforces its TPS per second: a small burst, or the excess is answered 0x58.
      case SMPP -> new int[] {100, 10, 60, 5};
      default -> new int[] {100, 100, 60, 5};
    };
  }

  /** These limits as the pacing functions take them. */
  OutboundStore.Rates rates() {
    return new OutboundStore.Rates(
        senderIntervalMs, senderToleranceMs, recipientIntervalMs, recipientToleranceMs);
  }
}
