/**
 * SMS over SMPP 3.4: the {@code smpp} provider's connector. {@link
 * dev.sluice.gateway.connector.smpp.SmppConnector} holds one client (the binds) per smpp channel
 * per instance and turns submit outcomes into send results; receipts and mobile-originated messages
 * go to an {@link dev.sluice.gateway.connector.smpp.SmppInbound}, which admits them as webhooks'
 * events are admitted. The protocol itself (PDUs, binds, windows, encodings) is in {@code
 * protocol}, which knows nothing of tenants or channels.
 */
package dev.sluice.gateway.connector.smpp;
