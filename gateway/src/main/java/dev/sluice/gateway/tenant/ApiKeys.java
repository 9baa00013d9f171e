package dev.sluice.gateway.tenant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API key format and hashing. A key is {@code sk_live_} + base64url (no padding) of 32 random
 * bytes; only its SHA-256 is stored. A fast unsalted hash is enough because the key carries 256
 * bits of entropy: there is nothing to guess from the hash, and it lets authentication be a map
 * lookup.
 */
final class ApiKeys {
  /** {@code sk_} plus a marker that says nothing about the tenant. */
  static final String MARKER = "sk_live_";

  static final int PREFIX_LENGTH = 8;

  private static final int KEY_BYTES = 32;
  private static final int KEY_LENGTH = MARKER.length() + 43;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(ApiKeys::newSha256);

  private ApiKeys() {}

  /** A new random key. */
  static IssuedApiKey issue() {
    byte[] random = new byte[KEY_BYTES];
    RANDOM.nextBytes(random);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    return new IssuedApiKey(MARKER + secret, secret.substring(0, PREFIX_LENGTH));
  }

  /** SHA-256 of the key's UTF-8 bytes. */
  static byte[] hash(String apiKey) {
    return SHA256.get().digest(apiKey.getBytes(StandardCharsets.UTF_8));
  }

  /** The map key of a hash in the directory. */
  static String hex(byte[] hash) {
    return HexFormat.of().formatHex(hash);
  }

  /** Whether the text can be a key at all; anything else is refused without hashing. */
  static boolean looksLikeKey(String presented) {
    return presented != null && presented.length() == KEY_LENGTH && presented.startsWith(MARKER);
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
