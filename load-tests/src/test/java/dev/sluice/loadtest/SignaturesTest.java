package dev.sluice.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignaturesTest {

  @Test
  void twilioSignatureMatchesTheOfficialSdkVector() {
    // twilio-java RequestValidatorTest / twilio-python test_validation (provider-facts §4.1).
    Map<String, String> params =
        Map.of(
            "CallSid", "CA1234567890ABCDE",
            "Caller", "+14158675309",
            "Digits", "1234",
            "From", "+14158675309",
            "To", "+18005551212");
    assertThat(Signatures.twilio("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params))
        .isEqualTo("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  }

  @Test
  void metaSignatureIsLowercaseHexHmacSha256WithPrefix() {
    // printf '{"a":1}' | openssl dgst -sha256 -hmac secret
    assertThat(Signatures.meta("secret", "{\"a\":1}".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494");
  }
}
