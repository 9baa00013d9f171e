package dev.sluice.gateway.privacy;

import dev.sluice.gateway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hash of end-user addresses (phone numbers, chat ids). Redis key names, partition choice,
 * metric tags and logs use this hash, never the address: without the key, a hash cannot be turned
 * back into a number by hashing every possible phone number. The key is derived from the master
 * key, so every gateway instance computes the same hash. Thread-safe.
 */
public final class PhoneHasher {
  private static final HexFormat HEX = HexFormat.of();

  private final ThreadLocal<Mac> mac;

  public PhoneHasher(Secret masterKey) {
    byte[] derived = hmac(Base64.getDecoder().decode(masterKey.reveal()), "sluice/phone-hash/v1");
    SecretKeySpec key = new SecretKeySpec(derived, "HmacSHA256");
    this.mac =
        ThreadLocal.withInitial(
            () -> {
              try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(key);
                return m;
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
              }
            });
  }

  /** The first 12 bytes of the keyed hash, as 24 lowercase hex characters. */
  public String hash(String address) {
    byte[] h = mac.get().doFinal(address.getBytes(StandardCharsets.UTF_8));
    return HEX.formatHex(h, 0, 12);
  }

  /** A stable partition in {@code [0, partitions)} for a hash from {@link #hash}. */
  public static int partition(String hash, int partitions) {
    long prefix = Long.parseLong(hash.substring(0, 8), 16);
    return (int) (prefix % partitions);
  }

  private static byte[] hmac(byte[] key, String message) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return m.doFinal(message.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
