package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TwilioSignedUrlTest {
  private static final String HOOK = "https://gw.example.com/webhooks/twilio/ch-1";

  @Test
  void withoutAQueryTheConfiguredUrlIsSigned() {
    assertThat(TwilioWebhookHandler.signedUrl(HOOK, null)).isEqualTo(HOOK);
    assertThat(TwilioWebhookHandler.signedUrl(HOOK, "")).isEqualTo(HOOK);
  }

  @Test
  void theQueryTwilioCalledWithIsSigned() {
    assertThat(TwilioWebhookHandler.signedUrl(HOOK, "sluiceMessageId=m1"))
        .isEqualTo(HOOK + "?sluiceMessageId=m1");
  }

  @Test
  void aConfiguredQueryIsPartOfTheCalledQueryNotRepeated() {
    // The connector appends its parameter to a publicUrl that has a query of its own.
    assertThat(TwilioWebhookHandler.signedUrl(HOOK + "?x=1", "x=1&sluiceMessageId=m1"))
        .isEqualTo(HOOK + "?x=1&sluiceMessageId=m1");
    assertThat(TwilioWebhookHandler.signedUrl(HOOK + "?x=1", "x=1")).isEqualTo(HOOK + "?x=1");
  }
}
