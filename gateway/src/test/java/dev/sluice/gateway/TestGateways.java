package dev.sluice.gateway;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.ledger.LedgerRepository;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.privacy.TenantKeys;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/** Gateway configurations for tests: the shared test backends, a database of the test's own. */
public final class TestGateways {
  private TestGateways() {}

  /** Settings for a gateway on {@code port} using database {@code database} on the test server. */
  public static Map<String, String> settings(int port, String database) {
    Map<String, String> s = new HashMap<>();
    s.put("http.host", "127.0.0.1");
    s.put("http.port", Integer.toString(port));
    s.put("http.eventLoops", "2");
    s.put("http.shutdownGraceMs", "5000");
    s.putAll(TestBackends.redisSettings());
    s.put("redis.keyPrefix", keyPrefix(database));
    s.put("pg.url", pgUrl(database));
    s.put("startup.backendWaitMs", "3000");
    s.put("admin.token", "test-admin-token-0123456789");
    return s;
  }

  /**
   * The Redis key namespace of the gateways on a test database: the database's own (unique) name.
   * Gateways on one database share it, as the instances of one deployment do; gateways on different
   * databases never read each other's ledger or claim each other's work, all on Redis database 0 (a
   * Redis Cluster has no other).
   */
  public static String keyPrefix(String database) {
    return database + ":";
  }

  /** The keyed phone hash of a gateway with the test configuration's master key. */
  public static PhoneHasher phoneHasher() {
    return new PhoneHasher(config(Map.of()).security().masterKey());
  }

  /** Tenant data keys on {@code pool} under the test configuration's master key. */
  public static TenantKeys tenantKeys(Pool pool) {
    return new TenantKeys(pool, new CredentialCipher(config(Map.of()).security().masterKey()));
  }

  /** A ledger repository on {@code pool} with the test configuration's keys. */
  public static LedgerRepository ledgerRepository(Pool pool) {
    return new LedgerRepository(pool, phoneHasher(), tenantKeys(pool), true);
  }

  public static GatewayConfig config(Map<String, String> settings) {
    return ConfigLoader.load(settings, Map.of()).config();
  }

  /** The test server's URL with the database name replaced. */
  public static String pgUrl(String database) {
    URI base = URI.create(TestBackends.pgUrl());
    String userInfo = base.getRawUserInfo() == null ? "" : base.getRawUserInfo() + "@";
    int port = base.getPort() > 0 ? base.getPort() : 5432;
    return "postgresql://" + userInfo + base.getHost() + ":" + port + "/" + database;
  }

  /** Closes a test's gateway and its client Vert.x (either may be null: a failed start). */
  public static void close(Gateway gateway, Vertx vertx) {
    if (gateway != null) {
      gateway.close().await();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  /** Drops a test database (and any connection still open to it). */
  public static void dropDatabase(String database) throws Exception {
    GatewayConfig.Postgres pg = config(Map.of("pg.url", pgUrl("postgres"))).pg();
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/postgres",
                pg.user(),
                pg.password().reveal());
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
    }
  }
}
