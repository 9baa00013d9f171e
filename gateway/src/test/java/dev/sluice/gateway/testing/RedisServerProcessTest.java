package dev.sluice.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RedisServerProcessTest {

  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  @Test
  void clientReconnectsWhenTheServerComesBackOnTheSamePort() throws Exception {
    try (RedisServerProcess redis = new RedisServerProcess().start()) {
      Redis client = Redis.createClient(vertx, redis.url());
      try {
        assertThat(send(client, Request.cmd(Command.PING))).isEqualTo("PONG");
        int port = redis.port();

        redis.stop();

        assertThat(redis.isRunning()).isFalse();
        assertThatThrownBy(() -> new Socket(Loopback.ADDRESS, port).close())
            .isInstanceOf(ConnectException.class);
        // The client fails, but how depends on a race with its pool noticing the closed
        // connection: "Connection is closed", a message-less StacklessClosedChannelException
        // (pooled connection already dead), or "Connection refused" (a fresh connect attempt).
        assertThatThrownBy(() -> send(client, Request.cmd(Command.PING))).isNotNull();

        redis.start();

        assertThat(redis.port()).isEqualTo(port);
        assertThat(send(client, Request.cmd(Command.PING))).isEqualTo("PONG");
      } finally {
        client.close().await();
      }
    }
  }

  @Test
  void serverPersistsNothing() throws Exception {
    try (RedisServerProcess redis = new RedisServerProcess().start()) {
      Redis client = Redis.createClient(vertx, redis.url());
      try {
        // CONFIG GET answers a map: the client negotiates RESP3 (HELLO 3) by default.
        Response config =
            client
                .send(Request.cmd(Command.CONFIG).arg("GET").arg("*"))
                .await(10, TimeUnit.SECONDS);
        assertThat(config.get("save").toString()).isEmpty();
        assertThat(config.get("appendonly").toString()).isEqualTo("no");
      } finally {
        client.close().await();
      }
    }
  }

  @Test
  void extraArgumentsOverrideTheDefaults() throws Exception {
    try (RedisServerProcess redis = new RedisServerProcess("--maxmemory", "2mb").start()) {
      assertThat(RespProbe.call(redis.port(), Duration.ofSeconds(2), "INFO", "memory"))
          .contains("maxmemory:2097152");
    }
  }

  @Test
  void failedStartReportsTheEndOfTheServerLog() {
    try (RedisServerProcess redis = new RedisServerProcess("--no-such-directive", "yes")) {
      assertThatThrownBy(redis::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("exited with code")
          .hasMessageContaining("no-such-directive")
          .hasMessageContaining("Bad directive");
      assertThat(redis.isRunning()).isFalse();
    }
  }

  @Test
  void closeStopsTheServerAndDeletesItsDirectory() {
    RedisServerProcess redis = new RedisServerProcess().start();
    int port = redis.port();
    Path directory = redis.logFile().getParent();

    redis.close();

    assertThat(redis.isRunning()).isFalse();
    assertThat(Loopback.accepts(Loopback.HOST, port, Duration.ofSeconds(1))).isFalse();
    assertThat(Files.exists(directory)).isFalse();
    assertThatThrownBy(redis::start).isInstanceOf(IllegalStateException.class);
  }

  private static String send(Redis client, Request request) throws Exception {
    return String.valueOf(client.send(request).await(10, TimeUnit.SECONDS));
  }
}
