package dev.sluice.gateway.admin;

import static dev.sluice.gateway.http.JsonBody.invalid;

import dev.sluice.gateway.http.JsonBody;
import dev.sluice.gateway.tenant.SmppAccount;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code smpp} object of an smpp channel: where its SMSC is and how to bind, validated against
 * the limits of SMPP 3.4 (section 5.2: {@code system_id} 16 octets, {@code password} 9, {@code
 * system_type} 13, {@code source_addr} 21, each with its terminating NUL).
 */
final class SmppRequest {
  static final Set<String> FIELDS =
      Set.of(
          "host", "port", "tls", "systemType", "bindMode", "binds", "windowSize", "sourceAddress");
  private static final Set<String> SOURCE_FIELDS = Set.of("address", "ton", "npi");

  /** A DNS name or an IPv4/IPv6 literal: letters, digits, dots, hyphens, colons, brackets. */
  private static final Pattern HOST = Pattern.compile("^[A-Za-z0-9.\\-:\\[\\]]{1,253}$");

  /** SMPP 3.4 C-Octet String fields: printable ASCII (the SMSC compares them byte for byte). */
  private static final Pattern PRINTABLE = Pattern.compile("^[ -~]*$");

  private static final Pattern DIGITS = Pattern.compile("^\\+?[0-9]{1,20}$");
  private static final Pattern ALPHANUMERIC = Pattern.compile("^[ -~]{1,11}$");

  static final int MAX_SYSTEM_ID = 15;
  static final int MAX_PASSWORD = 8;
  private static final int MAX_SYSTEM_TYPE = 12;
  private static final int TON_INTERNATIONAL = 1;
  private static final int TON_ALPHANUMERIC = 5;
  private static final int NPI_E164 = 1;

  private SmppRequest() {}

  /**
   * @throws dev.sluice.gateway.core.GatewayException 400 for wrong types, 422 naming the first
   *     invalid field
   */
  static SmppAccount parse(JsonBody smpp) {
    String host = smpp.string("host");
    String systemType = smpp.string("systemType");
    String bindMode = smpp.string("bindMode");
    boolean tls = smpp.bool("tls", false);
    JsonBody source = smpp.object("sourceAddress");
    smpp.allowOnly(FIELDS);
    if (host == null || host.isEmpty()) {
      throw invalid("smpp.host is required");
    }
    if (!HOST.matcher(host).matches()) {
      throw invalid("smpp.host must be a host name or an IP address");
    }
    int port = smpp.requiredInt("port", 1, 65_535);
    if (systemType != null
        && (systemType.length() > MAX_SYSTEM_TYPE || !PRINTABLE.matcher(systemType).matches())) {
      throw invalid("smpp.systemType must be at most " + MAX_SYSTEM_TYPE + " ASCII characters");
    }
    if (bindMode == null) {
      bindMode = SmppAccount.TRANSCEIVER;
    }
    if (!bindMode.equals(SmppAccount.TRANSCEIVER)
        && !bindMode.equals(SmppAccount.TRANSMITTER_RECEIVER)) {
      throw invalid("smpp.bindMode must be transceiver or transmitter_receiver");
    }
    Integer binds = smpp.optionalInt("binds", 1, 32);
    Integer window = smpp.optionalInt("windowSize", 1, 1000);
    String address = null;
    int ton = 0;
    int npi = 0;
    if (source != null) {
      address = source.string("address");
      source.allowOnly(SOURCE_FIELDS);
      if (address == null || address.isEmpty()) {
        throw invalid("smpp.sourceAddress.address is required");
      }
      boolean digits = DIGITS.matcher(address).matches();
      if (!digits && !ALPHANUMERIC.matcher(address).matches()) {
        throw invalid(
            "smpp.sourceAddress.address must be a number of up to 20 digits or an"
                + " alphanumeric sender of up to 11 ASCII characters");
      }
      if (address.startsWith("+")) {
        address = address.substring(1);
      }
      Integer t = source.optionalInt("ton", 0, 255);
      Integer n = source.optionalInt("npi", 0, 255);
      ton = t != null ? t : digits ? TON_INTERNATIONAL : TON_ALPHANUMERIC;
      npi = n != null ? n : digits ? NPI_E164 : 0;
    }
    return new SmppAccount(
        host,
        port,
        tls,
        systemType == null ? "" : systemType,
        bindMode,
        binds == null ? 1 : binds,
        window == null ? 10 : window,
        address,
        ton,
        npi);
  }

  /** The bind credentials' SMPP length limits. */
  static void checkCredentials(Map<String, String> credentials) {
    String systemId = credentials.get("systemId");
    if (systemId.length() > MAX_SYSTEM_ID || !PRINTABLE.matcher(systemId).matches()) {
      throw invalid("credentials.systemId must be at most " + MAX_SYSTEM_ID + " ASCII characters");
    }
    String password = credentials.get("password");
    if (password.length() > MAX_PASSWORD || !PRINTABLE.matcher(password).matches()) {
      throw invalid("credentials.password must be at most " + MAX_PASSWORD + " ASCII characters");
    }
  }
}
