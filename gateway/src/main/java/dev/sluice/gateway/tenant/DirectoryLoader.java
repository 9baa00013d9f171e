package dev.sluice.gateway.tenant;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.IpAllowList;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.privacy.MasterSealed;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the whole directory in one read-only REPEATABLE READ transaction, so the version and every
 * row come from the same moment, and decrypts the secrets; and looks single rows up for what a
 * snapshot lacks. Tenants being deleted, and everything of theirs, are left out.
 */
final class DirectoryLoader {
  /**
   * The tenants a directory holds: not those being deleted, whose keys, channels and endpoint are
   * gone from every instance once the deletion is committed.
   */
  private static final String LIVE_TENANTS = "SELECT id FROM tenants WHERE deleted_at IS NULL";

  private final Pool pool;
  private final CredentialCipher cipher;

  DirectoryLoader(Pool pool, CredentialCipher cipher) {
    this.pool = pool;
    this.cipher = cipher;
  }

  /** The current version alone (what polling compares). */
  Future<Long> version() {
    return pool.query("SELECT version FROM directory_version")
        .execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Whether PostgreSQL has the channel now (a point lookup, for an id a snapshot lacks). */
  Future<Boolean> hasChannel(String channelId) {
    return pool.preparedQuery(
            "SELECT 1 FROM channels WHERE id = $1 AND tenant_id IN (" + LIVE_TENANTS + ")")
        .execute(Tuple.of(channelId))
        .map(rows -> rows.size() > 0);
  }

  /** Whether the tenant has a push endpoint in PostgreSQL now. */
  Future<Boolean> hasEndpoint(String tenantId) {
    return pool.preparedQuery(
            "SELECT 1 FROM endpoints WHERE tenant_id = $1 AND tenant_id IN (" + LIVE_TENANTS + ")")
        .execute(Tuple.of(tenantId))
        .map(rows -> rows.size() > 0);
  }

  /**
   * A new snapshot.
   *
   * @return a Future failed with the PostgreSQL error, or with an {@link IllegalStateException}
   *     naming the row whose secrets cannot be decrypted (most likely a different master key)
   */
  Future<DirectorySnapshot> load() {
    return pool.withTransaction(this::read);
  }

  private Future<DirectorySnapshot> read(SqlConnection conn) {
    Future<RowSet<Row>> isolation =
        conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute();
    return isolation.compose(
        ignored -> {
          // Sent together: the connection pipelines them.
          Future<RowSet<Row>> version =
              conn.query("SELECT version FROM directory_version").execute();
          Future<RowSet<Row>> tenants =
              conn.query(
                      "SELECT "
                          + TenantRepository.TENANT_COLUMNS
                          + " FROM tenants WHERE deleted_at IS NULL")
                  .execute();
          Future<RowSet<Row>> keys =
              conn.query("SELECT key_hash, tenant_id FROM api_keys WHERE revoked_at IS NULL")
                  .execute();
          Future<RowSet<Row>> metaApps = conn.query("SELECT id, secrets FROM meta_apps").execute();
          Future<RowSet<Row>> channels =
              conn.query(
                      "SELECT id, tenant_id, provider, address, meta_app_id, public_url,"
                          + " credentials, allowed_ips, inbound_per_phone_per_minute,"
                          + " inbound_burst, outbound_per_second, outbound_burst,"
                          + " outbound_per_recipient_per_minute, outbound_recipient_burst,"
                          + " settings FROM channels WHERE tenant_id IN ("
                          + LIVE_TENANTS
                          + ")")
                  .execute();
          Future<RowSet<Row>> endpoints =
              conn.query(
                      "SELECT tenant_id, url, batch_size, secrets, previous_valid_until"
                          + " FROM endpoints WHERE tenant_id IN ("
                          + LIVE_TENANTS
                          + ")")
                  .execute();
          return Future.all(List.of(version, tenants, keys, metaApps, channels, endpoints))
              .map(
                  all ->
                      snapshot(
                          version.result(),
                          tenants.result(),
                          keys.result(),
                          metaApps.result(),
                          channels.result(),
                          endpoints.result()));
        });
  }

  private DirectorySnapshot snapshot(
      RowSet<Row> versionRows,
      RowSet<Row> tenantRows,
      RowSet<Row> keyRows,
      RowSet<Row> metaAppRows,
      RowSet<Row> channelRows,
      RowSet<Row> endpointRows) {
    long version = versionRows.iterator().next().getLong(0);
    Map<String, Tenant> tenants = new HashMap<>();
    for (Row r : tenantRows) {
      Tenant t = TenantRepository.tenant(r);
      tenants.put(t.id(), t);
    }
    Map<String, Tenant> byKey = new HashMap<>();
    for (Row r : keyRows) {
      Tenant t = tenants.get(r.getString("tenant_id"));
      if (t != null) {
        byKey.put(ApiKeys.hex(r.getBuffer("key_hash").getBytes()), t);
      }
    }
    Map<String, MetaApp> metaApps = new HashMap<>();
    for (Row r : metaAppRows) {
      String id = r.getString("id");
      Map<String, Secret> secrets =
          open(SealedSecrets.metaAppContext(id), r.getBuffer("secrets").getBytes(), "meta app", id);
      metaApps.put(
          id,
          new MetaApp(
              id,
              secrets.getOrDefault("appSecret", Secret.empty()),
              secrets.getOrDefault("verifyToken", Secret.empty())));
    }
    Map<String, Channel> channels = new HashMap<>();
    for (Row r : channelRows) {
      Channel c = channel(r, true);
      channels.put(c.id(), c);
    }
    Map<String, Endpoint> endpoints = new HashMap<>();
    for (Row r : endpointRows) {
      Endpoint e = endpoint(r);
      endpoints.put(e.tenantId(), e);
    }
    return new DirectorySnapshot(version, tenants, byKey, channels, metaApps, endpoints);
  }

  /** An endpoint from an {@code endpoints} row, with its decrypted secrets. */
  Endpoint endpoint(Row r) {
    String tenant = r.getString("tenant_id");
    Map<String, Secret> secrets =
        open(Endpoint.sealContext(tenant), r.getBuffer("secrets").getBytes(), "endpoint", tenant);
    java.time.OffsetDateTime until = r.getOffsetDateTime("previous_valid_until");
    return new Endpoint(
        tenant,
        java.net.URI.create(r.getString("url")),
        r.getInteger("batch_size"),
        secrets.getOrDefault("secret", Secret.empty()),
        secrets.get("previous"),
        until == null ? null : until.toInstant());
  }

  private static OutboundLimits outboundLimits(Row r) {
    Integer perSecond = r.getInteger("outbound_per_second");
    Integer burst = r.getInteger("outbound_burst");
    Integer perRecipient = r.getInteger("outbound_per_recipient_per_minute");
    Integer recipientBurst = r.getInteger("outbound_recipient_burst");
    if (perSecond == null && burst == null && perRecipient == null && recipientBurst == null) {
      return null;
    }
    return new OutboundLimits(perSecond, burst, perRecipient, recipientBurst);
  }

  /** A channel from a {@code channels} row, with or without its decrypted credentials. */
  Channel channel(Row r, boolean withCredentials) {
    String id = r.getString("id");
    Integer rate = r.getInteger("inbound_per_phone_per_minute");
    Integer burst = r.getInteger("inbound_burst");
    String[] ips = r.getArrayOfStrings("allowed_ips");
    Map<String, Secret> credentials =
        withCredentials
            ? open(
                MasterSealed.CHANNELS.context(id),
                r.getBuffer("credentials").getBytes(),
                "channel",
                id)
            : Map.of();
    return new Channel(
        id,
        r.getString("tenant_id"),
        Provider.fromWireName(r.getString("provider"))
            .orElseThrow(() -> new IllegalStateException("channel " + id + ": unknown provider")),
        r.getString("address"),
        r.getString("meta_app_id"),
        r.getString("public_url"),
        credentials,
        rate == null || burst == null ? null : new InboundLimits(rate, burst),
        IpAllowList.parse(ips == null ? List.of() : Arrays.asList(ips)),
        outboundLimits(r),
        smpp(r));
  }

  /** The SMPP settings of an smpp channel's row, else {@code null}. */
  private static SmppAccount smpp(Row r) {
    Object settings = r.getValue("settings");
    return Provider.SMPP.wireName().equals(r.getString("provider"))
            && settings instanceof io.vertx.core.json.JsonObject json
        ? SmppAccount.fromJson(json)
        : null;
  }

  private Map<String, Secret> open(String context, byte[] sealed, String kind, String id) {
    try {
      return SealedSecrets.open(cipher, context, sealed);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "the secrets of "
              + kind
              + " "
              + id
              + " cannot be decrypted ("
              + e.getMessage()
              + "): is security.masterKey, or one of security.previousMasterKeys, the key they"
              + " were written with?");
    }
  }
}
