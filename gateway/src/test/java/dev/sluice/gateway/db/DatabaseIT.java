package dev.sluice.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.testing.TestBackends;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Startup's database preparation, as several instances of a new deployment run it at once. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatabaseIT {
  private static final int INSTANCES = 4;
  private static final int ROUNDS = 3;

  @Test
  void instancesStartingTogetherOnANewDatabaseAllStartOnOneDeployment() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(INSTANCES);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        String database = TestBackends.uniqueId("sluice_db").replace('-', '_');
        GatewayConfig.Postgres pg =
            TestGateways.config(Map.of("pg.url", TestGateways.pgUrl(database))).pg();
        try {
          CountDownLatch go = new CountDownLatch(1);
          List<Future<Deployment>> starts = new ArrayList<>();
          for (int i = 0; i < INSTANCES; i++) {
            starts.add(
                pool.submit(
                    () -> {
                      go.await();
                      return Database.prepare(pg, 5_000);
                    }));
          }
          go.countDown();

          HashSet<Deployment> deployments = new HashSet<>();
          for (Future<Deployment> start : starts) {
            deployments.add(start.get(60, TimeUnit.SECONDS));
          }
          assertThat(deployments).as("the deployment every instance found").hasSize(1);
        } finally {
          TestGateways.dropDatabase(database);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
