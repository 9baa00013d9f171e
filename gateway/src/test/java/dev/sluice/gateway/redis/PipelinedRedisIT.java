package dev.sluice.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.RedisServerProcess;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-loop connection fails fast while Redis is down and reconnects by itself after. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipelinedRedisIT {
  private RedisServerProcess server;
  private Vertx vertx;
  private RedisBackend backend;

  @BeforeEach
  void start() {
    server = new RedisServerProcess().start();
    vertx = Vertx.vertx();
    GatewayConfig.Redis config =
        ConfigLoader.load(
                Map.of("redis.url", server.url(), "redis.commandTimeoutMs", "300"), Map.of())
            .config()
            .redis();
    backend = RedisBackend.create(vertx, config);
  }

  @AfterEach
  void stop() throws Exception {
    backend.close().await();
    vertx.close().await();
    server.close();
  }

  @Test
  void aLostConnectionIsReplacedOnceRedisIsBack() throws Exception {
    Context context = vertx.getOrCreateContext();
    PipelinedRedis redis = onContext(context, backend::pipelined).await();
    assertThat(ping(context, redis)).isTrue();

    server.stop();
    assertThat(ping(context, redis)).isFalse();

    server.start();
    Await.until(
        "the connection to be replaced once Redis is back",
        Duration.ofSeconds(20),
        () -> ping(context, redis));
  }

  @Test
  void theCommandsOfOneLoopTurnReachRedisInOneWrite() throws Exception {
    Context context = vertx.getOrCreateContext();
    PipelinedRedis redis = onContext(context, backend::pipelined).await();
    // The 300 ms command timeout is short on a busy machine: the first PINGs may time out.
    Await.until("a connection to Redis", Duration.ofSeconds(10), () -> ping(context, redis));
    int commands = 200;

    long readsBefore = readsProcessed();
    Future<?> all =
        onContext(
                context,
                () -> {
                  List<Future<Response>> replies = new ArrayList<>();
                  for (int i = 0; i < commands; i++) { // as if from 200 requests in one turn
                    replies.add(redis.send(Request.cmd(Command.INCR).arg("turn-test")));
                  }
                  return Future.all(replies);
                })
            .compose(f -> f);
    all.await();
    long reads = readsProcessed() - readsBefore - 1; // the second INFO's own read

    assertThat(backend.send(Request.cmd(Command.GET).arg("turn-test")).await().toInteger())
        .isEqualTo(commands);
    // One flush per turn: one socket write, which Redis takes in one read (or a few, if the
    // kernel splits it); flushed one by one, it took about one read per command.
    assertThat(reads).as("Redis socket reads for %d commands", commands).isLessThanOrEqualTo(4);
  }

  private long readsProcessed() {
    String stats = backend.send(Request.cmd(Command.INFO).arg("stats")).await().toString();
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("total_reads_processed:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new AssertionError("no total_reads_processed in INFO stats");
  }

  /** PINGs on the connection's own event loop; true when Redis answered. */
  private static boolean ping(Context context, PipelinedRedis redis) {
    Future<Response> reply =
        onContext(context, () -> redis.send(Request.cmd(Command.PING))).compose(f -> f);
    try {
      reply.await();
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static <T> Future<T> onContext(Context context, java.util.function.Supplier<T> work) {
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    context.runOnContext(v -> p.complete(work.get()));
    return p.future();
  }
}
