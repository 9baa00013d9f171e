package dev.sluice.gateway.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the configuration: the YAML file, then {@code SLUICE_<SECTION>_<KEY>} environment
 * overrides. Problems are reported together ({@link ConfigException}); a key in the file that no
 * setting reads is a problem (a typo must not pass silently), while an unknown {@code SLUICE_*}
 * variable is only a warning, so one environment can serve several versions during a rolling
 * upgrade.
 */
public final class ConfigLoader {

  /** The development master key, used only when none is configured (with a loud warning). */
  static final String DEV_MASTER_KEY =
      Base64.getEncoder()
          .encodeToString("sluice-dev-master-key-NOT-SECRET".getBytes(StandardCharsets.US_ASCII));

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** A loaded configuration and the warnings to log once logging is set up. */
  public record Loaded(GatewayConfig config, List<String> warnings) {}

  private ConfigLoader() {}

  /**
   * Loads and validates.
   *
   * @throws ConfigException listing every problem, each naming its key
   */
  public static Loaded load(Path file, Map<String, String> env) {
    Map<String, String> values;
    try {
      values = flatten(YAML.readTree(Files.readString(file)));
    } catch (NoSuchFileException e) {
      throw new ConfigException(List.of("config file " + file + " does not exist"));
    } catch (JacksonException e) {
      throw new ConfigException(
          List.of("config file " + file + " is not valid YAML: " + e.getOriginalMessage()));
    } catch (IOException e) {
      throw new ConfigException(List.of("config file " + file + " cannot be read: " + e));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(List.of("config file " + file + ": " + e.getMessage()));
    }
    return load(values, env);
  }

