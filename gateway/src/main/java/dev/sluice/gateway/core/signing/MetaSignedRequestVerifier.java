package dev.sluice.gateway.core.signing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;

/**
 * Checks a Meta {@code signed_request}, as Meta posts it to an app's data-deletion callback: {@code
 * <signature>.<payload>}, both base64url (padding optional), where the signature is the HMAC-SHA256
 * of the <em>encoded</em> payload (the text after the dot, as received) keyed with the app secret,
 * and the payload a JSON object naming the {@code algorithm} and the app-scoped {@code user_id}.
 * Reading the payload's JSON is the caller's: this class only says whether Meta signed it.
 *
 * <p>Stateless and thread-safe; one instance may be shared by every event loop.
 */
public final class MetaSignedRequestVerifier {
  private static final int SIGNATURE_BYTES = 32;

  /**
   * The outcome.
   *
   * @param payload the decoded payload bytes when {@link Verdict#VALID}, else {@code null}
   */
  public record Checked(Verdict verdict, byte[] payload) {
    static final Checked MISSING = new Checked(Verdict.MISSING, null);
    static final Checked MALFORMED = new Checked(Verdict.MALFORMED, null);
    static final Checked MISMATCH = new Checked(Verdict.MISMATCH, null);
  }

  /**
   * Verifies one {@code signed_request}.
   *
   * @param appSecret the app secret as UTF-8 bytes; must not be empty
   * @param signedRequest the form field's value, or {@code null}
   * @return {@link Verdict#MISSING} for an absent or blank value, {@link Verdict#MALFORMED} when it
   *     is not two base64url parts around a dot or the signature is not 32 bytes, {@link
   *     Verdict#MISMATCH} when the HMAC differs (compared in constant time), else {@link
   *     Verdict#VALID} with the payload
   * @throws IllegalArgumentException if {@code appSecret} is empty (a configuration error)
   */
  public Checked verify(byte[] appSecret, String signedRequest) {
    Objects.requireNonNull(appSecret, "appSecret");
    if (appSecret.length == 0) {
      throw new IllegalArgumentException("the app secret must not be empty");
    }
    if (signedRequest == null || signedRequest.isBlank()) {
      return Checked.MISSING;
    }
    String value = signedRequest.trim();
    int dot = value.indexOf('.');
    if (dot <= 0 || dot == value.length() - 1 || value.indexOf('.', dot + 1) >= 0) {
      return Checked.MALFORMED;
    }
    String encodedPayload = value.substring(dot + 1);
    byte[] presented = base64url(value.substring(0, dot));
    byte[] payload = base64url(encodedPayload);
    if (presented == null || payload == null || presented.length != SIGNATURE_BYTES) {
      return Checked.MALFORMED;
    }
    byte[] expected =
        Crypto.hmacSha256(appSecret, encodedPayload.getBytes(StandardCharsets.US_ASCII));
    return MessageDigest.isEqual(expected, presented)
        ? new Checked(Verdict.VALID, payload)
        : Checked.MISMATCH;
  }

  /** The bytes of base64url text with or without padding; {@code null} when it is not that. */
  private static byte[] base64url(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || c == '=';
      if (!ok) {
        return null;
      }
    }
    try {
      return Base64.getUrlDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
