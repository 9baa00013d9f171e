package dev.sluice.gateway.core.signing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * Checks the {@code Authorization} header of Infobip webhooks (delivery reports, inbound messages).
 * Infobip does not sign webhooks, so each channel's notify URL is configured with a shared secret
 * that Infobip sends back as credentials. Accepted forms, scheme case-insensitive: {@code Basic
 * base64(user:secret)} (any user; the password is compared), {@code Bearer <secret>} and {@code App
 * <secret>}.
 *
 * <p>Stateless and thread-safe.
 */
public final class InfobipAuthVerifier {

  /**
   * Verifies one webhook request.
   *
   * @param secret the channel's shared secret; must not be empty
   * @param authorizationHeader the {@code Authorization} header value, or {@code null}
   * @return {@link Verdict#MISSING} if the header is absent or blank, {@link Verdict#MALFORMED} if
   *     the scheme is not Basic, Bearer or App, the credentials are empty, or Basic credentials are
   *     not Base64 of {@code user:password}, {@link Verdict#MISMATCH} if the secret differs
   *     (compared in constant time), else {@link Verdict#VALID}
   * @throws IllegalArgumentException if {@code secret} is empty
   */
  public Verdict verify(String secret, String authorizationHeader) {
    Objects.requireNonNull(secret, "secret");
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("secret must not be empty");
    }
    if (authorizationHeader == null || authorizationHeader.isBlank()) {
      return Verdict.MISSING;
    }
    String value = authorizationHeader.trim();
    int space = value.indexOf(' ');
    if (space < 0) {
      return Verdict.MALFORMED;
    }
    String scheme = value.substring(0, space);
    String credentials = value.substring(space + 1).trim();
    if (credentials.isEmpty()) {
      return Verdict.MALFORMED;
    }
    String presented;
    if (scheme.equalsIgnoreCase("Basic")) {
      presented = basicPassword(credentials);
      if (presented == null) {
        return Verdict.MALFORMED;
      }
    } else if (scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("App")) {
      presented = credentials;
    } else {
      return Verdict.MALFORMED;
    }
    return Crypto.sameSecret(secret, presented) ? Verdict.VALID : Verdict.MISMATCH;
  }

  /** The password of RFC 7617 credentials, or null if they are not Base64 of user:password. */
  private static String basicPassword(String credentials) {
    if (!Crypto.isBase64(credentials)) {
      return null;
    }
    String decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
    int colon = decoded.indexOf(':');
    return colon < 0 ? null : decoded.substring(colon + 1);
  }
}
