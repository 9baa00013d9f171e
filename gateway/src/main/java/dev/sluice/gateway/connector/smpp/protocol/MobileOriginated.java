package dev.sluice.gateway.connector.smpp.protocol;

/**
 * A mobile-originated message, reassembled when it came in parts.
 *
 * @param source the sender
 * @param destination the number it was sent to
 * @param text the decoded text
 * @param dedupKey stable across SMSC redeliveries of the same PDU(s): a hash of source,
 *     destination, text and, if present, the UDH reference / sequence
 */
public record MobileOriginated(
    SmppAddress source, SmppAddress destination, String text, String dedupKey) {}
