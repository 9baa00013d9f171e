package dev.sluice.loadtest.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTest {
  @Test
  void routesAreReadOnePerLineSkippingBlanks() {
    assertThat(Route.parse(List.of("lt-t200 sk_live_a wa-200-0", "", "  lt-t201  sk_b  wa-201-0 ")))
        .containsExactly(
            new Route("lt-t200", "sk_live_a", "wa-200-0"),
            new Route("lt-t201", "sk_b", "wa-201-0"));
  }

  @Test
  void aLineWithoutThreeWordsOrAnEmptyFileIsRefused() {
    assertThatThrownBy(() -> Route.parse(List.of("lt-t200 sk_live_a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Route.parse(List.of(" ")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
