package dev.sluice.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.queue.EventId;
import dev.sluice.gateway.queue.Lane;
import dev.sluice.gateway.queue.QueuedEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The deliverer's pure parts: webhook ids, error codes, the per-tenant cap. */
class DelivererTest {
  private static QueuedEvent event(String entryId) {
    return new QueuedEvent(new EventId(Lane.INBOUND, 3, entryId), "c", "{}", "");
  }

  @Test
  void aSingleEventIsIdentifiedByItsIdAndABatchByADigestOfItsIds() {
    assertThat(Deliverer.webhookId(List.of(event("1-0")))).isEqualTo("i3:1-0");
    String batch = Deliverer.webhookId(List.of(event("1-0"), event("2-0")));
    assertThat(batch).matches("batch_[0-9a-f]{32}");
    assertThat(Deliverer.webhookId(List.of(event("1-0"), event("2-0")))).isEqualTo(batch);
    assertThat(Deliverer.webhookId(List.of(event("1-0"), event("3-0")))).isNotEqualTo(batch);
  }

  @Test
  void failuresAreNamedForTheMetricsAndTheDeliveryLog() {
    assertThat(Deliverer.errorCode(new TimeoutException())).isEqualTo("timeout");
    assertThat(Deliverer.errorCode(new java.net.ConnectException("refused")))
        .isEqualTo("connection_failed");
    assertThat(
            Deliverer.errorCode(
                new EndpointPolicy.Refused("endpoint_not_allowed", "private address")))
        .isEqualTo("endpoint_not_allowed");
  }

  @Test
  void aTenantGetsNoMoreRequestsInFlightThanItsCap() {
    DeliveryGates gates =
        new DeliveryGates(
            2, new GatewayConfig.Breaker(1_000, 10, 3, 50, 1), new SimpleMeterRegistry());
    assertThat(gates.tryAcquire("a")).isTrue();
    assertThat(gates.tryAcquire("a")).isTrue();
    assertThat(gates.tryAcquire("a")).isFalse();
    assertThat(gates.tryAcquire("b")).isTrue(); // another tenant is not affected
    gates.release("a");
    assertThat(gates.tryAcquire("a")).isTrue();
  }
}
