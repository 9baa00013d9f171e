package dev.sluice.gateway.core.signing;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * Checks Meta's {@code X-Hub-Signature-256} header, used alike by WhatsApp Cloud API, Messenger and
 * Instagram webhooks: {@code sha256=} followed by the hex HMAC-SHA256 of the raw request body keyed
 * with the app secret (Graph API webhooks, "Validating Payloads"). The signature covers the body
 * bytes exactly as received, so callers must not re-serialise the JSON.
 *
 * <p>Stateless and thread-safe; one instance may be shared by every event loop.
 */
public final class MetaSignatureVerifier {

  private static final String PREFIX = "sha256=";
  private static final int HEX_LENGTH = 64;

  /**
   * Verifies one webhook request.
   *
   * @param appSecret the app secret as UTF-8 bytes; must not be empty
   * @param rawBody the request body exactly as received
   * @param xHubSignature256Header the {@code X-Hub-Signature-256} header value, or {@code null}
   * @return {@link Verdict#MISSING} if the header is absent or blank, {@link Verdict#MALFORMED} if
   *     it is not {@code sha256=} and 64 hex digits (either case), {@link Verdict#MISMATCH} if the
   *     HMAC differs, else {@link Verdict#VALID}
   * @throws IllegalArgumentException if {@code appSecret} is empty (a configuration error)
   */
  public Verdict verify(byte[] appSecret, byte[] rawBody, String xHubSignature256Header) {
    Objects.requireNonNull(appSecret, "appSecret");
    Objects.requireNonNull(rawBody, "rawBody");
    if (xHubSignature256Header == null || xHubSignature256Header.isBlank()) {
      return Verdict.MISSING;
    }
    String value = xHubSignature256Header.trim();
    if (value.length() != PREFIX.length() + HEX_LENGTH || !value.startsWith(PREFIX)) {
      return Verdict.MALFORMED;
    }
    byte[] presented = Crypto.decodeHex(value, PREFIX.length(), value.length());
    if (presented == null) {
      return Verdict.MALFORMED;
    }
    byte[] expected = Crypto.hmacSha256(appSecret, rawBody);
    return MessageDigest.isEqual(expected, presented) ? Verdict.VALID : Verdict.MISMATCH;
  }
}
