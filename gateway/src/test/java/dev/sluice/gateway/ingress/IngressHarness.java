package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.MutableClock;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A gateway started in-process on the real backends, driven only through its HTTP APIs: the
 * operator API to create tenants and channels, the webhooks, and the tenant pull API.
 */
public final class IngressHarness implements AutoCloseable {
  public static final String ADMIN_TOKEN = "test-admin-token-0123456789";

  public final MutableClock clock = MutableClock.system();
  public final String database = TestBackends.uniqueId("sluice_in").replace('-', '_');
  private final Map<String, String> settings;
  private final Gateway gateway;
  private final Vertx vertx;
  public final WebClient client;

  private IngressHarness(Map<String, String> overrides) {
    int port = FreePorts.find();
    settings = TestGateways.settings(port, database);
    settings.putAll(overrides);
    gateway = Gateway.start(TestGateways.config(settings), clock);
    vertx = Vertx.vertx();
    client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /** The tenant partition a recipient's messages and events go to (E.164 digits, no {@code +}). */
  public int partition(String recipientDigits) {
    return PhoneHasher.partition(
        new PhoneHasher(gateway.config().security().masterKey()).hash(recipientDigits),
        gateway.config().ingress().partitions());
  }

  /** The keyed hash this gateway computes for an end user (E.164 digits, no {@code +}). */
  public String phoneHash(String recipientDigits) {
    return new PhoneHasher(gateway.config().security().masterKey()).hash(recipientDigits);
  }

  /** Starts a gateway with the test settings plus {@code overrides}. */
  public static IngressHarness start(Map<String, String> overrides) {
    return new IngressHarness(overrides);
  }

  public static IngressHarness start() {
    return start(Map.of());
  }

  @Override
  public void close() throws Exception {
    try {
      gateway.close().await();
      vertx.close().await();
    } finally {
      TestGateways.dropDatabase(database);
    }
  }

  /** Where this gateway serves HTTP ({@code http://127.0.0.1:<port>}). */
  public String baseUrl() {
    return "http://127.0.0.1:" + settings.get("http.port");
  }

  /** The Redis URL this gateway uses (on a cluster, its nodes' URLs joined with commas). */
  public String redisUrl() {
    return settings.get("redis.url");
  }

  /** Client options for the Redis this gateway uses (a single server or a cluster). */
  public RedisOptions redisOptions() {
    boolean cluster = "cluster".equals(settings.get("redis.type"));
    return new RedisOptions()
        .setType(cluster ? RedisClientType.CLUSTER : RedisClientType.STANDALONE)
        .setEndpoints(List.of(redisUrl().split(",")));
  }

  /** The namespace of this gateway's Redis keys ({@code redis.keyPrefix}). */
  public String keyPrefix() {
    return settings.get("redis.keyPrefix");
  }

  /** The gateway's own Vert.x (a test may make its event loops wait). */
  public Vertx gatewayVertx() {
    return gateway.vertx();
  }

  /**
   * Starts another gateway instance on the same Redis and database (with its own port and the given
   * overrides); the caller closes it.
   */
  public Gateway anotherInstance(Map<String, String> overrides) {
    Map<String, String> s = new java.util.HashMap<>(settings);
    s.put("http.port", Integer.toString(FreePorts.find()));
    s.putAll(overrides);
    return Gateway.start(TestGateways.config(s), clock);
  }

  // ---- operator API ----

  public JsonObject admin(HttpMethod method, String path, JsonObject body) {
    HttpResponse<Buffer> r =
        client
            .request(method, path)
            .putHeader("Authorization", "Bearer " + ADMIN_TOKEN)
            .sendBuffer(body == null ? Buffer.buffer() : body.toBuffer())
            .await();
    assertThat(r.statusCode()).as("%s %s → %s", method, path, r.bodyAsString()).isBetween(200, 299);
    return r.body() == null || r.body().length() == 0 ? new JsonObject() : r.bodyAsJsonObject();
  }

  /** Creates a tenant with a fresh id; returns {id, apiKey}. */
  public Tenant tenant(String prefix) {
    String id = TestBackends.uniqueId(prefix);
    JsonObject r =
        admin(HttpMethod.POST, "/admin/tenants", new JsonObject().put("id", id).put("name", id));
    return new Tenant(id, r.getString("apiKey"));
  }

  public record Tenant(String id, String apiKey) {}

  public void metaApp(String id, String appSecret, String verifyToken) {
    admin(
        HttpMethod.POST,
        "/admin/meta-apps",
        new JsonObject().put("id", id).put("appSecret", appSecret).put("verifyToken", verifyToken));
  }

  /** Creates a channel; {@code body} must carry id, provider and the provider's fields. */
  public void channel(String tenantId, JsonObject body) {
    admin(HttpMethod.POST, "/admin/tenants/" + tenantId + "/channels", body);
  }

  /** A tenant with one WhatsApp channel: what the dispatch and campaign tests send through. */
  public record WhatsAppLine(Tenant tenant, String channel, String phoneNumberId) {}

  /**
   * Creates a tenant (id from {@code name}) with one WhatsApp channel of the Meta app {@code app},
   * a fresh phone number id, and these outbound limits ({@code null}: the provider's defaults).
   */
  public WhatsAppLine whatsAppLine(String name, String app, JsonObject outboundLimits) {
    Tenant t = tenant(name);
    String phoneNumberId = "8" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String channel = TestBackends.uniqueId(name + "-wa");
    JsonObject body =
        new JsonObject()
            .put("id", channel)
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-" + name));
    if (outboundLimits != null) {
      body.put("limits", new JsonObject().put("outbound", outboundLimits));
    }
    channel(t.id(), body);
    return new WhatsAppLine(t, channel, phoneNumberId);
  }

  // ---- webhooks ----

  public HttpResponse<Buffer> post(String path, MultiMap headers, byte[] body) {
    HttpRequest<Buffer> req = client.post(path);
    req.putHeaders(headers);
    return req.sendBuffer(Buffer.buffer(body)).await();
  }

  /** POSTs a Meta webhook signed with {@code appSecret}. */
  public HttpResponse<Buffer> postMeta(String app, String appSecret, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return post(
        "/webhooks/meta/" + app,
        MultiMap.caseInsensitiveMultiMap()
            .add("Content-Type", "application/json")
            .add("X-Hub-Signature-256", "sha256=" + hmacHex(appSecret, body)),
        body);
  }

  public static String hmacHex(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return java.util.HexFormat.of().formatHex(mac.doFinal(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- tenant pull API ----

  public HttpResponse<Buffer> pullResponse(String apiKey, String query) {
    return client
        .get("/v1/events" + query)
        .putHeader("Authorization", "Bearer " + apiKey)
        .send()
        .await();
  }

  public JsonArray pull(String apiKey, String lane, int max) {
    HttpResponse<Buffer> r = pullResponse(apiKey, "?max=" + max + "&lane=" + lane);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getJsonArray("events");
  }

  public int ack(String apiKey, JsonArray events) {
    JsonArray ids = new JsonArray();
    events.forEach(e -> ids.add(((JsonObject) e).getString("id")));
    HttpResponse<Buffer> r =
        client
            .post("/v1/events/ack")
            .putHeader("Authorization", "Bearer " + apiKey)
            .sendJsonObject(new JsonObject().put("ids", ids))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getInteger("acknowledged");
  }

  /** Pulls and acknowledges everything in a lane; returns what was there. */
  public JsonArray drain(String apiKey, String lane) {
    JsonArray all = new JsonArray();
    while (true) {
      JsonArray batch = pull(apiKey, lane, 1000);
      if (batch.isEmpty()) {
        return all;
      }
      ack(apiKey, batch);
      batch.forEach(all::add);
    }
  }

  /** The sender's profile name in {@link #whatsappText}. */
  public static final String PROFILE_NAME = "Sheena Nelson";

  /** A WhatsApp inbound text webhook body for one message, with the sender's profile. */
  public static String whatsappText(String phoneNumberId, String from, String wamid, String text) {
    return new JsonObject()
        .put("object", "whatsapp_business_account")
        .put(
            "entry",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("id", "102290129340398")
                        .put(
                            "changes",
                            new JsonArray()
                                .add(
                                    new JsonObject()
                                        .put("field", "messages")
                                        .put(
                                            "value",
                                            new JsonObject()
                                                .put("messaging_product", "whatsapp")
                                                .put(
                                                    "metadata",
                                                    new JsonObject()
                                                        .put("display_phone_number", "15550783881")
                                                        .put("phone_number_id", phoneNumberId))
                                                .put(
                                                    "contacts",
                                                    new JsonArray()
                                                        .add(
                                                            new JsonObject()
                                                                .put("wa_id", from)
                                                                .put(
                                                                    "profile",
                                                                    new JsonObject()
                                                                        .put(
                                                                            "name", PROFILE_NAME))))
                                                .put(
                                                    "messages",
                                                    new JsonArray()
                                                        .add(
                                                            new JsonObject()
                                                                .put("from", from)
                                                                .put("id", wamid)
                                                                .put("timestamp", "1749416383")
                                                                .put("type", "text")
                                                                .put(
                                                                    "text",
                                                                    new JsonObject()
                                                                        .put("body", text)))))))))
        .encode();
  }
}
