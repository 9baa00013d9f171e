package dev.sluice.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.tenant.TestDatabase;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The audit trail as the operator sees it, on a full in-process gateway: each audited action leaves
 * exactly one entry naming what it acted on and nothing secret, {@code GET /admin/audit} pages,
 * {@code /admin/audit/verify} finds a changed row, and an action whose entry cannot be written is
 * not done (503). Secrets sent contain {@value #MARK}; no answer of the trail may hold it, an API
 * key, a signing secret or a phone number.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuditRoutesIT {
  private static final String MARK = "S3CR3T";
  private static final String PUBLIC_URL = "https://93.184.216.34/hook?token=" + MARK;
  private static final String SMS_NUMBER = "+14155550123";

  private static TestDatabase db;
  private static Gateway gateway;
  private static String token;
  private static int port;
  private static Vertx vertx;
  private static WebClient client;

  @BeforeAll
  static void start() {
    db = TestDatabase.create();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    port = FreePorts.find();
    Map<String, String> settings = TestGateways.settings(port, db.name());
    settings.put("security.masterKey", Base64.getEncoder().encodeToString(key));
    settings.put("delivery.enabled", "false");
    token = settings.get("admin.token");
    gateway = Gateway.start(TestGateways.config(settings));
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
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
      db.close();
    }
  }

  @Test
  void creatingATenantRecordsTheTenantAndItsFirstKeyButNotTheKey() {
    String tenant = TestBackends.uniqueId("audit");
    long head = head();

    JsonObject created = createTenant(tenant);

    List<JsonObject> entries = entriesSince(head, tenant);
    assertThat(entries)
        .extracting(e -> e.getString("action"))
        .containsExactly("tenant.created", "api_key.issued");
    assertThat(entries.get(0).getString("subject")).isEqualTo(tenant);
    assertThat(entries.get(0).getJsonObject("details"))
        .isEqualTo(new JsonObject().put("name", "Acme " + tenant).put("outboundEvents", "all"));
    assertThat(entries.get(1).getString("subject")).isEqualTo(created.getString("prefix"));
    entries.forEach(e -> assertThat(e.getString("actor")).isEqualTo("operator"));
    assertNothingSecret(entries, created.getString("apiKey"));
  }

  @Test
  void deletingATenantIsRecordedInTheSameTransactionAsTheDeletion() {
    String tenant = TestBackends.uniqueId("audit");
    createTenant(tenant);
    long head = head();

    assertThat(admin(HttpMethod.DELETE, "/admin/tenants/" + tenant, null).statusCode())
        .isEqualTo(202);

    List<JsonObject> entries = entriesSince(head, tenant);
    assertThat(entries).hasSize(1);
    assertEntry(entries.get(0), "operator", "tenant.deleted", tenant, tenant);
    assertThat(verify().getBoolean("ok")).isTrue();
  }

  @Test
  void issuingAndRevokingAKeyLeaveOneEntryEach() {
    String tenant = TestBackends.uniqueId("audit");
    createTenant(tenant);
    long head = head();

    HttpResponse<Buffer> issued =
        admin(HttpMethod.POST, "/admin/tenants/" + tenant + "/keys", null);
    assertThat(issued.statusCode()).isEqualTo(201);
    String apiKey = issued.bodyAsJsonObject().getString("apiKey");
    String prefix = issued.bodyAsJsonObject().getString("prefix");
    List<JsonObject> afterIssue = entriesSince(head, tenant);
    long issuedSeq = afterIssue.get(0).getLong("seq");
    HttpResponse<Buffer> revoked =
        admin(HttpMethod.DELETE, "/admin/tenants/" + tenant + "/keys/" + prefix, null);
    assertThat(revoked.statusCode()).isEqualTo(204);
    List<JsonObject> afterRevoke = entriesSince(issuedSeq, tenant);

    assertThat(afterIssue).hasSize(1);
    assertEntry(afterIssue.get(0), "operator", "api_key.issued", tenant, prefix);
    assertThat(afterIssue.get(0).getJsonObject("details")).isEqualTo(new JsonObject());
    assertThat(afterRevoke).hasSize(1);
    assertEntry(afterRevoke.get(0), "operator", "api_key.revoked", tenant, prefix);
    assertNothingSecret(afterIssue, apiKey);
    assertNothingSecret(afterRevoke, apiKey);
  }

  @Test
  void creatingAndDeletingAChannelLeaveOneEntryEachWithoutCredentialsOrAddress() {
    String tenant = TestBackends.uniqueId("audit");
    createTenant(tenant);
    String channel = TestBackends.uniqueId("sms");
    long head = head();

    HttpResponse<Buffer> created =
        admin(
            HttpMethod.POST,
            "/admin/tenants/" + tenant + "/channels",
            new JsonObject()
                .put("id", channel)
                .put("provider", "twilio")
                .put("address", SMS_NUMBER)
                .put("publicUrl", "https://gw.example.com/webhooks/twilio/" + channel)
                .put(
                    "credentials",
                    new JsonObject().put("accountSid", "AC" + MARK).put("authToken", MARK)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    List<JsonObject> afterCreate = entriesSince(head, tenant);
    long createdSeq = afterCreate.get(0).getLong("seq");
    assertThat(
            admin(HttpMethod.DELETE, "/admin/tenants/" + tenant + "/channels/" + channel, null)
                .statusCode())
        .isEqualTo(204);
    List<JsonObject> afterDelete = entriesSince(createdSeq, tenant);

    assertThat(afterCreate).hasSize(1);
    assertEntry(afterCreate.get(0), "operator", "channel.created", tenant, channel);
    assertThat(afterCreate.get(0).getJsonObject("details").getString("provider"))
        .isEqualTo("twilio");
    assertThat(afterDelete).hasSize(1);
    assertEntry(afterDelete.get(0), "operator", "channel.deleted", tenant, channel);
    assertNothingSecret(afterCreate, null);
    assertNothingSecret(afterDelete, null);
  }

  @Test
  void theTenantsEndpointChangesAreRecordedWithTheTenantAsActorAndTheHostOnly() {
    String tenant = TestBackends.uniqueId("audit");
    String apiKey = createTenant(tenant).getString("apiKey");
    long head = head();

    HttpResponse<Buffer> set =
        tenantCall(apiKey, HttpMethod.PUT, new JsonObject().put("url", PUBLIC_URL));
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(201);
    String secret = set.bodyAsJsonObject().getString("secret");
    List<JsonObject> afterSet = entriesSince(head, tenant);
    long setSeq = afterSet.get(0).getLong("seq");
    assertThat(
            tenantCall(
                    apiKey,
                    HttpMethod.PUT,
                    new JsonObject().put("url", PUBLIC_URL).put("batchSize", 10))
                .statusCode())
        .isEqualTo(200);
    List<JsonObject> afterChange = entriesSince(setSeq, tenant);
    long changedSeq = afterChange.get(0).getLong("seq");
    HttpResponse<Buffer> rotated =
        request(HttpMethod.POST, "/v1/endpoint/rotate-secret", apiKey, null);
    assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(200);
    String newSecret = rotated.bodyAsJsonObject().getString("secret");
    List<JsonObject> afterRotate = entriesSince(changedSeq, tenant);
    long rotatedSeq = afterRotate.get(0).getLong("seq");
    assertThat(tenantCall(apiKey, HttpMethod.DELETE, null).statusCode()).isEqualTo(204);
    List<JsonObject> afterRemove = entriesSince(rotatedSeq, tenant);

    String actor = "tenant:" + tenant;
    assertThat(afterSet).hasSize(1);
    assertEntry(afterSet.get(0), actor, "endpoint.created", tenant, null);
    assertThat(afterSet.get(0).getJsonObject("details"))
        .isEqualTo(new JsonObject().put("host", "93.184.216.34").put("batchSize", 1));
    assertThat(afterChange).hasSize(1);
    assertEntry(afterChange.get(0), actor, "endpoint.changed", tenant, null);
    assertThat(afterChange.get(0).getJsonObject("details").getInteger("batchSize")).isEqualTo(10);
    assertThat(afterRotate).hasSize(1);
    assertEntry(afterRotate.get(0), actor, "endpoint.secret_rotated", tenant, null);
    assertThat(afterRotate.get(0).getJsonObject("details").getString("previousValidUntil"))
        .isEqualTo(rotated.bodyAsJsonObject().getString("previousSecretValidUntil"));
    assertThat(afterRemove).hasSize(1);
    assertEntry(afterRemove.get(0), actor, "endpoint.removed", tenant, null);
    for (List<JsonObject> entries : List.of(afterSet, afterChange, afterRotate, afterRemove)) {
      assertNothingSecret(entries, apiKey);
      assertThat(new JsonArray(entries).encode())
          .doesNotContain(secret.substring(6))
          .doesNotContain(newSecret.substring(6));
    }
  }

  @Test
  void tenantSettingsRetentionAndMetaAppsAreRecordedToo() {
    String tenant = TestBackends.uniqueId("audit");
    createTenant(tenant);
    String app = TestBackends.uniqueId("app");
    JsonObject secrets = new JsonObject().put("appSecret", MARK + "a").put("verifyToken", MARK);
    long head = head();

    admin(
        HttpMethod.PATCH,
        "/admin/tenants/" + tenant,
        new JsonObject().put("outboundEvents", "none"));
    admin(
        HttpMethod.PUT,
        "/admin/tenants/" + tenant + "/opt-keywords",
        new JsonObject().put("optOut", new JsonArray().add("halt")));
    admin(HttpMethod.POST, "/admin/meta-apps", secrets.copy().put("id", app));
    admin(HttpMethod.PUT, "/admin/meta-apps/" + app, secrets);
    admin(
        HttpMethod.PUT,
        "/admin/tenants/" + tenant + "/retention",
        new JsonObject().put("historyDays", 90));
    JsonArray page = auditPage("?after=" + head).getJsonArray("entries");
    List<JsonObject> entries = new ArrayList<>();
    page.forEach(e -> entries.add((JsonObject) e));

    assertThat(entries).hasSize(5);
    assertEntry(entries.get(0), "operator", "tenant.updated", tenant, tenant);
    assertThat(entries.get(0).getJsonObject("details"))
        .isEqualTo(new JsonObject().put("outboundEvents", "none"));
    assertEntry(entries.get(1), "operator", "opt_keywords.changed", tenant, tenant);
    assertThat(entries.get(1).getJsonObject("details"))
        .isEqualTo(new JsonObject().put("optOut", new JsonArray().add("HALT")).putNull("optIn"));
    assertEntry(entries.get(2), "operator", "meta_app.created", null, app);
    assertEntry(entries.get(3), "operator", "meta_app.changed", null, app);
    assertEntry(entries.get(4), "operator", "retention.changed", tenant, tenant);
    assertThat(entries.get(4).getJsonObject("details"))
        .isEqualTo(
            new JsonObject().put("historyDays", 90).putNull("bodyDays").putNull("payloadDays"));
    assertNothingSecret(entries, null);
  }

  @Test
  void pagesFollowOneAnotherWithAfterAndLimit() {
    String tenant = TestBackends.uniqueId("audit");
    createTenant(tenant);
    for (int i = 0; i < 3; i++) {
      admin(HttpMethod.POST, "/admin/tenants/" + tenant + "/keys", null);
    }
    List<JsonObject> all = entriesSince(0, tenant); // tenant.created + 4 × api_key.issued
    assertThat(all).hasSize(5);

    List<Long> paged = new ArrayList<>();
    Object next = 0L;
    int pages = 0;
    while (next != null) {
      JsonObject page = auditPage("?tenant=" + tenant + "&limit=2&after=" + next);
      page.getJsonArray("entries").forEach(e -> paged.add(((JsonObject) e).getLong("seq")));
      next = page.getValue("next");
      pages++;
    }

    assertThat(paged).containsExactlyElementsOf(all.stream().map(e -> e.getLong("seq")).toList());
    assertThat(pages).isEqualTo(3);
    JsonObject first = auditPage("?limit=1");
    assertThat(first.getJsonArray("entries")).hasSize(1);
    assertThat(first.getJsonArray("entries").getJsonObject(0).getLong("seq")).isEqualTo(1);
    assertThat(first.getLong("next")).isEqualTo(1);
    // Each entry links to the one before it.
    JsonObject firstTwo = auditPage("?limit=2");
    JsonArray two = firstTwo.getJsonArray("entries");
    assertThat(two.getJsonObject(0).getString("prevHash")).isEqualTo("0".repeat(64));
    assertThat(two.getJsonObject(1).getString("prevHash"))
        .isEqualTo(two.getJsonObject(0).getString("hash"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "?limit=0",
        "?limit=501",
        "?limit=ten",
        "?limit=",
        "?after=-1",
        "?after=x",
        "?after=99999999999999999999",
        "?tenant=a%20b",
        "?tenant=",
        "?limit=5&limit=6",
        "?from=3"
      })
  void badParametersAre400(String query) {
    HttpResponse<Buffer> response = admin(HttpMethod.GET, "/admin/audit" + query, null);

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("bad_request");
  }

  @Test
  void withoutTheAdminTokenTheTrailIsRefused() {
    for (String path : List.of("/admin/audit", "/admin/audit/verify")) {
      HttpResponse<Buffer> none = request(HttpMethod.GET, path, null, null);
      HttpResponse<Buffer> wrong = request(HttpMethod.GET, path, token + "x", null);

      for (HttpResponse<Buffer> response : List.of(none, wrong)) {
        assertThat(response.statusCode()).as(path).isEqualTo(401);
        assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code"))
            .isEqualTo("unauthorized");
      }
    }
  }

  @Test
  void verifyFindsARowChangedBehindTheServicesBack() {
    String tenant = TestBackends.uniqueId("audit");
    createTenant(tenant);
    JsonObject intact = verify();
    assertThat(intact.getBoolean("ok")).as(intact.encode()).isTrue();
    long seq = entriesSince(0, tenant).get(0).getLong("seq");
    String name = "Acme " + tenant;

    behindTheServicesBack(
        "UPDATE audit_log SET details = jsonb_set(details, '{name}', '\"Evil\"') WHERE seq = ?",
        seq);
    JsonObject broken = verify();
    behindTheServicesBack(
        "UPDATE audit_log SET details = jsonb_set(details, '{name}', to_jsonb(?::text))"
            + " WHERE seq = ?",
        name,
        seq);
    JsonObject repaired = verify();

    assertThat(broken.getBoolean("ok")).isFalse();
    assertThat(broken.getLong("brokenAt")).isEqualTo(seq);
    assertThat(broken.getLong("entries")).isEqualTo(seq - 1);
    assertThat(repaired.getBoolean("ok")).isTrue();
    assertThat(repaired.getLong("entries")).isGreaterThanOrEqualTo(seq + 1);
    assertThat(repaired.getString("lastHash")).hasSize(64);
  }

  @Test
  void anActionWhoseEntryCannotBeWrittenIsNotDone() {
    String tenant = TestBackends.uniqueId("audit");
    String apiKey = createTenant(tenant).getString("apiKey");
    String prefix = keys(tenant).getJsonObject(0).getString("prefix");
    long entries = db.count("SELECT count(*) FROM audit_log");

    db.execute("ALTER TABLE audit_log ADD CONSTRAINT refuse_all CHECK (false) NOT VALID");
    List<HttpResponse<Buffer>> refused = new ArrayList<>();
    try {
      refused.add(admin(HttpMethod.POST, "/admin/tenants/" + tenant + "/keys", null));
      refused.add(admin(HttpMethod.DELETE, "/admin/tenants/" + tenant + "/keys/" + prefix, null));
      refused.add(
          admin(
              HttpMethod.PATCH,
              "/admin/tenants/" + tenant,
              new JsonObject().put("outboundEvents", "none")));
      refused.add(tenantCall(apiKey, HttpMethod.PUT, new JsonObject().put("url", PUBLIC_URL)));
      refused.add(
          admin(
              HttpMethod.PUT,
              "/admin/tenants/" + tenant + "/retention",
              new JsonObject().put("historyDays", 90)));
    } finally {
      db.execute("ALTER TABLE audit_log DROP CONSTRAINT refuse_all");
    }

    for (HttpResponse<Buffer> response : refused) {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(503);
      assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("audit_unavailable");
    }
    JsonObject described =
        admin(HttpMethod.GET, "/admin/tenants/" + tenant, null).bodyAsJsonObject();
    assertThat(described.getJsonArray("keys")).hasSize(1);
    assertThat(described.getJsonArray("keys").getJsonObject(0).getValue("revokedAt")).isNull();
    assertThat(described.getString("outboundEvents")).isEqualTo("all");
    assertThat(
            admin(HttpMethod.GET, "/admin/tenants/" + tenant + "/retention", null)
                .bodyAsJsonObject()
                .getJsonObject("own")
                .getValue("historyDays"))
        .isNull();
    assertThat(tenantCall(apiKey, HttpMethod.GET, null).statusCode())
        .as("still pull mode")
        .isEqualTo(404);
    assertThat(db.count("SELECT count(*) FROM audit_log")).isEqualTo(entries);
    // Once the trail can be written again, so can the change.
    assertThat(admin(HttpMethod.POST, "/admin/tenants/" + tenant + "/keys", null).statusCode())
        .isEqualTo(201);
  }

  private static void assertEntry(
      JsonObject entry, String actor, String action, String tenant, String subject) {
    assertThat(entry.getString("actor")).isEqualTo(actor);
    assertThat(entry.getString("action")).isEqualTo(action);
    assertThat(entry.getString("tenant")).isEqualTo(tenant);
    assertThat(entry.getString("subject")).isEqualTo(subject);
    assertThat(entry.getString("at")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(entry.getString("hash")).matches("[0-9a-f]{64}");
    assertThat(entry.getString("prevHash")).matches("[0-9a-f]{64}");
  }

  /** No credential, API key (nor its secret part), phone number or the admin token. */
  private static void assertNothingSecret(List<JsonObject> entries, String apiKey) {
    String text = new JsonArray(entries).encode();
    assertThat(text)
        .doesNotContain(MARK)
        .doesNotContain("sk_live_")
        .doesNotContain(SMS_NUMBER.substring(1))
        .doesNotContain(token);
    if (apiKey != null) {
      assertThat(text).doesNotContain(apiKey.substring("sk_live_".length()));
    }
  }

  /** The seq of the newest entry, 0 if none. */
  private static long head() {
    return db.count("SELECT coalesce(max(seq), 0) FROM audit_log");
  }

  /** The tenant's entries after {@code after}, through the API. */
  private static List<JsonObject> entriesSince(long after, String tenant) {
    JsonArray entries =
        auditPage("?after=" + after + "&tenant=" + tenant + "&limit=500").getJsonArray("entries");
    List<JsonObject> list = new ArrayList<>();
    entries.forEach(e -> list.add((JsonObject) e));
    return list;
  }

  private static JsonObject auditPage(String query) {
    HttpResponse<Buffer> response = admin(HttpMethod.GET, "/admin/audit" + query, null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
    return response.bodyAsJsonObject();
  }

  private static JsonObject verify() {
    HttpResponse<Buffer> response = admin(HttpMethod.GET, "/admin/audit/verify", null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private static JsonArray keys(String tenant) {
    return admin(HttpMethod.GET, "/admin/tenants/" + tenant, null)
        .bodyAsJsonObject()
        .getJsonArray("keys");
  }

  /** A superuser with DDL rights goes around the triggers, as the migration says one can. */
  private static void behindTheServicesBack(String sql, Object... params) {
    db.execute("ALTER TABLE audit_log DISABLE TRIGGER ALL");
    try {
      db.execute(sql, params);
    } finally {
      db.execute("ALTER TABLE audit_log ENABLE TRIGGER ALL");
    }
  }

  private static JsonObject createTenant(String id) {
    HttpResponse<Buffer> response =
        admin(
            HttpMethod.POST,
            "/admin/tenants",
            new JsonObject().put("id", id).put("name", "Acme " + id));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> admin(HttpMethod method, String path, JsonObject body) {
    return request(method, path, token, body);
  }

  private static HttpResponse<Buffer> tenantCall(
      String apiKey, HttpMethod method, JsonObject body) {
    return request(method, "/v1/endpoint", apiKey, body);
  }

  private static HttpResponse<Buffer> request(
      HttpMethod method, String path, String bearer, JsonObject body) {
    HttpRequest<Buffer> request = client.request(method, port, "127.0.0.1", path);
    if (bearer != null) {
      request.putHeader("Authorization", "Bearer " + bearer);
    }
    return body == null
        ? request.send().await()
        : request.putHeader("Content-Type", "application/json").sendBuffer(body.toBuffer()).await();
  }
}
