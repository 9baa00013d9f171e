package dev.sluice.gateway.privacy;

import dev.sluice.gateway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets at rest with AES-256-GCM under the master key ({@code security.masterKey}).
 *
 * <p>Sealed layout: one version byte ({@code 1}), the 12-byte random nonce, then the ciphertext
 * with its 128-bit tag. The associated data is the version byte followed by the UTF-8 of the
 * <em>context</em>, the identity of the row the value belongs to (a channel id, or {@code
 * meta-app:<id>}): a sealed value copied into another row, or read with another key, fails to
 * authenticate instead of decrypting to someone else's credentials.
 *
 * <p>Nonces are random: with 96-bit nonces NIST SP 800-38D allows 2^32 encryptions under one key,
 * far above the number of credential writes a gateway makes. Thread-safe: a {@link Cipher} is
 * created per call (credentials are sealed on admin changes and opened on directory reloads, never
 * per message), and the {@link SecureRandom} is shared, which is safe for concurrent use.
 */
public final class CredentialCipher {
  private static final byte VERSION = 1;
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int HEADER_BYTES = 1 + NONCE_BYTES;
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  /**
   * @param masterKey base64 of 32 bytes (validated when the config is loaded)
   * @throws IllegalArgumentException if it is not base64 of exactly 32 bytes (the message does not
   *     quote the key)
   */
  public CredentialCipher(Secret masterKey) {
    this(decodeKey(masterKey));
  }

  private CredentialCipher(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /**
   * Seals a value.
   *
   * @param context the row the value belongs to: the channel id, or {@code meta-app:<id>}
   * @return version byte + nonce + ciphertext and tag
   */
  public byte[] encrypt(String context, byte[] plaintext) {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(plaintext, "plaintext");
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData(context));
      byte[] sealed = new byte[HEADER_BYTES + cipher.getOutputSize(plaintext.length)];
      sealed[0] = VERSION;
      System.arraycopy(nonce, 0, sealed, 1, NONCE_BYTES);
      cipher.doFinal(plaintext, 0, plaintext.length, sealed, HEADER_BYTES);
      return sealed;
    } catch (GeneralSecurityException e) {
      // AES/GCM/NoPadding with a 256-bit key is mandatory on every Java SE platform.
      throw new IllegalStateException("AES-256-GCM is not available", e);
    }
  }

  /**
   * Opens a value sealed by {@link #encrypt} with the same key and context.
   *
   * @throws IllegalArgumentException if the value is truncated, has an unknown version, was sealed
   *     for another context or under another key, or was altered (the message names none of the
   *     secret material)
   */
  public byte[] decrypt(String context, byte[] sealed) {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(sealed, "sealed");
    if (sealed.length < HEADER_BYTES + TAG_BITS / 8) {
      throw new IllegalArgumentException("sealed value is truncated");
    }
    if (sealed[0] != VERSION) {
      throw new IllegalArgumentException("sealed value has unknown version " + sealed[0]);
    }
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
      cipher.updateAAD(associatedData(context));
      return cipher.doFinal(sealed, HEADER_BYTES, sealed.length - HEADER_BYTES);
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException(
          "sealed value does not authenticate (other key, other row, or altered)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available", e);
    }
  }

  private static byte[] associatedData(String context) {
    byte[] text = context.getBytes(StandardCharsets.UTF_8);
    byte[] aad = new byte[1 + text.length];
    aad[0] = VERSION;
    System.arraycopy(text, 0, aad, 1, text.length);
    return aad;
  }

  private static byte[] decodeKey(Secret masterKey) {
    Objects.requireNonNull(masterKey, "masterKey");
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(masterKey.reveal());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("master key must be base64");
    }
    if (bytes.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "master key must be the base64 of 32 bytes, got " + bytes.length + " bytes");
    }
    return bytes;
  }
}
