package dev.sluice.gateway.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void secondsAreTakenAsTheyAre() {
    assertThat(RetryAfter.parse(" 120 ", NOW)).isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse("0", NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void httpDateIsTheWaitFromNow() {
    assertThat(RetryAfter.parse("Sun, 01 Mar 2026 10:02:00 GMT", NOW))
        .isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void httpDateInThePastMeansNow() {
    assertThat(RetryAfter.parse("Sat, 28 Feb 2026 10:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"-5", "1.5", "soon", "99999999999999999999999", "Sun, 01 Mar 2026"})
  void unreadableValuesAreIgnored(String value) {
    assertThat(RetryAfter.parse(value, NOW)).isNull();
  }
}
