package dev.sluice.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.redis.RedisCommands;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The heartbeat hash's contract, on the shared Redis (standalone, then a cluster). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InstanceStoreIT {
  private static Vertx vertx;
  private static Redis client;

  @BeforeAll
  static void start() {
    TestBackends.requireRedis();
    vertx = Vertx.vertx();
    client = Redis.createClient(vertx, TestBackends.redisOptions());
  }

  @AfterAll
  static void stop() {
    client.close().await();
    vertx.close().await();
  }

  private static RedisCommands commands(String prefix) {
    return new RedisCommands() {
      @Override
      public Future<Response> send(Request request) {
        return client.send(request);
      }

      @Override
      public String keyPrefix() {
        return prefix;
      }
    };
  }

  /** Each beat's {@code seenAt} by instance id. */
  private static Map<String, Long> seen(InstanceStore store) {
    Map<String, Long> out = new HashMap<>();
    store.all().await().forEach(b -> out.put(b.getString("id"), b.getLong("seenAt")));
    return out;
  }

  @Test
  void beatsAreReadBackByInstanceAndRemovedByName() {
    String prefix = TestBackends.uniqueId("beat") + ":";
    InstanceStore store = new InstanceStore(commands(prefix));
    store.put("a", new JsonObject().put("seenAt", 1000L).put("pid", 1)).await();
    store.put("b", new JsonObject().put("seenAt", 2000L)).await();
    store.put("a", new JsonObject().put("seenAt", 3000L).put("pid", 1)).await();
    // A field that is not a beat (written by hand) reads as one never seen.
    client
        .send(Request.cmd(Command.HSET).arg(InstanceStore.key(prefix)).arg("junk").arg("{oops"))
        .await();

    assertThat(seen(store))
        .containsExactlyInAnyOrderEntriesOf(Map.of("a", 3000L, "b", 2000L, "junk", 0L));
    JsonObject a =
        store.all().await().stream().filter(b -> "a".equals(b.getString("id"))).findFirst().get();
    assertThat(a.getInteger("pid")).isEqualTo(1);

    store.remove(List.of("a", "junk")).await();
    store.remove(List.of()).await();
    assertThat(seen(store)).containsExactlyEntriesOf(Map.of("b", 2000L));
    client.send(Request.cmd(Command.DEL).arg(InstanceStore.key(prefix))).await();
    assertThat(store.all().await()).isEmpty();
  }
}
