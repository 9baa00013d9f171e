package dev.sluice.gateway.core.signing;

import java.util.Objects;

/**
 * Checks Telegram's {@code X-Telegram-Bot-Api-Secret-Token} header against the {@code secret_token}
 * given to {@code setWebhook}. Telegram does not sign bodies; it echoes the token, which the Bot
 * API restricts to 1-256 characters of {@code A-Z a-z 0-9 _ -}.
 *
 * <p>Stateless and thread-safe.
 */
public final class TelegramSecretVerifier {

  private static final int MAX_LENGTH = 256;

  /**
   * Verifies one webhook request.
   *
   * @param configuredSecretToken the token registered with {@code setWebhook}; must not be empty
   * @param headerValue the header value, or {@code null}
   * @return {@link Verdict#MISSING} if the header is absent or blank, {@link Verdict#MALFORMED} if
   *     it is longer than 256 characters or has characters outside the Bot API's alphabet, {@link
   *     Verdict#MISMATCH} if it differs from the configured token (compared in constant time), else
   *     {@link Verdict#VALID}
   * @throws IllegalArgumentException if {@code configuredSecretToken} is empty
   */
  public Verdict verify(String configuredSecretToken, String headerValue) {
    Objects.requireNonNull(configuredSecretToken, "configuredSecretToken");
    if (configuredSecretToken.isEmpty()) {
      throw new IllegalArgumentException("configuredSecretToken must not be empty");
    }
    if (headerValue == null || headerValue.isBlank()) {
      return Verdict.MISSING;
    }
    if (!isTokenShape(headerValue)) {
      return Verdict.MALFORMED;
    }
    return Crypto.sameSecret(configuredSecretToken, headerValue) ? Verdict.VALID : Verdict.MISMATCH;
  }

  private static boolean isTokenShape(String token) {
    if (token.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      boolean allowed =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }
}
