package dev.sluice.gateway.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.tenant.Tenant;
import dev.sluice.gateway.tenant.TenantRepository;
import dev.sluice.gateway.tenant.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tenants' data keys and the phone-index key on a real database, as several gateway instances (each
 * with its own pool) use them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TenantKeysIT {
  private static final byte[] BODY = "Hi Ana, your table is ready".getBytes(StandardCharsets.UTF_8);

  private static TestDatabase db;
  private static Vertx vertx;
  private static Pool poolA;
  private static Pool poolB;
  private static Secret master;
  private static CredentialCipher cipher;
  private static TenantRepository repository;

  @BeforeAll
  static void start() {
    db = TestDatabase.create();
    vertx = Vertx.vertx();
    poolA = db.pool(vertx);
    poolB = db.pool(vertx);
    master = TestKeys.random();
    cipher = new CredentialCipher(master);
    repository = new TenantRepository(poolA, cipher, new AuditLog(poolA));
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    db.close();
  }

  @Test
  void twoInstancesUsingATenantForTheFirstTimeAtOnceEndUpWithOneKey() {
    for (int round = 0; round < 10; round++) {
      String tenant = existingTenantWithoutKey();
      TenantKeys a = new TenantKeys(poolA, cipher);
      TenantKeys b = new TenantKeys(poolB, cipher);
      List<Future<DataKey>> keys = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        keys.add(a.key(tenant));
        keys.add(b.key(tenant));
      }
      Future.all(keys).await();

      assertThat(db.count("SELECT count(*) FROM tenant_keys WHERE tenant_id = ?", tenant))
          .isEqualTo(1);
      byte[] sealed = keys.get(0).result().seal("message:1:body", BODY);
      for (Future<DataKey> k : keys) {
        assertThat(k.result().open("message:1:body", sealed)).isEqualTo(BODY);
      }
      // A third instance, later, loads the same key.
      DataKey later = new TenantKeys(poolB, cipher).key(tenant).await();
      assertThat(later.open("message:1:body", sealed)).isEqualTo(BODY);
    }
  }

  @Test
  void aTenantGetsItsKeyWithItsRowAndKeepsIt() {
    String tenant = uniqueId();
    repository.createTenant(new Tenant(tenant, "T")).await();

    assertThat(db.count("SELECT count(*) FROM tenant_keys WHERE tenant_id = ?", tenant))
        .isEqualTo(1);
    byte[] stored = wrapped(tenant);
    byte[] sealed = new TenantKeys(poolA, cipher).key(tenant).await().seal("raw:9", BODY);
    assertThat(new TenantKeys(poolB, cipher).key(tenant).await().open("raw:9", sealed))
        .isEqualTo(BODY);
    assertThat(wrapped(tenant)).isEqualTo(stored);
    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(tenant);
  }

  @Test
  void anotherTenantsKeyOrAnotherContextDoesNotOpenASealedValue() {
    String one = uniqueId();
    String two = uniqueId();
    repository.createTenant(new Tenant(one, "One")).await();
    repository.createTenant(new Tenant(two, "Two")).await();
    TenantKeys keys = new TenantKeys(poolA, cipher);
    byte[] sealed = keys.key(one).await().seal("message:1:body", BODY);

    assertThat(keys.key(one).await().open("message:1:body", sealed)).isEqualTo(BODY);
    assertThatThrownBy(() -> keys.key(two).await().open("message:1:body", sealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate");
    assertThatThrownBy(() -> keys.key(one).await().open("message:2:body", sealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate");
  }

  @Test
  void noKeyIsMadeForAnUnknownOrDeletedTenant() {
    TenantKeys keys = new TenantKeys(poolA, cipher);
    String unknown = uniqueId();
    assertNotFound(keys, unknown);

    String withKey = uniqueId();
    repository.createTenant(new Tenant(withKey, "W")).await();
    keys.key(withKey).await();
    repository.deleteTenant(withKey).await();
    keys.evict(withKey);
    assertNotFound(keys, withKey);
    assertNotFound(new TenantKeys(poolB, cipher), withKey);

    String old = existingTenantWithoutKey();
    db.execute("UPDATE tenants SET deleted_at = now() WHERE id = ?", old);
    assertNotFound(keys, old);

    assertThat(
            db.count(
                "SELECT count(*) FROM tenant_keys WHERE tenant_id IN (?, ?, ?)",
                unknown,
                withKey,
                old))
        .isZero();
  }

  @Test
  void cachedDoesNoIoAndEvictionForgets() {
    String tenant = uniqueId();
    repository.createTenant(new Tenant(tenant, "T")).await();
    TenantKeys keys = new TenantKeys(poolA, cipher);

    assertThat(keys.cached(tenant)).isEmpty();
    DataKey key = keys.key(tenant).await();
    assertThat(keys.cached(tenant)).containsSame(key);
    assertThat(keys.key(tenant).await()).isSameAs(key);

    keys.retainOnly(Set.of(tenant));
    assertThat(keys.cached(tenant)).containsSame(key);
    keys.retainOnly(Set.of());
    assertThat(keys.cached(tenant)).isEmpty();
    keys.key(tenant).await();
    keys.evict(tenant);
    assertThat(keys.cached(tenant)).isEmpty();
  }

  @Test
  void aKeyWrappedUnderAnotherMasterKeyFailsClearly() {
    String tenant = uniqueId();
    repository.createTenant(new Tenant(tenant, "T")).await();
    Secret other = TestKeys.random();

    assertThatThrownBy(() -> new TenantKeys(poolA, new CredentialCipher(other)).key(tenant).await())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("data key of tenant " + tenant + " cannot be unwrapped")
        .hasMessageNotContaining(other.reveal())
        .hasMessageNotContaining(master.reveal());
    // With the right key among the previous ones, it opens.
    assertThat(
            new TenantKeys(poolA, new CredentialCipher(MasterKeys.of(other, List.of(master))))
                .key(tenant)
                .await())
        .isNotNull();
  }

  @Test
  void instancesStartingAtOnceStoreOnePhoneIndexKeyTheOneDerivedBefore() {
    // A database of its own: the phone-index row is made once per database.
    try (TestDatabase own = TestDatabase.create()) {
      Pool p1 = own.pool(vertx);
      Pool p2 = own.pool(vertx);
      List<Future<byte[]>> loads = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        loads.add(PhoneIndexKey.load(p1, cipher));
        loads.add(PhoneIndexKey.load(p2, cipher));
      }
      Future.all(loads).await();

      assertThat(own.count("SELECT count(*) FROM deployment_keys")).isEqualTo(1);
      String before = new PhoneHasher(master).hash("+4915112345678");
      for (Future<byte[]> key : loads) {
        assertThat(new PhoneHasher(key.result()).hash("+4915112345678")).isEqualTo(before);
      }
      p1.close().await();
      p2.close().await();
    }
  }

  private static void assertNotFound(TenantKeys keys, String tenant) {
    assertThatThrownBy(() -> keys.key(tenant).await())
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> assertThat(e.kind()).isEqualTo(GatewayException.Kind.NOT_FOUND))
        .hasMessageContaining(tenant);
  }

  /** A tenant as gateways before data keys made it: a row, no key. */
  private static String existingTenantWithoutKey() {
    String id = uniqueId();
    db.execute("INSERT INTO tenants (id, name) VALUES (?, 'Old')", id);
    return id;
  }

  private static byte[] wrapped(String tenant) {
    return db.bytes("SELECT wrapped FROM tenant_keys WHERE tenant_id = ?", tenant);
  }

  private static String uniqueId() {
    return "t-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
