package dev.sluice.gateway.core.signing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Known answer from standard-webhooks/standard-webhooks
 * libraries/java/src/test/java/com/standardwebhooks/WebhookTest.java (verifyWebhookSignWorks), the
 * same in libraries/javascript/src/webhook.test.ts ("sign function works") and svix/svix-webhooks
 * java/lib/src/test/com/svix/test/WebhookTest.java. The official suites build their other cases at
 * run time around that message; they are fixed here at its timestamp.
 */
class StandardWebhookVerifierTest {

  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long TIMESTAMP = 1614265330;
  private static final String TS = "1614265330";
  private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(UTF_8);
  private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  // From the official "multi sig payload is valid" tests: signatures of nothing in particular.
  private static final String BOGUS_V1 = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  private static final String BOGUS_V2 = "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  private static final long TOLERANCE = 300;

  private final StandardWebhookVerifier verifier = new StandardWebhookVerifier();

  private Verdict verify(String secret, String id, String ts, String sig, byte[] body, long now) {
    return verifier.verify(secret, id, ts, sig, body, now, TOLERANCE);
  }

  @Test
  void signProducesTheOfficialKnownAnswer() {
    assertThat(verifier.sign(SECRET, MSG_ID, TIMESTAMP, BODY)).isEqualTo(SIGNATURE);
  }

  @Test
  void secretWorksWithOrWithoutPrefix() {
    String bare = SECRET.substring("whsec_".length());
    assertThat(verifier.sign(bare, MSG_ID, TIMESTAMP, BODY)).isEqualTo(SIGNATURE);
    assertThat(verify(bare, MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP)).isEqualTo(Verdict.VALID);
  }

  @Test
  void knownAnswerVerifies() {
    assertThat(verify(SECRET, MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP)).isEqualTo(Verdict.VALID);
  }

