package dev.sluice.gateway.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ledger.MessageStatus;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OutboundEventsTest {

  @Test
  void finalMeansDeliveredReadFailedAndCancelledWhateverTheirRanks() {
    assertThat(Arrays.stream(MessageStatus.values()).filter(OutboundEvents.FINAL::includes))
        .containsExactlyInAnyOrder(
            MessageStatus.DELIVERED,
            MessageStatus.READ,
            MessageStatus.FAILED,
            MessageStatus.CANCELLED);
  }

  @Test
  void failuresMeansFailedAndCancelled() {
    assertThat(Arrays.stream(MessageStatus.values()).filter(OutboundEvents.FAILURES::includes))
        .containsExactlyInAnyOrder(MessageStatus.FAILED, MessageStatus.CANCELLED);
  }
}
