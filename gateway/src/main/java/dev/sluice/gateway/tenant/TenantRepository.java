package dev.sluice.gateway.tenant;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.privacy.AuditLog;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.privacy.MasterSealed;
import dev.sluice.gateway.privacy.TenantKeys;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes to tenants, keys, Meta apps and channels in PostgreSQL, all made by the operator. Each
 * change is one transaction that also bumps {@code directory_version} and appends its entry to the
 * audit trail ({@link AuditLog}, actor {@code operator}), so it is either fully visible to every
 * directory and recorded, or neither. Secrets are sealed before they leave this class; keys are
 * stored as hashes, and the trail names a key by its display prefix only.
 *
 * <p>The Futures fail with a {@link GatewayException} for expected rejections: 404 {@code
 * not_found} (unknown tenant, or one being deleted; key or channel), 409 {@code conflict} (id or
 * address taken), 422 {@code invalid} (unknown Meta app), 503 {@code audit_unavailable} (the audit
 * entry could not be written: nothing changed); with the PostgreSQL error otherwise. Stateless and
 * thread-safe.
 */
public final class TenantRepository {
  private static final Logger LOG = LoggerFactory.getLogger(TenantRepository.class);
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String FOREIGN_KEY_VIOLATION = "23503";

  private final Pool pool;
  private final CredentialCipher cipher;
  private final DirectoryLoader rows;
  private final AuditLog audit;

  public TenantRepository(Pool pool, CredentialCipher cipher, AuditLog audit) {
    this.pool = pool;
    this.cipher = cipher;
    this.rows = new DirectoryLoader(pool, cipher);
    this.audit = audit;
  }

