package dev.sluice.gateway.connector;

import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

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

  /**
   * How many messages of one channel {@link #sendMany} sends in one provider call at most; 1 for a
   * provider that takes one message per call.
   */
  default int maxBatch() {
    return 1;
  }

  /**
   * Sends several messages of one channel, in one provider call where the provider takes many (at
   * most {@link #maxBatch()}). Never fails for anything the provider answered, as {@link #send}.
   * The messages go to different recipients (the dispatcher hands out one message per conversation
   * at a time).
   *
   * @return one outcome per message, in order; the Future fails only on programming errors
   */
  default Future<List<SendResult>> sendMany(Channel channel, List<OutboundMessage> messages) {
    List<Future<SendResult>> each = new ArrayList<>(messages.size());
    messages.forEach(m -> each.add(send(channel, m)));
    return Future.all(each).map(all -> all.list());
  }
}
