package dev.sluice.gateway.work;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClaimLingerTest {

  @Test
  void aDispatcherWithoutHistoryClaimsAtOnce() {
    assertThat(new ClaimLinger(5).waitMs(0)).isZero();
  }

  @Test
  void sparsePullsMakeItWaitUpToTheLingerCountedFromTheLastClaim() {
    ClaimLinger linger = new ClaimLinger(10);
    for (int i = 0; i < 100; i++) {
      linger.pulled(1, 16);
    }
    assertThat(linger.waitMs(0)).isBetween(8L, 10L);
    assertThat(linger.waitMs(4)).isBetween(4L, 6L);
    assertThat(linger.waitMs(20)).isZero();
  }

  @Test
  void aStandingBacklogIsClaimedWithoutWaiting() {
    ClaimLinger linger = new ClaimLinger(10);
    for (int i = 0; i < 100; i++) {
      linger.pulled(0, 16);
    }
    assertThat(linger.waitMs(0)).isEqualTo(10);
    for (int i = 0; i < 100; i++) {
      linger.pulled(16, 16); // the backlog builds up: full pulls
    }
    assertThat(linger.waitMs(0)).isZero();
  }

  @Test
  void noLingerNeverWaits() {
    ClaimLinger linger = new ClaimLinger(0);
    linger.pulled(0, 16);
    assertThat(linger.waitMs(0)).isZero();
  }
}
