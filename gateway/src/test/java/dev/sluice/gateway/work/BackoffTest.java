package dev.sluice.gateway.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void theCeilingDoublesPerAttemptUpToTheCap() {
    Backoff backoff = new Backoff(1_000, 60_000, Backoff.Jitter.FULL);
    assertThat(backoff.ceilingMs(1)).isEqualTo(1_000);
    assertThat(backoff.ceilingMs(2)).isEqualTo(2_000);
    assertThat(backoff.ceilingMs(6)).isEqualTo(32_000);
    assertThat(backoff.ceilingMs(7)).isEqualTo(60_000);
    assertThat(backoff.ceilingMs(1_000_000)).isEqualTo(60_000); // no overflow
    assertThat(backoff.ceilingMs(0)).as("no attempt counts as the first").isEqualTo(1_000);
  }

  @Test
  void aBaseAboveTheCapIsCapped() {
    Backoff backoff = new Backoff(3_600_000, 1_000, Backoff.Jitter.FULL);
    assertThat(backoff.ceilingMs(1)).isEqualTo(1_000);
    assertThat(backoff.ceilingMs(40)).isEqualTo(1_000);
  }

  @Test
  void fullJitterDrawsFromZeroToTheCeiling() {
    Backoff backoff = new Backoff(1_000, 60_000, Backoff.Jitter.FULL);
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 2_000; i++) {
      long d = backoff.delayMs(3);
      assertThat(d).isBetween(0L, 4_000L);
      least = Math.min(least, d);
    }
    assertThat(least).as("some retries go well before half the ceiling").isLessThan(2_000);
  }

  @Test
  void halfJitterKeepsAtLeastHalfOfTheCeiling() {
    Backoff backoff = new Backoff(1_000, 60_000, Backoff.Jitter.HALF);
    for (int i = 0; i < 2_000; i++) {
      assertThat(backoff.delayMs(3)).isBetween(2_000L, 4_000L);
    }
  }

  @Test
  void whatTheOtherSideAskedForWinsEvenAboveTheCap() {
    Backoff backoff = new Backoff(1_000, 60_000, Backoff.Jitter.FULL);
    assertThat(backoff.delayMs(1, 120_000)).isEqualTo(120_000);
    assertThat(backoff.delayMs(1, 0)).isBetween(0L, 1_000L);
  }

  @Test
  void negativeTimesAreRefused() {
    assertThatThrownBy(() -> new Backoff(-1, 10, Backoff.Jitter.HALF))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
