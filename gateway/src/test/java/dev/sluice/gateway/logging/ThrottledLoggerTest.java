package dev.sluice.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ThrottledLoggerTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private ThrottledLogger warnings;

  @BeforeEach
  void logger() {
    Logger log = (Logger) LoggerFactory.getLogger("throttled-" + System.nanoTime());
    log.setAdditive(false); // kept out of the build's output
    lines.start();
    log.addAppender(lines);
    warnings = new ThrottledLogger(log, Duration.ofSeconds(10), nanos::get);
  }

  @Test
  void theFirstWarningGoesOutAtOnceAndRepeatsWithinTheIntervalAreHeldBack() {
    assertThat(warnings.warn("claim failed: {}", "down")).isTrue();
    advance(3);
    assertThat(warnings.warn("claim failed: {}", "down")).isFalse();
    advance(3);
    assertThat(warnings.warn("claim failed: {}", "down")).isFalse();

    assertThat(lines.list).hasSize(1);
    assertThat(lines.list.get(0).getFormattedMessage()).isEqualTo("claim failed: down");
  }

  @Test
  void theNextWarningAfterTheIntervalSaysHowManyWereHeldBack() {
    warnings.warn("claim failed: {}", "down");
    warnings.warn("claim failed: {}", "down");
    warnings.warn("claim failed: {}", "down");
    advance(10);

    assertThat(warnings.warn("claim failed: {}", "still down")).isTrue();

    assertThat(lines.list).hasSize(2);
    assertThat(lines.list.get(1).getFormattedMessage())
        .isEqualTo("claim failed: still down (2 like warnings held back since the last one)");
  }

  @Test
  void aTrailingThrowableStaysTheLoggedException() {
    warnings.warn("first");
    warnings.warn("held");
    advance(11);

    warnings.warn("write failed for {}", "tenant-a", new IllegalStateException("boom"));

    ILoggingEvent line = lines.list.get(1);
    assertThat(line.getFormattedMessage())
        .isEqualTo("write failed for tenant-a (1 like warnings held back since the last one)");
    assertThat(line.getThrowableProxy().getMessage()).isEqualTo("boom");
  }

  private void advance(long seconds) {
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }
}
