package dev.sluice.gateway.connector.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.connector.smpp.protocol.SubmitResult;
import dev.sluice.gateway.connector.smpp.protocol.SubmitResult.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmppOutcomesTest {

  @Test
  void anAcceptedMessageIsSentUnderItsFirstPartsId() {
    SendResult r =
        SmppOutcomes.of("ch", new SubmitResult(Status.OK, List.of("a1", "a2"), 0, null), 10);

    assertThat(r.outcome()).isEqualTo(SendResult.Outcome.SENT);
    // An SMSC's ids are its own: the channel qualifies them.
    assertThat(r.providerMessageId()).isEqualTo("ch:a1");
  }

  @Test
  void throttlingIsRetriedLaterAndIsNotAnOutage() {
    SendResult r =
        SmppOutcomes.of("ch", new SubmitResult(Status.THROTTLED, List.of(), 0x58, "throttled"), 10);

    assertThat(r.outcome()).isEqualTo(SendResult.Outcome.RETRYABLE);
    assertThat(r.errorCode()).isEqualTo("smpp_0x58");
    // A provider's wait: the dispatcher's breaker does not count it as an outage.
    assertThat(r.retryAfter()).isNotNull();
  }

  @Test
  void aRefusedMessageFailsWithTheCommandStatusAsItsCode() {
    SendResult r =
        SmppOutcomes.of("ch", new SubmitResult(Status.PERMANENT, List.of(), 0x0B, "bad dest"), 10);

    assertThat(r.outcome()).isEqualTo(SendResult.Outcome.PERMANENT);
    assertThat(r.errorCode()).isEqualTo("smpp_0x0B");
    assertThat(r.errorMessage()).isEqualTo("bad dest");
  }

  @Test
  void anUnansweredSubmitIsATimeoutAsAnHttpCallWithoutAnswerIs() {
    SendResult r =
        SmppOutcomes.of("ch", new SubmitResult(Status.UNKNOWN, List.of(), 0, null), 10_000);

    assertThat(r.outcome()).isEqualTo(SendResult.Outcome.RETRYABLE);
    assertThat(r.errorCode()).isEqualTo("timeout");
    assertThat(r.retryAfter()).isNull();
    assertThat(r.httpStatus()).isZero();
  }

  @Test
  void noBindIsAnOutageThatFeedsTheBreaker() {
    SendResult r =
        SmppOutcomes.of("ch", new SubmitResult(Status.NOT_BOUND, List.of(), 0, null), 10);

    assertThat(r.outcome()).isEqualTo(SendResult.Outcome.RETRYABLE);
    assertThat(r.errorCode()).isEqualTo("bind_down");
    assertThat(r.retryAfter()).isNull();
    assertThat(r.httpStatus()).isZero();
  }

  @Test
  void aRetryableStatusWithoutCommandStatusIsANetworkError() {
    assertThat(
            SmppOutcomes.of("ch", new SubmitResult(Status.RETRYABLE, List.of(), 0, "lost"), 10)
                .errorCode())
        .isEqualTo("network");
    assertThat(
            SmppOutcomes.of("ch", new SubmitResult(Status.RETRYABLE, List.of(), 0x08, "syserr"), 10)
                .errorCode())
        .isEqualTo("smpp_0x08");
  }
}
