package dev.sluice.gateway.connector;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/** Channels and settings for connector tests. Every credential contains {@link #MARK}. */
public final class TestChannels {
  /** In every credential, so one check proves that none leaked. */
  public static final String MARK = "S3CR3T";

  /** 2026-03-01T10:00:00Z, a Sunday: Retry-After dates are relative to it. */
  public static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);

  private TestChannels() {}

  /** All provider base URLs at {@code baseUrl}. */
  public static GatewayConfig.Providers providers(String baseUrl, long requestTimeoutMs) {
    return new GatewayConfig.Providers(baseUrl, "v23.0", baseUrl, baseUrl, requestTimeoutMs, false);
  }

  /**
   * A channel of the provider with credentials that all contain {@link #MARK}.
   *
   * @param infobipBaseUrl where an infobip channel sends (its base URL is a credential)
   */
  public static Channel channel(Provider provider, String infobipBaseUrl) {
    return switch (provider) {
      case WHATSAPP ->
          channel(provider, "106540352242922", null, Map.of("accessToken", "EAAG" + MARK + "tok"));
      case TELEGRAM ->
          channel(provider, null, null, Map.of("botToken", "123456:AA" + MARK + "bot"));
      case TWILIO ->
          channel(
              provider,
              "+15005550006",
              "https://gw.example.com/webhooks/twilio/ch-twilio",
              Map.of("accountSid", "AC" + MARK + "sid", "authToken", "auth" + MARK + "token"));
      case INFOBIP ->
          channel(
              provider,
              "InfoSMS",
              null,
              Map.of(
                  "apiKey", "key" + MARK + "api",
                  "baseUrl", infobipBaseUrl,
                  "webhookSecret", "hook " + MARK + "/+:&secret"));
      default -> throw new IllegalArgumentException(provider.toString());
    };
  }

  /** A channel with these credentials in clear. */
  public static Channel channel(
      Provider provider, String address, String publicUrl, Map<String, String> credentials) {
    Map<String, Secret> secrets = new HashMap<>();
    credentials.forEach((k, v) -> secrets.put(k, Secret.of(v)));
    return new Channel(
        "ch-" + provider.wireName(),
        "tenant-a",
        provider,
        address,
        null,
        publicUrl,
        secrets,
        null,
        null,
        null);
  }
}
