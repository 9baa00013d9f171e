package dev.sluice.gateway.status;

import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The instances' heartbeats: one Redis hash, {@code {status}:instances}, field = instance id, value
 * = that instance's latest {@link InstanceBeat} as JSON (with {@code seenAt}, epoch ms). A hash
 * field cannot expire on Redis 7.0, so a beat is live while its {@code seenAt} is recent, and the
 * beating instances delete the fields of instances long gone. One key, so it works unchanged on a
 * Redis Cluster.
 */
final class InstanceStore {
  private final RedisCommands redis;
  private final String key;

  InstanceStore(RedisCommands redis) {
    this.redis = redis;
    this.key = key(redis.keyPrefix());
  }

  static String key(String keyPrefix) {
    return keyPrefix + "{status}:instances";
  }

  /** {@code HSET}: this instance's latest beat. */
  Future<Void> put(String instance, JsonObject beat) {
    return redis
        .send(Request.cmd(Command.HSET).arg(key).arg(instance).arg(beat.encode()))
        .mapEmpty();
  }

  /** {@code HGETALL}: every beat, a field that is not JSON skipped. */
  Future<List<JsonObject>> all() {
    return redis
        .send(Request.cmd(Command.HGETALL).arg(key))
        .map(
            reply -> {
              List<JsonObject> beats = new ArrayList<>();
              if (reply == null) {
                return beats;
              }
              for (String field : reply.getKeys()) {
                Response value = reply.get(field);
                try {
                  beats.add(new JsonObject(value.toString()).put("id", field));
                } catch (RuntimeException e) {
                  // Not a beat (written by hand?): shown nowhere, deleted as stale by the pruning.
                  beats.add(new JsonObject().put("id", field).put("seenAt", 0L));
                }
              }
              return beats;
            });
  }

  /** {@code HDEL}: the given instances' beats. */
  Future<Void> remove(Collection<String> instances) {
    if (instances.isEmpty()) {
      return Future.succeededFuture();
    }
    Request del = Request.cmd(Command.HDEL).arg(key);
    instances.forEach(del::arg);
    return redis.send(del).mapEmpty();
  }
}
