package dev.sluice.loadtest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void burstIsServedThenTheRateApplies() {
    TokenBucket b = new TokenBucket(80, 80, 0);
    for (int i = 0; i < 80; i++) {
      assertThat(b.tryTake(0)).isZero();
    }
    assertThat(b.tryTake(0)).isEqualTo(SECOND / 80);
    assertThat(b.tryTake(SECOND / 80)).isZero();
  }

  @Test
  void pairLimitRefillsOneTokenEverySixSeconds() {
    TokenBucket b = new TokenBucket(1.0 / 6, 45, 0);
    for (int i = 0; i < 45; i++) {
      assertThat(b.tryTake(0)).isZero();
    }
    assertThat(b.tryTake(0)).isBetween(6 * SECOND - 1000, 6 * SECOND + 1000);
    assertThat(b.tryTake(6 * SECOND)).isZero();
    assertThat(b.tryTake(6 * SECOND)).isPositive();
  }

  @Test
  void bucketIsFullAgainAfterIdling() {
    TokenBucket b = new TokenBucket(1, 2, 0);
    b.tryTake(0);
    assertThat(b.isFull(0)).isFalse();
    assertThat(b.isFull(SECOND)).isTrue();
  }
}
