package dev.sluice.gateway.connector.smpp.protocol;

/** How one "bind" of an SMPP account connects. */
public enum BindMode {
  /** One connection that both submits and receives (bind_transceiver). */
  TRANSCEIVER,
  /** Two connections per bind: a bind_transmitter for submits and a bind_receiver for receipts. */
  TRANSMITTER_RECEIVER
}
