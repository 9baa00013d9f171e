package dev.sluice.gateway.core.signing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetaSignatureVerifierTest {

  // Known answer from WhatsApp/WhatsApp-Nodejs-SDK src/__tests__/utils.test.ts ("signature match"):
  // body "test", app secret M4D_APP_SECRET = "TEST_APP_SECRET" (jest.config.ts globals.sdk_config).
  private static final byte[] SECRET = "TEST_APP_SECRET".getBytes(UTF_8);
  private static final byte[] BODY = "test".getBytes(UTF_8);
  private static final String HEX =
      "0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";

  // Derived with: printf '%s' '{"text":"Ren\u00e9e"}' | openssl dgst -sha256 -hmac TEST_APP_SECRET
  // (the \u00e9 is six literal body bytes, as Meta escapes non-ASCII).
  private static final String ESCAPED_BODY = "{\"text\":\"Ren\\u00e9e\"}";
  private static final String ESCAPED_HEX =
      "2cb12896a613aa21fe4b5856ade64583f8a51aeb68d9c4625e620a3867235cd5";

  private final MetaSignatureVerifier verifier = new MetaSignatureVerifier();

  @Test
  void sdkKnownAnswerIsValid() {
    assertThat(verifier.verify(SECRET, BODY, "sha256=" + HEX)).isEqualTo(Verdict.VALID);
  }

  @Test
  void upperCaseHexIsAccepted() {
    assertThat(verifier.verify(SECRET, BODY, "sha256=" + HEX.toUpperCase()))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void surroundingWhitespaceIsIgnored() {
    assertThat(verifier.verify(SECRET, BODY, " sha256=" + HEX + " ")).isEqualTo(Verdict.VALID);
  }

  @Test
  void signatureCoversTheRawEscapedBytes() {
    byte[] escaped = ESCAPED_BODY.getBytes(UTF_8);
    byte[] reserialised = "{\"text\":\"Renée\"}".getBytes(UTF_8);

    assertThat(verifier.verify(SECRET, escaped, "sha256=" + ESCAPED_HEX)).isEqualTo(Verdict.VALID);
    assertThat(verifier.verify(SECRET, reserialised, "sha256=" + ESCAPED_HEX))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void tamperedBodyIsAMismatch() {
    assertThat(verifier.verify(SECRET, "Test".getBytes(UTF_8), "sha256=" + HEX))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void wrongSecretIsAMismatch() {
    assertThat(verifier.verify("TEST_APP_SECRET_2".getBytes(UTF_8), BODY, "sha256=" + HEX))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void signatureDifferingOnlyInTheLastByteIsAMismatch() {
    String lastByteFlipped = HEX.substring(0, 62) + "20";
    String firstByteFlipped = "1c" + HEX.substring(2);

    assertThat(verifier.verify(SECRET, BODY, "sha256=" + lastByteFlipped))
        .isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verify(SECRET, BODY, "sha256=" + firstByteFlipped))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void absentOrBlankHeaderIsMissing() {
    assertThat(verifier.verify(SECRET, BODY, null)).isEqualTo(Verdict.MISSING);
    assertThat(verifier.verify(SECRET, BODY, "")).isEqualTo(Verdict.MISSING);
    assertThat(verifier.verify(SECRET, BODY, "   ")).isEqualTo(Verdict.MISSING);
  }

  @Test
  void wrongShapesAreMalformed() {
    assertThat(verifier.verify(SECRET, BODY, HEX)).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, BODY, "sha1=" + HEX)).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, BODY, "SHA256=" + HEX)).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, BODY, "sha256=bad")).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, BODY, "sha256=" + HEX + "00")).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, BODY, "sha256=" + HEX.substring(0, 63) + "g"))
        .isEqualTo(Verdict.MALFORMED);
    // Fullwidth digits are digits to Character.digit, but not hex to Meta.
    assertThat(verifier.verify(SECRET, BODY, "sha256=" + HEX.substring(0, 63) + "\uff10"))
        .isEqualTo(Verdict.MALFORMED);
  }

  @Test
  void allZeroSignatureIsAMismatch() {
    assertThat(verifier.verify(SECRET, BODY, "sha256=" + "0".repeat(64)))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void emptyAppSecretIsAConfigurationError() {
    assertThatThrownBy(() -> verifier.verify(new byte[0], BODY, "sha256=" + HEX))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
