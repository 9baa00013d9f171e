package dev.sluice.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.TenantDirectory;
import dev.sluice.gateway.tenant.TestDatabase;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * The operator API on a full in-process gateway (real Redis and PostgreSQL). Every secret sent
 * contains {@value #MARK}, so one check per response and per log line proves none comes back.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminRoutesIT {
  private static final String TOKEN = "admin-token-" + UUID.randomUUID();
  private static final String MARK = "S3CR3T";
  private static final AtomicLong NUMBERS = new AtomicLong(System.nanoTime() % 1_000_000_000L);

  private static TestDatabase db;
  private static Secret masterKey;
  private static Gateway gateway;
  private static int port;
  private static Vertx vertx;
  private static WebClient client;
  private static TenantDirectory observer;
  private static ListAppender<ILoggingEvent> logs;
  private static String metaApp;

  @BeforeAll
  static void start() {
    db = TestDatabase.create();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    masterKey = Secret.of(Base64.getEncoder().encodeToString(key));
    logs = new ListAppender<>();
    logs.start();
    rootLogger().addAppender(logs);
    port = freePort();
    gateway = Gateway.start(config(port, TOKEN));
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    // A second directory on the same database: what another gateway instance would see.
    observer = new TenantDirectory(db.pool(vertx), new CredentialCipher(masterKey));
    metaApp = "main-" + shortId();
    assertThat(
            call(
                    HttpMethod.POST,
                    "/admin/meta-apps",
                    new JsonObject()
                        .put("id", metaApp)
                        .put("appSecret", MARK + "-app")
                        .put("verifyToken", MARK + "-verify"))
                .statusCode())
        .isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    try {
      if (gateway != null) {
        gateway.close().await();
      }
      if (vertx != null) {
        vertx.close().await();
      }
    } finally {
      rootLogger().detachAppender(logs);
      db.close();
    }
  }

  @AfterEach
  void nothingSecretWasLogged() {
    List<ILoggingEvent> events;
    synchronized (logs) {
      events = List.copyOf(logs.list);
      logs.list.clear();
    }
    for (ILoggingEvent e : events) {
      String line =
          e.getFormattedMessage()
              + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
      assertThat(line).doesNotContain(MARK).doesNotContain("sk_live_").doesNotContain(TOKEN);
    }
  }

  // ---- listing ----

  /**
   * {@code GET /admin/tenants}: every tenant once, by id, a page at a time; deleted ones left out.
   */
  @Test
  void tenantsAreListedByIdInPages() {
    String prefix = "list-" + shortId() + "-";
    List<String> created = new ArrayList<>();
    for (String suffix : new String[] {"c", "a", "d", "b"}) {
      createTenant(prefix + suffix);
      created.add(prefix + suffix);
    }
    assertThat(call(HttpMethod.DELETE, "/admin/tenants/" + prefix + "d", null).statusCode())
        .isEqualTo(202);

    List<String> seen = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      HttpResponse<Buffer> r =
          get("/admin/tenants?limit=2" + (after == null ? "" : "&after=" + after));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      assertThat(r.getHeader("Cache-Control")).isEqualTo("no-store");
      JsonArray tenants = r.bodyAsJsonObject().getJsonArray("tenants");
      assertThat(tenants.size()).isBetween(1, 2);
      tenants.forEach(t -> seen.add(((JsonObject) t).getString("id")));
      after = r.bodyAsJsonObject().getString("next");
      pages++;
    } while (after != null && pages < 1_000);
    assertThat(seen).isSorted().doesNotHaveDuplicates();
    assertThat(seen.stream().filter(id -> id.startsWith(prefix)))
        .containsExactly(prefix + "a", prefix + "b", prefix + "c");

    JsonObject one =
        get("/admin/tenants?after=" + prefix + "a&limit=1")
            .bodyAsJsonObject()
            .getJsonArray("tenants")
            .getJsonObject(0);
    assertThat(one)
        .isEqualTo(
            new JsonObject()
                .put("id", prefix + "b")
                .put("name", "Acme " + prefix + "b")
                .put("outboundEvents", "all"));

    for (String bad : List.of("limit=0", "limit=501", "after=%00", "page=2")) {
      assertError(get("/admin/tenants?" + bad), 400, "bad_request");
    }
  }

  // ---- authentication ----

  @Test
  void callWithoutTokenIsUnauthorized() {
    HttpResponse<Buffer> response = request(HttpMethod.GET, "/admin/tenants/x", null, null);

    assertError(response, 401, "unauthorized");
  }

  @Test
  void callWithWrongTokenIsUnauthorized() {
    assertError(
        request(HttpMethod.GET, "/admin/tenants/x", TOKEN + "x", null), 401, "unauthorized");
    assertError(
        request(HttpMethod.POST, "/admin/tenants", "nope", tenantBody("t-" + shortId()).encode()),
        401,
        "unauthorized");
  }

  @Test
  void tokenInAnotherSchemeIsUnauthorized() {
    HttpResponse<Buffer> response =
        client
            .request(HttpMethod.GET, port, "127.0.0.1", "/admin/tenants/x")
            .putHeader("Authorization", "Basic " + TOKEN)
            .send()
            .await();

    assertError(response, 401, "unauthorized");
  }

  @Test
  void everyCallIsRefusedWhenNoTokenIsConfigured() {
    int otherPort = freePort();
    Gateway disabled = Gateway.start(config(otherPort, null));
    try {
      for (String token : new String[] {null, TOKEN, ""}) {
        HttpRequest<Buffer> request =
            client.request(HttpMethod.POST, otherPort, "127.0.0.1", "/admin/tenants");
        if (token != null) {
          request.putHeader("Authorization", "Bearer " + token);
        }
        HttpResponse<Buffer> response =
            request.sendBuffer(tenantBody("t-" + shortId()).toBuffer()).await();
        assertError(response, 401, "admin_disabled");
      }
    } finally {
      disabled.close().await();
    }
  }

  // ---- tenants and keys ----

  @Test
  void outboundEventsAreAllByDefaultAndCanBeSetAtCreationOrChangedLater() {
    String plain = "plain-" + shortId();
    assertThat(
            call(HttpMethod.POST, "/admin/tenants", tenantBody(plain))
                .bodyAsJsonObject()
                .getString("outboundEvents"))
        .isEqualTo("all");
    String quiet = "quiet-" + shortId();
    HttpResponse<Buffer> created =
        call(HttpMethod.POST, "/admin/tenants", tenantBody(quiet).put("outboundEvents", "none"));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("outboundEvents")).isEqualTo("none");

    HttpResponse<Buffer> changed =
        call(
            HttpMethod.PATCH,
            "/admin/tenants/" + quiet,
            new JsonObject().put("outboundEvents", "final"));

    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.bodyAsJsonObject().getString("outboundEvents")).isEqualTo("final");
    assertThat(
            call(HttpMethod.GET, "/admin/tenants/" + quiet, null)
                .bodyAsJsonObject()
                .getString("outboundEvents"))
        .isEqualTo("final");
    assertThat(
            db.count(
                "SELECT count(*) FROM tenants WHERE id = ? AND outbound_events = 'final'", quiet))
        .isEqualTo(1);
  }

  @Test
  void aBadOutboundEventsSettingIsRefusedAndChangesNothing() {
    String id = "bad-events-" + shortId();
    assertError(
        call(HttpMethod.POST, "/admin/tenants", tenantBody(id).put("outboundEvents", "some")),
        422,
        "invalid");
    assertThat(db.count("SELECT count(*) FROM tenants WHERE id = ?", id)).isZero();
    call(HttpMethod.POST, "/admin/tenants", tenantBody(id));

    assertError(
        call(HttpMethod.PATCH, "/admin/tenants/" + id, new JsonObject().put("outboundEvents", 3)),
        400,
        "bad_request");
    assertError(
        call(HttpMethod.PATCH, "/admin/tenants/" + id, new JsonObject().put("name", "x")),
        422,
        "invalid");
    assertError(
        call(
            HttpMethod.PATCH,
            "/admin/tenants/nobody-" + shortId(),
            new JsonObject().put("outboundEvents", "none")),
        404,
        "not_found");
    assertThat(
            db.count("SELECT count(*) FROM tenants WHERE id = ? AND outbound_events = 'all'", id))
        .isEqualTo(1);
  }

  @Test
  void optKeywordsAreTheDefaultsUntilSetAndEachListLeftOutIsItsDefault() {
    String id = "kw-" + shortId();
    call(HttpMethod.POST, "/admin/tenants", tenantBody(id));
    JsonObject defaults =
        new JsonObject()
            .put(
                "optOut",
                new JsonArray(List.of("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")))
            .put("optIn", new JsonArray(List.of("START", "UNSTOP", "YES")));
    assertThat(
            call(HttpMethod.GET, "/admin/tenants/" + id, null)
                .bodyAsJsonObject()
                .getJsonObject("optKeywords"))
        .isEqualTo(defaults);

    HttpResponse<Buffer> set =
        call(
            HttpMethod.PUT,
            "/admin/tenants/" + id + "/opt-keywords",
            new JsonObject().put("optOut", new JsonArray().add(" halt ").add("Arrêt").add("HALT")));

    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(200);
    assertThat(set.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject expected =
        new JsonObject()
            .put("optOut", new JsonArray().add("HALT").add("ARRÊT"))
            .put("optIn", defaults.getJsonArray("optIn"));
    assertThat(set.bodyAsJsonObject()).isEqualTo(expected);
    assertThat(
            call(HttpMethod.GET, "/admin/tenants/" + id + "/opt-keywords", null).bodyAsJsonObject())
        .isEqualTo(expected);
    assertThat(
            db.count(
                "SELECT count(*) FROM tenants WHERE id = ? AND opt_out_keywords = '{HALT,ARRÊT}'"
                    + " AND opt_in_keywords IS NULL",
                id))
        .isEqualTo(1);

    HttpResponse<Buffer> off =
        call(
            HttpMethod.PUT,
            "/admin/tenants/" + id + "/opt-keywords",
            new JsonObject().put("optOut", new JsonArray()).put("optIn", new JsonArray()));
    assertThat(off.bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("optOut", new JsonArray()).put("optIn", new JsonArray()));
    HttpResponse<Buffer> reset =
        call(HttpMethod.PUT, "/admin/tenants/" + id + "/opt-keywords", new JsonObject());
    assertThat(reset.bodyAsJsonObject()).isEqualTo(defaults);
  }

  @Test
  void badOptKeywordsAreRefusedAndChangeNothing() {
    String id = "kw-bad-" + shortId();
    call(HttpMethod.POST, "/admin/tenants", tenantBody(id));
    String path = "/admin/tenants/" + id + "/opt-keywords";

    assertError(
        call(HttpMethod.PUT, path, new JsonObject().put("optOut", new JsonArray().add("YES"))),
        422,
        "invalid"); // YES is an opt-in keyword by default
    assertError(
        call(HttpMethod.PUT, path, new JsonObject().put("optOut", new JsonArray().add("stop all"))),
        422,
        "invalid");
    assertError(
        call(HttpMethod.PUT, path, new JsonObject().put("optIn", new JsonArray().add(""))),
        422,
        "invalid");
    assertError(
        call(HttpMethod.PUT, path, new JsonObject().put("optOut", "STOP")), 400, "bad_request");
    assertError(
        call(HttpMethod.PUT, path, new JsonObject().put("optOut", new JsonArray().add(1))),
        400,
        "bad_request");
    assertError(
        call(HttpMethod.PUT, path, new JsonObject().put("stop", new JsonArray())), 422, "invalid");
    assertError(
        call(
            HttpMethod.PUT,
            "/admin/tenants/nobody-" + shortId() + "/opt-keywords",
            new JsonObject()),
        404,
        "not_found");
    assertThat(
            db.count(
                "SELECT count(*) FROM tenants WHERE id = ? AND opt_out_keywords IS NULL"
                    + " AND opt_in_keywords IS NULL",
                id))
        .isEqualTo(1);
  }

  @Test
  void createdTenantGetsAKeyShownOnceAndStoredAsHashOnly() {
    String id = "acme-" + shortId();

    HttpResponse<Buffer> response = call(HttpMethod.POST, "/admin/tenants", tenantBody(id));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("id")).isEqualTo(id);
    assertThat(body.getString("name")).isEqualTo("Acme " + id);
    String apiKey = body.getString("apiKey");
    assertThat(apiKey).matches("sk_live_[A-Za-z0-9_-]{43}");
    assertThat(body.getString("prefix")).isEqualTo(apiKey.substring(8, 16));
    assertThat(
            db.count(
                "SELECT count(*) FROM api_keys WHERE tenant_id = ? AND key_hash = ? AND prefix = ?",
                id,
                sha256(apiKey),
                body.getString("prefix")))
        .isEqualTo(1);
    assertThat(db.count("SELECT count(*) FROM api_keys WHERE starts_with(prefix, 'sk_live_')"))
        .isZero();

    observer.refresh().await();
    assertThat(observer.tenantByApiKey(apiKey).orElseThrow().id()).isEqualTo(id);
    assertThat(loggedLines())
        .contains("[tenant=" + id + ", key=" + body.getString("prefix") + "] tenant created");
  }

  @Test
  void duplicateTenantIsAConflictAndChangesNothing() {
    String id = "dup-" + shortId();
    assertThat(call(HttpMethod.POST, "/admin/tenants", tenantBody(id)).statusCode()).isEqualTo(201);
    long version = directoryVersion();

    HttpResponse<Buffer> response = call(HttpMethod.POST, "/admin/tenants", tenantBody(id));

    assertError(response, 409, "conflict");
    assertThat(message(response)).contains(id);
    assertThat(db.count("SELECT count(*) FROM api_keys WHERE tenant_id = ?", id)).isEqualTo(1);
    assertThat(directoryVersion()).isEqualTo(version);
  }

  @Test
  void tenantIdMustBeLowercaseSlug() {
    for (String bad : new String[] {"Acme", "-acme", "acme_1", "a".repeat(64), ""}) {
      HttpResponse<Buffer> response =
          call(HttpMethod.POST, "/admin/tenants", new JsonObject().put("id", bad).put("name", "A"));
      assertError(response, 422, "invalid");
      assertThat(message(response)).startsWith("id ");
    }
  }

  @Test
  void tenantNeedsAName() {
    HttpResponse<Buffer> response =
        call(HttpMethod.POST, "/admin/tenants", new JsonObject().put("id", "n-" + shortId()));

    assertError(response, 422, "invalid");
    assertThat(message(response)).isEqualTo("name is required");
  }

  @Test
  void garbageBodyIsABadRequest() {
    for (String body : new String[] {"{not json", "[1,2]", "\"text\"", "", "null"}) {
      HttpResponse<Buffer> response = callRaw(HttpMethod.POST, "/admin/tenants", body);
      assertError(response, 400, "bad_request");
    }
  }

  @Test
  void wrongTypesAreABadRequestNamingTheField() {
    HttpResponse<Buffer> response =
        call(HttpMethod.POST, "/admin/tenants", new JsonObject().put("id", 5).put("name", "A"));

    assertError(response, 400, "bad_request");
    assertThat(message(response)).isEqualTo("id must be a string");
  }

  @Test
  void unknownFieldIsInvalid() {
    JsonObject body = tenantBody("u-" + shortId()).put("colour", "blue");

    HttpResponse<Buffer> response = call(HttpMethod.POST, "/admin/tenants", body);

    assertError(response, 422, "invalid");
    assertThat(message(response)).isEqualTo("colour is not a known field");
  }

  @Test
  void newKeyWorksAlongsideTheOldUntilTheOldIsRevoked() {
    String id = "keys-" + shortId();
    String first = createTenant(id);

    HttpResponse<Buffer> added = call(HttpMethod.POST, "/admin/tenants/" + id + "/keys", null);

    assertThat(added.statusCode()).isEqualTo(201);
    String second = added.bodyAsJsonObject().getString("apiKey");
    assertThat(added.bodyAsJsonObject().getString("prefix")).isEqualTo(second.substring(8, 16));
    observer.refresh().await();
    assertThat(observer.tenantByApiKey(first)).isPresent();
    assertThat(observer.tenantByApiKey(second)).isPresent();

    HttpResponse<Buffer> revoked =
        call(HttpMethod.DELETE, "/admin/tenants/" + id + "/keys/" + first.substring(8, 16), null);

    assertThat(revoked.statusCode()).isEqualTo(204);
    assertThat(revoked.bodyAsString()).isNullOrEmpty();
    assertThat(revoked.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(revoked.getHeader("Content-Type")).isNull();
    observer.refresh().await();
    assertThat(observer.tenantByApiKey(first)).isEmpty();
    assertThat(observer.tenantByApiKey(second)).isPresent();
    assertError(
        call(HttpMethod.DELETE, "/admin/tenants/" + id + "/keys/" + first.substring(8, 16), null),
        404,
        "not_found");
    JsonArray keys = get("/admin/tenants/" + id).bodyAsJsonObject().getJsonArray("keys");
    assertThat(keys).hasSize(2);
    assertThat(keys.getJsonObject(0).getString("revokedAt")).isNotNull();
    assertThat(keys.getJsonObject(1).getString("revokedAt")).isNull();
  }

  @Test
  void unknownTenantIsNotFound() {
    String id = "ghost-" + shortId();

    assertError(get("/admin/tenants/" + id), 404, "not_found");
    assertError(call(HttpMethod.POST, "/admin/tenants/" + id + "/keys", null), 404, "not_found");
    assertError(
        call(HttpMethod.DELETE, "/admin/tenants/" + id + "/keys/abcdefgh", null), 404, "not_found");
    assertError(
        call(
            HttpMethod.POST,
            "/admin/tenants/" + id + "/channels",
            validChannel(Provider.TELEGRAM, "tg-" + shortId())),
        404,
        "not_found");
    assertError(
        call(HttpMethod.DELETE, "/admin/tenants/" + id + "/channels/whatever", null),
        404,
        "not_found");
    assertThat(db.count("SELECT count(*) FROM channels WHERE tenant_id = ?", id)).isZero();
  }

  // ---- Meta apps ----

  @Test
  void metaAppIsCreatedOnceAndItsSecretsNeverReturned() {
    String id = "app-" + shortId();
    JsonObject body =
        new JsonObject().put("id", id).put("appSecret", MARK + "1").put("verifyToken", MARK + "2");

    HttpResponse<Buffer> created = call(HttpMethod.POST, "/admin/meta-apps", body);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject()).isEqualTo(new JsonObject().put("id", id));
    assertError(call(HttpMethod.POST, "/admin/meta-apps", body), 409, "conflict");
    observer.refresh().await();
    assertThat(observer.metaApp(id).orElseThrow().appSecret().reveal()).isEqualTo(MARK + "1");
    assertThat(db.count("SELECT count(*) FROM meta_apps WHERE id = ?", id)).isEqualTo(1);
  }

  @Test
  void putReplacesAMetaAppsSecretsOrCreatesIt() {
    String id = "app-" + shortId();
    JsonObject first = new JsonObject().put("appSecret", MARK + "a").put("verifyToken", MARK + "b");
    JsonObject second =
        new JsonObject().put("appSecret", MARK + "c").put("verifyToken", MARK + "d");

    HttpResponse<Buffer> created = call(HttpMethod.PUT, "/admin/meta-apps/" + id, first);
    HttpResponse<Buffer> replaced = call(HttpMethod.PUT, "/admin/meta-apps/" + id, second);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(replaced.statusCode()).isEqualTo(200);
    assertThat(replaced.bodyAsJsonObject()).isEqualTo(new JsonObject().put("id", id));
    observer.refresh().await();
    assertThat(observer.metaApp(id).orElseThrow().appSecret().reveal()).isEqualTo(MARK + "c");
    assertThat(observer.metaApp(id).orElseThrow().verifyToken().reveal()).isEqualTo(MARK + "d");
    assertError(
        call(HttpMethod.PUT, "/admin/meta-apps/" + id, second.copy().put("id", "other")),
        422,
        "invalid");
  }

  @Test
  void metaAppNeedsEverySecret() {
    for (String missing : new String[] {"id", "appSecret", "verifyToken"}) {
      JsonObject body =
          new JsonObject()
              .put("id", "app-" + shortId())
              .put("appSecret", MARK)
              .put("verifyToken", MARK);
      body.remove(missing);
      HttpResponse<Buffer> response = call(HttpMethod.POST, "/admin/meta-apps", body);
      assertError(response, 422, "invalid");
      assertThat(message(response)).isEqualTo(missing + " is required");
    }
  }

  // ---- channels ----

  @ParameterizedTest
  @EnumSource(Provider.class)
  void channelIsCreatedRoutedAndShownWithoutCredentials(Provider provider) {
    String tenant = "ch-" + shortId();
    createTenant(tenant);
    String id = provider.wireName() + "-" + shortId();
    JsonObject body = validChannel(provider, id);

    HttpResponse<Buffer> response =
        call(HttpMethod.POST, "/admin/tenants/" + tenant + "/channels", body);

    assertThat(response.statusCode()).isEqualTo(201);
    JsonObject shown = response.bodyAsJsonObject();
    assertThat(shown.getString("id")).isEqualTo(id);
    assertThat(shown.getString("tenant")).isEqualTo(tenant);
    assertThat(shown.getString("provider")).isEqualTo(provider.wireName());
    assertThat(shown.getString("address")).isEqualTo(body.getString("address"));
    assertThat(shown.getString("metaApp")).isEqualTo(body.getString("metaApp"));
    assertThat(shown.getString("publicUrl")).isEqualTo(body.getString("publicUrl"));
    assertThat(shown.containsKey("credentials")).isFalse();

    observer.refresh().await();
    Channel channel = observer.channel(id).orElseThrow();
    assertThat(channel.tenantId()).isEqualTo(tenant);
    JsonObject credentials = body.getJsonObject("credentials");
    for (String name : credentials.fieldNames()) {
      assertThat(channel.credential(name).reveal()).isEqualTo(credentials.getString(name));
    }
    if (channel.address() != null) {
      assertThat(observer.channelByAddress(provider, channel.address())).contains(channel);
    }

    JsonObject details = get("/admin/tenants/" + tenant).bodyAsJsonObject();
    assertThat(details.getString("id")).isEqualTo(tenant);
    assertThat(details.getJsonArray("channels")).hasSize(1);
    assertThat(details.getJsonArray("channels").getJsonObject(0)).isEqualTo(shown);
  }

  @Test
  void channelKeepsItsLimitsAndAllowList() {
    String tenant = "lim-" + shortId();
    createTenant(tenant);
    JsonObject body =
        validChannel(Provider.INFOBIP, "ib-" + shortId())
            .put("allowedIps", new JsonArray().add("10.0.0.0/8").add("2001:db8::/32"))
            .put(
                "limits",
                new JsonObject()
                    .put("inbound", new JsonObject().put("perPhonePerMinute", 30).put("burst", 0)));

    HttpResponse<Buffer> response =
        call(HttpMethod.POST, "/admin/tenants/" + tenant + "/channels", body);

    assertThat(response.statusCode()).isEqualTo(201);
    JsonObject shown = response.bodyAsJsonObject();
    assertThat(shown.getJsonArray("allowedIps")).containsExactly("10.0.0.0/8", "2001:db8::/32");
    assertThat(shown.getJsonObject("limits")).isEqualTo(body.getJsonObject("limits"));
    observer.refresh().await();
    Channel channel = observer.channel(body.getString("id")).orElseThrow();
    assertThat(channel.inboundLimits().perPhonePerMinute()).isEqualTo(30);
    assertThat(channel.allowedIps().allows("10.9.9.9")).isTrue();
    assertThat(channel.allowedIps().allows("192.0.2.1")).isFalse();
  }

  static Stream<Arguments> requiredFields() {
    Map<Provider, List<String>> required = new HashMap<>();
    List<String> meta = List.of("address", "metaApp", "credentials.accessToken");
    required.put(Provider.WHATSAPP, meta);
    required.put(Provider.MESSENGER, meta);
    required.put(Provider.INSTAGRAM, meta);
    required.put(Provider.TELEGRAM, List.of("credentials.botToken", "credentials.secretToken"));
    required.put(
        Provider.TWILIO,
        List.of("address", "publicUrl", "credentials.accountSid", "credentials.authToken"));
    required.put(
        Provider.INFOBIP,
        List.of(
            "address", "credentials.apiKey", "credentials.baseUrl", "credentials.webhookSecret"));
    required.put(Provider.STANDARD, List.of("credentials.secret"));
    required.put(Provider.SMPP, List.of("smpp", "credentials.systemId", "credentials.password"));
    return required.entrySet().stream()
        .flatMap(e -> e.getValue().stream().map(field -> Arguments.of(e.getKey(), field)));
  }

  @ParameterizedTest(name = "{0} without {1}")
  @MethodSource("requiredFields")
  void missingRequiredFieldIsInvalidNamingItAndWritesNothing(Provider provider, String field) {
    String tenant = "req-" + shortId();
    createTenant(tenant);
    String id = provider.wireName() + "-" + shortId();
    JsonObject body = validChannel(provider, id);
    if (field.startsWith("credentials.")) {
      body.getJsonObject("credentials").remove(field.substring("credentials.".length()));
    } else {
      body.remove(field);
    }
    long version = directoryVersion();

    HttpResponse<Buffer> response =
        call(HttpMethod.POST, "/admin/tenants/" + tenant + "/channels", body);

    assertError(response, 422, "invalid");
    assertThat(message(response)).isEqualTo(field + " is required for " + provider.wireName());
    assertThat(db.count("SELECT count(*) FROM channels WHERE id = ?", id)).isZero();
    assertThat(directoryVersion()).isEqualTo(version);
  }

  @Test
  void channelIdAndProviderAreRequiredAndChecked() {
    String tenant = "idp-" + shortId();
    createTenant(tenant);
    String path = "/admin/tenants/" + tenant + "/channels";

    assertInvalid(path, validChannel(Provider.TELEGRAM, "x").put("id", null), "id is required");
    assertInvalid(
        path,
        validChannel(Provider.TELEGRAM, "bad id!"),
        "id must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$");
    assertInvalid(
        path,
        validChannel(Provider.TELEGRAM, "p-" + shortId()).put("provider", null),
        "provider is required");
    assertInvalid(
        path,
        validChannel(Provider.TELEGRAM, "p-" + shortId()).put("provider", "smoke-signals"),
        "provider must be one of whatsapp, messenger, instagram, telegram, twilio, infobip,"
            + " standard, smpp");
  }

  @Test
  void smppChannelShowsItsSettingsWithTheirDefaults() {
    String tenant = "smpp-" + shortId();
    createTenant(tenant);
    JsonObject body = validChannel(Provider.SMPP, "smpp-" + shortId());
    body.getJsonObject("smpp")
        .put("sourceAddress", new JsonObject().put("address", "+4915112345678"));

    HttpResponse<Buffer> response =
        call(HttpMethod.POST, "/admin/tenants/" + tenant + "/channels", body);

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject().getJsonObject("smpp"))
        .isEqualTo(
            new JsonObject()
                .put("host", "127.0.0.1")
                .put("port", 9)
                .put("tls", false)
                .put("systemType", "")
                .put("bindMode", "transceiver")
                .put("binds", 1)
                .put("windowSize", 10)
                .put(
                    "sourceAddress",
                    new JsonObject().put("address", "4915112345678").put("ton", 1).put("npi", 1)));
    observer.refresh().await();
    Channel channel = observer.channel(body.getString("id")).orElseThrow();
    assertThat(channel.smpp().windowSize()).isEqualTo(10);
    assertThat(channel.smpp().sourceTon()).isEqualTo(1);
  }

  @Test
  void smppSettingsAreCheckedWithMessagesNamingTheField() {
    String tenant = "smppbad-" + shortId();
    createTenant(tenant);
    String path = "/admin/tenants/" + tenant + "/channels";

    assertInvalid(path, smpp(s -> s.remove("host")), "smpp.host is required");
    assertInvalid(
        path,
        smpp(s -> s.put("host", "bad host")),
        "smpp.host must be a host name or an IP address");
    assertInvalid(path, smpp(s -> s.remove("port")), "smpp.port is required");
    assertInvalid(path, smpp(s -> s.put("port", 70_000)), "smpp.port must be 1..65535");
    assertInvalid(path, smpp(s -> s.put("windowSize", 0)), "smpp.windowSize must be 1..1000");
    assertInvalid(path, smpp(s -> s.put("windowSize", 1001)), "smpp.windowSize must be 1..1000");
    assertInvalid(path, smpp(s -> s.put("binds", 33)), "smpp.binds must be 1..32");
    assertInvalid(
        path,
        smpp(s -> s.put("bindMode", "receiver")),
        "smpp.bindMode must be transceiver or transmitter_receiver");
    assertInvalid(
        path,
        smpp(s -> s.put("systemType", "much-too-long-type")),
        "smpp.systemType must be at most 12 ASCII characters");
    assertInvalid(
        path,
        smpp(s -> s.put("sourceAddress", new JsonObject().put("address", "A-sender-far-too-long"))),
        "smpp.sourceAddress.address must be a number of up to 20 digits or an alphanumeric"
            + " sender of up to 11 ASCII characters");
    assertInvalid(
        path,
        smpp(s -> s.put("sourceAddress", new JsonObject().put("address", "Acme").put("ton", 256))),
        "smpp.sourceAddress.ton must be 0..255");
    assertInvalid(path, smpp(s -> s.put("colour", "blue")), "smpp.colour is not a known field");
    JsonObject longPassword = validChannel(Provider.SMPP, "smpp-" + shortId());
    longPassword.getJsonObject("credentials").put("password", "123456789");
    assertInvalid(path, longPassword, "credentials.password must be at most 8 ASCII characters");
    JsonObject misplaced =
        validChannel(Provider.TELEGRAM, "tg-" + shortId()).put("smpp", new JsonObject());
    assertInvalid(path, misplaced, "smpp does not apply to telegram channels");
    JsonObject address = validChannel(Provider.SMPP, "smpp-" + shortId()).put("address", "123");
    assertInvalid(path, address, "address does not apply to smpp channels");
  }

  private JsonObject smpp(java.util.function.Consumer<JsonObject> change) {
    JsonObject body = validChannel(Provider.SMPP, "smpp-" + shortId());
    change.accept(body.getJsonObject("smpp"));
    return body;
  }

  @Test
  void providerSpecificFormatsAreChecked() {
    String tenant = "fmt-" + shortId();
    createTenant(tenant);
    String path = "/admin/tenants/" + tenant + "/channels";

    JsonObject telegram = validChannel(Provider.TELEGRAM, "tg-" + shortId());
    telegram.getJsonObject("credentials").put("secretToken", "has space");
    assertInvalidStartingWith(path, telegram, "credentials.secretToken must be");

    JsonObject twilio =
        validChannel(Provider.TWILIO, "tw-" + shortId()).put("publicUrl", "ftp://x/y");
    assertInvalidStartingWith(path, twilio, "publicUrl must be an absolute");

    JsonObject infobip = validChannel(Provider.INFOBIP, "ib-" + shortId());
    infobip.getJsonObject("credentials").put("baseUrl", "http://api.infobip.com");
    assertInvalidStartingWith(path, infobip, "credentials.baseUrl must be an absolute https URL");

    JsonObject standard = validChannel(Provider.STANDARD, "std-" + shortId());
    standard.getJsonObject("credentials").put("secret", "whsec_not*base64");
    assertInvalidStartingWith(path, standard, "credentials.secret must be base64");

    JsonObject ips =
        validChannel(Provider.INFOBIP, "ib-" + shortId())
            .put("allowedIps", new JsonArray().add("10.0.0.1/8"));
    assertInvalidStartingWith(path, ips, "allowedIps: ");

    JsonObject limits =
        validChannel(Provider.TELEGRAM, "tg-" + shortId())
            .put(
                "limits",
                new JsonObject()
                    .put("inbound", new JsonObject().put("perPhonePerMinute", 0).put("burst", 1)));
    assertInvalid(path, limits, "limits.inbound.perPhonePerMinute must be 1..1000000");

    JsonObject misplaced =
        validChannel(Provider.WHATSAPP, "wa-" + shortId()).put("publicUrl", "https://x/y");
    assertInvalid(path, misplaced, "publicUrl does not apply to whatsapp channels");

    JsonObject unknownCredential = validChannel(Provider.STANDARD, "std-" + shortId());
    unknownCredential.getJsonObject("credentials").put("secert", MARK);
    assertInvalid(
        path,
        unknownCredential,
        "credentials.secert is not a credential of standard (expected secret)");

    assertThat(db.count("SELECT count(*) FROM channels WHERE tenant_id = ?", tenant)).isZero();
  }

  @Test
  void wrongTypesInAChannelAreABadRequest() {
    String tenant = "typ-" + shortId();
    createTenant(tenant);
    String path = "/admin/tenants/" + tenant + "/channels";

    JsonObject credentialNumber = validChannel(Provider.TELEGRAM, "tg-" + shortId());
    credentialNumber.getJsonObject("credentials").put("botToken", 12345);
    assertBadRequest(path, credentialNumber, "credentials.botToken must be a string");
    assertBadRequest(
        path,
        validChannel(Provider.TELEGRAM, "tg-" + shortId()).put("credentials", "x"),
        "credentials must be an object");
    assertBadRequest(
        path,
        validChannel(Provider.INFOBIP, "ib-" + shortId()).put("allowedIps", "10.0.0.0/8"),
        "allowedIps must be an array of strings");
    assertBadRequest(
        path,
        validChannel(Provider.TELEGRAM, "tg-" + shortId())
            .put(
                "limits",
                new JsonObject()
                    .put(
                        "inbound", new JsonObject().put("perPhonePerMinute", 1.5).put("burst", 1))),
        "limits.inbound.perPhonePerMinute must be an integer");
    assertThat(db.count("SELECT count(*) FROM channels WHERE tenant_id = ?", tenant)).isZero();
  }

  @Test
  void unknownMetaAppIsInvalidAndWritesNothing() {
    String tenant = "ma-" + shortId();
    createTenant(tenant);
    String id = "wa-" + shortId();
    JsonObject body = validChannel(Provider.WHATSAPP, id).put("metaApp", "nope-" + shortId());
    long version = directoryVersion();

    HttpResponse<Buffer> response =
        call(HttpMethod.POST, "/admin/tenants/" + tenant + "/channels", body);

    assertError(response, 422, "invalid");
    assertThat(message(response)).startsWith("metaApp 'nope-").endsWith("' does not exist");
    assertThat(db.count("SELECT count(*) FROM channels WHERE id = ?", id)).isZero();
    assertThat(directoryVersion()).isEqualTo(version);
  }

  @Test
  void channelIdIsUniqueAcrossTenants() {
    String first = "one-" + shortId();
    String second = "two-" + shortId();
    createTenant(first);
    createTenant(second);
    String id = "tg-" + shortId();
    assertThat(
            call(
                    HttpMethod.POST,
                    "/admin/tenants/" + first + "/channels",
                    validChannel(Provider.TELEGRAM, id))
                .statusCode())
        .isEqualTo(201);
    long version = directoryVersion();

    HttpResponse<Buffer> response =
        call(
            HttpMethod.POST,
            "/admin/tenants/" + second + "/channels",
            validChannel(Provider.TELEGRAM, id));

    assertError(response, 409, "conflict");
    assertThat(message(response)).contains(id);
    assertThat(db.count("SELECT count(*) FROM channels WHERE tenant_id = ?", second)).isZero();
    assertThat(directoryVersion()).isEqualTo(version);
  }

  @Test
  void providerAddressBelongsToOneChannel() {
    String first = "one-" + shortId();
    String second = "two-" + shortId();
    createTenant(first);
    createTenant(second);
    JsonObject original = validChannel(Provider.WHATSAPP, "wa-" + shortId());
    assertThat(
            call(HttpMethod.POST, "/admin/tenants/" + first + "/channels", original).statusCode())
        .isEqualTo(201);
    String id = "wa-" + shortId();
    JsonObject sameAddress =
        validChannel(Provider.WHATSAPP, id).put("address", original.getString("address"));

    HttpResponse<Buffer> response =
        call(HttpMethod.POST, "/admin/tenants/" + second + "/channels", sameAddress);

    assertError(response, 409, "conflict");
    assertThat(message(response)).startsWith("whatsapp address");
    assertThat(db.count("SELECT count(*) FROM channels WHERE id = ?", id)).isZero();
    JsonObject otherProvider =
        validChannel(Provider.MESSENGER, "ms-" + shortId())
            .put("address", original.getString("address"));
    assertThat(
            call(HttpMethod.POST, "/admin/tenants/" + second + "/channels", otherProvider)
                .statusCode())
        .isEqualTo(201);
  }

  @Test
  void deletedChannelIsGoneEverywhere() {
    String tenant = "del-" + shortId();
    createTenant(tenant);
    String id = "tg-" + shortId();
    call(
        HttpMethod.POST,
        "/admin/tenants/" + tenant + "/channels",
        validChannel(Provider.TELEGRAM, id));
    observer.refresh().await();
    assertThat(observer.channel(id)).isPresent();

    HttpResponse<Buffer> response =
        call(HttpMethod.DELETE, "/admin/tenants/" + tenant + "/channels/" + id, null);

    assertThat(response.statusCode()).isEqualTo(204);
    observer.refresh().await();
    assertThat(observer.channel(id)).isEmpty();
    assertThat(get("/admin/tenants/" + tenant).bodyAsJsonObject().getJsonArray("channels"))
        .isEmpty();
    assertError(
        call(HttpMethod.DELETE, "/admin/tenants/" + tenant + "/channels/" + id, null),
        404,
        "not_found");
  }

  @Test
  void tenantCannotDeleteAnotherTenantsChannel() {
    String owner = "own-" + shortId();
    String other = "oth-" + shortId();
    createTenant(owner);
    createTenant(other);
    String id = "tg-" + shortId();
    call(
        HttpMethod.POST,
        "/admin/tenants/" + owner + "/channels",
        validChannel(Provider.TELEGRAM, id));

    assertError(
        call(HttpMethod.DELETE, "/admin/tenants/" + other + "/channels/" + id, null),
        404,
        "not_found");
    assertThat(db.count("SELECT count(*) FROM channels WHERE id = ?", id)).isEqualTo(1);
  }

  @Test
  void patchRotatesCredentialsAndChangesLimitsKeepingTheRest() {
    String tenant = "pat-" + shortId();
    createTenant(tenant);
    JsonObject body =
        validChannel(Provider.INFOBIP, "ib-" + shortId())
            .put("allowedIps", new JsonArray().add("10.0.0.0/8"));
    String id = body.getString("id");
    String path = "/admin/tenants/" + tenant + "/channels/" + id;
    assertThat(call(HttpMethod.POST, "/admin/tenants/" + tenant + "/channels", body).statusCode())
        .isEqualTo(201);
    long version = directoryVersion();

    HttpResponse<Buffer> response =
        call(
            HttpMethod.PATCH,
            path,
            new JsonObject()
                .put("credentials", new JsonObject().put("apiKey", "ib-rotated" + MARK))
                .put(
                    "limits",
                    new JsonObject()
                        .put("outbound", new JsonObject().put("perSecond", 7).put("burst", 3))));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonObject shown = response.bodyAsJsonObject();
    assertThat(shown.getString("id")).isEqualTo(id);
    assertThat(shown.getString("address")).isEqualTo(body.getString("address"));
    assertThat(shown.getJsonArray("allowedIps")).containsExactly("10.0.0.0/8");
    assertThat(shown.getJsonObject("limits").getJsonObject("outbound").getInteger("perSecond"))
        .isEqualTo(7);
    assertThat(shown.containsKey("credentials")).isFalse();
    assertThat(directoryVersion()).isGreaterThan(version);
    observer.refresh().await();
    Channel channel = observer.channel(id).orElseThrow();
    assertThat(channel.credential("apiKey").reveal()).isEqualTo("ib-rotated" + MARK);
    // The credentials not named are kept.
    assertThat(channel.credential("webhookSecret").reveal())
        .isEqualTo(body.getJsonObject("credentials").getString("webhookSecret"));
    assertThat(channel.outboundLimits().perSecond()).isEqualTo(7);
    assertThat(channel.outboundLimits().burst()).isEqualTo(3);
    JsonObject listed =
        get("/admin/tenants/" + tenant)
            .bodyAsJsonObject()
            .getJsonArray("channels")
            .getJsonObject(0);
    assertThat(listed).isEqualTo(shown);
    // The audit trail names what changed, never a value.
    String details =
        db.text(
            "SELECT details::text FROM audit_log WHERE action = 'channel.updated' AND subject = ?",
            id);
    assertThat(details).contains("credentials", "limits").doesNotContain("rotated");
  }

  @Test
  void patchReplacesAnSmppChannelsSettingsWholeAndKeepsItsCredentials() {
    String tenant = "pats-" + shortId();
    createTenant(tenant);
    JsonObject body = validChannel(Provider.SMPP, "smpp-" + shortId());
    body.getJsonObject("smpp").put("windowSize", 20).put("binds", 2);
    String id = body.getString("id");
    String path = "/admin/tenants/" + tenant + "/channels/" + id;
    assertThat(call(HttpMethod.POST, "/admin/tenants/" + tenant + "/channels", body).statusCode())
        .isEqualTo(201);

    HttpResponse<Buffer> response =
        call(
            HttpMethod.PATCH,
            path,
            new JsonObject()
                .put("smpp", new JsonObject().put("host", "127.0.0.2").put("port", 2775)));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonObject smpp = response.bodyAsJsonObject().getJsonObject("smpp");
    assertThat(smpp.getString("host")).isEqualTo("127.0.0.2");
    // Replaced whole: what the patch leaves out takes its default again.
    assertThat(smpp.getInteger("windowSize")).isEqualTo(10);
    assertThat(smpp.getInteger("binds")).isEqualTo(1);
    observer.refresh().await();
    Channel channel = observer.channel(id).orElseThrow();
    assertThat(channel.smpp().port()).isEqualTo(2775);
    assertThat(channel.credential("password").reveal())
        .isEqualTo(body.getJsonObject("credentials").getString("password"));
    assertError(
        call(
            HttpMethod.PATCH,
            path,
            new JsonObject().put("smpp", new JsonObject().put("host", "x").put("port", 0))),
        422,
        "invalid");
  }

  @Test
  void aBadPatchIsRefusedAndChangesNothing() {
    String tenant = "patx-" + shortId();
    createTenant(tenant);
    JsonObject body = validChannel(Provider.WHATSAPP, "wa-" + shortId());
    String path = "/admin/tenants/" + tenant + "/channels/" + body.getString("id");
    assertThat(call(HttpMethod.POST, "/admin/tenants/" + tenant + "/channels", body).statusCode())
        .isEqualTo(201);
    long version = directoryVersion();
    Map<JsonObject, String> refusals = new LinkedHashMap<>();
    refusals.put(
        new JsonObject().put("provider", "twilio"),
        "provider cannot be changed: create a new channel and delete this one once its queued"
            + " messages are sent");
    refusals.put(
        new JsonObject().put("name", "x"), "name is not a channel field that can be changed");
    refusals.put(
        new JsonObject().put("credentials", new JsonObject().put("botToken", "x")),
        "credentials.botToken is not a credential of whatsapp (expected accessToken)");
    refusals.put(
        new JsonObject().put("credentials", new JsonObject().putNull("accessToken")),
        "credentials.accessToken is required for whatsapp");
    refusals.put(new JsonObject().putNull("metaApp"), "metaApp is required for whatsapp");
    refusals.put(
        new JsonObject()
            .put("limits", new JsonObject().put("outbound", new JsonObject().put("perSecond", 0))),
        "limits.outbound.perSecond must be 1..1000000");
    for (Map.Entry<JsonObject, String> refusal : refusals.entrySet()) {
      HttpResponse<Buffer> response = call(HttpMethod.PATCH, path, refusal.getKey());
      assertError(response, 422, "invalid");
      assertThat(message(response)).as(refusal.getKey().encode()).isEqualTo(refusal.getValue());
    }
    HttpResponse<Buffer> phoneNumber =
        call(HttpMethod.PATCH, path, new JsonObject().put("address", "+15550783881"));
    assertError(phoneNumber, 422, "invalid");
    assertThat(message(phoneNumber)).contains("phone number ID", "API Setup");
    assertError(callRaw(HttpMethod.PATCH, path, "[1]"), 400, "bad_request");
    assertError(
        call(HttpMethod.PATCH, path, new JsonObject().put("credentials", "x")), 400, "bad_request");
    assertError(
        call(HttpMethod.PATCH, "/admin/tenants/" + tenant + "/channels/nope", new JsonObject()),
        404,
        "not_found");
    assertThat(directoryVersion()).isEqualTo(version);
    observer.refresh().await();
    assertThat(
            observer.channel(body.getString("id")).orElseThrow().credential("accessToken").reveal())
        .isEqualTo("EAAG" + MARK);
  }

  @Test
  void aWhatsAppChannelsAddressIsItsPhoneNumberId() {
    String tenant = "waid-" + shortId();
    createTenant(tenant);
    JsonObject body =
        validChannel(Provider.WHATSAPP, "wa-" + shortId()).put("address", "+15550783881");

    HttpResponse<Buffer> response =
        call(HttpMethod.POST, "/admin/tenants/" + tenant + "/channels", body);

    assertError(response, 422, "invalid");
    assertThat(message(response))
        .startsWith("address of a whatsapp channel is its phone number ID (digits only")
        .contains("WhatsApp > API Setup");
  }

  // ---- helpers ----

  private static List<String> loggedLines() {
    synchronized (logs) {
      return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  private JsonObject validChannel(Provider provider, String id) {
    JsonObject body = new JsonObject().put("id", id).put("provider", provider.wireName());
    JsonObject credentials = new JsonObject();
    switch (provider) {
      case WHATSAPP, MESSENGER, INSTAGRAM -> {
        body.put("address", Long.toString(106_540_352_000_000L + NUMBERS.incrementAndGet()));
        body.put("metaApp", metaApp);
        credentials.put("accessToken", "EAAG" + MARK);
      }
      case TELEGRAM -> {
        credentials.put("botToken", "123456:" + MARK);
        credentials.put("secretToken", "tg_" + MARK + "-1");
      }
      case TWILIO -> {
        body.put("address", "+1415" + (5_000_000 + NUMBERS.incrementAndGet() % 4_000_000));
        body.put("publicUrl", "https://gw.example.com/webhooks/twilio/" + id + "?x=1");
        credentials.put("accountSid", "AC" + MARK);
        credentials.put("authToken", "tw" + MARK);
      }
      case INFOBIP -> {
        body.put("address", "4915" + (10_000_000 + NUMBERS.incrementAndGet() % 80_000_000));
        credentials.put("apiKey", "ib" + MARK);
        credentials.put("baseUrl", "https://" + MARK.toLowerCase() + ".api.infobip.com");
        credentials.put("webhookSecret", "wh" + MARK);
      }
      case STANDARD -> credentials.put("secret", "whsec_" + MARK.repeat(4));
      case SMPP -> {
        // Nothing listens there: the gateway's client keeps trying to bind, which is harmless.
        body.put("smpp", new JsonObject().put("host", "127.0.0.1").put("port", 9));
        credentials.put("systemId", "sys" + MARK);
        credentials.put("password", "pw" + MARK);
      }
    }
    return body.put("credentials", credentials);
  }

  private static JsonObject tenantBody(String id) {
    return new JsonObject().put("id", id).put("name", "Acme " + id);
  }

  /** Creates a tenant and returns its API key. */
  private static String createTenant(String id) {
    HttpResponse<Buffer> response = call(HttpMethod.POST, "/admin/tenants", tenantBody(id));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject().getString("apiKey");
  }

  private static HttpResponse<Buffer> get(String path) {
    HttpResponse<Buffer> response = call(HttpMethod.GET, path, null);
    return response;
  }

  private static HttpResponse<Buffer> call(HttpMethod method, String path, JsonObject body) {
    return request(method, path, TOKEN, body == null ? null : body.encode());
  }

  private static HttpResponse<Buffer> callRaw(HttpMethod method, String path, String body) {
    return request(method, path, TOKEN, body);
  }

  private static HttpResponse<Buffer> request(
      HttpMethod method, String path, String token, String body) {
    HttpRequest<Buffer> request = client.request(method, port, "127.0.0.1", path);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    HttpResponse<Buffer> response =
        body == null
            ? request.send().await()
            : request
                .putHeader("Content-Type", "application/json")
                .sendBuffer(Buffer.buffer(body))
                .await();
    String text = response.bodyAsString();
    assertThat(text == null ? "" : text).as("%s %s", method, path).doesNotContain(MARK);
    return response;
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo(code);
  }

  private static String message(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonObject("error").getString("message");
  }

  private static void assertInvalid(String path, JsonObject body, String expected) {
    HttpResponse<Buffer> response = call(HttpMethod.POST, path, body);
    assertError(response, 422, "invalid");
    assertThat(message(response)).isEqualTo(expected);
  }

  private static void assertInvalidStartingWith(String path, JsonObject body, String expected) {
    HttpResponse<Buffer> response = call(HttpMethod.POST, path, body);
    assertError(response, 422, "invalid");
    assertThat(message(response)).startsWith(expected);
  }

  private static void assertBadRequest(String path, JsonObject body, String expected) {
    HttpResponse<Buffer> response = call(HttpMethod.POST, path, body);
    assertError(response, 400, "bad_request");
    assertThat(message(response)).isEqualTo(expected);
  }

  private static long directoryVersion() {
    return db.count("SELECT version FROM directory_version");
  }

  private static GatewayConfig config(int port, String adminToken) {
    Map<String, String> settings = new HashMap<>();
    settings.put("http.host", "127.0.0.1");
    settings.put("http.port", Integer.toString(port));
    settings.put("http.eventLoops", "2");
    settings.putAll(TestBackends.redisSettings());
    settings.put("redis.keyPrefix", TestGateways.keyPrefix(db.name()));
    settings.put("pg.url", db.url());
    settings.put("security.masterKey", masterKey.reveal());
    if (adminToken != null) {
      settings.put("admin.token", adminToken);
    }
    return ConfigLoader.load(settings, Map.of()).config();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  private static Logger rootLogger() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
