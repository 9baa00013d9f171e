package dev.sluice.gateway.dispatch;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.connector.Connector;
import dev.sluice.gateway.connector.infobip.InfobipConnector;
import dev.sluice.gateway.connector.telegram.TelegramConnector;
import dev.sluice.gateway.connector.twilio.TwilioConnector;
import dev.sluice.gateway.connector.whatsapp.WhatsAppConnector;
import dev.sluice.gateway.core.Provider;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The connector of each provider Sluice can send through, built once and shared by every
 * dispatcher: connectors are stateless and thread-safe.
 */
public final class Connectors {
  private final Map<Provider, Connector> byProvider = new EnumMap<>(Provider.class);

  /**
   * @param client the shared HTTP client for provider APIs
   * @param publicUrl the gateway's public URL ({@code http.publicUrl}) for callback URLs; empty or
   *     {@code null} when providers cannot reach the gateway, and then no callbacks are requested
   * @throws IllegalArgumentException if a non-empty {@code publicUrl} is not an absolute URL
   */
  public Connectors(WebClient client, GatewayConfig.Providers providers, String publicUrl) {
    this(client, providers, publicUrl, Clock.systemUTC());
  }

  /**
   * As {@link #Connectors(WebClient, GatewayConfig.Providers, String)}, with the clock that turns
   * an HTTP-date {@code Retry-After} into a wait.
   */
  public Connectors(
      WebClient client, GatewayConfig.Providers providers, String publicUrl, Clock clock) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(providers, "providers");
    Objects.requireNonNull(clock, "clock");
    add(new WhatsAppConnector(client, providers, clock));
    add(new TelegramConnector(client, providers, clock));
    add(new TwilioConnector(client, providers, publicUrl, clock));
    add(new InfobipConnector(client, providers, publicUrl, clock));
  }

  /**
   * Adds (or replaces) the connector of its provider: one that holds state shared by every
   * dispatcher of the instance (the SMPP binds).
   */
  public void add(Connector connector) {
    byProvider.put(connector.provider(), connector);
  }

  /**
   * The connector for a provider.
   *
   * @throws IllegalArgumentException for providers Sluice cannot send to (messenger, instagram,
   *     standard)
   */
  public Connector forProvider(Provider provider) {
    Connector connector = byProvider.get(provider);
    if (connector == null) {
      throw new IllegalArgumentException("no connector sends to " + provider.wireName());
    }
    return connector;
  }

  /** Whether {@link #forProvider} has a connector for this provider. */
  public boolean supports(Provider provider) {
    return byProvider.containsKey(provider);
  }
}
