package dev.sluice.gateway.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * Where a store sends its commands: a verticle's {@link PipelinedRedis} on the hot paths, or the
 * shared pool ({@link RedisBackend}) for periodic upkeep. Both name keys in one namespace.
 */
public interface RedisCommands {
  /**
   * Sends one command.
   *
   * @return the reply; fails with {@link RedisUnavailableException} when there is no connection,
   *     with a timeout, or with the server's error reply
   */
  Future<Response> send(Request request);

  /** The namespace every key name starts with ({@code redis.keyPrefix}). */
  String keyPrefix();
}
