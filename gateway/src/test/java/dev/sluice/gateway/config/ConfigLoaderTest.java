package dev.sluice.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @Test
  void shippedConfigFileIsValid() {
    ConfigLoader.Loaded loaded = ConfigLoader.load(Path.of("../config/gateway.yaml"), Map.of());

    GatewayConfig c = loaded.config();
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.redis().urls()).containsExactly("redis://127.0.0.1:6379");
    assertThat(c.pg().database()).isEqualTo("sluice");
    assertThat(c.ingress().dedupTtlSeconds()).isEqualTo(7 * 24 * 3600);
  }

  @Test
  void everyProblemIsReportedTogetherEachNamingItsKey() {
    Map<String, String> file = Map.of("http.port", "99999", "redis.url", "http://localhost:6379");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(2)
                    .anySatisfy(p -> assertThat(p).startsWith("http.port must be 0..65535"))
                    .anySatisfy(p -> assertThat(p).startsWith("redis.url must be a redis")));
  }

  @Test
  void deliveryDefaultsAreSafeAndTheIssuesEnvironmentNamesWork() {
    GatewayConfig.Delivery d = ConfigLoader.load(Map.of(), Map.of()).config().delivery();
    assertThat(d.allowHttp()).isFalse();
    assertThat(d.allowPrivate()).isFalse();
    assertThat(d.maxAgeSeconds()).isEqualTo(3 * 24 * 3600);

    GatewayConfig.Delivery open =
        ConfigLoader.load(
                Map.of(),
                Map.of(
                    "SLUICE_DELIVERY_ALLOW_HTTP", "true", "SLUICE_DELIVERY_ALLOW_PRIVATE", "true"))
            .config()
            .delivery();
    assertThat(open.allowHttp()).isTrue();
    assertThat(open.allowPrivate()).isTrue();

    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of("delivery.requestTimeoutMs", "20000", "delivery.claimMs", "10000"),
                    Map.of()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.problems()).anyMatch(p -> p.startsWith("delivery.claimMs must be")));
  }

  @Test
  void breakersAreConfiguredPerSectionWithTodaysDefaults() {
    GatewayConfig c =
        ConfigLoader.load(
                Map.of("dispatch.breakerWindow", "40", "dispatch.breakerFailureRatePercent", "25"),
                Map.of("SLUICE_DELIVERY_BREAKER_HALF_OPEN_CALLS", "3"))
            .config();

    assertThat(c.dispatch().breaker()).isEqualTo(new GatewayConfig.Breaker(10_000, 40, 5, 25, 2));
    assertThat(c.delivery().breaker()).isEqualTo(new GatewayConfig.Breaker(30_000, 10, 3, 50, 3));
    assertThat(c.dispatch().breaker().toCircuitBreakerConfig().getSlidingWindowSize())
        .isEqualTo(40);
  }

  @Test
  void aRecordRefusesSettingsThatContradictEachOtherNamingTheKey() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(
                        "delivery.breakerWindow", "2",
                        "dispatch.retryBaseMs", "5000",
                        "dispatch.retryMaxMs", "1000",
                        "delivery.requestTimeoutMs", "20000",
                        "delivery.claimMs", "15000"),
                    Map.of()))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .containsExactlyInAnyOrder(
                        "delivery.breakerMinimumCalls must not exceed its breakerWindow",
                        "dispatch.retryMaxMs must not be below retryBaseMs",
                        "delivery.claimMs must be longer than delivery.requestTimeoutMs, or a"
                            + " partition may be claimed twice"));
  }

  @Test
  void environmentOverridesTheFile() {
    Map<String, String> env =
        Map.of(
            "SLUICE_HTTP_PORT", "9090",
            "SLUICE_REDIS_CONNECT_TIMEOUT_MS", "750",
            "SLUICE_PG_URL", "postgresql://app:s3cret@db.internal:6543/gw",
            "SLUICE_ADMIN_TOKEN", "0123456789abcdef0123");

    GatewayConfig c = ConfigLoader.load(Map.of("http.port", "8081"), env).config();

    assertThat(c.http().port()).isEqualTo(9090);
    assertThat(c.redis().connectTimeoutMs()).isEqualTo(750);
    assertThat(c.pg().host()).isEqualTo("db.internal");
    assertThat(c.pg().port()).isEqualTo(6543);
    assertThat(c.pg().database()).isEqualTo("gw");
    assertThat(c.pg().user()).isEqualTo("app");
    assertThat(c.pg().password().reveal()).isEqualTo("s3cret");
    assertThat(c.admin().token().matches("0123456789abcdef0123")).isTrue();
  }

  @Test
  void aliasesNameTheMasterKeyAndPublicUrl() {
    String key = "q8Lq0Jp2m1f6Yw3c5v7b9n0x2z4a6s8d0f2g4h6j8k0=";
    Map<String, String> env =
        Map.of("SLUICE_MASTER_KEY", key, "SLUICE_PUBLIC_URL", "https://hooks.example.com");

    GatewayConfig c = ConfigLoader.load(Map.of(), env).config();

    assertThat(c.security().masterKey().reveal()).isEqualTo(key);
    assertThat(c.security().devMasterKey()).isFalse();
    assertThat(c.http().publicUrl()).isEqualTo("https://hooks.example.com");
  }

  @Test
  void unknownEnvironmentVariableIsOnlyAWarning() {
    ConfigLoader.Loaded loaded =
        ConfigLoader.load(
            Map.of(), Map.of("SLUICE_FUTURE_FEATURE", "on", "SLUICE_TEST_REDIS_URL", "redis://x"));

    assertThat(loaded.warnings()).anyMatch(w -> w.startsWith("SLUICE_FUTURE_FEATURE matches no"));
    assertThat(loaded.warnings()).noneMatch(w -> w.contains("SLUICE_TEST_REDIS_URL"));
  }

  @Test
  void unknownKeyInTheFileIsAnError() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("http.prot", "8080"), Map.of()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "http.prot is not a known setting (misspelt? see config/gateway.yaml)"));
  }

  @Test
  void missingMasterKeyFallsBackToTheDevKeyWithALoudWarning() {
    ConfigLoader.Loaded loaded = ConfigLoader.load(Map.of(), Map.of());

    assertThat(loaded.config().security().devMasterKey()).isTrue();
    assertThat(loaded.warnings()).anyMatch(w -> w.contains("PUBLIC DEVELOPMENT KEY"));
  }

  @Test
  void masterKeyMustBeThirtyTwoBytes() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("SLUICE_MASTER_KEY", "c2hvcnQ=")))
        .hasMessageContaining("security.masterKey must be the base64 of exactly 32 bytes");
  }

  @Test
  void previousMasterKeysAreReadFromAYamlListOrTheEnvironment(@TempDir Path dir) throws Exception {
    String current = key(1);
    String a = key(2);
    String b = key(3);
    assertThat(ConfigLoader.load(Map.of(), Map.of()).config().security().previousMasterKeys())
        .isEmpty();

    Path file = dir.resolve("keys.yaml");
    Files.writeString(
        file,
        "security:\n  masterKey: "
            + current
            + "\n  previousMasterKeys:\n    - "
            + a
            + "\n    - "
            + b
            + "\n");
    GatewayConfig.Security fromFile = ConfigLoader.load(file, Map.of()).config().security();
    assertThat(fromFile.masterKey().reveal()).isEqualTo(current);
    assertThat(fromFile.previousMasterKeys()).extracting(Secret::reveal).containsExactly(a, b);

    GatewayConfig.Security fromEnv =
        ConfigLoader.load(
                Map.of(),
                Map.of("SLUICE_MASTER_KEY", current, "SLUICE_PREVIOUS_MASTER_KEYS", a + ", " + b))
            .config()
            .security();
    assertThat(fromEnv.previousMasterKeys()).extracting(Secret::reveal).containsExactly(a, b);
    assertThat(fromEnv.toString()).doesNotContain(a).doesNotContain(b).doesNotContain(current);
  }

  @Test
  void previousMasterKeysMustBeThirtyTwoBytesEachAndAreNeverQuoted() {
    String current = key(1);
    String shortKey = "c2hvcnQ=";
    String notBase64 = "not*base64*at*all";

    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(
                        "security.masterKey",
                        current,
                        "security.previousMasterKeys",
                        key(2) + "," + shortKey + "," + notBase64 + "," + current),
                    Map.of()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.problems())
                  .containsExactly(
                      "security.previousMasterKeys item 2 must be the base64 of exactly 32 bytes,"
                          + " got 5 bytes",
                      "security.previousMasterKeys item 3 must be base64 (openssl rand -base64"
                          + " 32)",
                      "security.previousMasterKeys item 4 repeats security.masterKey or an"
                          + " earlier item");
              assertThat(String.join("\n", e.problems()))
                  .doesNotContain(shortKey)
                  .doesNotContain(notBase64)
                  .doesNotContain(current);
            });
  }

  private static String key(int fill) {
    byte[] bytes = new byte[32];
    java.util.Arrays.fill(bytes, (byte) fill);
    return java.util.Base64.getEncoder().encodeToString(bytes);
  }

  @Test
  void secretsNeverPrint() {
    GatewayConfig c =
        ConfigLoader.load(
                Map.of("pg.url", "postgresql://app:hunter2@127.0.0.1/gw"),
                Map.of("SLUICE_ADMIN_TOKEN", "very-secret-admin-token"))
            .config();

    assertThat(c.toString()).doesNotContain("hunter2").doesNotContain("very-secret-admin-token");
    assertThat(c.pg().displayUrl()).isEqualTo("postgresql://app:***@127.0.0.1/gw");
  }

  @Test
  void badPasswordInUrlIsNotEchoedInTheProblem() {
    assertThatThrownBy(
            () -> ConfigLoader.load(Map.of("pg.url", "mysql://app:hunter2@h/db"), Map.of()))
        .hasMessageContaining("pg.url must start with postgresql://")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void severalRedisUrlsNeedClusterType() {
    assertThatThrownBy(
            () -> ConfigLoader.load(Map.of("redis.url", "redis://a:1,redis://b:2"), Map.of()))
        .hasMessageContaining("redis.url lists several servers, which needs redis.type: cluster");

    GatewayConfig c =
        ConfigLoader.load(
                Map.of("redis.url", "redis://a:1,redis://b:2", "redis.type", "cluster"), Map.of())
            .config();
    assertThat(c.redis().cluster()).isTrue();
    assertThat(c.redis().urls()).hasSize(2);
  }

  @Test
  void yamlListsAndSyntaxErrorsAreHandled(@TempDir Path dir) throws Exception {
    Path good = dir.resolve("good.yaml");
    Files.writeString(
        good, "redis:\n  type: cluster\n  url:\n    - redis://a:1\n    - redis://b:2\n");
    assertThat(ConfigLoader.load(good, Map.of()).config().redis().urls()).hasSize(2);

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "http:\n  port: [8080\n");
    assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("is not valid YAML");

    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of()))
        .hasMessageContaining("does not exist");
  }

  @Test
  void everySettingIsInTheReadmeTableWithItsEnvironmentName() throws Exception {
    String readme = Files.readString(Path.of("../README.md"));
    Map<String, String> file =
        ConfigLoader.flatten(
            new com.fasterxml.jackson.databind.ObjectMapper(
                    new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(Path.of("../config/gateway.yaml").toFile()));

    assertThat(file).isNotEmpty();
    for (String key : file.keySet()) {
      assertThat(readme).contains("| `" + key + "` | `" + Settings.envName(key) + "` |");
    }
  }

  @Test
  void theRedisKeyPrefixKeepsTodaysKeyNamesByDefaultAndMustNotHoldAHashTag() {
    assertThat(ConfigLoader.load(Map.of(), Map.of()).config().redis().keyPrefix()).isEmpty();
    assertThat(
            ConfigLoader.load(
                    Map.of("redis.keyPrefix", "staging:"),
                    Map.of("SLUICE_REDIS_KEY_PREFIX", "prod-eu:"))
                .config()
                .redis()
                .keyPrefix())
        .isEqualTo("prod-eu:");

    for (String bad : new String[] {"a{b}:", "a}", "with space:", "x".repeat(65)}) {
      assertThatThrownBy(() -> ConfigLoader.load(Map.of("redis.keyPrefix", bad), Map.of()))
          .isInstanceOfSatisfying(
              ConfigException.class,
              e ->
                  assertThat(e.problems())
                      .singleElement()
                      .satisfies(p -> assertThat(p).startsWith("redis.keyPrefix must be")));
    }
  }

  @Test
  void theLedgerClaimIsAMinuteByDefaultAndAtLeastASecond() {
    assertThat(ConfigLoader.load(Map.of(), Map.of()).config().ledger().claimMs()).isEqualTo(60_000);
    assertThat(
            ConfigLoader.load(Map.of(), Map.of("SLUICE_LEDGER_CLAIM_MS", "5000"))
                .config()
                .ledger()
                .claimMs())
        .isEqualTo(5_000);
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("ledger.claimMs", "999"), Map.of()))
        .hasMessageContaining("ledger.claimMs must be 1000..3600000");
  }

  @Test
  void theCampaignClaimIsHalfAMinuteByDefaultAndAtLeastASecond() {
    assertThat(ConfigLoader.load(Map.of(), Map.of()).config().campaigns().claimMs())
        .isEqualTo(30_000);
    assertThat(
            ConfigLoader.load(Map.of(), Map.of("SLUICE_CAMPAIGNS_CLAIM_MS", "3000"))
                .config()
                .campaigns()
                .claimMs())
        .isEqualTo(3_000);
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("campaigns.claimMs", "999"), Map.of()))
        .hasMessageContaining("campaigns.claimMs must be 1000..3600000");
  }

  @Test
  void environmentNamesFollowTheKey() {
    assertThat(Settings.envName("http.port")).isEqualTo("SLUICE_HTTP_PORT");
    assertThat(Settings.envName("redis.connectTimeoutMs"))
        .isEqualTo("SLUICE_REDIS_CONNECT_TIMEOUT_MS");
    assertThat(Settings.envName("security.masterKey")).isEqualTo("SLUICE_MASTER_KEY");
  }
}
