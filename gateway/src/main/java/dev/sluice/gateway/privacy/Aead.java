package dev.sluice.gateway.privacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM as every sealed value of the gateway uses it, whatever the key: {@code header ‖ nonce
 * ‖ ciphertext and tag}, with the header (a version byte, and for some formats a key id) followed
 * by the UTF-8 of the <em>context</em> as associated data. So the header cannot be changed and a
 * value copied to another row (another context) does not open.
 *
 * <p>Nonces are random (96 bits): NIST SP 800-38D allows 2^32 encryptions under one key, far above
 * what one tenant's data key or the master key seals. {@link Cipher} and {@link SecureRandom}
 * instances are kept per thread, so sealing on an event loop costs no provider lookup and no lock;
 * each call initialises its thread's cipher with the key it is given.
 */
final class Aead {
  static final int KEY_BYTES = 32;
  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";

  private static final ThreadLocal<Cipher> CIPHER =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Cipher.getInstance(TRANSFORMATION);
            } catch (GeneralSecurityException e) {
              throw unavailable(e);
            }
          });
  private static final ThreadLocal<SecureRandom> RANDOM =
      ThreadLocal.withInitial(SecureRandom::new);

  private Aead() {}

  /** An AES key from 32 bytes. */
  static SecretKeySpec key(byte[] raw) {
    if (raw.length != KEY_BYTES) {
      throw new IllegalArgumentException("an AES-256 key is 32 bytes, got " + raw.length);
    }
    return new SecretKeySpec(raw, "AES");
  }

  /**
   * Seals {@code plaintext}.
   *
   * @param header the bytes the value starts with (version, key id), also authenticated
   * @return header, nonce, then the ciphertext with its tag
   */
  static byte[] seal(SecretKeySpec key, byte[] header, String context, byte[] plaintext) {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(plaintext, "plaintext");
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.get().nextBytes(nonce);
    int offset = header.length + NONCE_BYTES;
    try {
      Cipher cipher = CIPHER.get();
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      cipher.updateAAD(associatedData(header, header.length, context));
      byte[] sealed = new byte[offset + cipher.getOutputSize(plaintext.length)];
      System.arraycopy(header, 0, sealed, 0, header.length);
      System.arraycopy(nonce, 0, sealed, header.length, NONCE_BYTES);
      cipher.doFinal(plaintext, 0, plaintext.length, sealed, offset);
      return sealed;
    } catch (GeneralSecurityException e) {
      // AES/GCM/NoPadding with a 256-bit key is mandatory on every Java SE platform.
      throw unavailable(e);
    }
  }

  /**
   * Opens a value sealed by {@link #seal} whose header is {@code headerLength} bytes.
   *
   * @throws IllegalArgumentException if it is truncated, or does not authenticate (another key,
   *     another context, or altered); the message names none of the secret material
   */
  static byte[] open(SecretKeySpec key, int headerLength, String context, byte[] sealed) {
    Objects.requireNonNull(context, "context");
    checkLength(sealed, headerLength);
    int offset = headerLength + NONCE_BYTES;
    try {
      Cipher cipher = CIPHER.get();
      cipher.init(
          Cipher.DECRYPT_MODE,
          key,
          new GCMParameterSpec(TAG_BYTES * 8, sealed, headerLength, NONCE_BYTES));
      cipher.updateAAD(associatedData(sealed, headerLength, context));
      return cipher.doFinal(sealed, offset, sealed.length - offset);
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException(
          "sealed value does not authenticate (other key, other row, or altered)");
    } catch (GeneralSecurityException e) {
      throw unavailable(e);
    }
  }

  /** Refuses a value too short to hold a header of this length, a nonce and a tag. */
  static void checkLength(byte[] sealed, int headerLength) {
    Objects.requireNonNull(sealed, "sealed");
    if (sealed.length < headerLength + NONCE_BYTES + TAG_BYTES) {
      throw new IllegalArgumentException("sealed value is truncated");
    }
  }

  private static byte[] associatedData(byte[] header, int headerLength, String context) {
    byte[] text = context.getBytes(StandardCharsets.UTF_8);
    byte[] aad = new byte[headerLength + text.length];
    System.arraycopy(header, 0, aad, 0, headerLength);
    System.arraycopy(text, 0, aad, headerLength, text.length);
    return aad;
  }

  private static IllegalStateException unavailable(GeneralSecurityException e) {
    return new IllegalStateException("AES-256-GCM is not available", e);
  }
}
