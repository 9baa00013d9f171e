package dev.sluice.gateway.connector.smpp.protocol;

import java.util.Objects;

/**
 * An SMPP address: type of number, numbering plan indicator and the address digits or text.
 *
 * @param ton type of number, 0..255
 * @param npi numbering plan indicator, 0..255
 * @param address the address (at most 20 characters on the wire for submit_sm)
 */
public record SmppAddress(int ton, int npi, String address) {
  public SmppAddress {
    if (ton < 0 || ton > 255) {
      throw new IllegalArgumentException("ton must be 0..255, got " + ton);
    }
    if (npi < 0 || npi > 255) {
      throw new IllegalArgumentException("npi must be 0..255, got " + npi);
    }
    Objects.requireNonNull(address, "address");
  }
}