  /**
   * Loads from already flattened {@code section.key} values (tests, and {@link #load(Path, Map)}).
   */
  public static Loaded load(Map<String, String> values, Map<String, String> env) {
    Settings s = new Settings(values, env);
    List<String> warnings = new ArrayList<>();

    GatewayConfig.Http http =
        new GatewayConfig.Http(
            s.nonBlank("http.host", "0.0.0.0"),
            s.intIn("http.port", 8080, 0, 65535),
            s.intIn("http.eventLoops", 0, 0, 256),
            s.intIn("http.maxBodyBytes", 1024 * 1024, 1024, 64 * 1024 * 1024),
            s.longIn("http.shutdownGraceMs", 10_000, 0, 600_000),
            s.string("http.publicUrl", ""),
            s.longIn("http.maxImportBytes", 64L * 1024 * 1024, 1024, 1024L * 1024 * 1024));
    if (!http.publicUrl().isEmpty()) {
      checkUrl(s, "http.publicUrl", http.publicUrl(), List.of("http", "https"));
    }

    List<String> redisUrls = s.list("redis.url", List.of("redis://127.0.0.1:6379"));
    s.check(!redisUrls.isEmpty(), "redis.url", "must name at least one server");
    for (String url : redisUrls) {
      checkUrl(s, "redis.url", url, List.of("redis", "rediss", "unix"));
    }
    String redisType = s.oneOf("redis.type", "standalone", List.of("standalone", "cluster"));
    s.check(
        redisType.equals("cluster") || redisUrls.size() <= 1,
        "redis.url",
        "lists several servers, which needs redis.type: cluster");
    String keyPrefix = s.string("redis.keyPrefix", "");
    s.check(
        keyPrefix.matches("[A-Za-z0-9_.:/-]{0,64}"),
        "redis.keyPrefix",
        "must be at most 64 of the characters A-Z a-z 0-9 _ . : / - (a { or } would change the"
            + " cluster slot of the keys), got '"
            + keyPrefix
            + "'");
    GatewayConfig.Redis redis =
        new GatewayConfig.Redis(
            redisUrls,
            redisType.equals("cluster"),
            keyPrefix,
            s.longIn("redis.connectTimeoutMs", 2_000, 1, 600_000),
            s.longIn("redis.commandTimeoutMs", 2_000, 1, 600_000),
            s.intIn("redis.maxPoolSize", 16, 1, 1024),
            s.intIn("redis.maxWaitingHandlers", 4096, 1, 1_000_000));

    GatewayConfig.Postgres pg =
        postgres(
            s,
            s.nonBlank("pg.url", "postgresql://postgres:postgres@127.0.0.1:5432/sluice"),
            s.intIn("pg.maxPoolSize", 8, 1, 1024),
            s.longIn("pg.connectTimeoutMs", 2_000, 1, 600_000),
            s.longIn("pg.directoryPollMs", 500, 50, 600_000));

    GatewayConfig.Startup startup =
        new GatewayConfig.Startup(s.longIn("startup.backendWaitMs", 15_000, 0, 3_600_000));
    GatewayConfig.Log log =
        new GatewayConfig.Log(
            s.oneOf("log.format", "text", List.of("text", "json")),
            s.oneOf("log.level", "info", List.of("trace", "debug", "info", "warn", "error")));
    GatewayConfig.Admin admin = new GatewayConfig.Admin(s.secret("admin.token"));
    if (admin.token().isEmpty()) {
      warnings.add(
          "admin.token (SLUICE_ADMIN_TOKEN) is not set: the operator API (/admin) refuses every call");
    } else {
      s.check(
          admin.token().reveal().length() >= 16, "admin.token", "must be at least 16 characters");
    }

    GatewayConfig.Security security = security(s, warnings);
    GatewayConfig.Health health =
        new GatewayConfig.Health(s.longIn("health.checkTimeoutMs", 1_000, 1, 60_000));
    GatewayConfig.Ingress ingress =
        new GatewayConfig.Ingress(
            s.intIn("ingress.partitions", 16, 1, 1024),
            s.longIn("ingress.dedupTtlSeconds", 7 * 24 * 3600, 60, 90L * 24 * 3600),
            s.intIn("ingress.perPhonePerMinute", 60, 1, 1_000_000),
            s.intIn("ingress.phoneBurst", 20, 0, 1_000_000),
            s.longIn("ingress.maxBacklogPerTenant", 1_000_000, 1, Long.MAX_VALUE),
            s.longIn("ingress.visibilityTimeoutMs", 30_000, 100, 86_400_000),
            s.longIn("ingress.standardToleranceSeconds", 300, 1, 86_400));

    GatewayConfig.Providers providers =
        new GatewayConfig.Providers(
            s.nonBlank("whatsapp.baseUrl", "https://graph.facebook.com"),
            s.nonBlank("whatsapp.apiVersion", "v23.0"),
            s.nonBlank("telegram.baseUrl", "https://api.telegram.org"),
            s.nonBlank("twilio.baseUrl", "https://api.twilio.com"),
            s.longIn("providers.requestTimeoutMs", 10_000, 100, 600_000),
            s.bool("providers.allowHttp", false));
    checkUrl(s, "whatsapp.baseUrl", providers.whatsappBaseUrl(), List.of("http", "https"));
    checkUrl(s, "telegram.baseUrl", providers.telegramBaseUrl(), List.of("http", "https"));
    checkUrl(s, "twilio.baseUrl", providers.twilioBaseUrl(), List.of("http", "https"));
    s.check(
        providers.whatsappApiVersion().matches("v\\d+\\.\\d+"),
        "whatsapp.apiVersion",
        "must look like v23.0, got '" + providers.whatsappApiVersion() + "'");

    GatewayConfig.Smpp smpp =
        new GatewayConfig.Smpp(
            s.longIn("smpp.responseTimeoutMs", 10_000, 100, 120_000),
            s.longIn("smpp.throttleWaitMs", 10_000, 0, 600_000),
            s.longIn("smpp.enquireLinkMs", 30_000, 1_000, 600_000));

    GatewayConfig.Breaker channelBreaker = breaker(s, "dispatch", 10_000, 20, 5, 2);
    GatewayConfig.Dispatch dispatch =
        s.build(
            () ->
                GatewayConfig.Dispatch.builder()
                    .enabled(s.bool("dispatch.enabled", true))
                    .maxAttempts(s.intIn("dispatch.maxAttempts", 10, 1, 1000))
                    .retryBaseMs(s.longIn("dispatch.retryBaseMs", 1_000, 1, 3_600_000))
                    .retryMaxMs(s.longIn("dispatch.retryMaxMs", 300_000, 1, 86_400_000))
                    .breaker(channelBreaker)
                    .claimMs(s.longIn("dispatch.claimMs", 30_000, 100, 3_600_000))
                    .idlePollMs(s.longIn("dispatch.idlePollMs", 50, 1, 60_000))
                    .unitsPerClaim(s.intIn("dispatch.unitsPerClaim", 8, 1, 1000))
                    .messagesPerUnit(s.intIn("dispatch.messagesPerUnit", 16, 1, 1000))
                    .maxBacklogPerTenant(
                        s.longIn("dispatch.maxBacklogPerTenant", 1_000_000, 1, 1_000_000_000))
                    .lingerMs(s.longIn("dispatch.lingerMs", 5, 0, 1_000))
                    .windowRecheckMs(s.longIn("dispatch.windowRecheckMs", 60_000, 1_000, 3_600_000))
                    .build());
    s.check(
        dispatch == null || dispatch.claimMs() > providers.requestTimeoutMs(),
        "dispatch.claimMs",
        "must be longer than providers.requestTimeoutMs, or a partition may be claimed twice");

    GatewayConfig.Breaker tenantBreaker = breaker(s, "delivery", 30_000, 10, 3, 1);
    GatewayConfig.Delivery delivery =
        s.build(
            () ->
                GatewayConfig.Delivery.builder()
                    .enabled(s.bool("delivery.enabled", true))
                    .allowHttp(s.bool("delivery.allowHttp", false))
                    .allowPrivate(s.bool("delivery.allowPrivate", false))
                    .requestTimeoutMs(s.longIn("delivery.requestTimeoutMs", 10_000, 100, 120_000))
                    .maxAgeSeconds(s.longIn("delivery.maxAgeSeconds", 259_200, 1, 2_592_000))
                    .retryBaseMs(s.longIn("delivery.retryBaseMs", 1_000, 1, 3_600_000))
                    .retryMaxMs(s.longIn("delivery.retryMaxMs", 3_600_000, 1, 86_400_000))
                    .concurrencyPerTenant(s.intIn("delivery.concurrencyPerTenant", 4, 1, 256))
                    .breaker(tenantBreaker)
                    .claimMs(s.longIn("delivery.claimMs", 60_000, 100, 3_600_000))
                    .idlePollMs(s.longIn("delivery.idlePollMs", 50, 1, 60_000))
                    .unitsPerClaim(s.intIn("delivery.unitsPerClaim", 16, 1, 1000))
                    .maxUnitsInFlight(s.intIn("delivery.maxUnitsInFlight", 256, 1, 100_000))
                    .secretGraceHours(s.longIn("delivery.secretGraceHours", 24, 0, 720))
                    .replayRetentionHours(s.longIn("delivery.replayRetentionHours", 24, 0, 720))
                    .replayMaxPerPartition(
                        s.intIn("delivery.replayMaxPerPartition", 100_000, 0, 10_000_000))
                    .build());

    GatewayConfig.Ledger ledger =
        new GatewayConfig.Ledger(s.longIn("ledger.claimMs", 60_000, 1_000, 3_600_000));

    GatewayConfig.Campaigns campaigns =
        new GatewayConfig.Campaigns(
            s.bool("campaigns.enabled", true),
            s.intIn("campaigns.maxQueued", 5_000, 10, 1_000_000),
            s.longIn("campaigns.maxUploadBytes", 256L * 1024 * 1024, 1024, 4L * 1024 * 1024 * 1024),
            s.intIn("campaigns.maxFailurePercent", 50, 1, 100),
            s.longIn("campaigns.claimMs", 30_000, 1_000, 3_600_000));

    GatewayConfig.Retention retention =
        new GatewayConfig.Retention(
            s.intIn("retention.historyDays", 365, 1, 36_500),
            s.intIn("retention.bodyDays", 30, 1, 36_500),
            s.intIn("retention.payloadDays", 30, 1, 36_500),
            s.longIn("retention.sweepMinutes", 60, 1, 10_080),
            s.bool("retention.storeBodies", true));

    GatewayConfig.Privacy privacy =
        new GatewayConfig.Privacy(
            s.bool("privacy.enabled", true),
            s.longIn("privacy.pollMs", 1_000, 50, 60_000),
            s.longIn("privacy.claimMs", 60_000, 5_000, 3_600_000),
            s.longIn("privacy.exportTtlHours", 24, 1, 720));

    for (String key : s.unknownFileKeys()) {
      s.check(false, key, "is not a known setting (misspelt? see config/gateway.yaml)");
    }
    for (String name : s.unknownEnv()) {
      warnings.add(name + " matches no setting and is ignored");
    }
    if (!s.problems().isEmpty()) {
      throw new ConfigException(s.problems());
    }
    return new Loaded(
        new GatewayConfig(
            http, redis, pg, startup, log, admin, security, health, ingress, providers, dispatch,
            delivery, ledger, campaigns, retention, privacy, smpp),
        List.copyOf(warnings));
  }

