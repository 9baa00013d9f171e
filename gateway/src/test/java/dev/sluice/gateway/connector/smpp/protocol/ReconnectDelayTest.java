package dev.sluice.gateway.connector.smpp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconnectDelayTest {
  private static final Duration MIN = Duration.ofSeconds(1);
  private static final Duration MAX = Duration.ofSeconds(30);

  private static long delay(int attempt, double random) {
    return SmppSession.reconnectDelayMillis(attempt, MIN, MAX, random);
  }

  @Test
  void theFirstAttemptWaitsBetweenHalfAndTheWholeMinimum() {
    assertThat(delay(0, 0.0)).isEqualTo(500);
    assertThat(delay(0, 1.0)).isEqualTo(1_000);
  }

  @Test
  void eachAttemptDoublesUntilTheMaximum() {
    assertThat(delay(1, 1.0)).isEqualTo(2_000);
    assertThat(delay(3, 1.0)).isEqualTo(8_000);
    assertThat(delay(5, 1.0)).isEqualTo(30_000);
    assertThat(delay(5, 0.0)).isEqualTo(15_000);
    assertThat(delay(1_000, 0.5)).isBetween(15_000L, 30_000L);
  }
}
