package dev.sluice.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared Redis is the kind the pass asks for: the standalone server, or in the cluster pass
 * ({@code SLUICE_TEST_REDIS_CLUSTER=1}) a cluster of three masters, reached through the settings
 * every test gateway and client is built from.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedRedisIT {
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

  @Test
  void theGatewaySettingsNameTheKindOfRedisOfThePass() {
    String type = TestBackends.isRedisCluster() ? "cluster" : "standalone";

    assertThat(TestBackends.redisSettings()).containsEntry("redis.type", type);
    assertThat(TestBackends.redisUrl().split(",")).hasSize(TestBackends.isRedisCluster() ? 3 : 1);
  }

  @Test
  void theSharedRedisIsAThreeMasterClusterInTheClusterPassAndAServerOtherwise() {
    String info = send(Request.cmd(Command.INFO).arg("cluster"));

    if (TestBackends.isRedisCluster()) {
      assertThat(info).contains("cluster_enabled:1");
      assertThat(send(Request.cmd(Command.CLUSTER).arg("INFO")))
          .contains("cluster_state:ok")
          .contains("cluster_size:3");
    } else {
      assertThat(info).contains("cluster_enabled:0");
    }
  }

  private static String send(Request request) {
    return client.send(request).await().toString();
  }
}
