package dev.sluice.gateway.privacy;

import javax.crypto.spec.SecretKeySpec;

/**
 * One tenant's data key, unwrapped: seals that tenant's data at rest (message bodies, raw payloads)
 * with AES-256-GCM. Stored only wrapped by the master key ({@code tenant_keys}); once that row is
 * deleted, nothing sealed with it can be opened again, whoever holds the master key.
 *
 * <p>Sealed layout: the version byte {@code 1}, the 12-byte random nonce, then the ciphertext with
 * its 128-bit tag; the version byte and the UTF-8 of the context (what the value is, such as {@code
 * message:<id>:body}) are the associated data, so a value moved to another place does not open.
 * Thread-safe and cheap on the hot path: no I/O, and the cipher is the calling thread's own.
 */
public final class DataKey {
  private static final byte[] HEADER = {1};

  private final SecretKeySpec key;

  DataKey(byte[] raw) {
    this.key = Aead.key(raw);
  }

  /**
   * Seals a value.
   *
   * @param context what the value is and where it belongs, bound to the sealed bytes
   */
  public byte[] seal(String context, byte[] plaintext) {
    return Aead.seal(key, HEADER, context, plaintext);
  }

  /**
   * Opens a value sealed by {@link #seal} with this key for the same context.
   *
   * @throws IllegalArgumentException if it is truncated, has an unknown version, or does not
   *     authenticate (another tenant's key, another context, or altered); the message names no
   *     secret material
   */
  public byte[] open(String context, byte[] sealed) {
    Aead.checkLength(sealed, HEADER.length);
    if (sealed[0] != HEADER[0]) {
      throw new IllegalArgumentException("sealed value has unknown version " + sealed[0]);
    }
    return Aead.open(key, HEADER.length, context, sealed);
  }

  @Override
  public String toString() {
    return "DataKey(***)";
  }
}
