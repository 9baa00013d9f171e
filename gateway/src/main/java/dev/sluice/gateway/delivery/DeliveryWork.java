package dev.sluice.gateway.delivery;

import dev.sluice.gateway.redis.PipelinedRedis;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

/**
 * The delivery work set {@code <prefix>{delivery}:work}: a sorted set of {@code tenant:partition}
 * units of tenants in push mode, scored by when each is next due. Deliverers claim due units
 * ({@code sluice_claim}); whoever adds events to a push tenant's queue makes its partition due at
 * once with {@code ZADD LT} (which only ever brings a unit forward), and a periodic sweep re-adds
 * any unit a crash left out.
 */
public final class DeliveryWork {
  /** The delivery work set of a key namespace. */
  public static String key(String keyPrefix) {
    return keyPrefix + "{delivery}:work";
  }

  private DeliveryWork() {}

  public static String unit(String tenantId, int partition) {
    return tenantId + ":" + partition;
  }

  /** Makes one partition of a push tenant due now. */
  public static Future<Void> touch(PipelinedRedis redis, String tenantId, int partition) {
    return redis
        .send(
            Request.cmd(Command.ZADD)
                .arg(key(redis.keyPrefix()))
                .arg("LT")
                .arg(System.currentTimeMillis())
                .arg(unit(tenantId, partition)))
        .mapEmpty();
  }

  /** Makes every partition of a push tenant due now (endpoint set, replay, redrive). */
  public static Future<Void> touchAll(PipelinedRedis redis, String tenantId, int partitions) {
    Request zadd = Request.cmd(Command.ZADD).arg(key(redis.keyPrefix())).arg("LT");
    long now = System.currentTimeMillis();
    for (int p = 0; p < partitions; p++) {
      zadd.arg(now).arg(unit(tenantId, p));
    }
    return redis.send(zadd).mapEmpty();
  }

  /** Takes a tenant's partitions out of the work set (back to pull mode). */
  public static Future<Void> removeAll(PipelinedRedis redis, String tenantId, int partitions) {
    Request zrem = Request.cmd(Command.ZREM).arg(key(redis.keyPrefix()));
    for (int p = 0; p < partitions; p++) {
      zrem.arg(unit(tenantId, p));
    }
    return redis.send(zrem).mapEmpty();
  }
}
