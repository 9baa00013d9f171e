package dev.sluice.gateway.tenant;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * How an SMPP channel reaches its SMSC: everything but its {@code systemId} and {@code password},
 * which are credentials (sealed). Stored as the channel's {@code settings} column; shown by the
 * operator API as the channel's {@code smpp} object.
 *
 * @param host the SMSC's host name or address
 * @param port its TCP port, 1..65535
 * @param tls whether the connection is TLS (SMPP over TLS, e.g. port 3550)
 * @param systemType the bind's {@code system_type}, empty for none (at most 12 characters)
 * @param bindMode {@code transceiver} (one connection sends and receives) or {@code
 *     transmitter_receiver} (a transmitter and a receiver connection per bind)
 * @param binds binds per instance, 1..32
 * @param windowSize unacknowledged PDUs per bind, 1..1000
 * @param sourceAddress the sender (digits, or an alphanumeric sender id of at most 11 characters),
 *     {@code null} to let the SMSC choose
 * @param sourceTon its type of number, 0..255 (1 international, 3 network specific, 5 alphanumeric)
 * @param sourceNpi its numbering plan indicator, 0..255 (1 E.164, 0 unknown)
 */
public record SmppAccount(
    String host,
    int port,
    boolean tls,
    String systemType,
    String bindMode,
    int binds,
    int windowSize,
    String sourceAddress,
    int sourceTon,
    int sourceNpi) {

  public static final String TRANSCEIVER = "transceiver";
  public static final String TRANSMITTER_RECEIVER = "transmitter_receiver";

  public SmppAccount {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(bindMode, "bindMode");
    systemType = systemType == null ? "" : systemType;
  }

  /** The stored form (the channel's {@code settings} column) and the API's {@code smpp} object. */
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("host", host)
            .put("port", port)
            .put("tls", tls)
            .put("systemType", systemType)
            .put("bindMode", bindMode)
            .put("binds", binds)
            .put("windowSize", windowSize);
    if (sourceAddress != null) {
      json.put(
          "sourceAddress",
          new JsonObject()
              .put("address", sourceAddress)
              .put("ton", sourceTon)
              .put("npi", sourceNpi));
    }
    return json;
  }

  /** Reads the stored form written by {@link #toJson}. */
  static SmppAccount fromJson(JsonObject json) {
    JsonObject source = json.getJsonObject("sourceAddress");
    return new SmppAccount(
        json.getString("host"),
        json.getInteger("port"),
        json.getBoolean("tls", false),
        json.getString("systemType", ""),
        json.getString("bindMode", TRANSCEIVER),
        json.getInteger("binds", 1),
        json.getInteger("windowSize", 10),
        source == null ? null : source.getString("address"),
        source == null ? 0 : source.getInteger("ton", 0),
        source == null ? 0 : source.getInteger("npi", 0));
  }
}
