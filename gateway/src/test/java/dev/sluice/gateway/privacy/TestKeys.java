package dev.sluice.gateway.privacy;

import dev.sluice.gateway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** Master keys for tests, and values sealed as gateways before key ids sealed them. */
final class TestKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private TestKeys() {}

  /** A random master key setting (base64 of 32 bytes). */
  static Secret random() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return Secret.of(Base64.getEncoder().encodeToString(key));
  }

  /**
   * A value exactly as gateways before key ids sealed it (version 1): the byte 1, the nonce, the
   * ciphertext and tag; associated data the byte 1 and the context.
   */
  static byte[] sealVersionOne(Secret key, String context, byte[] plaintext) throws Exception {
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(Base64.getDecoder().decode(key.reveal()), "AES"),
        new GCMParameterSpec(128, nonce));
    c.updateAAD((((char) 1) + context).getBytes(StandardCharsets.UTF_8));
    byte[] ct = c.doFinal(plaintext);
    byte[] sealed = new byte[1 + 12 + ct.length];
    sealed[0] = 1;
    System.arraycopy(nonce, 0, sealed, 1, 12);
    System.arraycopy(ct, 0, sealed, 13, ct.length);
    return sealed;
  }
}
