package dev.sluice.gateway.retention;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.privacy.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.Map;

/**
 * The tenants' own retention settings ({@code tenant_retention}); a tenant without a row, or a
 * {@code null} column, follows the configured default. A change is recorded in the audit trail
 * ({@code retention.changed}, actor {@code operator}) in its own transaction: one whose entry
 * cannot be written is not made (503 {@code audit_unavailable}).
 */
public final class RetentionRepository {
  /** A tenant's own settings; {@code null} where it follows the default. */
  public record Settings(Integer historyDays, Integer bodyDays, Integer payloadDays) {
    public static final Settings NONE = new Settings(null, null, null);

    public Retention over(Retention defaults) {
      return defaults.with(historyDays, bodyDays, payloadDays);
    }
  }

  private final Pool pool;
  private final AuditLog audit;

  public RetentionRepository(Pool pool, AuditLog audit) {
    this.pool = pool;
    this.audit = audit;
  }

  /** The tenant's own settings; fails with a not-found kind for an unknown tenant. */
  public Future<Settings> get(String tenantId) {
    return pool.preparedQuery(
            "SELECT r.history_days, r.body_days, r.payload_days FROM tenants t"
                + " LEFT JOIN tenant_retention r ON r.tenant_id = t.id WHERE t.id = $1")
        .execute(Tuple.of(tenantId))
        .map(
            rows -> {
              if (rows.size() == 0) {
                throw unknown();
              }
              return settings(rows.iterator().next());
            });
  }

  /** Replaces the tenant's own settings; fails with a not-found kind for an unknown tenant. */
  public Future<Settings> put(String tenantId, Settings settings) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    """
                    INSERT INTO tenant_retention (tenant_id, history_days, body_days, payload_days)
                    SELECT id, $2, $3, $4 FROM tenants WHERE id = $1
                    ON CONFLICT (tenant_id) DO UPDATE SET history_days = EXCLUDED.history_days,
                        body_days = EXCLUDED.body_days, payload_days = EXCLUDED.payload_days,
                        updated_at = now()
                    """)
                .execute(
                    Tuple.of(
                        tenantId,
                        settings.historyDays(),
                        settings.bodyDays(),
                        settings.payloadDays()))
                .compose(
                    rows ->
                        rows.rowCount() == 0
                            ? Future.failedFuture(unknown())
                            : audit.append(
                                conn,
                                AuditLog.OPERATOR,
                                "retention.changed",
                                tenantId,
                                tenantId,
                                // the tenant's own settings; null: the configured default
                                new JsonObject()
                                    .put("historyDays", settings.historyDays())
                                    .put("bodyDays", settings.bodyDays())
                                    .put("payloadDays", settings.payloadDays())))
                .map(settings));
  }

  /** Every tenant with the settings it has (tenants following the default map to NONE). */
  public Future<Map<String, Settings>> all() {
    return pool.query(
            "SELECT t.id, r.history_days, r.body_days, r.payload_days FROM tenants t"
                + " LEFT JOIN tenant_retention r ON r.tenant_id = t.id")
        .execute()
        .map(
            rows -> {
              Map<String, Settings> out = new HashMap<>();
              for (Row r : rows) {
                out.put(r.getString("id"), settings(r));
              }
              return out;
            });
  }

  private static Settings settings(Row r) {
    return new Settings(
        r.getInteger("history_days"), r.getInteger("body_days"), r.getInteger("payload_days"));
  }

  private static GatewayException unknown() {
    return GatewayException.notFound("not_found", "no such tenant");
  }
}
