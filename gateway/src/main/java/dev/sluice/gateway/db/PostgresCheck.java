package dev.sluice.gateway.db;

import dev.sluice.gateway.health.BackendCheck;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

/** Readiness: PostgreSQL answers {@code SELECT 1}. */
public final class PostgresCheck implements BackendCheck {
  private final Pool pool;

  public PostgresCheck(Pool pool) {
    this.pool = pool;
  }

  @Override
  public String name() {
    return "postgres";
  }

  @Override
  public Future<?> check() {
    return pool.query("SELECT 1").execute();
  }
}
