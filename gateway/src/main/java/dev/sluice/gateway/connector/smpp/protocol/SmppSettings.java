package dev.sluice.gateway.connector.smpp.protocol;

import java.time.Duration;

/**
 * The settings of one SMPP account: where to connect, how to bind, how many connections and how
 * much of each connection's window to use, and the timers.
 *
 * @param host the SMSC host
 * @param port the SMSC port
 * @param tls connect with TLS
 * @param trustAll trust any server certificate (tests only)
 * @param systemId the bind's system_id (at most 15 characters)
 * @param password the bind's password (at most 8 characters)
 * @param systemType the bind's system_type (at most 12 characters, may be empty)
 * @param bindMode one transceiver or a transmitter + receiver pair per bind
 * @param binds how many binds (each one or two connections)
 * @param windowSize at most this many unacknowledged PDUs per connection
 * @param source the source address of every submit_sm
 * @param enquireLinkInterval how often every connection sends enquire_link (default 30 s)
 * @param responseTimeout no response by then: the PDU is UNKNOWN, never resent (default 10 s)
 * @param reconnectMin the first pause before reconnecting (default 1 s)
 * @param reconnectMax the longest pause before reconnecting (default 30 s)
 * @param throttleBackoff the first pause of a bind after 0x58/0x14 (default 1 s, doubles to 16 s)
 * @param maxThrottleWait how long one submit keeps retrying throttled parts (default 30 s)
 */
public record SmppSettings(
    String host,
    int port,
    boolean tls,
    boolean trustAll,
    String systemId,
    String password,
    String systemType,
    BindMode bindMode,
    int binds,
    int windowSize,
    SmppAddress source,
    Duration enquireLinkInterval,
    Duration responseTimeout,
    Duration reconnectMin,
    Duration reconnectMax,
    Duration throttleBackoff,
    Duration maxThrottleWait) {}
