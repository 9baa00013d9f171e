package dev.sluice.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.RedisClusterProcess;
import dev.sluice.gateway.testing.RedisServerProcess;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The per-loop connection fails fast while Redis is down, reconnects by itself after, and sends the
 * commands of one loop turn in one write. On a redis-server of this class's own (it stops it and
 * counts its socket reads), or, in the cluster pass of the tests, on a three-master cluster of its
 * own.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PipelinedRedisIT {
  private static final String PROBE_KEY = "probe";

  private RedisServerProcess server;
  private RedisClusterProcess cluster;
  private List<RedisServerProcess> nodes;
  private Vertx vertx;
  private RedisBackend backend;

  @BeforeEach
  void start() {
    Map<String, String> settings = new HashMap<>();
    settings.put("redis.commandTimeoutMs", "300");
    if (TestBackends.isRedisCluster()) {
      cluster = new RedisClusterProcess().start();
      nodes = cluster.nodes();
      settings.put("redis.type", "cluster");
      settings.put("redis.url", String.join(",", cluster.urls()));
    } else {
      server = new RedisServerProcess().start();
      nodes = List.of(server);
      settings.put("redis.url", server.url());
    }
    vertx = Vertx.vertx();
    GatewayConfig.Redis config = ConfigLoader.load(settings, Map.of()).config().redis();
    backend = RedisBackend.create(vertx, config);
  }

  @AfterEach
  void stop() throws Exception {
    backend.close().await();
    vertx.close().await();
    if (cluster != null) {
      cluster.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aLostConnectionIsReplacedOnceRedisIsBack() throws Exception {
    Context context = vertx.getOrCreateContext();
    PipelinedRedis redis = onContext(context, backend::pipelined).await();
    assertThat(probe(context, redis)).isTrue();
    RedisServerProcess owner = ownerOf(PROBE_KEY);

    owner.stop();
    assertThat(probe(context, redis)).isFalse();

    owner.start();
    Await.until(
        "the connection to be replaced once Redis is back",
        Duration.ofSeconds(30),
        () -> probe(context, redis));
  }

  @Test
  void theCommandsOfOneLoopTurnReachRedisInOneWrite() throws Exception {
    Context context = vertx.getOrCreateContext();
    PipelinedRedis redis = onContext(context, backend::pipelined).await();
    // The 300 ms command timeout is short on a busy machine: the first probes may time out.
    Await.until("a connection to Redis", Duration.ofSeconds(10), () -> probe(context, redis));
    int commands = 200;
    int keys = 8; // on a cluster, in slots of every node

    long readsBefore = readsProcessed();
    Future<?> all =
        onContext(
                context,
                () -> {
                  List<Future<Response>> replies = new ArrayList<>();
                  for (int i = 0; i < commands; i++) { // as if from 200 requests in one turn
                    replies.add(redis.send(Request.cmd(Command.INCR).arg(turnKey(i % keys))));
                  }
                  return Future.all(replies);
                })
            .compose(f -> f);
    all.await();
    long reads = readsProcessed() - readsBefore - nodes.size(); // the second INFOs' own reads

    long total = 0;
    for (int k = 0; k < keys; k++) {
      total += backend.send(Request.cmd(Command.GET).arg(turnKey(k))).await().toInteger();
    }
    assertThat(total).isEqualTo(commands);
    // One flush per turn: one socket write per server, which Redis takes in one read (or a few,
    // if the kernel splits it); flushed one by one, it took about one read per command.
    assertThat(reads)
        .as("Redis socket reads for %d commands on %d server(s)", commands, nodes.size())
        .isLessThanOrEqualTo(4L * nodes.size());
  }

  private static String turnKey(int k) {
    return "turn-test-" + k;
  }

  /** Socket reads of every server, from {@code INFO stats} asked of each directly. */
  private long readsProcessed() {
    long sum = 0;
    for (RedisServerProcess node : nodes) {
      String stats = direct(node, Request.cmd(Command.INFO).arg("stats")).toString();
      sum += statsField(stats, "total_reads_processed");
    }
    return sum;
  }

  private static long statsField(String stats, String name) {
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new AssertionError("no " + name + " in INFO stats");
  }

  /** The server holding {@code key}: the only one, or the cluster node that does not redirect. */
  private RedisServerProcess ownerOf(String key) {
    for (RedisServerProcess node : nodes) {
      try {
        direct(node, Request.cmd(Command.GET).arg(key));
        return node;
      } catch (RuntimeException e) {
        if (!String.valueOf(e.getMessage()).startsWith("MOVED")) {
          throw e;
        }
      }
    }
    throw new AssertionError("no server holds " + key);
  }

  private final Map<Integer, Redis> directClients = new HashMap<>();

  /** One command to one server, not through the cluster client. */
  private Response direct(RedisServerProcess node, Request request) {
    Redis client =
        directClients.computeIfAbsent(node.port(), p -> Redis.createClient(vertx, node.url()));
    return client.send(request).await();
  }

  /** Reads the probe key on the connection's own event loop; true when Redis answered. */
  private static boolean probe(Context context, PipelinedRedis redis) {
    Future<Response> reply =
        onContext(context, () -> redis.send(Request.cmd(Command.GET).arg(PROBE_KEY)))
            .compose(f -> f);
    // Any failure means no answer, also the client's CONNECTION_CLOSED (a Throwable, not an
    // Exception) for a command in flight when the server went away.
    return reply.transform(ar -> Future.succeededFuture(ar.succeeded())).await();
  }

  private static <T> Future<T> onContext(Context context, Supplier<T> work) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> p.complete(work.get()));
    return p.future();
  }
}
