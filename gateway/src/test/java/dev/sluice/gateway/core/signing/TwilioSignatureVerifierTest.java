package dev.sluice.gateway.core.signing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Known answers shared by the official SDK suites: twilio/twilio-java
 * src/test/java/com/twilio/security/RequestValidatorTest.java, twilio/twilio-python
 * tests/unit/test_request_validator.py, twilio/twilio-ruby spec/security/request_validator_spec.rb
 * and twilio/twilio-php tests/Twilio/Unit/RequestValidatorTest.php (auth token "12345"). Each value
 * was also re-derived with {@code openssl dgst -sha1 -hmac 12345 -binary | base64} over the URL the
 * SDK comment says was signed.
 */
class TwilioSignatureVerifierTest {

  private static final String TOKEN = "12345";
  private static final String URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
  private static final Map<String, List<String>> PARAMS =
      Map.of(
          "CallSid", List.of("CA1234567890ABCDE"),
          "Caller", List.of("+14158675309"),
          "Digits", List.of("1234"),
          "From", List.of("+14158675309"),
          "To", List.of("+18005551212"));
  // twilio-java testValidate, twilio-python test_validation, twilio-ruby, twilio-php testValidate.
  private static final String SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
  // twilio-java/-python/-ruby: body, its SHA-256 and signatures of URLs carrying bodySHA256.
  private static final String JSON_BODY = "{\"property\": \"value\", \"boolean\": true}";
  private static final String BODY_HASH =
      "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

  private final TwilioSignatureVerifier verifier = new TwilioSignatureVerifier();

  @Test
  void sdkKnownAnswerIsValid() {
    assertThat(verifier.verifyForm(TOKEN, URL, PARAMS, SIGNATURE)).isEqualTo(Verdict.VALID);
  }

  @Test
  void formBodyDecodesToTheSignedParameters() {
    byte[] body =
        ("CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234"
                + "&From=%2B14158675309&To=%2B18005551212")
            .getBytes(UTF_8);

    Map<String, List<String>> params = TwilioSignatureVerifier.decodeForm(body);

    assertThat(params).isEqualTo(PARAMS);
    assertThat(verifier.verifyForm(TOKEN, URL, params, SIGNATURE)).isEqualTo(Verdict.VALID);
  }

