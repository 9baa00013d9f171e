package dev.sluice.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ledger entries that an instance's writer had read when it died (pending in the consumer group,
 * never acknowledged) are written by another instance once {@code ledger.claimMs} has passed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LedgerClaimIT {

  @Test
  void historyADeadWriterHadReadReachesPostgresOnceItsClaimRunsOut() throws Exception {
    String database = TestBackends.uniqueId("sluice_lc").replace('-', '_');
    Map<String, String> settings = TestGateways.settings(FreePorts.find(), database);
    settings.put("ledger.claimMs", "1000");
    settings.put("dispatch.enabled", "false");
    settings.put("delivery.enabled", "false");
    GatewayConfig config = TestGateways.config(settings);
    Vertx vertx = Vertx.vertx();
    RedisBackend redis = RedisBackend.create(vertx, config.redis());
    String stream = Ledger.stream(config.redis().keyPrefix());
    String messageId = UUID.randomUUID().toString();
    Gateway gateway = null;
    try {
      // Given an event that the writer of an instance since killed had read and not written
      redis
          .send(
              Request.cmd(Command.XGROUP)
                  .arg("CREATE")
                  .arg(stream)
                  .arg(LedgerStream.GROUP)
                  .arg("0")
                  .arg("MKSTREAM"))
          .await();
      redis
          .send(
              Request.cmd(Command.XADD)
                  .arg(stream)
                  .arg("*")
                  .arg("e")
                  .arg(Buffer.buffer(LedgerCodec.encode(List.of(sent(messageId))))))
          .await();
      redis
          .send(
              Request.cmd(Command.XREADGROUP)
                  .arg("GROUP")
                  .arg(LedgerStream.GROUP)
                  .arg("killed-instance")
                  .arg("COUNT")
                  .arg(10)
                  .arg("STREAMS")
                  .arg(stream)
                  .arg(">"))
          .await();

      // When another instance runs
      gateway = Gateway.start(config);

      // Then the event is in PostgreSQL soon after the claim ran out
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (!"sent".equals(status(config.pg(), messageId))) {
        assertThat(System.nanoTime())
            .as("waiting for message %s's sent to reach PostgreSQL", messageId)
            .isLessThan(deadline);
        TimeUnit.MILLISECONDS.sleep(100); // poll interval
      }
    } finally {
      if (gateway != null) {
        gateway.close().await();
      }
      redis.close().await();
      vertx.close().await();
      TestGateways.dropDatabase(database);
    }
  }

  private static LedgerEvent sent(String messageId) {
    long now = System.currentTimeMillis();
    return new LedgerEvent(
        messageId,
        "tenant-lc",
        "channel-lc",
        "whatsapp",
        "4915112340000",
        "high",
        null,
        now,
        MessageStatus.SENT,
        now,
        "wamid.LC",
        null,
        null,
        "dispatcher");
  }

  /** The message's status in PostgreSQL, or null while it has no row. */
  private static String status(GatewayConfig.Postgres pg, String messageId) throws Exception {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + pg.database(),
                pg.user(),
                pg.password().reveal());
        PreparedStatement s = c.prepareStatement("SELECT status FROM messages WHERE id = ?")) {
      s.setObject(1, UUID.fromString(messageId));
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}
