package dev.sluice.gateway.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.tenant.OptKeywords.Action;
import dev.sluice.gateway.tenant.OptKeywords.Match;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptKeywordsTest {
  @Test
  void theWholeBodyTrimmedAndInAnyCaseIsTheKeyword() {
    OptKeywords k = OptKeywords.DEFAULT;

    for (String body : List.of("STOP", "stop", " Stop\n", "\tsToP  ")) {
      assertThat(k.match(body)).as(body).isEqualTo(new Match(Action.OPT_OUT, "STOP"));
    }
    for (String word : List.of("stopall", "unsubscribe", "cancel", "end", "quit")) {
      assertThat(k.match(word).action()).as(word).isEqualTo(Action.OPT_OUT);
    }
    for (String word : List.of("start", "unstop", "Yes")) {
      assertThat(k.match(word).action()).as(word).isEqualTo(Action.OPT_IN);
    }
    for (String body :
        Arrays.asList("stop please", "STOP.", "S TOP", "", "   ", "hello", "stopp", null)) {
      assertThat(k.match(body)).as(String.valueOf(body)).isNull();
    }
    assertThat(k.match("stop" + " ".repeat(500))).isNull(); // a long body is no keyword
  }

  @Test
  void aTenantsOwnListsAreKeptUppercaseInOrderWithoutRepeats() {
    OptKeywords k = new OptKeywords(List.of("arrêt", "Halt", "HALT"), List.of("weiter"));

    assertThat(k.optOut()).containsExactly("ARRÊT", "HALT");
    assertThat(k.optIn()).containsExactly("WEITER");
    assertThat(k.match("Arrêt")).isEqualTo(new Match(Action.OPT_OUT, "ARRÊT"));
    assertThat(k.match("stop")).isNull(); // the defaults are replaced, not added to
    assertThat(new OptKeywords(List.of(), List.of()).match("STOP")).isNull();
  }

  @Test
  void aWordOnBothListsBlankWordsAndSpacesAreRefused() {
    assertThatThrownBy(() -> new OptKeywords(List.of("STOP"), List.of("stop")))
        .hasMessageContaining("'STOP' is on both");
    assertThatThrownBy(() -> new OptKeywords(List.of("stop all"), List.of()))
        .hasMessageContaining("optOut: 'stop all' is not a keyword");
    assertThatThrownBy(() -> new OptKeywords(List.of(), Arrays.asList("ok", null)))
        .hasMessageContaining("optIn: '' is not a keyword");
    assertThatThrownBy(() -> new OptKeywords(List.of("x".repeat(33)), List.of()))
        .hasMessageContaining("is not a keyword");
    assertThatThrownBy(() -> new OptKeywords(Collections.nCopies(51, "A"), List.of()))
        .hasMessageContaining("at most 50");
  }
}
