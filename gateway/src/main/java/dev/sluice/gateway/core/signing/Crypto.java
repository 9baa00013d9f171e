package dev.sluice.gateway.core.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC, digest and constant-time equality for the verifiers. {@link Mac} and {@link MessageDigest}
 * instances are not thread-safe and costly to look up, so each thread (one per event loop) keeps
 * its own; every call re-initialises them, so no state leaks from one request to the next.
 */
final class Crypto {

  static final String HMAC_SHA256 = "HmacSHA256";
  static final String HMAC_SHA1 = "HmacSHA1";

  private static final ThreadLocal<Mac> SHA256_MAC =
      ThreadLocal.withInitial(() -> newMac(HMAC_SHA256));
  private static final ThreadLocal<Mac> SHA1_MAC = ThreadLocal.withInitial(() -> newMac(HMAC_SHA1));
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(Crypto::newSha256);

  private Crypto() {}

  /**
   * HMAC-SHA256 of the concatenated parts.
   *
   * @throws IllegalArgumentException if the key is empty (the JCE refuses empty keys)
   */
  static byte[] hmacSha256(byte[] key, byte[]... parts) {
    return hmac(SHA256_MAC.get(), HMAC_SHA256, key, parts);
  }

  /**
   * HMAC-SHA1 of the concatenated parts.
   *
   * @throws IllegalArgumentException if the key is empty
   */
  static byte[] hmacSha1(byte[] key, byte[]... parts) {
    return hmac(SHA1_MAC.get(), HMAC_SHA1, key, parts);
  }

  /** SHA-256 of the bytes. */
  static byte[] sha256(byte[] data) {
    return SHA256.get().digest(data);
  }

  /**
   * Constant-time equality of two secrets of any length. Both sides are hashed first so that the
   * time taken depends on neither the content nor the length of the configured secret (plain {@link
   * MessageDigest#isEqual} runs in time proportional to its first argument's length).
   */
  static boolean sameSecret(String expected, String presented) {
    byte[] a = sha256(expected.getBytes(StandardCharsets.UTF_8));
    byte[] b = sha256(presented.getBytes(StandardCharsets.UTF_8));
    return MessageDigest.isEqual(a, b);
  }

  /**
   * Decodes {@code to - from} hex characters (either case) of {@code s}; {@code null} if any is not
   * a hex digit or the count is odd. Never throws for bad input.
   */
  static byte[] decodeHex(String s, int from, int to) {
    int length = to - from;
    if (length < 0 || (length & 1) != 0) {
      return null;
    }
    byte[] out = new byte[length / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = hexValue(s.charAt(from + 2 * i));
      int lo = hexValue(s.charAt(from + 2 * i + 1));
      if (hi < 0 || lo < 0) {
        return null;
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  /**
   * Whether {@code s} is canonical padded standard Base64 (RFC 4648 section 4) of exactly {@code
   * decodedLength} bytes, so that decoding it cannot fail.
   */
  static boolean isBase64Of(String s, int decodedLength) {
    int padding = (3 - decodedLength % 3) % 3;
    int encodedLength = (decodedLength + 2) / 3 * 4;
    if (s.length() != encodedLength) {
      return false;
    }
    int data = encodedLength - padding;
    for (int i = 0; i < data; i++) {
      if (!isBase64Char(s.charAt(i))) {
        return false;
      }
    }
    for (int i = data; i < encodedLength; i++) {
      if (s.charAt(i) != '=') {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code s} is padded standard Base64 of any length that {@link java.util.Base64.Decoder}
   * accepts without throwing.
   */
  static boolean isBase64(String s) {
    int length = s.length();
    if (length % 4 != 0) {
      return false;
    }
    int data = length;
    if (data > 0 && s.charAt(data - 1) == '=') {
      data--;
      if (s.charAt(data - 1) == '=') {
        data--;
      }
    }
    for (int i = 0; i < data; i++) {
      if (!isBase64Char(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The value of an ASCII hex digit, or -1. Unlike {@link Character#digit(char, int)} this refuses
   * non-ASCII digits such as fullwidth ones.
   */
  static int hexValue(int c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static boolean isBase64Char(char c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '+'
        || c == '/';
  }

  private static byte[] hmac(Mac mac, String algorithm, byte[] key, byte[]... parts) {
    if (key.length == 0) {
      throw new IllegalArgumentException("HMAC key must not be empty");
    }
    try {
      mac.init(new SecretKeySpec(key, algorithm));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm + " rejected the key", e);
    }
    for (byte[] part : parts) {
      mac.update(part);
    }
    return mac.doFinal();
  }

  private static Mac newMac(String algorithm) {
    try {
      return Mac.getInstance(algorithm);
    } catch (GeneralSecurityException e) {
      // Every Java SE platform must provide HmacSHA1 and HmacSHA256.
      throw new IllegalStateException(algorithm + " is not available", e);
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