  /**
   * Creates a tenant with its first API key and its data key ({@link TenantKeys}); 409 if the id is
   * taken (also by a tenant still being deleted).
   */
  public Future<IssuedApiKey> createTenant(Tenant tenant) {
    Buffer dataKey = Buffer.buffer(TenantKeys.wrapNewKey(cipher, tenant.id()));
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "INSERT INTO tenants (id, name, outbound_events) VALUES ($1, $2, $3)"
                        + " ON CONFLICT (id) DO NOTHING")
                .execute(Tuple.of(tenant.id(), tenant.name(), tenant.outboundEvents().wireName()))
                .compose(
                    r ->
                        r.rowCount() == 0
                            ? Future.failedFuture(
                                conflict(
                                    "tenant '"
                                        + tenant.id()
                                        + "' already exists (or is still being deleted)"))
                            : conn.preparedQuery(
                                    "INSERT INTO tenant_keys (tenant_id, wrapped) VALUES ($1, $2)")
                                .execute(Tuple.of(tenant.id(), dataKey)))
                .compose(r -> insertKey(conn, tenant.id()))
                .compose(key -> bumpVersion(conn).map(key))
                .compose(
                    key ->
                        audited(
                                conn,
                                "tenant.created",
                                tenant.id(),
                                tenant.id(),
                                new JsonObject()
                                    .put("name", tenant.name())
                                    .put("outboundEvents", tenant.outboundEvents().wireName()))
                            .compose(
                                v ->
                                    audited(
                                        conn, "api_key.issued", tenant.id(), key.prefix(), null))
                            .map(key)));
  }

  /**
   * Deletes a tenant, as far as it can be done at once, in one transaction: its data key is
   * destroyed (whatever was sealed with it can no longer be opened, by anyone), it is marked
   * deleted, and the directory version moves, so every instance drops it (its API keys, channels
   * and endpoint) within about a second. Its remaining data is removed afterwards by {@code
   * privacy.TenantPurge}. A tenant already being deleted is accepted again; 404 if there is no such
   * tenant.
   */
  public Future<Void> deleteTenant(String tenantId) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "UPDATE tenants SET deleted_at = coalesce(deleted_at, now()) WHERE id = $1")
                .execute(Tuple.of(tenantId))
                .compose(
                    r ->
                        r.rowCount() == 0
                            ? Future.failedFuture(unknownTenant(tenantId))
                            : conn.preparedQuery("DELETE FROM tenant_keys WHERE tenant_id = $1")
                                .execute(Tuple.of(tenantId)))
                .compose(r -> bumpVersion(conn))
                .compose(v -> audited(conn, "tenant.deleted", tenantId, tenantId, null)));
  }

  /**
   * Changes which outbound status events the tenant gets; live on every instance within about a
   * second. 404 if no such tenant.
   */
  public Future<Void> setOutboundEvents(String tenantId, OutboundEvents events) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "UPDATE tenants SET outbound_events = $2 WHERE id = $1 AND deleted_at IS NULL")
                .execute(Tuple.of(tenantId, events.wireName()))
                .compose(
                    r ->
                        r.rowCount() == 0
                            ? Future.failedFuture(unknownTenant(tenantId))
                            : bumpVersion(conn))
                .compose(
                    v ->
                        audited(
                            conn,
                            "tenant.updated",
                            tenantId,
                            tenantId,
                            new JsonObject().put("outboundEvents", events.wireName()))));
  }

  /**
   * Sets the tenant's SMS keywords; {@code null} for a list puts the default back. Live on every
   * instance within about a second. 404 if no such tenant.
   */
  public Future<Void> setOptKeywords(String tenantId, List<String> optOut, List<String> optIn) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "UPDATE tenants SET opt_out_keywords = $2, opt_in_keywords = $3"
                        + " WHERE id = $1 AND deleted_at IS NULL")
                .execute(
                    Tuple.tuple()
                        .addString(tenantId)
                        .addArrayOfString(optOut == null ? null : optOut.toArray(new String[0]))
                        .addArrayOfString(optIn == null ? null : optIn.toArray(new String[0])))
                .compose(
                    r ->
                        r.rowCount() == 0
                            ? Future.failedFuture(unknownTenant(tenantId))
                            : bumpVersion(conn))
                .compose(
                    v ->
                        audited(
                            conn,
                            "opt_keywords.changed",
                            tenantId,
                            tenantId,
                            // null: the default list
                            new JsonObject()
                                .put("optOut", optOut == null ? null : new JsonArray(optOut))
                                .put("optIn", optIn == null ? null : new JsonArray(optIn)))));
  }

  /** The columns {@link #tenant} reads. */
  static final String TENANT_COLUMNS =
      "id, name, outbound_events, opt_out_keywords, opt_in_keywords";

  /** A tenant from a row of {@link #TENANT_COLUMNS}. */
  static Tenant tenant(Row r) {
    return new Tenant(
        r.getString("id"),
        r.getString("name"),
        OutboundEvents.fromWireName(r.getString("outbound_events")).orElse(OutboundEvents.ALL),
        optKeywords(
            r.getString("id"),
            r.getArrayOfStrings("opt_out_keywords"),
            r.getArrayOfStrings("opt_in_keywords")));
  }

  private static OptKeywords optKeywords(String tenantId, String[] optOut, String[] optIn) {
    if (optOut == null && optIn == null) {
      return OptKeywords.DEFAULT;
    }
    try {
      return new OptKeywords(
          optOut == null ? OptKeywords.DEFAULT.optOut() : Arrays.asList(optOut),
          optIn == null ? OptKeywords.DEFAULT.optIn() : Arrays.asList(optIn));
    } catch (IllegalArgumentException e) {
      // Only the operator API writes them, checked; a row changed by hand must not stop the whole
      // directory from loading.
      LOG.warn(
          "[tenant={}] stored opt keywords are invalid, using the defaults: {}",
          tenantId,
          e.getMessage());
      return OptKeywords.DEFAULT;
    }
  }

  /** Issues another key for the tenant; the existing keys keep working. 404 if no such tenant. */
  public Future<IssuedApiKey> addKey(String tenantId) {
    return pool.withTransaction(
        conn ->
            requireTenant(conn, tenantId)
                .compose(ok -> insertKey(conn, tenantId))
                .compose(key -> bumpVersion(conn).map(key))
                .compose(
                    key -> audited(conn, "api_key.issued", tenantId, key.prefix(), null).map(key)));
  }

  /** Revokes the tenant's active key with this display prefix; 404 if there is none. */
  public Future<Void> revokeKey(String tenantId, String prefix) {
    return pool.withTransaction(
        conn ->
            requireTenant(conn, tenantId)
                .compose(
                    ok ->
                        conn.preparedQuery(
                                "UPDATE api_keys SET revoked_at = now()"
                                    + " WHERE tenant_id = $1 AND prefix = $2"
                                    + " AND revoked_at IS NULL")
                            .execute(Tuple.of(tenantId, prefix)))
                .compose(
                    r ->
                        r.rowCount() == 0
                            ? Future.failedFuture(
                                notFound(
                                    "tenant '"
                                        + tenantId
                                        + "' has no active key with prefix '"
                                        + prefix
                                        + "'"))
                            : bumpVersion(conn))
                .compose(v -> audited(conn, "api_key.revoked", tenantId, prefix, null)));
  }

  /** Stores a new Meta app; 409 if the id is taken. */
  public Future<Void> createMetaApp(MetaApp app) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "INSERT INTO meta_apps (id, secrets) VALUES ($1, $2)"
                        + " ON CONFLICT (id) DO NOTHING")
                .execute(Tuple.of(app.id(), sealMetaApp(app)))
                .compose(
                    r ->
                        r.rowCount() == 0
                            ? Future.failedFuture(
                                conflict("meta app '" + app.id() + "' already exists"))
                            : bumpVersion(conn))
                .compose(v -> audited(conn, "meta_app.created", null, app.id(), null)));
  }

  /**
   * Creates or replaces a Meta app's secrets (rotation); its channels use the new ones at once.
   *
   * @return whether the app was created (rather than replaced)
   */
  public Future<Boolean> putMetaApp(MetaApp app) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "INSERT INTO meta_apps (id, secrets) VALUES ($1, $2) ON CONFLICT (id)"
                        + " DO UPDATE SET secrets = EXCLUDED.secrets, updated_at = now()"
                        + " RETURNING (xmax = 0) AS created")
                .execute(Tuple.of(app.id(), sealMetaApp(app)))
                .compose(r -> bumpVersion(conn).map(r.iterator().next().getBoolean("created")))
                .compose(
                    created ->
                        audited(
                                conn,
                                created ? "meta_app.created" : "meta_app.changed",
                                null,
                                app.id(),
                                null)
                            .map(created)));
  }

  /**
   * Stores a new channel with its credentials sealed. 404 if the tenant does not exist; 409 if the
   * channel id or the (provider, address) pair is taken; 422 if its Meta app does not exist.
   */
  public Future<Void> createChannel(Channel channel) {
    Tuple params = row(channel);
    return pool.withTransaction(
            conn ->
                requireTenant(conn, channel.tenantId())
                    .compose(
                        ok ->
                            conn.preparedQuery(
                                    "INSERT INTO channels (id, tenant_id, provider, address,"
                                        + " meta_app_id, public_url, credentials, allowed_ips,"
                                        + " inbound_per_phone_per_minute, inbound_burst,"
                                        + " outbound_per_second, outbound_burst,"
                                        + " outbound_per_recipient_per_minute,"
                                        + " outbound_recipient_burst, settings) VALUES ($1, $2, $3,"
                                        + " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
                                .execute(params))
                    .compose(r -> bumpVersion(conn))
                    .compose(
                        v ->
                            audited(
                                conn,
                                "channel.created",
                                channel.tenantId(),
                                channel.id(),
                                // never the address: for SMS it is a phone number
                                new JsonObject()
                                    .put("provider", channel.provider().wireName())
                                    .put("metaApp", channel.metaAppId()))))
        .recover(e -> Future.failedFuture(channelFailure(e, channel)));
  }

  /**
   * Changes one of the tenant's channels in one transaction: reads it (locked, credentials opened),
   * lets {@code change} make the new channel from it, and writes that back with an audit entry
   * naming the {@code fields} changed. Messages queued for the channel stay queued: they name it by
   * id and are sent with whatever it holds when their turn comes. 404 if the tenant has no such
   * channel; whatever {@code change} throws (a 4xx) leaves the channel as it was.
   *
   * @return the channel as it now is
   */
  public Future<Channel> updateChannel(
      String tenantId, String channelId, Set<String> fields, UnaryOperator<Channel> change) {
    return pool.withTransaction(
        conn ->
            requireTenant(conn, tenantId)
                .compose(
                    ok ->
                        conn.preparedQuery(
                                "SELECT * FROM channels WHERE id = $1 AND tenant_id = $2"
                                    + " FOR UPDATE")
                            .execute(Tuple.of(channelId, tenantId)))
                .compose(
                    r -> {
                      if (r.size() == 0) {
                        return Future.failedFuture(
                            notFound(
                                "tenant '" + tenantId + "' has no channel '" + channelId + "'"));
                      }
                      Channel changed = change.apply(rows.channel(r.iterator().next(), true));
                      return writeChannel(conn, changed)
                          .recover(e -> Future.failedFuture(channelFailure(e, changed)))
                          .compose(v -> bumpVersion(conn))
                          .compose(
                              v ->
                                  audited(
                                      conn,
                                      "channel.updated",
                                      tenantId,
                                      channelId,
                                      // the names of what changed, never a value
                                      new JsonObject()
                                          .put("provider", changed.provider().wireName())
                                          .put(
                                              "fields",
                                              new JsonArray(fields.stream().sorted().toList()))))
                          .map(changed);
                    }));
  }

  private Future<Void> writeChannel(SqlConnection conn, Channel channel) {
    // The provider ($3) cannot change: it only narrows the row.
    return conn.preparedQuery(
            "UPDATE channels SET address = $4, meta_app_id = $5, public_url = $6, credentials = $7,"
                + " allowed_ips = $8, inbound_per_phone_per_minute = $9, inbound_burst = $10,"
                + " outbound_per_second = $11, outbound_burst = $12,"
                + " outbound_per_recipient_per_minute = $13, outbound_recipient_burst = $14,"
                + " settings = $15 WHERE id = $1 AND tenant_id = $2 AND provider = $3")
        .execute(row(channel))
        .mapEmpty();
  }

  /**
   * A channel's columns in table order ({@code id, tenant_id, provider, address, meta_app_id,
   * public_url, credentials} sealed, {@code allowed_ips}, the limits, {@code settings}).
   */
  private Tuple row(Channel channel) {
    byte[] sealed =
        SealedSecrets.seal(
            cipher, MasterSealed.CHANNELS.context(channel.id()), channel.credentials());
    InboundLimits in = channel.inboundLimits();
    OutboundLimits out = channel.outboundLimits();
    return Tuple.tuple()
        .addString(channel.id())
        .addString(channel.tenantId())
        .addString(channel.provider().wireName())
        .addString(channel.address())
        .addString(channel.metaAppId())
        .addString(channel.publicUrl())
        .addBuffer(Buffer.buffer(sealed))
        .addArrayOfString(channel.allowedIps().entries().toArray(new String[0]))
        .addInteger(in == null ? null : in.perPhonePerMinute())
        .addInteger(in == null ? null : in.burst())
        .addInteger(out == null ? null : out.perSecond())
        .addInteger(out == null ? null : out.burst())
        .addInteger(out == null ? null : out.perRecipientPerMinute())
        .addInteger(out == null ? null : out.recipientBurst())
        .addValue(channel.smpp() == null ? null : channel.smpp().toJson());
  }

  /** Deletes one of the tenant's channels; 404 if the tenant has no such channel. */
  public Future<Void> deleteChannel(String tenantId, String channelId) {
    return pool.withTransaction(
        conn ->
            requireTenant(conn, tenantId)
                .compose(
                    ok ->
                        conn.preparedQuery(
                                "DELETE FROM channels WHERE id = $1 AND tenant_id = $2"
                                    + " RETURNING provider")
                            .execute(Tuple.of(channelId, tenantId)))
                .compose(
                    r ->
                        r.rowCount() == 0
                            ? Future.failedFuture(
                                notFound(
                                    "tenant '" + tenantId + "' has no channel '" + channelId + "'"))
                            : bumpVersion(conn)
                                .compose(
                                    v ->
                                        audited(
                                            conn,
                                            "channel.deleted",
                                            tenantId,
                                            channelId,
                                            new JsonObject()
                                                .put(
                                                    "provider",
                                                    r.iterator().next().getString("provider"))))));
  }

  /**
   * A page of the tenants, by id: those after {@code after} ({@code null}: from the first), at most
   * {@code limit}, deleted ones left out.
   */
  public Future<List<Tenant>> page(String after, int limit) {
    return pool.preparedQuery(
            "SELECT "
                + TENANT_COLUMNS
                + " FROM tenants WHERE deleted_at IS NULL AND id > $1 ORDER BY id LIMIT $2")
        .execute(Tuple.of(after == null ? "" : after, limit))
        .map(
            rows -> {
              List<Tenant> out = new ArrayList<>(rows.size());
              rows.forEach(r -> out.add(tenant(r)));
              return out;
            });
  }

  /** The tenant with its channels (without credentials) and keys (prefixes only); 404 if none. */
  public Future<TenantDetails> describe(String tenantId) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "SELECT "
                        + TENANT_COLUMNS
                        + " FROM tenants WHERE id = $1 AND deleted_at IS NULL")
                .execute(Tuple.of(tenantId))
                .compose(
                    r ->
                        r.size() == 0
                            ? Future.failedFuture(unknownTenant(tenantId))
                            : details(conn, r.iterator().next())));
  }

  private Future<TenantDetails> details(SqlConnection conn, Row tenantRow) {
    Tenant tenant = tenant(tenantRow);
    Future<RowSet<Row>> channels =
        conn.preparedQuery(
                "SELECT id, tenant_id, provider, address, meta_app_id, public_url, allowed_ips,"
                    + " inbound_per_phone_per_minute, inbound_burst, outbound_per_second,"
                    + " outbound_burst, outbound_per_recipient_per_minute,"
                    + " outbound_recipient_burst, settings FROM channels WHERE tenant_id = $1"
                    + " ORDER BY id")
            .execute(Tuple.of(tenant.id()));
    Future<RowSet<Row>> keys =
        conn.preparedQuery(
                "SELECT prefix, created_at, revoked_at FROM api_keys"
                    + " WHERE tenant_id = $1 ORDER BY created_at, prefix")
            .execute(Tuple.of(tenant.id()));
    return Future.all(channels, keys)
        .map(
            all -> {
              List<Channel> channelList = new ArrayList<>();
              for (Row r : channels.result()) {
                channelList.add(rows.channel(r, false));
              }
              List<ApiKeyInfo> keyList = new ArrayList<>();
              for (Row r : keys.result()) {
                keyList.add(
                    new ApiKeyInfo(
                        r.getString("prefix"),
                        r.getOffsetDateTime("created_at"),
                        r.getOffsetDateTime("revoked_at")));
              }
              return new TenantDetails(tenant, channelList, keyList);
            });
  }

  private Future<IssuedApiKey> insertKey(SqlConnection conn, String tenantId) {
    // The unique (tenant_id, prefix) index makes a prefix name one key; two keys of a tenant
    // sharing 48 random bits is too unlikely to retry for.
    IssuedApiKey key = ApiKeys.issue();
    return conn.preparedQuery(
            "INSERT INTO api_keys (key_hash, tenant_id, prefix) VALUES ($1, $2, $3)")
        .execute(Tuple.of(Buffer.buffer(ApiKeys.hash(key.apiKey())), tenantId, key.prefix()))
        .map(key);
  }

  private static Future<Void> requireTenant(SqlConnection conn, String tenantId) {
    // FOR SHARE keeps the tenant from disappearing before the transaction ends.
    return conn.preparedQuery(
            "SELECT 1 FROM tenants WHERE id = $1 AND deleted_at IS NULL FOR SHARE")
        .execute(Tuple.of(tenantId))
        .compose(
            r ->
                r.size() == 0
                    ? Future.failedFuture(unknownTenant(tenantId))
                    : Future.succeededFuture());
  }

  /** The change's audit entry, in its transaction (last: see {@link AuditLog}). */
  private Future<Void> audited(
      SqlConnection conn, String action, String tenantId, String subject, JsonObject details) {
    return audit.append(conn, AuditLog.OPERATOR, action, tenantId, subject, details).mapEmpty();
  }

  private static Future<Void> bumpVersion(SqlConnection conn) {
    return conn.query("UPDATE directory_version SET version = version + 1").execute().mapEmpty();
  }

  private Buffer sealMetaApp(MetaApp app) {
    return Buffer.buffer(
        SealedSecrets.seal(
            cipher,
            SealedSecrets.metaAppContext(app.id()),
            Map.<String, Secret>of(
                "appSecret", app.appSecret(), "verifyToken", app.verifyToken())));
  }

  private static Throwable channelFailure(Throwable e, Channel channel) {
    if (!(e instanceof PgException pg)) {
      return e;
    }
    String constraint = String.valueOf(pg.getConstraint());
    if (UNIQUE_VIOLATION.equals(pg.getSqlState())) {
      return constraint.equals("channels_provider_address")
          ? conflict(
              channel.provider().wireName()
                  + " address '"
                  + channel.address()
                  + "' already belongs to a channel")
          : conflict("channel '" + channel.id() + "' already exists");
    }
    if (FOREIGN_KEY_VIOLATION.equals(pg.getSqlState())) {
      return constraint.equals("channels_meta_app_id_fkey")
          ? GatewayException.invalid(
              "invalid", "metaApp '" + channel.metaAppId() + "' does not exist")
          : unknownTenant(channel.tenantId());
    }
    return e;
  }

  private static GatewayException conflict(String message) {
    return GatewayException.conflict("conflict", message);
  }

  private static GatewayException notFound(String message) {
    return GatewayException.notFound("not_found", message);
  }

  private static GatewayException unknownTenant(String tenantId) {
    return notFound("tenant '" + tenantId + "' does not exist");
  }
}
