package dev.sluice.gateway.privacy;

import dev.sluice.gateway.config.Secret;
import java.util.Objects;

/**
 * Seals values at rest with AES-256-GCM under the master key: provider credentials, Meta app and
 * endpoint secrets, and the keys below the master key (tenant data keys, the phone-index key; see
 * {@link MasterSealed} for the full list).
 *
 * <p>Sealed layout, version 2 (every new value): the version byte {@code 2}, the {@value
 * MasterKeys#ID_BYTES}-byte id of the master key that sealed it, the 12-byte random nonce, then the
 * ciphertext with its 128-bit tag. Version 1 (values written before key ids): {@code 1}, nonce,
 * ciphertext; it is still opened, with the current key and then each previous one. The associated
 * data is the header (version, and key id) followed by the UTF-8 of the <em>context</em>, the
 * identity of the row the value belongs to (a channel id, {@code meta-app:<id>}, …): a sealed value
 * copied into another row, or read with another key, fails to authenticate instead of decrypting to
 * someone else's credentials.
 *
 * <p>Thread-safe; see {@link Aead} for the nonces and the per-thread ciphers.
 */
public final class CredentialCipher {
  private static final byte V1 = 1;
  private static final byte V2 = 2;
  private static final int V2_HEADER = 1 + MasterKeys.ID_BYTES;

  private final MasterKeys keys;
  private final byte[] header;

  /**
   * With only the current master key.
   *
   * @param masterKey base64 of 32 bytes (validated when the config is loaded)
   * @throws IllegalArgumentException if it is not base64 of exactly 32 bytes (the message does not
   *     quote the key)
   */
  public CredentialCipher(Secret masterKey) {
    this(MasterKeys.of(masterKey));
  }

  public CredentialCipher(MasterKeys keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.header = new byte[V2_HEADER];
    header[0] = V2;
    System.arraycopy(keys.current().id(), 0, header, 1, MasterKeys.ID_BYTES);
  }

  /** The master keys this cipher seals and opens with. */
  public MasterKeys keys() {
    return keys;
  }

  /**
   * Seals a value under the current master key (version 2).
   *
   * @param context the row the value belongs to: the channel id, {@code meta-app:<id>}, …
   * @return version byte + key id + nonce + ciphertext and tag
   */
  public byte[] encrypt(String context, byte[] plaintext) {
    return Aead.seal(keys.current().spec(), header, context, plaintext);
  }

  /**
   * Opens a value sealed by {@link #encrypt} (or by a gateway before key ids) under any of the
   * configured master keys, for the same context.
   *
   * @throws IllegalArgumentException if the value is truncated, has an unknown version, was sealed
   *     under a master key that is not configured, for another context, or was altered (the message
   *     names none of the secret material)
   */
  public byte[] decrypt(String context, byte[] sealed) {
    Objects.requireNonNull(context, "context");
    Aead.checkLength(sealed, 1);
    if (sealed[0] == V2) {
      Aead.checkLength(sealed, V2_HEADER);
      MasterKeys.Key key =
          keys.byId(sealed, 1)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "sealed value is sealed under a master key that is not configured"
                              + " (neither security.masterKey nor security.previousMasterKeys)"));
      return Aead.open(key.spec(), V2_HEADER, context, sealed);
    }
    if (sealed[0] == V1) {
      IllegalArgumentException last = null;
      for (MasterKeys.Key key : keys.all()) {
        try {
          return Aead.open(key.spec(), 1, context, sealed);
        } catch (IllegalArgumentException e) {
          last = e;
        }
      }
      throw last;
    }
    throw new IllegalArgumentException("sealed value has unknown version " + sealed[0]);
  }
}