  @Test
  void signedDeliveryVerifies() {
    byte[] body = "{\"type\":\"message.sent\",\"text\":\"Grüße 👋\"}".getBytes(UTF_8);
    String signature = verifier.sign(SECRET, "msg_2", 1_700_000_000L, body);

    assertThat(verify(SECRET, "msg_2", "1700000000", signature, body, 1_700_000_100L))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void anyMatchingV1EntryInTheListIsEnough() {
    String header = String.join(" ", BOGUS_V1, BOGUS_V2, SIGNATURE, BOGUS_V1);
    assertThat(verify(SECRET, MSG_ID, TS, header, BODY, TIMESTAMP)).isEqualTo(Verdict.VALID);
    assertThat(verify(SECRET, MSG_ID, TS, "  " + SIGNATURE + "  ", BODY, TIMESTAMP))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void otherVersionsAreIgnored() {
    String v2Only = "v2," + SIGNATURE.substring(3);
    String v1a = "v1a," + SIGNATURE.substring(3);
    assertThat(verify(SECRET, MSG_ID, TS, v2Only, BODY, TIMESTAMP)).isEqualTo(Verdict.MISMATCH);
    assertThat(verify(SECRET, MSG_ID, TS, v1a + " " + v2Only, BODY, TIMESTAMP))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void wrongSignatureBodyIdOrSecretIsAMismatch() {
    assertThat(verify(SECRET, MSG_ID, TS, "v1,invalid_signature", BODY, TIMESTAMP))
        .isEqualTo(Verdict.MISMATCH);
    assertThat(verify(SECRET, MSG_ID, TS, BOGUS_V1, BODY, TIMESTAMP)).isEqualTo(Verdict.MISMATCH);
    assertThat(
            verify(
                SECRET, MSG_ID, TS, SIGNATURE, "{\"test\": 2432232315}".getBytes(UTF_8), TIMESTAMP))
        .isEqualTo(Verdict.MISMATCH);
    assertThat(verify(SECRET, "msg_other", TS, SIGNATURE, BODY, TIMESTAMP))
        .isEqualTo(Verdict.MISMATCH);
    assertThat(
            verify(
                "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void signatureIsOverTheTimestampAsSent() {
    assertThat(verify(SECRET, MSG_ID, "0" + TS, SIGNATURE, BODY, TIMESTAMP))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void timestampsOutsideTheToleranceAreStale() {
    assertThat(verify(SECRET, MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP + 301))
        .isEqualTo(Verdict.STALE);
    assertThat(verify(SECRET, MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP - 301))
        .isEqualTo(Verdict.STALE);
    assertThat(verify(SECRET, MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP + 300))
        .isEqualTo(Verdict.VALID);
    assertThat(verify(SECRET, MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP - 300))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void staleIsReportedBeforeTheSignatureIsChecked() {
    assertThat(verify(SECRET, MSG_ID, TS, BOGUS_V1, BODY, TIMESTAMP + 3600))
        .isEqualTo(Verdict.STALE);
  }

  @Test
  void absentOrBlankHeadersAreMissing() {
    assertThat(verify(SECRET, null, TS, SIGNATURE, BODY, TIMESTAMP)).isEqualTo(Verdict.MISSING);
    assertThat(verify(SECRET, MSG_ID, null, SIGNATURE, BODY, TIMESTAMP)).isEqualTo(Verdict.MISSING);
    assertThat(verify(SECRET, MSG_ID, TS, null, BODY, TIMESTAMP)).isEqualTo(Verdict.MISSING);
    assertThat(verify(SECRET, "", TS, SIGNATURE, BODY, TIMESTAMP)).isEqualTo(Verdict.MISSING);
    assertThat(verify(SECRET, MSG_ID, " ", SIGNATURE, BODY, TIMESTAMP)).isEqualTo(Verdict.MISSING);
  }

  @Test
  void nonIntegerTimestampIsMalformed() {
    for (String ts : new String[] {"hello", "-1614265330", "+1614265330", "1614265330.5", "1e9"}) {
      assertThat(verify(SECRET, MSG_ID, ts, SIGNATURE, BODY, TIMESTAMP))
          .as(ts)
          .isEqualTo(Verdict.MALFORMED);
    }
    assertThat(verify(SECRET, MSG_ID, "9".repeat(19), SIGNATURE, BODY, TIMESTAMP))
        .isEqualTo(Verdict.MALFORMED);
  }

  @Test
  void headerWithoutAnyVersionedEntryIsMalformed() {
    for (String sig : new String[] {"invalid_signature", "v1,", ",abc", "v1 ,x", "   "}) {
      Verdict verdict = verify(SECRET, MSG_ID, TS, sig, BODY, TIMESTAMP);
      assertThat(verdict).as(sig).isIn(Verdict.MALFORMED, Verdict.MISSING);
    }
    assertThat(verify(SECRET, MSG_ID, TS, SIGNATURE.substring(0, 8), BODY, TIMESTAMP))
        .isEqualTo(Verdict.MISMATCH);
  }

  @Test
  void undecodableSecretVerifiesNothingButIsRejectedWhenSigning() {
    assertThat(verify("whsec_not base64!", MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP))
        .isEqualTo(Verdict.MISMATCH);
    assertThat(verify("whsec_", MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP))
        .isEqualTo(Verdict.MISMATCH);
    assertThatThrownBy(() -> verifier.sign("whsec_not base64!", MSG_ID, TIMESTAMP, BODY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("not base64");
    assertThatThrownBy(() -> verifier.sign("whsec_", MSG_ID, TIMESTAMP, BODY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(StandardWebhookVerifier.isValidSecret(SECRET)).isTrue();
    assertThat(StandardWebhookVerifier.isValidSecret("whsec_%%%%")).isFalse();
  }

  @Test
  void negativeToleranceIsAProgrammingError() {
    assertThatThrownBy(() -> verifier.verify(SECRET, MSG_ID, TS, SIGNATURE, BODY, TIMESTAMP, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
