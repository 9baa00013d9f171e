package dev.sluice.gateway.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.connector.SendResult.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SendResultTest {

  @Test
  void factoriesSetTheOutcomeAndOnlyTheirFields() {
    assertThat(SendResult.sent("wamid.1", 200))
        .isEqualTo(new SendResult(Outcome.SENT, "wamid.1", null, null, null, 200));
    assertThat(SendResult.retryable("130429", "rate", Duration.ofSeconds(1), 400))
        .isEqualTo(
            new SendResult(Outcome.RETRYABLE, null, "130429", "rate", Duration.ofSeconds(1), 400));
    assertThat(SendResult.permanent("21211", "bad to", 400).outcome()).isEqualTo(Outcome.PERMANENT);
    assertThat(SendResult.optOut("21610", "stop", 400).outcome()).isEqualTo(Outcome.OPT_OUT);
  }

  @Test
  void inconsistentResultsAreRefused() {
    assertThatThrownBy(() -> new SendResult(Outcome.SENT, "id", "x", null, null, 200))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SendResult(Outcome.PERMANENT, "id", "x", null, null, 400))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SendResult.permanent(null, "no code", 400))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new SendResult(Outcome.PERMANENT, null, "x", null, Duration.ofSeconds(1), 400))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SendResult.retryable("x", null, Duration.ofSeconds(-1), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void messageAndContentValidateTheirShape() {
    assertThatThrownBy(() -> new MessageContent.Media("sticker", "https://x", null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MessageContent.Media("image", "https://x", "id", null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MessageContent.Media("image", null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new OutboundMessage("m", "+41793026727", new MessageContent.Text("secret body")))
        .hasToString("OutboundMessage[id=m, content=Text]");
  }
}
