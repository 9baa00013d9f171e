package dev.sluice.gateway.db;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.StartupException;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL at startup (JDBC, on the main thread, before any event loop runs): wait for the
 * server, create the database when it does not exist yet, apply the Flyway migrations. At run time
 * the gateway uses only the reactive pool from {@link #pool}.
 */
public final class Database {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private Database() {}

  /**
   * Waits for the server, creates the database if needed and migrates it.
   *
   * @return the deployment this database belongs to (made by the first migration run)
   * @throws StartupException with one line naming the URL and what to do
   */
  public static Deployment prepare(GatewayConfig.Postgres pg, long waitMs) {
    awaitServer(pg, waitMs);
    createIfMissing(pg);
    migrate(pg);
    return deployment(pg);
  }

  /** The shared reactive pool, created once outside the verticles. */
  public static Pool pool(Vertx vertx, GatewayConfig.Postgres pg) {
    PgConnectOptions connect =
        new PgConnectOptions()
            .setHost(pg.host())
            .setPort(pg.port())
            .setDatabase(pg.database())
            .setUser(pg.user())
            .setPassword(pg.password().reveal())
            .setPipeliningLimit(256)
            .setCachePreparedStatements(true);
    return PgBuilder.pool()
        .with(
            new PoolOptions()
                .setMaxSize(pg.maxPoolSize())
                .setMaxWaitQueueSize(4096)
                .setConnectionTimeout((int) pg.connectTimeoutMs())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .with(new NetClientOptions().setConnectTimeout((int) pg.connectTimeoutMs()))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }

  private static Connection connect(GatewayConfig.Postgres pg, String database)
      throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", pg.user());
    if (!pg.password().isEmpty()) {
      props.setProperty("password", pg.password().reveal());
    }
    props.setProperty("connectTimeout", Long.toString(Math.max(1, pg.connectTimeoutMs() / 1000)));
    props.setProperty("ApplicationName", "sluice-gateway");
    return DriverManager.getConnection(
        "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + database, props);
  }

  private static void awaitServer(GatewayConfig.Postgres pg, long waitMs) {
    long deadline = System.nanoTime() + waitMs * 1_000_000;
    SQLException last;
    do {
      try (Connection c = connect(pg, "postgres")) {
        return;
      } catch (SQLException e) {
        last = e;
        if ("28P01".equals(e.getSQLState()) || "28000".equals(e.getSQLState())) {
          break; // authentication failures do not heal by waiting
        }
      }
      sleepQuietly(250);
    } while (System.nanoTime() < deadline);
    throw new StartupException(
        "PostgreSQL at "
            + pg.displayUrl()
            + " is not reachable ("
            + firstLine(last)
            + "): start it (./run.sh does) or point SLUICE_PG_URL at a running server");
  }

  private static void createIfMissing(GatewayConfig.Postgres pg) {
    try (Connection c = connect(pg, "postgres")) {
      if (exists(c, pg.database())) {
        return;
      }
      try (Statement s = c.createStatement()) {
        // The name was checked against [A-Za-z0-9_]+ when the config was loaded.
        s.execute("CREATE DATABASE \"" + pg.database() + "\"");
        LOG.info("created database {}", pg.database());
      } catch (SQLException e) {
        // Another instance created it first: 42P04 when its CREATE had committed before ours
        // began, a unique violation on pg_database (23505) when both ran at once.
        if (!"42P04".equals(e.getSQLState()) && !exists(c, pg.database())) {
          throw e;
        }
      }
    } catch (SQLException e) {
      throw new StartupException(
          "cannot create database "
              + pg.database()
              + " at "
              + pg.displayUrl()
              + " ("
              + firstLine(e)
              + "): create it yourself or grant CREATEDB to "
              + pg.user());
    }
  }

  private static boolean exists(Connection c, String database) throws SQLException {
    try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      q.setString(1, database);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void migrate(GatewayConfig.Postgres pg) {
    try {
      MigrateResult result =
          Flyway.configure()
              .dataSource(pg.jdbcUrl(), pg.user(), pg.password().reveal())
              .locations("classpath:db/migration")
              .connectRetries(0)
              .load()
              .migrate();
      LOG.info(
          "database schema at version {} ({} migration(s) applied)",
          result.targetSchemaVersion == null ? "current" : result.targetSchemaVersion,
          result.migrationsExecuted);
    } catch (RuntimeException e) {
      throw new StartupException(
          "database migration failed at " + pg.displayUrl() + ": " + firstLine(e));
    }
  }

  private static Deployment deployment(GatewayConfig.Postgres pg) {
    try (Connection c = connect(pg, pg.database());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM deployment")) {
      if (!rs.next()) {
        throw new SQLException("the deployment table is empty");
      }
      return new Deployment(
          rs.getObject(1, UUID.class), pg.host() + ":" + pg.port() + "/" + pg.database());
    } catch (SQLException e) {
      throw new StartupException(
          "cannot read the deployment id at " + pg.displayUrl() + " (" + firstLine(e) + ")");
    }
  }

  private static String firstLine(Throwable t) {
    String m = t == null ? "unknown error" : String.valueOf(t.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms); // main thread at startup, never an event loop
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
