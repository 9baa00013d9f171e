package dev.sluice.gateway.privacy;

import dev.sluice.gateway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hash of end-user addresses (phone numbers, chat ids). Redis key names, partition choice,
 * metric tags and logs use {@link #hash}, never the address; PostgreSQL looks a number up by {@link
 * #indexHash}. Without the key, a hash cannot be turned back into a number by hashing every
 * possible phone number.
 *
 * <p>The key is the deployment's phone-index key ({@link PhoneIndexKey}): stored wrapped by the
 * master key, so it stays the same when the master key is rotated. That matters: the hash chooses
 * Redis partitions and names Redis keys, and a changed hash would strand queued work. Every
 * instance loads the same key at start. A deployment's first phone-index key is the one gateways
 * before it derived from the master key ({@link #PhoneHasher(Secret)}), so upgrading changes no
 * hash. Thread-safe.
 */
public final class PhoneHasher {
  private static final HexFormat HEX = HexFormat.of();

  private final ThreadLocal<Mac> mac;

  /**
   * @param key the unwrapped phone-index key (32 bytes)
   */
  public PhoneHasher(byte[] key) {
    SecretKeySpec spec = new SecretKeySpec(key, "HmacSHA256");
    this.mac =
        ThreadLocal.withInitial(
            () -> {
              try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(spec);
                return m;
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
              }
            });
  }

  /**
   * With the key derived from a master key: the phone-index key a deployment gets on its first
   * start with that master key (and the only key of gateways before {@link PhoneIndexKey}).
   */
  public PhoneHasher(Secret masterKey) {
    this(derivedKey(masterKey));
  }

  /** What the first phone-index key is derived with: HMAC(master key, this label). */
  static final String DERIVATION_LABEL = "sluice/phone-hash/v1";

  /** HMAC(master key, "sluice/phone-hash/v1"): the first phone-index key of a deployment. */
  static byte[] derivedKey(Secret masterKey) {
    return MasterKeys.hmac(MasterKeys.decode(masterKey, "master key"), DERIVATION_LABEL);
  }

  /** The first 12 bytes of the keyed hash, as 24 lowercase hex characters (Redis, logs). */
  public String hash(String address) {
    return HEX.formatHex(indexHash(address), 0, 12);
  }

  /**
   * The full keyed hash (32 bytes): the one way to look an address up in PostgreSQL. A column that
   * must be found by phone number stores this, never the number; {@link #hash} is its first 12
   * bytes in hex.
   */
  public byte[] indexHash(String address) {
    return mac.get().doFinal(address.getBytes(StandardCharsets.UTF_8));
  }

  /** A stable partition in {@code [0, partitions)} for a hash from {@link #hash}. */
  public static int partition(String hash, int partitions) {
    long prefix = Long.parseLong(hash.substring(0, 8), 16);
    return (int) (prefix % partitions);
  }
}
