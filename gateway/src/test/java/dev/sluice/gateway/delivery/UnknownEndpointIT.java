package dev.sluice.gateway.delivery;

import static dev.sluice.gateway.delivery.PushHarness.texts;
import static dev.sluice.gateway.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.delivery.PushHarness.Push;
import dev.sluice.gateway.delivery.PushHarness.Receiver;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A push endpoint this instance's directory does not know yet: the API instance (A) sets it, the
 * delivering instance (B) polls PostgreSQL only every ten minutes. B must ask PostgreSQL before it
 * lets the tenant's partition go.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UnknownEndpointIT {
  /** Directories that never catch up by polling within a test. */
  private static final String SLOW_POLL = "600000";

  private static PushHarness push;
  private static Redis redis;

  @BeforeAll
  static void start() {
    push = new PushHarness(Map.of("delivery.enabled", "false", "pg.directoryPollMs", SLOW_POLL));
    redis = Redis.createClient(push.vertx, push.h.redisOptions());
  }

  @AfterAll
  static void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
    if (push != null) {
      push.close();
    }
  }

  /** The delivering instance, on the same Redis and database, with a directory of its own. */
  private static Gateway deliverer() {
    return push.h.anotherInstance(
        Map.of("delivery.enabled", "true", "pg.directoryPollMs", SLOW_POLL));
  }

  @Test
  void eventsOfAnEndpointSetOnAnotherInstanceAreDelivered() throws Exception {
    Gateway b = deliverer(); // its directory is loaded before the endpoint exists
    try {
      Receiver receiver = push.receiver();
      Push p = push.pushTenant(receiver, 1);
      push.send(p, push.newPhone(), "wamid.FRESH1");

      until(
          "the event delivered by the instance that did not know the endpoint",
          Duration.ofSeconds(20),
          () -> receiver.acknowledged().size() == 1);
      assertThat(texts(receiver.acknowledged())).containsExactly("wamid.FRESH1");
    } finally {
      b.close().await();
    }
  }

  @Test
  void aPartitionOfATenantWithoutEndpointLeavesTheWorkSet() throws Exception {
    String unit = DeliveryWork.unit(push.h.tenant("pull").id(), 0);
    redis
        .send(
            Request.cmd(Command.ZADD)
                .arg(DeliveryWork.key(push.h.keyPrefix()))
                .arg(System.currentTimeMillis())
                .arg(unit))
        .await();
    Gateway b = deliverer();
    try {
      until(
          "the pull-mode tenant's partition to leave the work set",
          Duration.ofSeconds(20),
          () ->
              redis
                      .send(
                          Request.cmd(Command.ZSCORE)
                              .arg(DeliveryWork.key(push.h.keyPrefix()))
                              .arg(unit))
                      .await()
                  == null);
    } finally {
      b.close().await();
    }
  }
}
