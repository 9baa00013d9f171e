/**
 * SMPP 3.4 protocol layer: PDU codec, GSM 03.38 / UCS-2 encodings, the long-message splitter, bind
 * sessions with windowing, keepalive and reconnects, delivery receipts and MO reassembly. It knows
 * nothing of tenants, channels, Redis, PostgreSQL or the ledger.
 */
package dev.sluice.gateway.connector.smpp.protocol;