  @Test
  void incorrectSignatureIsRejected() {
    // twilio-java testFailsWhenIncorrect: 31 characters, so not even the shape of a SHA-1.
    assertThat(verifier.verifyForm(TOKEN, URL, PARAMS, "NOTRSOYDt4T1cUTdK1PDd93/VVr8B8="))
        .isEqualTo(Verdict.MALFORMED);
    // twilio-ruby 'should not validate a request with wrong signature'.
    assertThat(verifier.verifyForm(TOKEN, URL, PARAMS, "fake_signature"))
        .isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verifyForm(TOKEN, URL, PARAMS, "SSOYDt4T1cUTdK1PDd93/VVr8B8="))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void tamperedParameterWrongTokenOrOtherUrlIsAMismatch() {
    Map<String, List<String>> tampered = new LinkedHashMap<>(PARAMS);
    tampered.put("Digits", List.of("1235"));
    Map<String, List<String>> extra = new LinkedHashMap<>(PARAMS);
    extra.put("Body", List.of(""));

    assertThat(verifier.verifyForm(TOKEN, URL, tampered, SIGNATURE)).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verifyForm(TOKEN, URL, extra, SIGNATURE)).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verifyForm("12346", URL, PARAMS, SIGNATURE)).isEqualTo(Verdict.MISMATCH);
    assertThat(verifier.verifyForm(TOKEN, URL + "&baz=3", PARAMS, SIGNATURE))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void absentOrBlankHeaderIsMissing() {
    assertThat(verifier.verifyForm(TOKEN, URL, PARAMS, null)).isEqualTo(Verdict.MISSING);
    assertThat(verifier.verifyForm(TOKEN, URL, PARAMS, " ")).isEqualTo(Verdict.MISSING);
  }

  @Test
  void signatureOverTheUrlWithoutItsExplicitPortIsAccepted() {
    // twilio-java testValidateRemovesPortHttps
    String withPort = URL.replace(".com", ".com:1234");
    assertThat(verifier.verifyForm(TOKEN, withPort, PARAMS, SIGNATURE)).isEqualTo(Verdict.VALID);
  }

  @Test
  void signatureOverTheUrlWithItsCustomPortIsAccepted() {
    // twilio-java testValidateRemovesPortHttp: "hash of http uri with port 1234"
    String httpWithPort = URL.replace(".com", ".com:1234").replace("https", "http");
    assertThat(verifier.verifyForm(TOKEN, httpWithPort, PARAMS, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="))
        .isEqualTo(Verdict.VALID);
    // Derived: openssl over https://mycompany.com:1234/myapp.php?foo=1&bar=2 + params.
    assertThat(
            verifier.verifyForm(
                TOKEN, URL.replace(".com", ".com:1234"), PARAMS, "CYn1h0gLBdNxDGkKJg6hYohgeD8="))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void signatureOverTheUrlWithTheDefaultPortAddedIsAccepted() {
    // twilio-java testValidateAddsPortHttps / testValidateAddsPortHttp
    assertThat(verifier.verifyForm(TOKEN, URL, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w="))
        .isEqualTo(Verdict.VALID);
    assertThat(
            verifier.verifyForm(
                TOKEN, URL.replace("https", "http"), PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4="))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void customPortIsNeverReplacedByTheDefaultPort() {
    String withPort = URL.replace(".com", ".com:1234");
    assertThat(verifier.verifyForm(TOKEN, withPort, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w="))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void userInfoIsSignedAsGiven() {
    // twilio-ruby / twilio-php: urls with credentials, with user only, and with :443 added.
    String creds = "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2";
    assertThat(verifier.verifyForm(TOKEN, creds, PARAMS, "CukzLTc1tT5dXEDIHm/tKBanW10="))
        .isEqualTo(Verdict.VALID);
    assertThat(
            verifier.verifyForm(
                TOKEN,
                "https://user@mycompany.com/myapp.php?foo=1&bar=2",
                PARAMS,
                "2YRLlVAflCqxaNicjMpJcSTgzSs="))
        .isEqualTo(Verdict.VALID);
    assertThat(verifier.verifyForm(TOKEN, creds, PARAMS, "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="))
        .isEqualTo(Verdict.VALID);
    assertThat(verifier.verifyForm(TOKEN, creds, PARAMS, SIGNATURE)).isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void hostCaseIsSignedAsGiven() {
    assertThat(verifier.verifyForm(TOKEN, URL.replace("mycompany", "MyCompany"), PARAMS, SIGNATURE))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void repeatedKeysAreSortedByNameThenValue() {
    // twilio-python test_compute_signature_duplicate_multi_dict / _query_dict
    byte[] body = "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234".getBytes(UTF_8);
    Map<String, List<String>> params = TwilioSignatureVerifier.decodeForm(body);

    assertThat(params.get("Digits")).containsExactly("5678", "1234");
    assertThat(verifier.verifyForm(TOKEN, URL, params, "IK+Dwps556ElfBT0I3Rgjkr1wJU="))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void emptyOrAbsentParametersSignTheUrlAlone() {
    // Derived: openssl over the URL alone.
    String urlOnly = "zYQTYrRWXE7LtzbG4PfP7/bkkGo=";
    assertThat(verifier.verifyForm(TOKEN, URL, null, urlOnly)).isEqualTo(Verdict.VALID);
    assertThat(verifier.verifyForm(TOKEN, URL, Map.of(), urlOnly)).isEqualTo(Verdict.VALID);
  }

  @Test
  void jsonBodyWithMatchingBodyHashIsValid() {
    byte[] body = JSON_BODY.getBytes(UTF_8);
    // twilio-java testValidateWithBody / twilio-python test_validation_of_body_succeeds
    assertThat(
            verifier.verifyJson(
                TOKEN, URL + "&bodySHA256=" + BODY_HASH, body, "a9nBmqA0ju/hNViExpshrM61xv4="))
        .isEqualTo(Verdict.VALID);
    // twilio-java testValidateWithNoOtherParameters
    assertThat(
            verifier.verifyJson(
                TOKEN,
                "https://mycompany.com/myapp.php?bodySHA256=" + BODY_HASH,
                body,
                "y77kIzt2vzLz71DgmJGsen2scGs="))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void jsonBodyHashIsComparedCaseInsensitively() {
    byte[] body = JSON_BODY.getBytes(UTF_8);
    String upper = URL + "&bodySHA256=" + BODY_HASH.toUpperCase();
    // Signed by Twilio over the upper-case URL: derived with openssl.
    assertThat(verifier.verifyJson(TOKEN, upper, body, "KF9uuYbODKamvlRt1B1bFONb+Q8="))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void tamperedJsonBodyIsAMismatch() {
    byte[] tampered = JSON_BODY.replace("true", "false").getBytes(UTF_8);
    assertThat(
            verifier.verifyJson(
                TOKEN, URL + "&bodySHA256=" + BODY_HASH, tampered, "a9nBmqA0ju/hNViExpshrM61xv4="))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void jsonSignatureOverOtherUrlIsAMismatchEvenWhenTheBodyHashMatches() {
    byte[] body = JSON_BODY.getBytes(UTF_8);
    assertThat(verifier.verifyJson(TOKEN, URL + "&bodySHA256=" + BODY_HASH, body, SIGNATURE))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void jsonWithoutBodyHashParameterIsMissing() {
    byte[] body = JSON_BODY.getBytes(UTF_8);
    // twilio-java testValidateBodyWithoutSignature; twilio-php testValidateBodyWithoutQueryString
    assertThat(verifier.verifyJson(TOKEN, URL, body, SIGNATURE)).isEqualTo(Verdict.MISSING);
    assertThat(verifier.verifyJson(TOKEN, "https://mycompany.com/myapp.php", body, SIGNATURE))
        .isEqualTo(Verdict.MISSING);
    assertThat(verifier.verifyJson(TOKEN, URL + "&xbodySHA256=" + BODY_HASH, body, SIGNATURE))
        .isEqualTo(Verdict.MISSING);
    assertThat(verifier.verifyJson(TOKEN, URL + "#bodySHA256=" + BODY_HASH, body, SIGNATURE))
        .isEqualTo(Verdict.MISSING);
    assertThat(verifier.verifyJson(TOKEN, URL + "&bodySHA256=" + BODY_HASH, body, null))
        .isEqualTo(Verdict.MISSING);
  }

  @Test
  void malformedBodyHashOrSignatureIsMalformed() {
    byte[] body = JSON_BODY.getBytes(UTF_8);
    assertThat(verifier.verifyJson(TOKEN, URL + "&bodySHA256=", body, SIGNATURE))
        .isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verifyJson(TOKEN, URL + "&bodySHA256=WRONG", body, SIGNATURE))
        .isEqualTo(Verdict.MALFORMED);
    assertThat(
            verifier.verifyJson(
                TOKEN, URL + "&bodySHA256=" + BODY_HASH.replace('a', 'z'), body, SIGNATURE))
        .isEqualTo(Verdict.MALFORMED);
    assertThat(verifier.verifyJson(TOKEN, URL + "&bodySHA256=" + BODY_HASH, body, "abc"))
        .isEqualTo(Verdict.MALFORMED);
  }

  @Test
  void alternateUrlDropsAnExplicitPortOrAddsTheDefaultOne() {
    assertThat(TwilioSignatureVerifier.alternateUrl("https://h.com/p?q=1"))
        .isEqualTo("https://h.com:443/p?q=1");
    assertThat(TwilioSignatureVerifier.alternateUrl("HTTP://h.com")).isEqualTo("HTTP://h.com:80");
    assertThat(TwilioSignatureVerifier.alternateUrl("https://h.com:8443/p"))
        .isEqualTo("https://h.com/p");
    assertThat(TwilioSignatureVerifier.alternateUrl("https://u:p@h.com:8443#f"))
        .isEqualTo("https://u:p@h.com#f");
    assertThat(TwilioSignatureVerifier.alternateUrl("https://[2001:db8::1]:8443/p"))
        .isEqualTo("https://[2001:db8::1]/p");
    assertThat(TwilioSignatureVerifier.alternateUrl("https://[2001:db8::1]/p"))
        .isEqualTo("https://[2001:db8::1]:443/p");
    assertThat(TwilioSignatureVerifier.alternateUrl("https://h.com/p?next=a:1@b"))
        .isEqualTo("https://h.com:443/p?next=a:1@b");
    assertThat(TwilioSignatureVerifier.alternateUrl("ftp://h.com/p")).isNull();
    assertThat(TwilioSignatureVerifier.alternateUrl("https://h.com:/p")).isNull();
    assertThat(TwilioSignatureVerifier.alternateUrl("not a url")).isNull();
  }

  @Test
  void decodeFormHandlesPlusPercentRepeatsAndEmptyPairs() {
    byte[] body = "a=1&&b=x+y%2Bz&a=2&c&=v&d=&e=%C3%A9%F0%9F%98%80;f=g&".getBytes(UTF_8);

    Map<String, List<String>> params = TwilioSignatureVerifier.decodeForm(body);

    assertThat(new ArrayList<>(params.keySet())).containsExactly("a", "b", "c", "", "d", "e");
    assertThat(params.get("a")).containsExactly("1", "2");
    assertThat(params.get("b")).containsExactly("x y+z");
    assertThat(params.get("c")).containsExactly("");
    assertThat(params.get("")).containsExactly("v");
    assertThat(params.get("d")).containsExactly("");
    assertThat(params.get("e")).containsExactly("é😀;f=g");
    assertThat(TwilioSignatureVerifier.decodeForm(new byte[0])).isEmpty();
  }

  @Test
  void decodeFormReplacesInvalidUtf8() {
    assertThat(TwilioSignatureVerifier.decodeForm("a=%FF".getBytes(UTF_8)).get("a"))
        .containsExactly("\uFFFD");
  }

  @Test
  void decodeFormRejectsMalformedEscapesWithoutQuotingTheBody() {
    for (String body : List.of("a=%", "a=%4", "a=%zz", "secret%g1=x", "a=%\u00e9")) {
      assertThatThrownBy(() -> TwilioSignatureVerifier.decodeForm(body.getBytes(UTF_8)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("malformed percent-escape at byte offset")
          .hasMessageNotContaining(body);
    }
  }

  @Test
  void parametersAreOrderedByCodePointNotUtf16Unit() {
    // U+FF5E is after U+1F600 in UTF-16 order (0xFF5E > 0xD83D) but before it in code point order.
    List<String> names = new ArrayList<>(List.of("\ud83d\ude00", "\uff5e", "B", "a"));
    names.sort(TwilioSignatureVerifier.CODE_POINT_ORDER);
    assertThat(names).containsExactly("B", "a", "\uff5e", "\ud83d\ude00");
  }

  @Test
  void emptyAuthTokenIsAConfigurationError() {
    assertThatThrownBy(() -> verifier.verifyForm("", URL, PARAMS, SIGNATURE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> verifier.verifyJson("", URL, new byte[0], SIGNATURE))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
