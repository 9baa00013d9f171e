package dev.sluice.gateway.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.IpAllowList;
import dev.sluice.gateway.privacy.AuditLog;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnectOptions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two directories on one database stand for two gateway instances. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TenantDirectoryIT {
  /** Two polling periods and a margin: "within about a second" without a flaky edge. */
  private static final Duration PROPAGATION = Duration.ofSeconds(2);

  private static final Duration PAUSE = Duration.ofMillis(10);

  private TestDatabase db;
  private Vertx vertx;
  private CredentialCipher cipher;
  private Pool poolA;
  private Pool poolB;
  private TenantRepository repository;
  private TenantDirectory instanceA;
  private TenantDirectory instanceB;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create();
    vertx = Vertx.vertx();
    cipher = new CredentialCipher(randomKey());
    poolA = db.pool(vertx);
    poolB = db.pool(vertx);
    repository = new TenantRepository(poolA, cipher, new AuditLog(poolA));
    instanceA = new TenantDirectory(poolA, cipher);
    instanceB = new TenantDirectory(poolB, cipher);
    instanceA.refresh().await();
    instanceB.refresh().await();
    instanceB.startPolling(vertx, 500);
  }

  @AfterEach
  void tearDown() {
    instanceA.stop();
    instanceB.stop();
    vertx.close().await();
    db.close();
  }

  @Test
  void tenantCreatedThroughOneInstanceReachesTheOtherWithinASecond() {
    String id = uniqueId("acme");
    IssuedApiKey key = repository.createTenant(new Tenant(id, "Acme")).await();
    instanceA.refresh().await();

    assertThat(instanceA.tenant(id)).contains(new Tenant(id, "Acme"));
    awaitTrue(() -> instanceB.tenant(id).isPresent(), "instance B sees tenant " + id);
    assertThat(instanceB.tenantByApiKey(key.apiKey())).contains(new Tenant(id, "Acme"));
    assertThat(instanceB.version()).isEqualTo(instanceA.version());
  }

  @Test
  void channelReachesTheOtherInstanceWithItsCredentialsDecrypted() {
    String tenant = uniqueId("t");
    repository.createTenant(new Tenant(tenant, "T")).await();
    String app = uniqueId("app");
    repository
        .createMetaApp(new MetaApp(app, Secret.of("app-secret-1"), Secret.of("verify-1")))
        .await();
    String channelId = uniqueId("wa");
    String address = uniqueDigits();
    repository
        .createChannel(
            new Channel(
                channelId,
                tenant,
                Provider.WHATSAPP,
                address,
                app,
                null,
                Map.of("accessToken", Secret.of("EAAG-token")),
                new InboundLimits(30, 10),
                null,
                null))
        .await();

    awaitTrue(() -> instanceB.channel(channelId).isPresent(), "instance B sees " + channelId);
    Channel channel = instanceB.channelByAddress(Provider.WHATSAPP, address).orElseThrow();
    assertThat(channel.id()).isEqualTo(channelId);
    assertThat(channel.tenantId()).isEqualTo(tenant);
    assertThat(channel.metaAppId()).isEqualTo(app);
    assertThat(channel.credential("accessToken").reveal()).isEqualTo("EAAG-token");
    assertThat(channel.credential("absent")).isEqualTo(Secret.empty());
    assertThat(channel.inboundLimits()).isEqualTo(new InboundLimits(30, 10));
    assertThat(channel.allowedIps().allowsAll()).isTrue();
    assertThat(channel.toString()).doesNotContain("EAAG-token");
    assertThat(instanceB.channelByAddress(Provider.MESSENGER, address)).isEmpty();
    MetaApp metaApp = instanceB.metaApp(app).orElseThrow();
    assertThat(metaApp.appSecret().reveal()).isEqualTo("app-secret-1");
    assertThat(metaApp.verifyToken().reveal()).isEqualTo("verify-1");
  }

  @Test
  void replacedMetaAppSecretReachesTheOtherInstance() {
    String app = uniqueId("app");
    repository.createMetaApp(new MetaApp(app, Secret.of("old"), Secret.of("v"))).await();
    awaitTrue(() -> instanceB.metaApp(app).isPresent(), "instance B sees " + app);

    boolean created =
        repository.putMetaApp(new MetaApp(app, Secret.of("new"), Secret.of("v2"))).await();

    assertThat(created).isFalse();
    awaitTrue(
        () -> instanceB.metaApp(app).orElseThrow().appSecret().matches("new"),
        "instance B uses the new app secret");
  }

  @Test
  void infobipChannelKeepsItsAllowList() {
    String tenant = uniqueId("t");
    repository.createTenant(new Tenant(tenant, "T")).await();
    String channelId = uniqueId("ib");
    repository
        .createChannel(
            new Channel(
                channelId,
                tenant,
                Provider.INFOBIP,
                "+4915100000" + (int) (Math.random() * 1000),
                null,
                null,
                Map.of("apiKey", Secret.of("k"), "baseUrl", Secret.of("https://x.api.infobip.com")),
                null,
                IpAllowList.parse(List.of("10.0.0.0/8", "2001:db8::/32")),
                null))
        .await();
    instanceA.refresh().await();

    Channel channel = instanceA.channel(channelId).orElseThrow();
    assertThat(channel.allowedIps().entries()).containsExactly("10.0.0.0/8", "2001:db8::/32");
    assertThat(channel.allowedIps().allows("10.1.2.3")).isTrue();
    assertThat(channel.allowedIps().allows("192.0.2.1")).isFalse();
    assertThat(channel.inboundLimits()).isNull();
  }

  @Test
  void revokedKeyStopsAuthenticatingOnEveryInstance() {
    String id = uniqueId("acme");
    IssuedApiKey first = repository.createTenant(new Tenant(id, "Acme")).await();
    IssuedApiKey second = repository.addKey(id).await();
    awaitTrue(
        () -> instanceB.tenantByApiKey(second.apiKey()).isPresent(), "instance B knows key 2");
    assertThat(instanceB.tenantByApiKey(first.apiKey())).isPresent();

    repository.revokeKey(id, first.prefix()).await();
    instanceA.refresh().await();

    assertThat(instanceA.tenantByApiKey(first.apiKey())).isEmpty();
    assertThat(instanceA.tenantByApiKey(second.apiKey())).isPresent();
    awaitTrue(() -> instanceB.tenantByApiKey(first.apiKey()).isEmpty(), "instance B forgets key 1");
    assertThat(instanceB.tenantByApiKey(second.apiKey())).isPresent();
  }

  @Test
  void deletedChannelStopsRoutingOnEveryInstance() {
    String tenant = uniqueId("t");
    repository.createTenant(new Tenant(tenant, "T")).await();
    String channelId = uniqueId("tg");
    repository
        .createChannel(
            new Channel(
                channelId,
                tenant,
                Provider.TELEGRAM,
                null,
                null,
                null,
                Map.of("botToken", Secret.of("1:x"), "secretToken", Secret.of("s")),
                null,
                null,
                null))
        .await();
    awaitTrue(() -> instanceB.channel(channelId).isPresent(), "instance B sees " + channelId);

    repository.deleteChannel(tenant, channelId).await();

    awaitTrue(() -> instanceB.channel(channelId).isEmpty(), "instance B forgets " + channelId);
  }

  @Test
  void aChannelMissingFromTheSnapshotIsAskedOfPostgresqlAndLoaded() {
    String tenant = uniqueId("t");
    repository.createTenant(new Tenant(tenant, "T")).await();
    String channelId = uniqueId("tg");
    repository
        .createChannel(
            new Channel(
                channelId,
                tenant,
                Provider.TELEGRAM,
                null,
                null,
                null,
                Map.of("botToken", Secret.of("1:x"), "secretToken", Secret.of("s")),
                null,
                null,
                null))
        .await();
    // Instance A does not poll: only the recheck can bring the channel in.
    assertThat(instanceA.channel(channelId)).isEmpty();

    assertThat(instanceA.recheckChannel(channelId)).isEqualTo(TenantDirectory.Presence.UNKNOWN);
    awaitTrue(
        () -> instanceA.recheckChannel(channelId) == TenantDirectory.Presence.STORED,
        "PostgreSQL has " + channelId);
    awaitTrue(() -> instanceA.channel(channelId).isPresent(), "instance A loads " + channelId);

    String never = uniqueId("tg");
    awaitTrue(
        () -> instanceA.recheckChannel(never) == TenantDirectory.Presence.ABSENT,
        "PostgreSQL does not have " + never);
    awaitTrue(
        () -> instanceA.recheckEndpoint(tenant) == TenantDirectory.Presence.ABSENT,
        "tenant " + tenant + " has no endpoint");
  }

  @Test
  void whatIsNotAKeyFindsNoTenant() {
    String id = uniqueId("acme");
    IssuedApiKey key = repository.createTenant(new Tenant(id, "Acme")).await();
    instanceA.refresh().await();

    assertThat(instanceA.tenantByApiKey(null)).isEmpty();
    assertThat(instanceA.tenantByApiKey("")).isEmpty();
    assertThat(instanceA.tenantByApiKey(key.apiKey() + "x")).isEmpty();
    assertThat(instanceA.tenantByApiKey(key.apiKey().substring(1))).isEmpty();
    assertThat(instanceA.tenantByApiKey("sk_live_" + "A".repeat(43))).isEmpty();
    assertThat(instanceA.tenant(null)).isEmpty();
    assertThat(instanceA.channelByAddress(null, "1")).isEmpty();
  }

  @Test
  void failedRefreshKeepsTheLastSnapshot() {
    AtomicReference<SqlConnectOptions> target =
        new AtomicReference<>(connectOptions(db.pg().port()));
    Pool switchable =
        PgBuilder.pool()
            .with(new PoolOptions().setMaxSize(1))
            .connectingTo(() -> Future.succeededFuture(target.get()))
            .using(vertx)
            .build();
    TenantDirectory directory = new TenantDirectory(switchable, cipher);
    String id = uniqueId("acme");
    IssuedApiKey key = repository.createTenant(new Tenant(id, "Acme")).await();
    directory.refresh().await();
    long version = directory.version();

    target.set(connectOptions(1)); // nothing listens on port 1: every new connection is refused
    db.terminateSessions(); // drops the pool's open connection, as a server restart would

    assertThatThrownBy(() -> directory.refresh().await()).isNotNull();
    assertThat(directory.tenant(id)).contains(new Tenant(id, "Acme"));
    assertThat(directory.tenantByApiKey(key.apiKey())).isPresent();
    assertThat(directory.version()).isEqualTo(version);

    target.set(connectOptions(db.pg().port()));
    String later = uniqueId("later");
    // terminateSessions also killed the repository pool's idle connection; a pool hands such a
    // connection out once and its first use fails, so the write is retried until it lands.
    while (true) {
      try {
        repository.createTenant(new Tenant(later, "Later")).await();
        break;
      } catch (Exception e) { // await rethrows the cause as is, e.g. SocketException (reset)
        if (repository
            .describe(later)
            .transform(ar -> Future.succeededFuture(ar.succeeded()))
            .await()) {
          break;
        }
      }
    }
    directory.refresh().await();
    assertThat(directory.tenant(later)).isPresent();
    assertThat(directory.tenant(id)).isPresent();
  }

  @Test
  void directoryThatNeverReachedPostgresFindsNothing() {
    Pool unreachable =
        PgBuilder.pool()
            .with(new PoolOptions().setMaxSize(1))
            .connectingTo(connectOptions(1))
            .using(vertx)
            .build();
    TenantDirectory directory = new TenantDirectory(unreachable, cipher);

    assertThatThrownBy(() -> directory.refresh().await()).isNotNull();
    assertThat(directory.tenant("acme")).isEmpty();
    assertThat(directory.version()).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void credentialsSealedUnderAnotherKeyFailTheRefreshNamingTheChannel() {
    TenantRepository otherKey =
        new TenantRepository(poolA, new CredentialCipher(randomKey()), new AuditLog(poolA));
    String tenant = uniqueId("t");
    repository.createTenant(new Tenant(tenant, "T")).await();
    instanceA.refresh().await();
    String channelId = uniqueId("std");
    otherKey
        .createChannel(
            new Channel(
                channelId,
                tenant,
                Provider.STANDARD,
                null,
                null,
                null,
                Map.of("secret", Secret.of("whsec_c2VjcmV0")),
                null,
                null,
                null))
        .await();

    assertThatThrownBy(() -> instanceA.refresh().await())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(channelId)
        .hasMessageContaining("security.masterKey");
    assertThat(instanceA.tenant(tenant)).isPresent();
    assertThat(instanceA.channel(channelId)).isEmpty();
  }

  private PgConnectOptions connectOptions(int port) {
    return new PgConnectOptions()
        .setHost(db.pg().host())
        .setPort(port)
        .setDatabase(db.pg().database())
        .setUser(db.pg().user())
        .setPassword(db.pg().password().reveal());
  }

  private static void awaitTrue(BooleanSupplier condition, String what) {
    Await.until(what, PROPAGATION, condition);
  }

  private static String uniqueId(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String uniqueDigits() {
    return Long.toString(100_000_000_000_000L + (long) (Math.random() * 899_999_999_999_999L));
  }

  private static Secret randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return Secret.of(Base64.getEncoder().encodeToString(key));
  }
}
