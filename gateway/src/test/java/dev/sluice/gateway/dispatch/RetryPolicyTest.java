package dev.sluice.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.work.Backoff;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy =
      new RetryPolicy(new Backoff(1_000, 300_000, Backoff.Jitter.FULL));

  @Test
  void aRetryableFailureBacksOffWithFullJitter() {
    SendResult down = SendResult.retryable("http_503", "unavailable", null, 503);
    for (int i = 0; i < 500; i++) {
      assertThat(policy.delayMs(3, down)).isBetween(0L, 4_000L);
    }
  }

  @Test
  void theProvidersRetryAfterIsHonouredEvenAboveTheCap() {
    SendResult throttled =
        SendResult.retryable("http_429", "slow down", Duration.ofMinutes(10), 429);
    assertThat(policy.delayMs(1, throttled)).isEqualTo(600_000);
  }

  @Test
  void whatsAppsPairLimitWaitsMetasAdvisedFourToTheAttemptSeconds() {
    SendResult pair = SendResult.retryable(RetryPolicy.PAIR_LIMIT, "pair rate limit", null, 400);
    assertThat(policy.delayMs(1, pair)).isEqualTo(1_000);
    assertThat(policy.delayMs(3, pair)).isEqualTo(16_000); // above the backoff's 4 s ceiling
    assertThat(policy.delayMs(20, pair)).isEqualTo(300_000); // capped like the backoff
  }
}
