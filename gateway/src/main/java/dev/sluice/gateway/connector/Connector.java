package dev.sluice.gateway.connector;

import dev.sluice.gateway.ingress.Provider;
import dev.sluice.gateway.tenant.Channel;
import io.vertx.core.Future;

/**
 * Sends one message through one provider's API and says what became of it. Implementations are
 * stateless and thread-safe: one instance serves every channel of its provider on every event loop.
 */
public interface Connector {

  /** The provider this connector sends through. */
  Provider provider();

  /**
   * Sends one message. Never fails for anything the provider answered or for network errors: those
   * become a {@link SendResult} (so do a channel without the credential it needs and content this
   * provider cannot carry, both {@link SendResult.Outcome#PERMANENT}).
   *
   * @param channel the sending account, with its credentials
   * @return the outcome; the Future fails only on programming errors
   */
  Future<SendResult> send(Channel channel, OutboundMessage message);
}
