package dev.sluice.gateway.ingress;

import java.util.Locale;

/**
 * Where a webhook request comes from: one endpoint each. Meta's one endpoint carries WhatsApp,
 * Messenger and Instagram events, whose {@link Provider} is known only after parsing.
 */
public enum WebhookSource {
  META,
  TELEGRAM,
  TWILIO,
  INFOBIP,
  STANDARD;

  private final String tag = name().toLowerCase(Locale.ROOT);

  /** Lowercase name for metric tags. */
  public String tag() {
    return tag;
  }
}
