package dev.sluice.gateway.core.signing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VerdictTest {

  @Test
  void onlyValidLetsARequestThrough() {
    assertThat(Verdict.VALID.valid()).isTrue();
    assertThat(Verdict.MISSING.valid()).isFalse();
    assertThat(Verdict.MALFORMED.valid()).isFalse();
    assertThat(Verdict.MISMATCH.valid()).isFalse();
    assertThat(Verdict.STALE.valid()).isFalse();
  }

  @Test
  void reasonIsTheLowercaseNameForMetricTags() {
    assertThat(Verdict.VALID.reason()).isEqualTo("valid");
    assertThat(Verdict.MISSING.reason()).isEqualTo("missing");
    assertThat(Verdict.MALFORMED.reason()).isEqualTo("malformed");
    assertThat(Verdict.MISMATCH.reason()).isEqualTo("mismatch");
    assertThat(Verdict.STALE.reason()).isEqualTo("stale");
  }
}
