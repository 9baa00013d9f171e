package dev.sluice.gateway.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.GatewayProcess;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.EndpointRepository;
import dev.sluice.gateway.tenant.MetaApp;
import dev.sluice.gateway.tenant.Tenant;
import dev.sluice.gateway.tenant.TenantDirectory;
import dev.sluice.gateway.tenant.TenantRepository;
import dev.sluice.gateway.tenant.TestDatabase;
import dev.sluice.gateway.testing.FreePorts;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Pool;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Master-key rotation end to end: everything is set up under master key A, rotated to B (with A as
 * the previous key) by the CLI in a child JVM, and then read with B alone.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MasterKeyRotationIT {
  private static final String PHONE = "+4915112345678";
  private static final byte[] BODY = "Dinner at eight?".getBytes(StandardCharsets.UTF_8);
  private static final String[][] SEALED_COLUMNS = {
    {"tenant_keys", "tenant_id", "wrapped"},
    {"deployment_keys", "name", "wrapped"},
    {"meta_apps", "id", "secrets"},
    {"channels", "id", "credentials"},
    {"endpoints", "tenant_id", "secrets"}
  };

  @TempDir Path dir;

  private final Secret a = TestKeys.random();
  private final Secret b = TestKeys.random();
  private TestDatabase db;
  private Vertx vertx;
  private Pool pool;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create();
    vertx = Vertx.vertx();
    pool = db.pool(vertx);
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
    db.close();
  }

  /** What was set up under A, and what it should read as. */
  private record Before(byte[] tenantSealed, String phoneHash) {}

  private Before setUpUnderA() throws Exception {
    CredentialCipher underA = new CredentialCipher(a);
    TenantRepository repository = new TenantRepository(pool, underA, new AuditLog(pool));
    repository
        .createMetaApp(new MetaApp("app-1", Secret.of("app-secret"), Secret.of("vt")))
        .await();
    repository.createTenant(new Tenant("acme", "Acme")).await();
    repository
        .createChannel(
            new Channel(
                "acme-tg",
                "acme",
                Provider.TELEGRAM,
                null,
                null,
                null,
                Map.of("botToken", Secret.of("123:bot"), "secretToken", Secret.of("tg-secret")),
                null,
                null,
                null))
        .await();
    new EndpointRepository(
            pool, underA, new AuditLog(pool), Duration.ofHours(24), Clock.systemUTC())
        .put("acme", URI.create("https://hooks.example.com/in"), 1)
        .await();
    // A tenant from before data keys (its key is made on first use), and a Meta app whose
    // secrets an earlier gateway sealed in the version-1 format (no key id).
    db.execute("INSERT INTO tenants (id, name) VALUES ('old', 'Old')");
    TenantKeys keys = new TenantKeys(pool, underA);
    keys.key("old").await();
    byte[] v1 =
        TestKeys.sealVersionOne(
            a,
            "meta-app:app-old",
            "{\"appSecret\":\"old-secret\",\"verifyToken\":\"old-vt\"}"
                .getBytes(StandardCharsets.UTF_8));
    db.execute("INSERT INTO meta_apps (id, secrets) VALUES ('app-old', ?)", (Object) v1);
    byte[] tenantSealed = keys.key("acme").await().seal("message:1:body", BODY);
    String phoneHash = new PhoneHasher(PhoneIndexKey.load(pool, underA).await()).hash(PHONE);
    return new Before(tenantSealed, phoneHash);
  }

  @Test
  void rotatedByTheCliEverythingReadsWithTheNewKeyAloneAndPhoneHashesStay() throws Exception {
    Before before = setUpUnderA();

    GatewayProcess.Finished done = rotate("rotate", b, List.of(a));

    assertThat(done.exitCode()).as(done.output()).isZero();
    String idB = new CredentialCipher(b).keys().currentId();
    assertThat(done.output())
        .contains(
            "master key rotated: re-sealed under key "
                + idB
                + ": tenant_keys 2, deployment_keys 1, meta_apps 2, channels 1, endpoints 1");
    assertEverySealedValueIsUnder(idB);
    assertReadsWith(new CredentialCipher(b), before);
    // The old key alone no longer opens anything.
    assertThatThrownBy(() -> new TenantDirectory(pool, new CredentialCipher(a)).refresh().await())
        .hasMessageContaining("cannot be decrypted");
  }

  @Test
  void withOnlyAWrongKeyTheCliExitsTwoAndChangesNothing() throws Exception {
    setUpUnderA();
    Map<String, String> sealed = sealedValues();

    GatewayProcess.Finished done = rotate("wrong-key", b, List.of());

    assertThat(done.exitCode()).as(done.output()).isEqualTo(2);
    List<String> errors =
        done.output().lines().filter(l -> l.startsWith("sluice: rotate-master-key:")).toList();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0))
        .contains("cannot be opened with any configured master key")
        .contains("nothing was changed")
        .doesNotContain(b.reveal())
        .doesNotContain(a.reveal());
    assertThat(sealedValues()).isEqualTo(sealed);
  }

  @Test
  void theOperatorCallRotatesAndRefusesWithAConflictWhenAValueDoesNotOpen() throws Exception {
    Before before = setUpUnderA();
    int port = FreePorts.find();
    Map<String, String> settings = TestGateways.settings(port, db.name());
    settings.put("security.masterKey", b.reveal());
    settings.put("security.previousMasterKeys", a.reveal());
    Gateway gateway = Gateway.start(TestGateways.config(settings));
    WebClient client = WebClient.create(vertx);
    try {
      HttpResponse<Buffer> rotated = rotateCall(client, port);

      assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(200);
      JsonObject body = rotated.bodyAsJsonObject();
      assertThat(body.getString("masterKeyId"))
          .isEqualTo(new CredentialCipher(b).keys().currentId());
      assertThat(body.getJsonObject("resealed").getMap())
          .containsOnly(
              Map.entry("tenant_keys", 2),
              Map.entry("deployment_keys", 1),
              Map.entry("meta_apps", 2),
              Map.entry("channels", 1),
              Map.entry("endpoints", 1));
      assertReadsWith(new CredentialCipher(b), before);

      // A tenant key wrapped under a key this gateway does not know: nothing may change.
      db.execute("INSERT INTO tenants (id, name) VALUES ('stray', 'Stray')");
      db.execute(
          "INSERT INTO tenant_keys (tenant_id, wrapped) VALUES ('stray', ?)",
          (Object) TenantKeys.wrapNewKey(new CredentialCipher(TestKeys.random()), "stray"));
      Map<String, String> sealed = sealedValues();

      HttpResponse<Buffer> refused = rotateCall(client, port);

      assertThat(refused.statusCode()).isEqualTo(409);
      JsonObject error = refused.bodyAsJsonObject().getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("master_key_mismatch");
      assertThat(error.getString("message")).contains("tenant_keys.wrapped of 'stray'");
      assertThat(sealedValues()).isEqualTo(sealed);
    } finally {
      gateway.close().await();
    }
  }

  private static HttpResponse<Buffer> rotateCall(WebClient client, int port) {
    return client
        .post(port, "127.0.0.1", "/admin/master-key/rotate")
        .putHeader("Authorization", "Bearer " + TestGateways.settings(0, "x").get("admin.token"))
        .send()
        .await();
  }

  private GatewayProcess.Finished rotate(String name, Secret current, List<Secret> previous)
      throws Exception {
    Map<String, String> settings = TestGateways.settings(FreePorts.find(), db.name());
    settings.put("security.masterKey", current.reveal());
    if (!previous.isEmpty()) {
      settings.put(
          "security.previousMasterKeys",
          String.join(",", previous.stream().map(Secret::reveal).toList()));
    }
    return GatewayProcess.run(
        name, List.of("rotate-master-key"), settings, dir, Duration.ofSeconds(60));
  }

  /** Every credential, secret and key reads as it was set up, with {@code cipher}'s keys. */
  private void assertReadsWith(CredentialCipher cipher, Before before) {
    TenantDirectory directory = new TenantDirectory(pool, cipher);
    directory.refresh().await();
    Channel channel = directory.channel("acme-tg").orElseThrow();
    assertThat(channel.credentials().get("botToken").reveal()).isEqualTo("123:bot");
    assertThat(channel.credentials().get("secretToken").reveal()).isEqualTo("tg-secret");
    assertThat(directory.metaApp("app-1").orElseThrow().appSecret().reveal())
        .isEqualTo("app-secret");
    assertThat(directory.metaApp("app-old").orElseThrow().appSecret().reveal())
        .isEqualTo("old-secret");
    assertThat(directory.endpoint("acme").orElseThrow().secret().reveal()).startsWith("whsec_");
    TenantKeys keys = new TenantKeys(pool, cipher);
    assertThat(keys.key("acme").await().open("message:1:body", before.tenantSealed()))
        .isEqualTo(BODY);
    assertThat(keys.key("old").await()).isNotNull();
    assertThat(new PhoneHasher(PhoneIndexKey.load(pool, cipher).await()).hash(PHONE))
        .isEqualTo(before.phoneHash());
    assertThat(db.count("SELECT count(*) FROM deployment_keys")).isEqualTo(1);
  }

  private void assertEverySealedValueIsUnder(String keyId) {
    for (String[] c : SEALED_COLUMNS) {
      assertThat(
              db.count(
                  "SELECT count(*) FROM "
                      + c[0]
                      + " WHERE get_byte("
                      + c[2]
                      + ", 0) <> 2 OR encode(substring("
                      + c[2]
                      + " FROM 2 FOR 8), 'hex') <> ?",
                  keyId))
          .as("values of %s not sealed under key %s", c[0], keyId)
          .isZero();
    }
  }

  /** Every master-sealed value, as hex by table and row. */
  private Map<String, String> sealedValues() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String[] c : SEALED_COLUMNS) {
      for (String id : ids(c[0], c[1])) {
        out.put(
            c[0] + ":" + id,
            HexFormat.of()
                .formatHex(
                    db.bytes("SELECT " + c[2] + " FROM " + c[0] + " WHERE " + c[1] + " = ?", id)));
      }
    }
    return out;
  }

  private List<String> ids(String table, String idColumn) {
    String joined =
        db.text("SELECT coalesce(string_agg(" + idColumn + ", ',' ORDER BY 1), '') FROM " + table);
    return joined.isEmpty() ? List.of() : List.of(joined.split(","));
  }
}
