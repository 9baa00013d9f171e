package dev.sluice.gateway.delivery;

import static dev.sluice.gateway.delivery.PushHarness.texts;
import static dev.sluice.gateway.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.delivery.PushHarness.Push;
import dev.sluice.gateway.delivery.PushHarness.Receiver;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Events an endpoint never acknowledges: kept in the dead-letter lane, listed, redriven. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeadLetterIT {
  private static PushHarness push;

  @BeforeAll
  static void start() {
    push = new PushHarness(Map.of("delivery.maxAgeSeconds", "2"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (push != null) {
      push.close();
    }
  }

  private JsonArray deadLetters(Push p) {
    return push.api(p.tenant(), HttpMethod.GET, "/v1/dead-letters", null)
        .getJsonArray("deadLetters");
  }

  @Test
  void eventsTooOldToRetryGoToTheDeadLetterLaneAndAreRedriven() throws Exception {
    Receiver receiver = push.receiver();
    receiver.status = () -> 500;
    Push p = push.pushTenant(receiver, 10);
    push.send(p, push.newPhone(), "wamid.DEAD1");
    push.send(p, push.newPhone(), "wamid.DEAD2");
    until("two dead letters", Duration.ofSeconds(30), () -> deadLetters(p).size() == 2);

    JsonArray dead = deadLetters(p);
    assertThat(receiver.failures()).isPositive();
    assertThat(receiver.acknowledged()).isEmpty();
    assertThat(dead.getJsonObject(0).getString("reason")).isEqualTo("expired");
    assertThat(
            List.of(
                dead.getJsonObject(0).getJsonObject("event").getString("text"),
                dead.getJsonObject(1).getJsonObject("event").getString("text")))
        .containsExactlyInAnyOrder("wamid.DEAD1", "wamid.DEAD2");
    String metrics = push.h.client.get("/metrics").send().await().bodyAsString();
    assertThat(metrics)
        .contains("sluice_delivery_dead_letters_total{tenant=\"" + p.tenant().id() + "\"} 2.0");

    receiver.status = () -> 200;
    JsonObject redriven =
        push.api(p.tenant(), HttpMethod.POST, "/v1/dead-letters/redrive", new JsonObject());
    assertThat(redriven.getInteger("redriven")).isEqualTo(2);
    until(
        "the redriven events delivered",
        Duration.ofSeconds(15),
        () -> receiver.acknowledged().size() == 2);
    assertThat(texts(receiver.acknowledged()))
        .containsExactlyInAnyOrder("wamid.DEAD1", "wamid.DEAD2");
    assertThat(deadLetters(p)).isEmpty();
  }
}
