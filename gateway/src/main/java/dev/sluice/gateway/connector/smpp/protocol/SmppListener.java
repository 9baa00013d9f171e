package dev.sluice.gateway.connector.smpp.protocol;

import io.vertx.core.Future;

/**
 * What an {@link SmppClient} hands up: delivery receipts and mobile-originated messages. The client
 * answers the SMSC's deliver_sm (or data_sm) only when the returned future completes: 0 on success,
 * ESME_RX_T_APPN (0x64) on failure, so the SMSC delivers it again.
 *
 * <p>The methods are called on the event loop of the connection that received the PDU (a timed-out
 * concatenation: on a timer's), so they must not block; a thrown exception counts as a failed
 * future. A future that never completes leaves the SMSC without an answer until it redelivers.
 */
public interface SmppListener {
  /**
   * A delivery receipt (deliver_sm with esm_class bit 0x04, or data_sm likewise). The returned
   * future completes when the receipt is durable; only then does the client answer deliver_sm_resp
   * 0; if it fails, the client answers ESME_RX_T_APPN (0x64) so the SMSC delivers it again.
   */
  Future<Void> onReceipt(DeliveryReceipt receipt);

  /**
   * A mobile-originated message, reassembled from its UDH parts when concatenated; same ack rule.
   */
  Future<Void> onMessage(MobileOriginated message);

  /** The number of bound connections able to submit changed. */
  default void onBindsChanged(int bindsUp) {}
}