  /**
   * A section's circuit breaker: {@code <section>.breakerOpenMs}, {@code .breakerWindow}, {@code
   * .breakerMinimumCalls}, {@code .breakerFailureRatePercent} and {@code .breakerHalfOpenCalls}.
   */
  private static GatewayConfig.Breaker breaker(
      Settings s, String section, long openMs, int window, int minimumCalls, int halfOpenCalls) {
    GatewayConfig.Breaker breaker =
        s.build(
            section + ".",
            () ->
                new GatewayConfig.Breaker(
                    s.longIn(section + ".breakerOpenMs", openMs, 10, 3_600_000),
                    s.intIn(section + ".breakerWindow", window, 1, 1_000),
                    s.intIn(section + ".breakerMinimumCalls", minimumCalls, 1, 1_000),
                    s.intIn(section + ".breakerFailureRatePercent", 50, 1, 100),
                    s.intIn(section + ".breakerHalfOpenCalls", halfOpenCalls, 1, 100)));
    return breaker != null
        ? breaker
        : new GatewayConfig.Breaker(openMs, window, minimumCalls, 50, halfOpenCalls);
  }

  private static GatewayConfig.Security security(Settings s, List<String> warnings) {
    Secret key = s.secret("security.masterKey");
    List<Secret> previous = new ArrayList<>();
    List<String> items = s.list("security.previousMasterKeys", List.of());
    for (int i = 0; i < items.size(); i++) {
      Secret k = Secret.of(items.get(i));
      checkKey(s, "security.previousMasterKeys", "item " + (i + 1) + " ", k);
      s.check(
          !k.equals(key) && !previous.contains(k),
          "security.previousMasterKeys",
          "item " + (i + 1) + " repeats security.masterKey or an earlier item");
      previous.add(k);
    }
    if (key.isEmpty()) {
      warnings.add(
          "security.masterKey (SLUICE_MASTER_KEY) is not set: provider credentials are encrypted"
              + " with a PUBLIC DEVELOPMENT KEY. Set it to the base64 of 32 random bytes"
              + " (openssl rand -base64 32) before storing real credentials.");
      return new GatewayConfig.Security(Secret.of(DEV_MASTER_KEY), true, previous);
    }
    checkKey(s, "security.masterKey", "", key);
    return new GatewayConfig.Security(key, false, previous);
  }

