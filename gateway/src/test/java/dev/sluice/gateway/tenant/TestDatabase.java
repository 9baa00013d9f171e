package dev.sluice.gateway.tenant;

import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.db.Database;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * A PostgreSQL database of one test: created and migrated by {@link Database#prepare}, dropped
 * {@code WITH (FORCE)} on close. The server comes from {@code SLUICE_TEST_PG_URL} (its database
 * part is ignored), by default {@code postgresql://postgres:postgres@127.0.0.1:5432}.
 */
public final class TestDatabase implements AutoCloseable {
  private final String name;
  private final String url;
  private final GatewayConfig.Postgres pg;

  private TestDatabase(String name, String url, GatewayConfig.Postgres pg) {
    this.name = name;
    this.url = url;
    this.pg = pg;
  }

  /** A new, migrated database with a random name {@code sluice_t_<hex>}. */
  public static TestDatabase create() {
    String server =
        System.getenv()
            .getOrDefault("SLUICE_TEST_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432")
            .replaceFirst("^(postgres(?:ql)?://[^/]+).*$", "$1");
    String name = "sluice_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    String url = server + "/" + name;
    GatewayConfig.Postgres pg = ConfigLoader.load(Map.of("pg.url", url), Map.of()).config().pg();
    try {
      Database.prepare(pg, 5_000);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "PostgreSQL for tests is not usable at "
              + pg.displayUrl()
              + " (run scripts/ensure-backends.sh --for-tests, or set SLUICE_TEST_PG_URL): "
              + e.getMessage(),
          e);
    }
    return new TestDatabase(name, url, pg);
  }

  /**
   * An existing database on the test server, such as the one a gateway under test made for itself;
   * {@link #close} drops it.
   */
  public static TestDatabase existing(String name) {
    String url = TestGateways.pgUrl(name);
    return new TestDatabase(
        name, url, ConfigLoader.load(Map.of("pg.url", url), Map.of()).config().pg());
  }

  /** The database's (unique) name. */
  public String name() {
    return name;
  }

  /** The {@code pg.url} setting of this database. */
  public String url() {
    return url;
  }

  public GatewayConfig.Postgres pg() {
    return pg;
  }

  /** A new reactive pool on this database; the caller closes it. */
  public Pool pool(Vertx vertx) {
    return Database.pool(vertx, pg);
  }

  /** Runs a count query over JDBC (test thread only) and returns the single number. */
  public long count(String sql, Object... params) {
    return query(sql, params, rs -> rs.next() ? rs.getLong(1) : 0L);
  }

  /** Runs a query over JDBC (test thread only) and returns the single bytea, or null. */
  public byte[] bytes(String sql, Object... params) {
    return query(sql, params, rs -> rs.next() ? rs.getBytes(1) : null);
  }

  /** Runs a query over JDBC (test thread only) and returns the single text value, or null. */
  public String text(String sql, Object... params) {
    return query(sql, params, rs -> rs.next() ? rs.getString(1) : null);
  }

  private interface Reader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private <T> T query(String sql, Object[] params, Reader<T> reader) {
    try (Connection c = connect(name);
        PreparedStatement q = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        q.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = q.executeQuery()) {
        return reader.read(rs);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs one statement over JDBC (test thread only). */
  public void execute(String sql, Object... params) {
    try (Connection c = connect(name);
        PreparedStatement q = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        q.setObject(i + 1, params[i]);
      }
      q.execute();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ends every open session on this database (as a server restart would). */
  public void terminateSessions() {
    execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            + " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  }

  @Override
  public void close() {
    try (Connection c = connect("postgres");
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test database " + name, e);
    }
  }

  private Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + database,
        pg.user(),
        pg.password().reveal());
  }
}
