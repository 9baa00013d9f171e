package dev.sluice.gateway.core.signing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Infobip does not sign webhooks, so there are no official vectors; these are constructed. */
class InfobipAuthVerifierTest {

  private static final String SECRET = "ib-Channel-Secret-42";

  private final InfobipAuthVerifier verifier = new InfobipAuthVerifier();

  private static String basic(String userAndPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(UTF_8));
  }

  @Test
  void basicCredentialsWithAnyUserAndTheSecretAsPasswordAreValid() {
    assertThat(verifier.verify(SECRET, basic("infobip:" + SECRET))).isEqualTo(Verdict.VALID);
    assertThat(verifier.verify(SECRET, basic(":" + SECRET))).isEqualTo(Verdict.VALID);
  }

  @Test
  void bearerAndAppTokensAreValid() {
    assertThat(verifier.verify(SECRET, "Bearer " + SECRET)).isEqualTo(Verdict.VALID);
    assertThat(verifier.verify(SECRET, "App " + SECRET)).isEqualTo(Verdict.VALID);
  }

  @Test
  void schemeIsCaseInsensitive() {
    assertThat(verifier.verify(SECRET, "basic " + basic("u:" + SECRET).substring(6)))
        .isEqualTo(Verdict.VALID);
    assertThat(verifier.verify(SECRET, "BEARER " + SECRET)).isEqualTo(Verdict.VALID);
    assertThat(verifier.verify(SECRET, "app " + SECRET)).isEqualTo(Verdict.VALID);
  }

  @Test
  void passwordIsEverythingAfterTheFirstColon() {
    String secretWithColon = "pa:ss";
    assertThat(verifier.verify(secretWithColon, basic("user:pa:ss"))).isEqualTo(Verdict.VALID);
    assertThat(verifier.verify(SECRET, basic("u:" + SECRET + ":x"))).isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void wrongSecretIsAMismatch() {
    assertThat(verifier.verify(SECRET, basic("infobip:wrong"))).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verify(SECRET, basic(SECRET + ":"))).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verify(SECRET, "Bearer " + SECRET + "x")).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verify(SECRET, "App " + SECRET.substring(1))).isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void absentOrBlankHeaderIsMissing() {
    assertThat(verifier.verify(SECRET, null)).isEqualTo(Verdict.MISSING);
    assertThat(verifier.verify(SECRET, "  ")).isEqualTo(Verdict.MISSING);
  }

  @Test
  void unparseableHeadersAreMalformed() {
    assertThat(verifier.verify(SECRET, "Digest " + SECRET)).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, SECRET)).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, "Bearer")).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, "Bearer    ")).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, "Basic " + SECRET)).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, "Basic abc")).isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verify(SECRET, basic(SECRET))).isEqualTo(Verdict.MALFORMED);
  }

  @Test
  void emptyConfiguredSecretIsAConfigurationError() {
    assertThatThrownBy(() -> verifier.verify("", "Bearer x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
