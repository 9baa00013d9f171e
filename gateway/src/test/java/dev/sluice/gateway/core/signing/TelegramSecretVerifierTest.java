package dev.sluice.gateway.core.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Telegram has no signature to give known answers for: the Bot API echoes the {@code setWebhook}
 * secret_token verbatim (core.telegram.org/bots/api#setwebhook), so these cases are constructed.
 */
class TelegramSecretVerifierTest {

  private static final String SECRET = "sluice_Webhook-Secret_0123456789";

  private final TelegramSecretVerifier verifier = new TelegramSecretVerifier();

  @Test
  void exactTokenIsValid() {
    assertThat(verifier.verify(SECRET, SECRET)).isEqualTo(Verdict.VALID);
  }

  @Test
  void longestAllowedTokenIsValid() {
    String longest = "a".repeat(256);
    assertThat(verifier.verify(longest, longest)).isEqualTo(Verdict.VALID);
  }

  @Test
  void anyOtherTokenIsAMismatch() {
    assertThat(verifier.verify(SECRET, "sluice_Webhook-Secret_0123456788"))
        .isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verify(SECRET, SECRET.toUpperCase())).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verify(SECRET, SECRET.substring(1))).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verify(SECRET, SECRET + "0")).isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void absentOrBlankHeaderIsMissing() {
    assertThat(verifier.verify(SECRET, null)).isEqualTo(Verdict.MISSING);
    assertThat(verifier.verify(SECRET, "")).isEqualTo(Verdict.MISSING);
    assertThat(verifier.verify(SECRET, " ")).isEqualTo(Verdict.MISSING);
  }

  @Test
  void tokenOutsideTheBotApiAlphabetOrLengthIsMalformed() {
    assertThat(verifier.verify(SECRET, "sluice Webhook")).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, SECRET + "!")).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, " " + SECRET)).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, "é")).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, "a".repeat(257))).isEqualTo(Verdict.MALFORMED);
  }

  @Test
  void emptyConfiguredTokenIsAConfigurationError() {
    assertThatThrownBy(() -> verifier.verify("", "x")).isInstanceOf(IllegalArgumentException.class);
  }
}
