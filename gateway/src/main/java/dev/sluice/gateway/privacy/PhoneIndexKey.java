package dev.sluice.gateway.privacy;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.Arrays;

/**
 * The deployment's phone-index key, the key of {@link PhoneHasher}: row {@code phone-index} of
 * {@code deployment_keys}, wrapped by the master key. Being stored rather than derived, it does not
 * change when the master key is rotated (rotation re-wraps it), so phone hashes, and with them
 * Redis partitions and key names, stay the same.
 *
 * <p>The first gateway to start on a database stores it: the key gateways before it derived from
 * the master key (HMAC(master key, "sluice/phone-hash/v1")), so existing Redis keys and partitions
 * stay valid after the upgrade. Several instances starting at once all insert with {@code ON
 * CONFLICT DO NOTHING} and then read what is stored, so they all use the one row.
 */
public final class PhoneIndexKey {
  static final String NAME = "phone-index";

  private PhoneIndexKey() {}

  /**
   * The unwrapped key, stored first if there is none yet.
   *
   * @return a Future failed with an {@link IllegalStateException} when the stored key cannot be
   *     unwrapped by any configured master key, or with the PostgreSQL error
   */
  public static Future<byte[]> load(Pool pool, CredentialCipher cipher) {
    byte[] first = cipher.keys().deriveFromCurrent(PhoneHasher.DERIVATION_LABEL);
    Buffer wrapped =
        Buffer.buffer(cipher.encrypt(MasterSealed.DEPLOYMENT_KEYS.context(NAME), first));
    Arrays.fill(first, (byte) 0);
    return pool.preparedQuery(
            "INSERT INTO deployment_keys (name, wrapped) VALUES ($1, $2)"
                + " ON CONFLICT (name) DO NOTHING")
        .execute(Tuple.of(NAME, wrapped))
        .compose(
            ignored ->
                pool.preparedQuery("SELECT wrapped FROM deployment_keys WHERE name = $1")
                    .execute(Tuple.of(NAME)))
        .map(rows -> unwrap(cipher, rows));
  }

  private static byte[] unwrap(CredentialCipher cipher, RowSet<Row> rows) {
    byte[] wrapped = rows.iterator().next().getBuffer("wrapped").getBytes();
    try {
      return cipher.decrypt(MasterSealed.DEPLOYMENT_KEYS.context(NAME), wrapped);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "the phone-index key (deployment_keys) cannot be unwrapped ("
              + e.getMessage()
              + "): is security.masterKey (or one of security.previousMasterKeys) the key it was"
              + " wrapped with?");
    }
  }
}