  /** A master key must be base64 of 32 bytes; a problem never quotes the key. */
  private static void checkKey(Settings s, String setting, String item, Secret key) {
    try {
      byte[] bytes = Base64.getDecoder().decode(key.reveal());
      s.check(
          bytes.length == 32,
          setting,
          item + "must be the base64 of exactly 32 bytes, got " + bytes.length + " bytes");
    } catch (IllegalArgumentException e) {
      s.check(false, setting, item + "must be base64 (openssl rand -base64 32)");
    }
  }

  private static GatewayConfig.Postgres postgres(
      Settings s, String url, int maxPoolSize, long connectTimeoutMs, long directoryPollMs) {
    String host = "127.0.0.1";
    int port = 5432;
    String database = "sluice";
    String user = "postgres";
    String password = "";
    try {
      URI uri = new URI(url);
      if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
        s.check(false, "pg.url", "must start with postgresql://, got '" + mask(url) + "'");
      }
      if (uri.getHost() != null) {
        host = uri.getHost();
      }
      if (uri.getPort() > 0) {
        port = uri.getPort();
      }
      String path = uri.getPath();
      if (path != null && path.length() > 1) {
        database = path.substring(1);
      }
      s.check(
          database.matches("[A-Za-z0-9_]+"),
          "pg.url",
          "database name must be letters, digits and _, got '" + database + "'");
      String userInfo = uri.getRawUserInfo();
      if (userInfo != null) {
        int colon = userInfo.indexOf(':');
        user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
      }
    } catch (Exception e) {
      s.check(false, "pg.url", "is not a valid URL: '" + mask(url) + "'");
    }
    return new GatewayConfig.Postgres(
        host,
        port,
        database,
        user,
        Secret.of(password),
        maxPoolSize,
        connectTimeoutMs,
        directoryPollMs,
        url);
  }

  private static void checkUrl(Settings s, String key, String url, List<String> schemes) {
    try {
      URI uri = new URI(url);
      if (uri.getScheme() == null || !schemes.contains(uri.getScheme())) {
        s.check(
            false, key, "must be a " + String.join("|", schemes) + " URL, got '" + mask(url) + "'");
      } else if (!uri.getScheme().equals("unix") && uri.getHost() == null) {
        s.check(false, key, "has no host: '" + mask(url) + "'");
      }
    } catch (Exception e) {
      s.check(false, key, "is not a valid URL: '" + mask(url) + "'");
    }
  }

  private static String mask(String url) {
    return GatewayConfig.maskUserInfo(url);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** Flattens {@code section: {key: value}} into {@code section.key → value}. */
  static Map<String, String> flatten(JsonNode root) {
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null || root.isNull() || root.isMissingNode()) {
      return out;
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("the top level must be a mapping of sections");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> section = it.next();
      if (section.getValue().isNull()) {
        continue;
      }
      if (!section.getValue().isObject()) {
        throw new IllegalArgumentException(
            "'" + section.getKey() + "' must be a section (a mapping of keys)");
      }
      for (Iterator<Map.Entry<String, JsonNode>> kv = section.getValue().fields(); kv.hasNext(); ) {
        Map.Entry<String, JsonNode> e = kv.next();
        String key = section.getKey() + "." + e.getKey();
        JsonNode v = e.getValue();
        if (v.isNull()) {
          continue;
        }
        if (v.isArray()) {
          List<String> items = new ArrayList<>();
          v.forEach(item -> items.add(item.asText()));
          out.put(key, String.join(",", items));
        } else if (v.isValueNode()) {
          out.put(key, v.asText());
        } else {
          throw new IllegalArgumentException("'" + key + "' must be a value or a list");
        }
      }
    }
    return out;
  }
}
