package dev.sluice.gateway.redis;

import dev.sluice.gateway.health.BackendCheck;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

/** Readiness: Redis answers PING. */
public final class RedisCheck implements BackendCheck {
  private final RedisBackend redis;

  public RedisCheck(RedisBackend redis) {
    this.redis = redis;
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public Future<?> check() {
    return redis.send(Request.cmd(Command.PING));
  }
}
