package dev.sluice.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The delivery work set's release function, called directly on the real Redis (the push functions'
 * contracts are in PushStoreIT).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushFunctionsIT {
  /** A key namespace of this class's own: no gateway claims from its work set. */
  private static final String PREFIX = TestBackends.uniqueId("pf") + ":";

  private static Vertx vertx;
  private static RedisBackend redis;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    redis =
        RedisBackend.create(
            vertx, ConfigLoader.load(TestBackends.redisSettings(), Map.of()).config().redis());
    redis.awaitReadyAndLoadFunctions(5_000);
  }

  @AfterAll
  static void stop() {
    redis.close().await();
    vertx.close().await();
  }

  private static Response call(Request r) {
    return redis.send(r).await();
  }

  @Test
  void aReleasedUnitKeepsAnEarlierTimeSetWhileItWasWorked() {
    String unit = TestBackends.uniqueId("pf") + ":0";
    long now = System.currentTimeMillis();
    Request release =
        Request.cmd(Command.FCALL)
            .arg("sluice_release")
            .arg(1)
            .arg(DeliveryWork.key(PREFIX))
            .arg(unit);
    call(
        Request.cmd(Command.ZADD)
            .arg(DeliveryWork.key(PREFIX))
            .arg(now + 30_000)
            .arg(unit)); // claimed
    call(
        Request.cmd(Command.ZADD)
            .arg(DeliveryWork.key(PREFIX))
            .arg("LT")
            .arg(now)
            .arg(unit)); // new event
    call(release.arg(now + 60_000));
    assertThat(call(Request.cmd(Command.ZSCORE).arg(DeliveryWork.key(PREFIX)).arg(unit)).toLong())
        .isEqualTo(now);

    call(
        Request.cmd(Command.ZADD)
            .arg(DeliveryWork.key(PREFIX))
            .arg(now + 30_000)
            .arg(unit)); // claimed
    call(
        Request.cmd(Command.FCALL)
            .arg("sluice_release")
            .arg(1)
            .arg(DeliveryWork.key(PREFIX))
            .arg(unit)
            .arg(now + 60_000));
    assertThat(call(Request.cmd(Command.ZSCORE).arg(DeliveryWork.key(PREFIX)).arg(unit)).toLong())
        .isEqualTo(now + 60_000);
  }
}
