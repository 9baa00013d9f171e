package dev.sluice.gateway.delivery;

import static dev.sluice.gateway.delivery.PushHarness.texts;
import static dev.sluice.gateway.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.delivery.PushHarness.Push;
import dev.sluice.gateway.delivery.PushHarness.Receiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two gateway instances deliver one tenant's queue; the one holding the deliveries in flight stops,
 * and the other delivers everything once the stopped one's leases run out.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeliveryFailoverIT {
  /** The instances that deliver: requests take up to 4 s, so leases last 9 s. */
  private static final Map<String, String> DELIVERING =
      Map.of(
          "delivery.enabled", "true",
          "delivery.requestTimeoutMs", "4000",
          "delivery.claimMs", "5000");

  private static PushHarness push;

  @BeforeAll
  static void start() {
    // The harness's own gateway serves the APIs and does not deliver.
    push = new PushHarness(Map.of("delivery.enabled", "false"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (push != null) {
      push.close();
    }
  }

  @Test
  void aGatewayStoppedMidDeliveryLosesNothing() throws Exception {
    Receiver receiver = push.receiver();
    receiver.delayMs = 60_000; // the first instance's requests get no answer before it stops
    Push p = push.pushTenant(receiver, 1);
    List<String> wamids = new ArrayList<>();
    Gateway first = push.h.anotherInstance(DELIVERING);
    Gateway second = null;
    try {
      for (int i = 0; i < 6; i++) {
        String wamid = "wamid.STOP" + i;
        push.send(p, push.newPhone(), wamid);
        wamids.add(wamid);
      }
      until("deliveries in flight", Duration.ofSeconds(10), () -> receiver.hits.size() >= 4);
      int inFlight = receiver.hits.size();
      second = push.h.anotherInstance(DELIVERING);
      receiver.delayMs = 0;
      first.close().await();
      first = null;
      until(
          "every event acknowledged",
          Duration.ofSeconds(40),
          () -> receiver.acknowledged().size() >= 6);
      assertThat(texts(receiver.acknowledged())).containsAll(wamids);
      // What was in flight at the stop was sent again: at least once, never lost.
      assertThat(receiver.hits.size()).isGreaterThanOrEqualTo(6 + Math.min(inFlight, 4));
    } finally {
      if (first != null) {
        first.close().await();
      }
      if (second != null) {
        second.close().await();
      }
    }
  }
}
