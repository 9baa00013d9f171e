package dev.sluice.gateway.core.signing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;

/**
 * Symmetric Standard Webhooks signatures (standardwebhooks.com spec v1.0.0, compatible with Svix):
 * {@code v1,} + Base64 HMAC-SHA256 of {@code {webhook-id}.{webhook-timestamp}.{body}}, keyed with
 * the Base64-decoded secret ({@code whsec_} prefix optional). The {@code webhook-signature} header
 * is a space-separated list of {@code version,signature} entries; one matching {@code v1} entry is
 * enough, other versions (such as {@code v1a} asymmetric signatures) are ignored. Svix sends the
 * same values in {@code svix-id}, {@code svix-timestamp} and {@code svix-signature}.
 *
 * <p>Used both to verify inbound webhooks and to sign the gateway's own outbound deliveries.
 * Stateless and thread-safe.
 */
public final class StandardWebhookVerifier {

  /** The optional prefix of serialised secrets. */
  public static final String SECRET_PREFIX = "whsec_";

  private static final byte[] DOT = {'.'};
  private static final int SHA256_BASE64_LENGTH = 44;
  private static final int MAX_TIMESTAMP_DIGITS = 18;

  /**
   * Verifies one webhook request. The timestamp is checked before the HMAC is computed, so replays
   * outside the window cost no HMAC.
   *
   * @param secret the endpoint secret, Base64 with or without the {@code whsec_} prefix. A secret
   *     that is not valid Base64, or decodes to nothing, verifies nothing: every request gets
   *     {@link Verdict#MISMATCH} (configuration is expected to be validated with {@link #sign} or
   *     {@link #isValidSecret} at load time)
   * @param msgId the {@code webhook-id} header, or {@code null}
   * @param timestamp the {@code webhook-timestamp} header (Unix seconds), or {@code null}
   * @param signatureHeader the {@code webhook-signature} header, or {@code null}
   * @param rawBody the request body exactly as received
   * @param nowEpochSeconds the current time in Unix seconds
   * @param toleranceSeconds how far the timestamp may be from now, in either direction (the
   *     official libraries use 300); must not be negative
   * @return {@link Verdict#MISSING} if any of the three headers is absent or blank, {@link
   *     Verdict#MALFORMED} if the timestamp is not a non-negative integer or no entry of the
   *     signature header has the {@code version,signature} shape, {@link Verdict#STALE} if the
   *     timestamp is more than {@code toleranceSeconds} from now, {@link Verdict#MISMATCH} if no
   *     {@code v1} entry matches, else {@link Verdict#VALID}
   */
  public Verdict verify(
      String secret,
      String msgId,
      String timestamp,
      String signatureHeader,
      byte[] rawBody,
      long nowEpochSeconds,
      long toleranceSeconds) {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(rawBody, "rawBody");
    if (toleranceSeconds < 0) {
      throw new IllegalArgumentException("toleranceSeconds must not be negative");
    }
    if (isBlank(msgId) || isBlank(timestamp) || isBlank(signatureHeader)) {
      return Verdict.MISSING;
    }
    long signedAt = parseTimestamp(timestamp);
    if (signedAt < 0 || !hasWellFormedEntry(signatureHeader)) {
      return Verdict.MALFORMED;
    }
    if (Math.abs(nowEpochSeconds - signedAt) > toleranceSeconds) {
      return Verdict.STALE;
    }
    byte[] key = decodeSecretOrNull(secret);
    if (key == null) {
      return Verdict.MISMATCH;
    }
    byte[] expected =
        Base64.getEncoder()
            .encode(mac(key, msgId, timestamp.getBytes(StandardCharsets.UTF_8), rawBody));
    return anyV1Matches(signatureHeader, expected) ? Verdict.VALID : Verdict.MISMATCH;
  }

  /**
   * Signs an outbound delivery.
   *
   * @param secret the endpoint secret, Base64 with or without the {@code whsec_} prefix
   * @param msgId the value sent as {@code webhook-id}
   * @param timestamp the value sent as {@code webhook-timestamp}, Unix seconds
   * @param body the exact body bytes sent
   * @return the {@code webhook-signature} header value, {@code v1,<base64>}
   * @throws IllegalArgumentException if the secret is not valid Base64 or decodes to no bytes (the
   *     message does not quote the secret)
   */
  public String sign(String secret, String msgId, long timestamp, byte[] body) {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(msgId, "msgId");
    Objects.requireNonNull(body, "body");
    byte[] key = decodeSecretOrNull(secret);
    if (key == null) {
      throw new IllegalArgumentException(
          "webhook secret must be non-empty Base64, optionally prefixed with " + SECRET_PREFIX);
    }
    byte[] mac =
        mac(key, msgId, Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII), body);
    return "v1," + Base64.getEncoder().encodeToString(mac);
  }

  /** Whether {@link #sign} accepts this secret; for validating configuration at load time. */
  public static boolean isValidSecret(String secret) {
    return secret != null && decodeSecretOrNull(secret) != null;
  }

  private static byte[] mac(byte[] key, String msgId, byte[] timestamp, byte[] body) {
    return Crypto.hmacSha256(
        key, msgId.getBytes(StandardCharsets.UTF_8), DOT, timestamp, DOT, body);
  }

  private static byte[] decodeSecretOrNull(String secret) {
    String encoded =
        secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
    if (!Crypto.isBase64(encoded)) {
      return null;
    }
    byte[] key = Base64.getDecoder().decode(encoded);
    return key.length == 0 ? null : key;
  }

  /** The timestamp as a non-negative number, or -1 if it is not 1 to 18 ASCII digits. */
  private static long parseTimestamp(String timestamp) {
    int length = timestamp.length();
    if (length > MAX_TIMESTAMP_DIGITS) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < length; i++) {
      char c = timestamp.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static boolean hasWellFormedEntry(String header) {
    int start = 0;
    int length = header.length();
    while (start < length) {
      int end = header.indexOf(' ', start);
      if (end < 0) {
        end = length;
      }
      int comma = header.indexOf(',', start);
      if (comma > start && comma < end - 1) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  private static boolean anyV1Matches(String header, byte[] expectedBase64) {
    boolean matches = false;
    int start = 0;
    int length = header.length();
    while (start < length) {
      int end = header.indexOf(' ', start);
      if (end < 0) {
        end = length;
      }
      if (end - start == 3 + SHA256_BASE64_LENGTH && header.startsWith("v1,", start)) {
        byte[] presented = header.substring(start + 3, end).getBytes(StandardCharsets.ISO_8859_1);
        // Non-short-circuit: every v1 entry is compared.
        matches |= MessageDigest.isEqual(expectedBase64, presented);
      }
      start = end + 1;
    }
    return matches;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
