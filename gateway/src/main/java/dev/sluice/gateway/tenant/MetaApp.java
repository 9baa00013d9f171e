package dev.sluice.gateway.tenant;

import dev.sluice.gateway.config.Secret;
import java.util.Objects;

/**
 * A Meta app: its app secret signs the webhooks of every WhatsApp, Messenger and Instagram channel
 * subscribed through it ({@code X-Hub-Signature-256}), and its verify token answers Meta's
 * subscription handshake ({@code hub.verify_token}).
 */
public record MetaApp(String id, Secret appSecret, Secret verifyToken) {
  public MetaApp {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(appSecret, "appSecret");
    Objects.requireNonNull(verifyToken, "verifyToken");
  }
}
