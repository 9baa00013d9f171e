package dev.sluice.gateway.privacy;

import dev.sluice.gateway.core.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tenants' data keys ({@link DataKey}), kept in memory once unwrapped, so sealing or opening a
 * tenant's data on the hot path makes no round trip: {@link #cached} never does I/O, and {@link
 * #key} asks PostgreSQL only on a miss.
 *
 * <p>A key is stored in {@code tenant_keys}, wrapped by the master key ({@link CredentialCipher},
 * context {@code tenant-key:<tenant>}). It is made when the tenant is (in the same transaction, see
 * {@link #wrapNewKey}); a tenant created before data keys existed gets one on its first use, made
 * race-safe: any number of instances asking at once end up with the one key that was stored first.
 * A tenant that is unknown or being deleted never gets a key: deleting a tenant deletes its key
 * first (crypto-shredding), and a key cached by an instance is evicted when the tenant leaves that
 * instance's directory ({@link #retainOnly}).
 *
 * <p>Thread-safe; shared by every event loop.
 */
public final class TenantKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;
  private final CredentialCipher cipher;
  private final Map<String, Future<DataKey>> keys = new ConcurrentHashMap<>();

  public TenantKeys(Pool pool, CredentialCipher cipher) {
    this.pool = pool;
    this.cipher = cipher;
  }

  /**
   * A fresh data key for a new tenant, wrapped by the master key: what the tenant's row in {@code
   * tenant_keys} holds.
   */
  public static byte[] wrapNewKey(CredentialCipher cipher, String tenantId) {
    byte[] raw = new byte[Aead.KEY_BYTES];
    RANDOM.nextBytes(raw);
    try {
      return cipher.encrypt(MasterSealed.TENANT_KEYS.context(tenantId), raw);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  /**
   * The tenant's data key: from memory, else loaded from PostgreSQL (or made there, once, for a
   * tenant that has none yet).
   *
   * @return a Future failed with a {@link GatewayException} of kind {@code NOT_FOUND} for a tenant
   *     that does not exist or is being deleted, with an {@link IllegalStateException} when the
   *     stored key cannot be unwrapped by any configured master key, or with the PostgreSQL error
   */
  public Future<DataKey> key(String tenantId) {
    Future<DataKey> known = keys.get(tenantId);
    if (known != null) {
      return known;
    }
    Promise<DataKey> promise = Promise.promise();
    Future<DataKey> mine = promise.future();
    Future<DataKey> raced = keys.putIfAbsent(tenantId, mine);
    if (raced != null) {
      return raced;
    }
    Future<DataKey> loaded;
    try {
      loaded = loadOrCreate(tenantId);
    } catch (RuntimeException e) {
      loaded = Future.failedFuture(e);
    }
    loaded.onComplete(
        ar -> {
          if (ar.failed()) {
            keys.remove(tenantId, mine); // the next call asks again
          }
          promise.handle(ar);
        });
    return mine;
  }

  /** The tenant's data key if this instance holds it now; never does I/O. */
  public Optional<DataKey> cached(String tenantId) {
    Future<DataKey> known = keys.get(tenantId);
    return known != null && known.succeeded() ? Optional.of(known.result()) : Optional.empty();
  }

  /** Forgets the tenant's key (a deleted tenant); a load under way is not kept either. */
  public void evict(String tenantId) {
    keys.remove(tenantId);
  }

  /** Forgets the keys of every tenant not in {@code tenantIds} (this instance's directory). */
  public void retainOnly(Set<String> tenantIds) {
    keys.keySet().removeIf(t -> !tenantIds.contains(t));
  }

  private Future<DataKey> loadOrCreate(String tenantId) {
    return stored(tenantId)
        .compose(
            found -> {
              if (found != null) {
                return Future.succeededFuture(found);
              }
              // FOR SHARE: a concurrent deletion (which updates the tenant row and then deletes
              // its key) either runs first, and then no key is made, or waits for this insert and
              // deletes the key it made.
              return pool.preparedQuery(
                      "INSERT INTO tenant_keys (tenant_id, wrapped)"
                          + " SELECT id, $2 FROM tenants WHERE id = $1 AND deleted_at IS NULL"
                          + " FOR SHARE ON CONFLICT (tenant_id) DO NOTHING RETURNING wrapped")
                  .execute(Tuple.of(tenantId, Buffer.buffer(wrapNewKey(cipher, tenantId))))
                  .compose(
                      rows ->
                          rows.size() > 0
                              ? Future.succeededFuture(unwrap(tenantId, rows))
                              : stored(tenantId)) // another instance made it first
                  .compose(
                      key ->
                          key != null
                              ? Future.succeededFuture(key)
                              : Future.failedFuture(
                                  GatewayException.notFound(
                                      "not_found",
                                      "tenant '"
                                          + tenantId
                                          + "' does not exist or is being deleted")));
            });
  }

  /** The stored key of a tenant that is not being deleted, or {@code null}. */
  private Future<DataKey> stored(String tenantId) {
    return pool.preparedQuery(
            "SELECT k.wrapped FROM tenant_keys k JOIN tenants t ON t.id = k.tenant_id"
                + " WHERE k.tenant_id = $1 AND t.deleted_at IS NULL")
        .execute(Tuple.of(tenantId))
        .map(rows -> rows.size() == 0 ? null : unwrap(tenantId, rows));
  }

  private DataKey unwrap(String tenantId, RowSet<Row> rows) {
    byte[] wrapped = rows.iterator().next().getBuffer("wrapped").getBytes();
    byte[] raw;
    try {
      raw = cipher.decrypt(MasterSealed.TENANT_KEYS.context(tenantId), wrapped);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "the data key of tenant "
              + tenantId
              + " cannot be unwrapped ("
              + e.getMessage()
              + "): is security.masterKey (or one of security.previousMasterKeys) the key it was"
              + " wrapped with?");
    }
    try {
      return new DataKey(raw);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }
}
