package dev.sluice.gateway.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.GatewayProcess;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.tenant.TestDatabase;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DELETE /admin/tenants/{t}}: the tenant's data key is destroyed at once, every instance
 * drops it within about a second, and in the background every PostgreSQL row and Redis key of it
 * goes, while another tenant's all stay. Sending and pushing are off, so what was queued stays in
 * Redis (messages in several partitions, work-set members) until the purge removes it.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TenantDeletionIT {
  private static final Duration EVENTUALLY = Duration.ofSeconds(60);
  private static final Secret MASTER = TestKeys.random();

  /** Tables with tenant rows, and how a tenant's rows are counted in each. */
  private static final Map<String, String> TENANT_ROWS = new LinkedHashMap<>();

  static {
    TENANT_ROWS.put("tenants", "SELECT count(*) FROM tenants WHERE id = ?");
    TENANT_ROWS.put("tenant_keys", "SELECT count(*) FROM tenant_keys WHERE tenant_id = ?");
    TENANT_ROWS.put("api_keys", "SELECT count(*) FROM api_keys WHERE tenant_id = ?");
    TENANT_ROWS.put("channels", "SELECT count(*) FROM channels WHERE tenant_id = ?");
    TENANT_ROWS.put("endpoints", "SELECT count(*) FROM endpoints WHERE tenant_id = ?");
    TENANT_ROWS.put("campaigns", "SELECT count(*) FROM campaigns WHERE tenant_id = ?");
    TENANT_ROWS.put(
        "campaign_rows",
        "SELECT count(*) FROM campaign_rows r JOIN campaigns c ON c.id = r.campaign_id"
            + " WHERE c.tenant_id = ?");
    TENANT_ROWS.put("messages", "SELECT count(*) FROM messages WHERE tenant_id = ?");
    TENANT_ROWS.put(
        "message_events",
        "SELECT count(*) FROM message_events e JOIN messages m ON m.id = e.message_id"
            + " WHERE m.tenant_id = ?");
    TENANT_ROWS.put("message_bodies", "SELECT count(*) FROM message_bodies WHERE tenant_id = ?");
  }

  @TempDir static Path dir;

  private static IngressHarness h;
  private static TestDatabase db;
  private static Vertx vertx;
  private static Redis redis;

  @BeforeAll
  static void start() {
    h = IngressHarness.start(settings());
    db = TestDatabase.existing(h.database);
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, h.redisOptions());
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().await();
    }
    if (h != null) {
      h.close();
    }
  }

  /**
   * Sending and pushing off (queued work stays in Redis); short claims, so a purge settles fast.
   */
  private static Map<String, String> settings() {
    Map<String, String> s = new HashMap<>();
    s.put("security.masterKey", MASTER.reveal());
    s.put("dispatch.enabled", "false");
    s.put("delivery.enabled", "false");
    s.put("campaigns.enabled", "false");
    s.put("providers.requestTimeoutMs", "1000");
    s.put("dispatch.claimMs", "1500");
    s.put("delivery.requestTimeoutMs", "1000");
    s.put("delivery.claimMs", "1500");
    s.put("delivery.allowHttp", "true");
    s.put("delivery.allowPrivate", "true");
    s.put("ledger.claimMs", "1000");
    s.put("campaigns.claimMs", "1000");
    return s;
  }

  @Test
  void deletionShredsTheKeyAtOnceAndPurgesEverythingOfTheTenantAndNothingElse() throws Exception {
    Tenant gone = populatedTenant("gone");
    Tenant kept = populatedTenant("kept");
    Pool pool = db.pool(vertx);
    byte[] body = "see you at 8".getBytes(StandardCharsets.UTF_8);
    byte[] goneSealed = keysOfAProcessWithTheMasterKey(pool).seal(gone.id(), body);
    byte[] keptSealed = keysOfAProcessWithTheMasterKey(pool).seal(kept.id(), body);
    assertThat(keysOfAProcessWithTheMasterKey(pool).open(gone.id(), goneSealed)).isEqualTo(body);
    Await.until(
        "the ledger to write both tenants' messages",
        EVENTUALLY,
        () -> rows(gone.id()).get("messages") == 6 && rows(kept.id()).get("messages") == 6);
    withHistory(gone);
    withHistory(kept);
    assertThat(rows(gone.id()).get("message_bodies")).as("bodies kept sealed").isEqualTo(6);
    assertThat(eventsOf(gone.messageIds())).isEqualTo(6);
    assertThat(reportsOf(gone.messageIds())).isEqualTo(6);
    assertThat(partitionTags(gone.id()))
        .as("Redis keys in several partitions")
        .hasSizeGreaterThan(1);
    Map<String, Long> keptRows = rows(kept.id());
    Set<String> keptKeys = keysOf(kept.id());
    Set<String> keptWork = workItemsOf(kept);
    assertThat(workItemsOf(gone)).isNotEmpty();
    assertThat(keptWork).isNotEmpty();
    try (OtherInstance other = new OtherInstance()) {
      assertThat(other.endpoint(gone.apiKey()).statusCode()).isEqualTo(200);

      HttpResponse<Buffer> deleted = adminDelete(gone.id());
      long deletedAt = System.nanoTime();

      assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(202);
      assertThat(deleted.bodyAsJsonObject())
          .isEqualTo(new JsonObject().put("tenant", gone.id()).put("status", "deleting"));
      // Crypto-shredding: the key is gone at once; a process with the master key (a new one, so
      // nothing cached) cannot open what was sealed with it, nor make it a new key.
      assertThat(db.count(TENANT_ROWS.get("tenant_keys"), gone.id())).isZero();
      assertThatThrownBy(() -> keysOfAProcessWithTheMasterKey(pool).open(gone.id(), goneSealed))
          .isInstanceOfSatisfying(
              GatewayException.class,
              e -> assertThat(e.kind()).isEqualTo(GatewayException.Kind.NOT_FOUND));
      assertThat(db.count(TENANT_ROWS.get("tenant_keys"), gone.id())).isZero();
      // The instance that deleted it refuses its API key at once, every other within a second.
      assertThat(
              h.client
                  .get("/v1/endpoint")
                  .putHeader("Authorization", "Bearer " + gone.apiKey())
                  .send()
                  .await()
                  .statusCode())
          .isEqualTo(401);
      Await.until(
          "the other instance to refuse the deleted tenant's API key within a second",
          Duration.ofMillis(1_000).minusNanos(System.nanoTime() - deletedAt),
          () -> other.endpoint(gone.apiKey()).statusCode() == 401);
      assertThat(other.endpoint(kept.apiKey()).statusCode()).isEqualTo(200);
      // A repeat while it is being deleted is accepted again.
      assertThat(adminDelete(gone.id()).statusCode()).isEqualTo(202);
    }

    Await.until(
        "no PostgreSQL row and no Redis key of the deleted tenant",
        EVENTUALLY,
        () ->
            rows(gone.id()).values().stream().allMatch(n -> n == 0)
                && keysOf(gone.id()).isEmpty()
                && workItemsOf(gone).isEmpty());
    assertThat(eventsOf(gone.messageIds())).isZero();
    assertThat(reportsOf(gone.messageIds())).isZero();
    assertThat(rows(kept.id())).isEqualTo(keptRows);
    assertThat(eventsOf(kept.messageIds())).isEqualTo(6);
    assertThat(reportsOf(kept.messageIds())).isEqualTo(6);
    assertThat(keysOf(kept.id())).containsAll(keptKeys);
    assertThat(workItemsOf(kept)).isEqualTo(keptWork);
    assertThat(keysOfAProcessWithTheMasterKey(pool).open(kept.id(), keptSealed)).isEqualTo(body);
    assertThat(adminDelete(gone.id()).statusCode()).isEqualTo(404);
    assertThat(adminDelete("never-there").statusCode()).isEqualTo(404);
    pool.close().await();
  }

  @Test
  void aPurgeInterruptedByACrashIsResumedByTheNextInstance() throws Exception {
    try (TestDatabase own = TestDatabase.create()) {
      Map<String, String> settings = TestGateways.settings(FreePorts.find(), own.name());
      settings.putAll(settings());
      GatewayProcess first = GatewayProcess.start("purging", settings, dir);
      first.awaitReady(Duration.ofSeconds(60));
      WebClient client =
          WebClient.create(
              vertx,
              new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(first.port()));
      String tenant = TestBackends.uniqueId("big");
      assertThat(
              admin(
                      client,
                      HttpMethod.POST,
                      "/admin/tenants",
                      new JsonObject().put("id", tenant).put("name", "Big"))
                  .statusCode())
          .isEqualTo(201);
      // Many messages with their history: the purge deletes them a batch at a time.
      int messages = 120_000;
      own.execute(
          "INSERT INTO messages (id, tenant_id, channel_id, provider, recipient, lane, status,"
              + " status_rank, created_at) SELECT gen_random_uuid(), ?, 'c', 'twilio',"
              + " '+14155550000', 'high', 'accepted', 0, now() FROM generate_series(1, ?)",
          tenant,
          messages);
      own.execute(
          "INSERT INTO message_events (message_id, status, at, source, message_created_at)"
              + " SELECT id, 'accepted', now(), 'api', created_at FROM messages WHERE tenant_id = ?",
          tenant);

      assertThat(admin(client, HttpMethod.DELETE, "/admin/tenants/" + tenant, null).statusCode())
          .isEqualTo(202);
      Await.until(
          "the purge to have deleted some of the messages",
          EVENTUALLY,
          () -> own.count("SELECT count(*) FROM messages WHERE tenant_id = ?", tenant) < messages);
      first.kill();
      long left = own.count("SELECT count(*) FROM messages WHERE tenant_id = ?", tenant);
      assertThat(left).as("messages left when the purging gateway died").isPositive();
      assertThat(own.count("SELECT count(*) FROM tenants WHERE id = ?", tenant)).isEqualTo(1);

      settings.put("http.port", Integer.toString(FreePorts.find()));
      GatewayProcess next = GatewayProcess.start("resuming", settings, dir);
      try {
        next.awaitReady(Duration.ofSeconds(60));
        Await.until(
            "the next gateway to finish the purge",
            EVENTUALLY,
            () -> own.count("SELECT count(*) FROM tenants WHERE id = ?", tenant) == 0);
        assertThat(own.count("SELECT count(*) FROM messages WHERE tenant_id = ?", tenant)).isZero();
        assertThat(own.count("SELECT count(*) FROM message_events")).isZero();
      } finally {
        next.close();
      }
    }
  }

  /** A tenant with what the deletion must remove; {@link #messageIds} of its six messages. */
  private record Tenant(String id, String apiKey, String campaignId, List<String> messageIds) {}

  private static Tenant populatedTenant(String name) throws Exception {
    IngressHarness.Tenant t = h.tenant(name);
    String channel = TestBackends.uniqueId(name + "-tw");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "twilio")
            .put("address", "+1555" + (1_000_000 + new SecureRandom().nextInt(8_000_000)))
            .put("publicUrl", "https://hooks.sluice.example/webhooks/twilio/" + channel)
            .put(
                "credentials",
                new JsonObject()
                    .put("accountSid", "AC0123456789abcdef0123456789abcdef")
                    .put("authToken", "tw-auth")));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<Buffer> sent =
          h.client
              .post("/v1/messages")
              .putHeader("Authorization", "Bearer " + t.apiKey())
              .sendJsonObject(
                  new JsonObject()
                      .put("channel", channel)
                      .put("to", String.format("+1415555%04d", i * 37))
                      .put("type", "text")
                      .put("text", "hello " + i))
              .await();
      assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
      ids.add(sent.bodyAsJsonObject().getString("id"));
    }
    HttpResponse<Buffer> endpoint =
        h.client
            .put("/v1/endpoint")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(new JsonObject().put("url", "http://127.0.0.1:9/hook"))
            .await();
    assertThat(endpoint.statusCode()).as(endpoint.bodyAsString()).isEqualTo(201);
    Path csv = Files.createTempFile(dir, "audience", ".csv");
    Files.writeString(csv, "phone\r\n+14155550101\r\n+14155550102\r\n+14155550103\r\n");
    HttpResponse<Buffer> campaign =
        h.client
            .post("/v1/campaigns")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendMultipartForm(
                MultipartForm.create()
                    .attribute(
                        "campaign",
                        new JsonObject()
                            .put("name", "spring")
                            .put("channel", channel)
                            .put("message", new JsonObject().put("text", "Hi"))
                            .encode())
                    .textFileUpload("audience", "audience.csv", csv.toString(), "text/csv"))
            .await();
    assertThat(campaign.statusCode()).as(campaign.bodyAsString()).isEqualTo(201);
    String campaignId = campaign.bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> paused =
        h.client
            .post("/v1/campaigns/" + campaignId + "/pause")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .send()
            .await();
    assertThat(paused.statusCode()).as(paused.bodyAsString()).isEqualTo(200);
    return new Tenant(t.id(), t.apiKey(), campaignId, ids);
  }

  /** Tenant data sealed and opened as another process holding the master key would. */
  private record ProcessKeys(TenantKeys keys) {
    byte[] seal(String tenant, byte[] value) {
      return keys.key(tenant).await().seal("message:1:body", value);
    }

    byte[] open(String tenant, byte[] sealed) {
      return keys.key(tenant).await().open("message:1:body", sealed);
    }
  }

  /** A new {@link TenantKeys}: nothing cached, only PostgreSQL and the master key. */
  private static ProcessKeys keysOfAProcessWithTheMasterKey(Pool pool) {
    return new ProcessKeys(new TenantKeys(pool, new CredentialCipher(MASTER)));
  }

  /**
   * Gives each of the tenant's messages a history row and a provider report matched to it, as
   * sending them would have (sending is off here).
   */
  private static void withHistory(Tenant t) {
    db.execute("UPDATE messages SET provider_message_id = 'pm-' || id WHERE tenant_id = ?", t.id());
    db.execute(
        "INSERT INTO message_events (message_id, status, at, source, message_created_at)"
            + " SELECT id, 'sent', now(), 'dispatcher', created_at FROM messages WHERE tenant_id = ?",
        t.id());
    db.execute(
        "INSERT INTO provider_statuses (provider, provider_message_id, status, status_rank, at)"
            + " SELECT provider, provider_message_id, 'delivered', 4, now() FROM messages"
            + " WHERE tenant_id = ?",
        t.id());
  }

  /** The provider reports matched to these messages, whatever became of the messages. */
  private static long reportsOf(List<String> messageIds) {
    return db.count(
        "SELECT count(*) FROM provider_statuses WHERE provider_message_id = ANY(?)",
        (Object) messageIds.stream().map(id -> "pm-" + id).toArray(String[]::new));
  }

  /** The history rows of these messages, whatever became of the messages. */
  private static long eventsOf(List<String> messageIds) {
    return db.count(
        "SELECT count(*) FROM message_events WHERE message_id::text = ANY(?)",
        (Object) messageIds.toArray(new String[0]));
  }

  /** The tenant's rows per table. */
  private static Map<String, Long> rows(String tenant) {
    Map<String, Long> out = new LinkedHashMap<>();
    TENANT_ROWS.forEach((table, sql) -> out.put(table, db.count(sql, tenant)));
    return out;
  }

  /** Every Redis key tagged with the tenant, on every node. */
  private static Set<String> keysOf(String tenant) {
    String tagged = h.keyPrefix() + "{t:" + tenant;
    Set<String> out = new TreeSet<>();
    for (String url : h.redisUrl().split(",")) {
      Redis node = Redis.createClient(vertx, url);
      try {
        String cursor = "0";
        do {
          Response r =
              node.send(
                      Request.cmd(Command.SCAN)
                          .arg(cursor)
                          .arg("MATCH")
                          .arg(h.keyPrefix() + "*")
                          .arg("COUNT")
                          .arg(1000))
                  .await();
          cursor = r.get(0).toString();
          r.get(1)
              .forEach(
                  k -> {
                    String key = k.toString();
                    if (key.startsWith(tagged + ":") || key.startsWith(tagged + "}")) {
                      out.add(key);
                    }
                  });
        } while (!cursor.equals("0"));
      } finally {
        node.close().await();
      }
    }
    return out;
  }

  /** The hash tags of the tenant's partitions that hold keys. */
  private static Set<String> partitionTags(String tenant) {
    Set<String> tags = new TreeSet<>();
    for (String key : keysOf(tenant)) {
      String tag = key.substring(key.indexOf('{'), key.indexOf('}') + 1);
      if (tag.startsWith("{t:" + tenant + ":")) {
        tags.add(tag);
      }
    }
    return tags;
  }

  /** The tenant's members of the work sets and of the campaign holds. */
  private static Set<String> workItemsOf(Tenant t) {
    Set<String> out = new TreeSet<>();
    for (String set : List.of("{dispatch}:work", "{delivery}:work", "{campaign}:work")) {
      Response members =
          redis.send(Request.cmd(Command.ZRANGE).arg(h.keyPrefix() + set).arg(0).arg(-1)).await();
      members.forEach(
          m -> {
            String member = m.toString();
            if (member.startsWith(t.id() + ":") || member.equals(t.campaignId())) {
              out.add(set + " " + member);
            }
          });
    }
    Response held =
        redis
            .send(
                Request.cmd(Command.HEXISTS)
                    .arg(h.keyPrefix() + "{campaigns}:held")
                    .arg(t.campaignId()))
            .await();
    if (held.toInteger() == 1) {
      out.add("{campaigns}:held " + t.campaignId());
    }
    return out;
  }

  private static HttpResponse<Buffer> adminDelete(String tenant) {
    return admin(h.client, HttpMethod.DELETE, "/admin/tenants/" + tenant, null);
  }

  private static HttpResponse<Buffer> admin(
      WebClient client, HttpMethod method, String path, JsonObject body) {
    var request =
        client
            .request(method, path)
            .putHeader("Authorization", "Bearer " + IngressHarness.ADMIN_TOKEN);
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  /** A second instance on the same database and Redis namespace. */
  private static final class OtherInstance implements AutoCloseable {
    private final int port = FreePorts.find();
    private final dev.sluice.gateway.Gateway gateway =
        h.anotherInstance(Map.of("http.port", Integer.toString(port)));
    private final WebClient client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));

    /** An authenticated call: its push endpoint (both tenants are in push mode). */
    HttpResponse<Buffer> endpoint(String apiKey) {
      return client
          .get("/v1/endpoint")
          .putHeader("Authorization", "Bearer " + apiKey)
          .send()
          .await();
    }

    @Override
    public void close() {
      client.close();
      gateway.close().await();
    }
  }
}
