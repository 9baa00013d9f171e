package dev.sluice.gateway.connector.smpp.protocol;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settings of one SMPP account: where to connect, how to bind, how many connections and how
 * much of each connection's window to use, and the timers. A null duration takes its default;
 * lengths the PDUs cannot carry are refused here, all problems in one message.
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
    Duration maxThrottleWait) {

  /** Fills the documented defaults for null durations and checks what the wire can carry. */
  public SmppSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(bindMode, "bindMode");
    Objects.requireNonNull(source, "source");
    systemType = systemType == null ? "" : systemType;
    password = password == null ? "" : password;
    enquireLinkInterval = orDefault(enquireLinkInterval, Duration.ofSeconds(30));
    responseTimeout = orDefault(responseTimeout, Duration.ofSeconds(10));
    reconnectMin = orDefault(reconnectMin, Duration.ofSeconds(1));
    reconnectMax = orDefault(reconnectMax, Duration.ofSeconds(30));
    throttleBackoff = orDefault(throttleBackoff, Duration.ofSeconds(1));
    maxThrottleWait = orDefault(maxThrottleWait, Duration.ofSeconds(30));
    List<String> problems = new ArrayList<>();
    if (port < 1 || port > 65535) {
      problems.add("port must be 1..65535, got " + port);
    }
    if (systemId == null || systemId.isEmpty() || systemId.length() > 15) {
      problems.add("systemId must be 1..15 characters");
    }
    if (password.length() > 8) {
      problems.add("password must be at most 8 characters");
    }
    if (systemType.length() > 12) {
      problems.add("systemType must be at most 12 characters");
    }
    if (binds < 1 || binds > 64) {
      problems.add("binds must be 1..64, got " + binds);
    }
    if (windowSize < 1 || windowSize > 1000) {
      problems.add("windowSize must be 1..1000, got " + windowSize);
    }
    if (source.address().length() > 20) {
      problems.add("source address must be at most 20 characters");
    }
    if (reconnectMax.compareTo(reconnectMin) < 0) {
      problems.add("reconnectMax must not be below reconnectMin");
    }
    for (Duration d :
        List.of(enquireLinkInterval, responseTimeout, reconnectMin, throttleBackoff)) {
      if (d.isNegative() || d.isZero()) {
        problems.add("SMPP durations must be positive");
        break;
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  private static Duration orDefault(Duration value, Duration fallback) {
    return value == null ? fallback : value;
  }

  /** The settings with the password masked. */
  @Override
  public String toString() {
    return "SmppSettings["
        + systemId
        + "@"
        + host
        + ":"
        + port
        + ", tls="
        + tls
        + ", "
        + bindMode
        + ", binds="
        + binds
        + ", windowSize="
        + windowSize
        + ", password=***]";
  }
}
