package dev.sluice.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisCluster;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RedisClusterProcessTest {

  private static Vertx vertx;
  private static RedisClusterProcess cluster;
  private static Redis client;

  @BeforeAll
  static void startCluster() {
    vertx = Vertx.vertx();
    cluster = new RedisClusterProcess().start();
    client =
        Redis.createClient(
            vertx,
            new RedisOptions().setType(RedisClientType.CLUSTER).setEndpoints(cluster.urls()));
  }

  @AfterAll
  static void stopCluster() {
    try {
      if (client != null) {
        client.close().await();
      }
      vertx.close().await();
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void everyNodeReportsTheClusterOkWithAllSlotsAssigned() throws Exception {
    for (RedisServerProcess node : cluster.nodes()) {
      assertThat(RespProbe.call(node.port(), Duration.ofSeconds(2), "CLUSTER", "INFO"))
          .contains("cluster_state:ok")
          .contains("cluster_slots_assigned:16384")
          .contains("cluster_known_nodes:3");
    }
  }

  @Test
  void keysInDifferentSlotsAreWrittenAndReadThroughTheClusterClient() throws Exception {
    List<String> keys = new ArrayList<>();
    for (int partition = 0; partition < 8; partition++) {
      keys.add("{t:acme:" + partition + "}:probe");
    }

    for (String key : keys) {
      send(Request.cmd(Command.SET).arg(key).arg("v-" + key));
    }

    for (String key : keys) {
      assertThat(send(Request.cmd(Command.GET).arg(key)).toString()).isEqualTo("v-" + key);
    }
    // The fixed keys hash to slots owned by every node, so the client really routed them.
    for (RedisServerProcess node : cluster.nodes()) {
      assertThat(Long.parseLong(RespProbe.call(node.port(), Duration.ofSeconds(2), "DBSIZE")))
          .as("keys on %s", node)
          .isPositive();
    }
  }

  @Test
  void batchWithinOneSlotWorksAndAcrossSlotsIsRefused() throws Exception {
    List<Response> sameSlot =
        client
            .batch(
                List.of(
                    Request.cmd(Command.SET).arg("{t:acme:0}:a").arg("1"),
                    Request.cmd(Command.SET).arg("{t:acme:0}:b").arg("2")))
            .await(10, TimeUnit.SECONDS);
    assertThat(sameSlot).hasSize(2);

    assertThatThrownBy(
            () ->
                client
                    .batch(
                        List.of(
                            Request.cmd(Command.SET).arg("{t:acme:0}:a").arg("1"),
                            Request.cmd(Command.SET).arg("{t:acme:1}:a").arg("2")))
                    .await(10, TimeUnit.SECONDS))
        .hasMessageContaining("CROSSSLOT");
  }

  @Test
  void functionCallIsRoutedToTheNodeOwningItsKey() throws Exception {
    String library =
        "#!lua name=fixture\n"
            + "redis.register_function('put', function(keys, args)\n"
            + "  return redis.call('SET', keys[1], args[1])\n"
            + "end)";
    // A function library lives on each node: load it on every master, as the gateway must.
    RedisCluster.create(client)
        .onAllMasterNodes(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(library))
        .await(10, TimeUnit.SECONDS);

    for (int partition = 0; partition < 8; partition++) {
      String key = "{t:fcall:" + partition + "}:k";
      send(Request.cmd(Command.FCALL).arg("put").arg(1).arg(key).arg("p" + partition));

      assertThat(send(Request.cmd(Command.GET).arg(key)).toString()).isEqualTo("p" + partition);
    }
  }

  @Test
  void closeStopsEveryNode() {
    RedisClusterProcess own = new RedisClusterProcess().start();
    List<Integer> ports = own.nodes().stream().map(RedisServerProcess::port).toList();

    own.close();

    for (int port : ports) {
      assertThat(Loopback.accepts(Loopback.HOST, port, Duration.ofSeconds(1))).isFalse();
    }
  }

  private static Response send(Request request) throws Exception {
    return client.send(request).await(10, TimeUnit.SECONDS);
  }
}
