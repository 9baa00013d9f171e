package dev.sluice.gateway.tenant;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.signing.StandardWebhookVerifier;
import dev.sluice.gateway.privacy.AuditLog;
import dev.sluice.gateway.privacy.CredentialCipher;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Tenants' push endpoints in PostgreSQL ({@code endpoints}). Each change is one transaction that
 * also bumps {@code directory_version}, so every instance's directory picks it up, and appends its
 * entry to the audit trail (actor {@code tenant:<id>}; the URL's host only, since a path or query
 * may carry the tenant's own token; never a secret). Signing secrets are Standard Webhooks secrets
 * ({@code whsec_} + Base64 of 32 random bytes), stored only sealed with the master key and bound to
 * the tenant; they leave this class only in the results of {@link #put} (on creation) and {@link
 * #rotate}, to be shown to the tenant once.
 *
 * <p>The Futures fail with a {@link GatewayException} 404 {@code not_found} for an unknown tenant
 * (or, for {@link #rotate}, a tenant in pull mode), 503 {@code audit_unavailable} when the audit
 * entry cannot be written (nothing changed), with the PostgreSQL error otherwise. Stateless and
 * thread-safe.
 */
public final class EndpointRepository {
  private static final String FOREIGN_KEY_VIOLATION = "23503";
  private static final int SECRET_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;
  private final CredentialCipher cipher;
  private final Duration grace;
  private final Clock clock;
  private final DirectoryLoader rows;
  private final AuditLog audit;

  /** The result of {@link #put}: the stored endpoint and whether it was created. */
  public record Saved(Endpoint endpoint, boolean created) {}

  /** The result of {@link #rotate}: the new secret and the end of the old one's grace period. */
  public record Rotated(Secret secret, Instant previousValidUntil) {}

  /**
   * @param grace how long a rotated-out secret still signs deliveries
   */
  public EndpointRepository(
      Pool pool, CredentialCipher cipher, AuditLog audit, Duration grace, Clock clock) {
    this.pool = pool;
    this.audit = audit;
    this.cipher = cipher;
    this.grace = grace;
    this.clock = clock;
    this.rows = new DirectoryLoader(pool, cipher);
  }

  /**
   * Sets the tenant's endpoint: creates it with a new secret, or changes the URL and batch size of
   * the existing one (its secrets stay as they are).
   */
  public Future<Saved> put(String tenantId, URI url, int batchSize) {
    Buffer sealed = seal(tenantId, Map.of("secret", newSecret()));
    return pool.withTransaction(
            conn ->
                conn.preparedQuery(
                        "INSERT INTO endpoints (tenant_id, url, batch_size, secrets)"
                            + " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO UPDATE"
                            + " SET url = EXCLUDED.url, batch_size = EXCLUDED.batch_size,"
                            + " updated_at = now()"
                            + " RETURNING tenant_id, url, batch_size, secrets,"
                            + " previous_valid_until, (xmax = 0) AS created")
                    .execute(Tuple.of(tenantId, url.toString(), batchSize, sealed))
                    .compose(r -> bumpVersion(conn).map(r.iterator().next()))
                    .compose(
                        row ->
                            audited(
                                    conn,
                                    row.getBoolean("created")
                                        ? "endpoint.created"
                                        : "endpoint.changed",
                                    tenantId,
                                    new JsonObject()
                                        .put("host", url.getHost())
                                        .put("batchSize", batchSize))
                                .map(row)))
        .map(row -> new Saved(rows.endpoint(row), row.getBoolean("created")))
        .recover(e -> Future.failedFuture(failure(e, tenantId)));
  }

  /**
   * Removes the tenant's endpoint (back to pull mode).
   *
   * @return whether there was one
   */
  public Future<Boolean> delete(String tenantId) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery("DELETE FROM endpoints WHERE tenant_id = $1")
                .execute(Tuple.of(tenantId))
                .compose(
                    r ->
                        r.rowCount() == 0
                            ? Future.succeededFuture(false)
                            : bumpVersion(conn)
                                .compose(v -> audited(conn, "endpoint.removed", tenantId, null))
                                .map(true)));
  }

  /**
   * Gives the endpoint a new secret; the current one becomes the previous secret, valid for the
   * grace period from now (a previous secret still in its grace period is dropped). 404 in pull
   * mode.
   */
  public Future<Rotated> rotate(String tenantId) {
    Secret next = newSecret();
    // Whole seconds: what PostgreSQL stores (microseconds) and the API shows must be the same.
    Instant until = clock.instant().plus(grace).truncatedTo(ChronoUnit.SECONDS);
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "SELECT tenant_id, url, batch_size, secrets, previous_valid_until"
                        + " FROM endpoints WHERE tenant_id = $1 FOR UPDATE")
                .execute(Tuple.of(tenantId))
                .compose(r -> rotate(conn, r, tenantId, next, until)));
  }

  private Future<Rotated> rotate(
      SqlConnection conn, RowSet<Row> current, String tenantId, Secret next, Instant until) {
    if (current.size() == 0) {
      return Future.failedFuture(notFound(tenantId));
    }
    Endpoint old = rows.endpoint(current.iterator().next());
    Map<String, Secret> secrets = new HashMap<>();
    secrets.put("secret", next);
    secrets.put("previous", old.secret());
    return conn.preparedQuery(
            "UPDATE endpoints SET secrets = $2, previous_valid_until = $3, updated_at = now()"
                + " WHERE tenant_id = $1")
        .execute(
            Tuple.of(
                tenantId, seal(tenantId, secrets), OffsetDateTime.ofInstant(until, ZoneOffset.UTC)))
        .compose(r -> bumpVersion(conn))
        .compose(
            v ->
                audited(
                    conn,
                    "endpoint.secret_rotated",
                    tenantId,
                    new JsonObject().put("previousValidUntil", until.toString())))
        .map(v -> new Rotated(next, until));
  }

  /** The tenant's endpoint as stored now; empty in pull mode. */
  public Future<Optional<Endpoint>> get(String tenantId) {
    return pool.preparedQuery(
            "SELECT tenant_id, url, batch_size, secrets, previous_valid_until"
                + " FROM endpoints WHERE tenant_id = $1")
        .execute(Tuple.of(tenantId))
        .map(
            r ->
                r.size() == 0 ? Optional.empty() : Optional.of(rows.endpoint(r.iterator().next())));
  }

  /** A new Standard Webhooks signing secret: {@code whsec_} + Base64 of 32 random bytes. */
  public static Secret newSecret() {
    byte[] bytes = new byte[SECRET_BYTES];
    RANDOM.nextBytes(bytes);
    return Secret.of(
        StandardWebhookVerifier.SECRET_PREFIX + Base64.getEncoder().encodeToString(bytes));
  }

  private Buffer seal(String tenantId, Map<String, Secret> secrets) {
    return Buffer.buffer(SealedSecrets.seal(cipher, Endpoint.sealContext(tenantId), secrets));
  }

  /** The change's audit entry, in its transaction (last: see {@link AuditLog}). */
  private Future<Void> audited(
      SqlConnection conn, String action, String tenantId, JsonObject details) {
    return audit
        .append(conn, AuditLog.tenant(tenantId), action, tenantId, null, details)
        .mapEmpty();
  }

  private static Future<Void> bumpVersion(SqlConnection conn) {
    return conn.query("UPDATE directory_version SET version = version + 1").execute().mapEmpty();
  }

  private static Throwable failure(Throwable e, String tenantId) {
    return e instanceof PgException pg && FOREIGN_KEY_VIOLATION.equals(pg.getSqlState())
        ? GatewayException.notFound("not_found", "tenant '" + tenantId + "' does not exist")
        : e;
  }

  private static GatewayException notFound(String tenantId) {
    return GatewayException.notFound("not_found", "tenant '" + tenantId + "' has no endpoint");
  }
}
