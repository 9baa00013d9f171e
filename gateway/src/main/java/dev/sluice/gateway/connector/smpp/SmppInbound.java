package dev.sluice.gateway.connector.smpp;

import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.tenant.Channel;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where an SMPP bind's receipts and mobile-originated messages go: the same admission and ledger as
 * providers' webhooks. Implemented outside the connector (it knows nothing of Redis).
 */
@FunctionalInterface
public interface SmppInbound {

  /**
   * Admits one event of the channel into its tenant's queue (a status event also into the ledger).
   *
   * @param alsoKnownAs for a status event, other forms of its provider message id (the hex or
   *     decimal form the SMSC may have used in its submit_sm_resp): the ledger gets the same status
   *     under each, so whichever form the message was recorded with is matched
   * @return completes when the event is durable; fails when it is not (the SMSC is then told to
   *     deliver it again)
   */
  Future<Void> admit(Channel channel, InboundEvent event, List<String> alsoKnownAs);
}
