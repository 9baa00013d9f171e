package dev.sluice.gateway.core.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.core.signing.MetaSignedRequestVerifier.Checked;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class MetaSignedRequestVerifierTest {
  private static final byte[] SECRET = "app-secret-123".getBytes(StandardCharsets.UTF_8);
  private static final String PAYLOAD =
      "{\"algorithm\":\"HMAC-SHA256\",\"expires\":1291840400,\"issued_at\":1291836800,"
          + "\"user_id\":\"218471\"}";

  private final MetaSignedRequestVerifier verifier = new MetaSignedRequestVerifier();

  /** Meta's format, computed independently: base64url(HMAC(secret, encoded payload)).payload. */
  private static String signed(byte[] secret, String payload, boolean padded) throws Exception {
    Base64.Encoder url = padded ? Base64.getUrlEncoder() : Base64.getUrlEncoder().withoutPadding();
    String encoded = url.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    byte[] sig = mac.doFinal(encoded.getBytes(StandardCharsets.US_ASCII));
    return url.encodeToString(sig) + "." + encoded;
  }

  @Test
  void aRequestSignedWithTheAppSecretGivesItsPayloadWithOrWithoutPadding() throws Exception {
    for (boolean padded : new boolean[] {false, true}) {
      Checked c = verifier.verify(SECRET, signed(SECRET, PAYLOAD, padded));

      assertThat(c.verdict()).isEqualTo(Verdict.VALID);
      assertThat(new String(c.payload(), StandardCharsets.UTF_8)).isEqualTo(PAYLOAD);
    }
  }

  @Test
  void anotherSecretOrAnAlteredPayloadDoesNotMatch() throws Exception {
    String good = signed(SECRET, PAYLOAD, false);
    String forged = signed("not-the-secret".getBytes(StandardCharsets.UTF_8), PAYLOAD, false);
    String sig = good.substring(0, good.indexOf('.'));
    String altered =
        sig
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    PAYLOAD.replace("218471", "218472").getBytes(StandardCharsets.UTF_8));

    assertThat(verifier.verify(SECRET, forged).verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verify(SECRET, altered).verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verify(SECRET, forged).payload()).isNull();
  }

  @Test
  void whatIsNotTwoBase64urlPartsWithA32ByteSignatureIsMalformed() throws Exception {
    String good = signed(SECRET, PAYLOAD, false);
    String payload = good.substring(good.indexOf('.') + 1);

    assertThat(verifier.verify(SECRET, null).verdict()).isEqualTo(Verdict.MISSING);
    assertThat(verifier.verify(SECRET, " ").verdict()).isEqualTo(Verdict.MISSING);
    for (String bad :
        new String[] {
          "no-dot-at-all",
          "." + payload,
          good + ".",
          good + ".x",
          "abc$." + payload,
          Base64.getUrlEncoder().encodeToString(new byte[31]) + "." + payload,
          "+" + good.substring(1)
        }) {
      assertThat(verifier.verify(SECRET, bad).verdict()).as(bad).isIn(Verdict.MALFORMED);
    }
  }

  @Test
  void anEmptySecretIsAConfigurationError() {
    assertThatThrownBy(() -> verifier.verify(new byte[0], "a.b"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
