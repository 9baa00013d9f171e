package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.gateway.http.ErrorResponses;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Property-style fuzzing of every webhook endpoint, the pull API and the operator API over real
 * HTTP, with a fixed seed so that a failure reproduces. Bodies: random bytes, truncated,
 * bit-flipped and type-confused fixtures, invalid UTF-8, deep nesting, huge strings, empty, over
 * the size limit. Headers: random, near-miss and duplicated signatures, wrong content types, long
 * values. Odd paths, queries and methods. A share of webhook requests is correctly signed over its
 * garbage, so the parsers behind the signature check get the garbage too.
 *
 * <p>The properties: no 5xx, ever; every error is {@code {"error":{"code","message"}}} JSON; and
 * the fuzzed tenant's queue holds no more events than the 200 answers claimed (an answer's {@code
 * events} counts duplicates too, which are not enqueued twice, so the drain may be smaller, never
 * larger).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WebhookFuzzIT {
  /** Fixed so that a failure reproduces; a failure's description names the request. */
  private static final long SEED = 0x5_1CE_F022L;

  private static final int WEBHOOK_REQUESTS = 4_000;
  private static final int API_REQUESTS = 2_000;
  private static final int BATCH = 48;
  private static final int MAX_BODY_BYTES = 64 * 1024;

  private static final String META_SECRET = "fuzz-meta-app-secret";
  private static final String VERIFY_TOKEN = "fuzz-verify-token";
  private static final String TELEGRAM_SECRET = "fuzz_Telegram-secret_0123456789";
  private static final String TWILIO_TOKEN = "fuzz-twilio-auth-token";
  private static final String INFOBIP_SECRET = "fuzz-infobip-secret";
  private static final String STANDARD_SECRET =
      "whsec_" + Base64.getEncoder().encodeToString(bytes("fuzz-standard-secret-bytes"));

  private static final List<String> SOURCES =
      List.of("meta", "telegram", "twilio", "twilio-json", "infobip", "standard");

  private static final Map<String, List<byte[]>> FIXTURES =
      Map.of(
          "meta",
          fixtures(
              "meta/whatsapp-text.json",
              "meta/whatsapp-batch.json",
              "meta/whatsapp-image.json",
              "meta/whatsapp-interactive.json",
              "meta/whatsapp-statuses.json",
              "meta/messenger.json",
              "meta/instagram.json"),
          "telegram",
          fixtures(
              "telegram/message.json",
              "telegram/photo.json",
              "telegram/callback-query.json",
              "telegram/channel-post.json",
              "telegram/edited-message.json",
              "telegram/my-chat-member.json",
              "telegram/big-chat-id.json"),
          "twilio",
          fixtures(
              "twilio/sms-inbound.form",
              "twilio/status-delivered.form",
              "twilio/status-undelivered.form",
              "twilio/whatsapp-inbound.form"),
          "twilio-json",
          fixtures("twilio/status-sent.json"),
          "infobip",
          fixtures(
              "infobip/mo.json",
              "infobip/dlr-v2.json",
              "infobip/dlr-v3.json",
              "infobip/dlr-bulk.json"),
          "standard",
          fixtures("standard/message-received.json", "standard/status-updated.json"));

  private static final List<String> CONTENT_TYPES =
      List.of(
          "application/json",
          "application/json; charset=utf-16",
          "APPLICATION/JSON",
          "application/x-www-form-urlencoded",
          "application/x-www-form-urlencoded; charset=iso-8859-1",
          "multipart/form-data; boundary=----fuzz",
          "multipart/form-data",
          "text/plain",
          "text/xml",
          "application/octet-stream",
          "*/*",
          "",
          ";;;",
          "application/json; charset=\"",
          "x".repeat(600));

  private static IngressHarness h;
  private static String app;
  private static Tenant hooks;
  private static Tenant api;
  private static final Map<String, String> channels = new HashMap<>();
  private static final ListAppender<ILoggingEvent> unexpected = new ListAppender<>();
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(WebhookFuzzIT.class);

  @BeforeAll
  static void start() {
    TestBackends.requireRedis();
    h = IngressHarness.start(Map.of("http.maxBodyBytes", Integer.toString(MAX_BODY_BYTES)));
    app = TestBackends.uniqueId("fzapp");
    h.metaApp(app, META_SECRET, VERIFY_TOKEN);
    hooks = h.tenant("fz-hooks");
    api = h.tenant("fz-api");
    // The fixtures' own addresses, so that signed mutants of them route and get admitted.
    meta("whatsapp", "106540352242922");
    meta("whatsapp", "106540352249999");
    meta("messenger", "104528148376123");
    meta("instagram", "17841405822304914");
    channels.put("telegram", channel("telegram", null));
    String twilio = channel("twilio", "+15557654321");
    channels.put("twilio", twilio);
    channels.put("twilio-json", twilio);
    channels.put("infobip", channel("infobip", "385921004026"));
    channels.put("standard", channel("standard", null));
  }

  @AfterAll
  static void stop() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(ErrorResponses.class);
    logger.detachAppender(unexpected);
    logger.setAdditive(true);
    if (h != null) {
      h.close();
    }
  }

  /**
   * Captures what the failure handler logs as unexpected: every 500 is logged there once. Only
   * captured, not printed: hundreds of stack traces would cost more time than the requests; the
   * test logs a count per cause, and a violation's message carries its stack.
   */
  @BeforeEach
  void captureUnexpectedFailures() {
    Logger logger = (Logger) LoggerFactory.getLogger(ErrorResponses.class);
    if (logger.getAppender(unexpected.getName()) == null) {
      unexpected.setName("fuzz-unexpected");
      unexpected.start();
      logger.addAppender(unexpected);
      logger.setAdditive(false);
    }
    synchronized (unexpected) {
      unexpected.list.clear();
    }
  }

  @Test
  void garbageWebhooksNeverGetA5xxAndOnlyAcceptedOnesLeaveEvents() {
    Generator g = new Generator(new SplittableRandom(SEED));
    Outcomes outcomes = run(WEBHOOK_REQUESTS, g::webhook);

    outcomes.assertNoViolations();
    // The fuzz is only worth something if signed garbage reached the parsers and admission.
    assertThat(outcomes.statusCount(400)).as("signed garbage refused by a parser").isPositive();
    assertThat(outcomes.statusCount(200)).as("signed mutants accepted").isPositive();
    assertThat(outcomes.statusCount(401)).isPositive();
    assertThat(outcomes.statusCount(413)).isPositive();

    JsonArray queued = h.drain(hooks.apiKey(), "inbound");
    h.drain(hooks.apiKey(), "quarantine").forEach(queued::add);
    Map<String, Integer> drained = new HashMap<>();
    for (Object o : queued) {
      JsonObject e = (JsonObject) o;
      assertThat(e.getString("id")).isNotBlank();
      assertThat(e.getString("kind")).isIn("message", "status");
      assertThat(channels.containsValue(e.getString("channel"))).as(e.encode()).isTrue();
      drained.merge(source(e.getString("provider")), 1, Integer::sum);
    }
    LOG.info("fuzz: events claimed by 200 answers {}, drained {}", outcomes.claimed, drained);
    assertThat(drained.values().stream().mapToInt(Integer::intValue).sum())
        .as("events left by accepted webhooks")
        .isPositive();
    drained.forEach(
        (source, n) ->
            assertThat(n)
                .as("events of %s in the queue vs. events its 200 answers claimed", source)
                .isLessThanOrEqualTo(outcomes.claimed.getOrDefault(source, 0)));
  }

  @Test
  void garbageCallsToThePullAndOperatorApisNeverGetA5xx() {
    Generator g = new Generator(new SplittableRandom(SEED ^ 0x9E3779B97F4A7C15L));
    Outcomes outcomes = run(API_REQUESTS, g::apiCall);

    outcomes.assertNoViolations();
    assertThat(outcomes.statusCount(400)).isPositive();
    assertThat(outcomes.statusCount(401)).isPositive();
    assertThat(outcomes.statusCount(404)).isPositive();
  }

  @Test
  void pullWithAMalformedQueryIsA400JsonError() {
    for (String query : new String[] {"?max=%zz", "?lane=%", "?max=5&a=%zz"}) {
      HttpResponse<Buffer> r = h.pullResponse(api.apiKey(), query);

      assertThat(r.statusCode()).as(query + " → " + r.bodyAsString()).isEqualTo(400);
      assertThat(errorBodyProblem(r)).as(query).isNull();
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("bad_request");
    }
  }

  // ---- running requests ----

  /** One fuzzed request; {@code source} names the webhook whose events it may leave, or null. */
  private record Fuzzed(
      String what, HttpMethod method, String uri, MultiMap headers, byte[] body, String source) {

    String describe() {
      String shown =
          Base64.getEncoder()
              .encodeToString(java.util.Arrays.copyOf(body, Math.min(body.length, 160)));
      return what
          + " "
          + method
          + " "
          + (uri.length() > 200 ? uri.substring(0, 200) + "…" : uri)
          + " headers="
          + headers.names()
          + " content-type="
          + abbreviate(headers.get("Content-Type"))
          + " body("
          + body.length
          + " bytes, base64 prefix)="
          + shown;
    }
  }

  /** What the responses showed: violations of the properties, statuses, claimed events. */
  private static final class Outcomes {
    final List<String> violations = new ArrayList<>();
    final Map<Integer, Integer> statuses = new HashMap<>();
    final Map<String, Integer> claimed = new HashMap<>();

    int statusCount(int status) {
      return statuses.getOrDefault(status, 0);
    }

    void violation(Fuzzed f, String problem) {
      if (violations.size() < 25) {
        violations.add(problem + " ← " + f.describe());
      } else if (violations.size() == 25) {
        violations.add("… more violations left out");
      }
    }

    /** Violations found in the answers, and 500s whose logged cause is not a listed one. */
    void assertNoViolations() {
      List<ILoggingEvent> logged;
      synchronized (unexpected) {
        logged = new ArrayList<>(unexpected.list);
      }
      for (ILoggingEvent e : logged) {
        IThrowableProxy t = e.getThrowableProxy();
        violations.add("500 from " + describe(t) + " (" + e.getFormattedMessage() + ")");
      }
      assertThat(violations).as("statuses " + statuses).isEmpty();
      assertThat(statusCount(500)).as("no 500, ever").isZero();
    }
  }

  private static Outcomes run(int total, Supplier<Fuzzed> generator) {
    Outcomes outcomes = new Outcomes();
    for (int done = 0; done < total; done += BATCH) {
      List<Fuzzed> batch = new ArrayList<>(BATCH);
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>(BATCH);
      for (int i = 0; i < Math.min(BATCH, total - done); i++) {
        Fuzzed f = generator.get();
        batch.add(f);
        sent.add(
            h.client
                .request(f.method(), f.uri())
                .putHeaders(f.headers())
                .sendBuffer(Buffer.buffer(f.body())));
      }
      Future.join(sent).transform(ar -> Future.succeededFuture()).await();
      for (int i = 0; i < batch.size(); i++) {
        check(batch.get(i), sent.get(i), outcomes);
      }
    }
    return outcomes;
  }

  private static void check(Fuzzed f, Future<HttpResponse<Buffer>> sent, Outcomes outcomes) {
    if (sent.failed()) {
      outcomes.violation(f, "no response (" + sent.cause() + ")");
      return;
    }
    HttpResponse<Buffer> r = sent.result();
    int status = r.statusCode();
    outcomes.statuses.merge(status, 1, Integer::sum);
    if (status >= 500) {
      outcomes.violation(f, status + " " + abbreviate(r.bodyAsString()));
      return;
    }
    if (status >= 400 && f.method() != HttpMethod.HEAD) {
      String problem = errorBodyProblem(r);
      if (problem != null) {
        outcomes.violation(f, status + " with " + problem);
      }
      return;
    }
    if (status == 200 && f.source() != null) {
      if (f.source().startsWith("twilio")) {
        // TwiML carries no count; a Twilio webhook holds one event at most.
        outcomes.claimed.merge("twilio", 1, Integer::sum);
      } else {
        try {
          int events = r.bodyAsJsonObject().getInteger("events");
          outcomes.claimed.merge(f.source(), events, Integer::sum);
        } catch (RuntimeException e) {
          outcomes.violation(f, "200 without an events count: " + abbreviate(r.bodyAsString()));
        }
      }
    }
  }

  private static String describe(IThrowableProxy t) {
    if (t == null) {
      return "no exception";
    }
    StringBuilder s = new StringBuilder(t.getClassName() + ": " + abbreviate(t.getMessage()));
    StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
    for (int i = 0; i < Math.min(8, frames.length); i++) {
      s.append(" at ").append(frames[i].getStackTraceElement());
    }
    return s.toString();
  }

  /** Null when the body is {@code {"error":{"code":…,"message":…}}} JSON, else what is wrong. */
  private static String errorBodyProblem(HttpResponse<Buffer> r) {
    String type = r.getHeader("Content-Type");
    if (type == null || !type.startsWith("application/json")) {
      return "content type " + type + ": " + abbreviate(r.bodyAsString());
    }
    try {
      JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
      if (error == null
          || error.getString("code") == null
          || error.getString("code").isBlank()
          || error.getString("message") == null) {
        return "no error code/message: " + abbreviate(r.bodyAsString());
      }
      return null;
    } catch (DecodeException | ClassCastException e) {
      return "a body that is not a JSON error: " + abbreviate(r.bodyAsString());
    }
  }

  // ---- generating requests ----

  private static final class Generator {
    private final SplittableRandom rnd;

    Generator(SplittableRandom rnd) {
      this.rnd = rnd;
    }

    Fuzzed webhook() {
      if (rnd.nextInt(20) == 0) {
        return handshake();
      }
      String source = pick(SOURCES);
      boolean signed = rnd.nextInt(100) < 40;
      Body body = body(source);
      HttpMethod method = method();
      String query = source.equals("twilio-json") ? "" : oddQuery();
      String id = source.equals("meta") ? app : channels.get(source);
      String path = path(source.equals("meta") ? "meta" : source.replace("-json", ""), id);
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      headers.add("Content-Type", contentType(source));
      switch (source) {
        case "meta" ->
            headers.add(
                "X-Hub-Signature-256",
                signed
                    ? "sha256=" + IngressHarness.hmacHex(META_SECRET, body.bytes)
                    : garbageSignature(
                        "sha256=" + IngressHarness.hmacHex(META_SECRET, body.bytes)));
        case "telegram" ->
            headers.add(
                "X-Telegram-Bot-Api-Secret-Token",
                signed ? TELEGRAM_SECRET : garbageSignature(TELEGRAM_SECRET));
        case "infobip" ->
            headers.add(
                "Authorization",
                signed
                    ? pick(List.of("Bearer ", "App ", "bearer ")) + INFOBIP_SECRET
                    : garbageSignature("Bearer " + INFOBIP_SECRET));
        case "standard" -> standardHeaders(headers, body.bytes, signed);
        case "twilio" -> {
          String url = publicUrl(channels.get("twilio")) + (query.isEmpty() ? "" : "?" + query);
          String signature = null;
          if (signed) {
            try {
              signature = WebhookSigning.twilioForm(TWILIO_TOKEN, url, body.bytes);
            } catch (IllegalArgumentException e) {
              // A malformed escape: Twilio never sends such a body, so it stays unsigned.
            }
          }
          headers.add(
              "X-Twilio-Signature", signature != null ? signature : garbageSignature("AAAA="));
        }
        case "twilio-json" -> {
          query =
              "bodySHA256="
                  + (rnd.nextInt(10) == 0 ? garbageHex() : WebhookSigning.sha256Hex(body.bytes));
          String url = publicUrl(channels.get("twilio")) + "?" + query;
          headers.set(
              "Content-Type", rnd.nextInt(10) == 0 ? pick(CONTENT_TYPES) : "application/json");
          headers.add(
              "X-Twilio-Signature",
              signed ? WebhookSigning.twilioUrl(TWILIO_TOKEN, url) : garbageSignature("AAAA="));
        }
        default -> throw new IllegalStateException(source);
      }
      duplicateOrExtraHeaders(headers);
      String uri = path + (query.isEmpty() ? "" : "?" + query);
      return new Fuzzed(
          source + (signed ? " signed " : " unsigned ") + body.what,
          method,
          uri,
          headers,
          method == HttpMethod.HEAD ? new byte[0] : body.bytes,
          source);
    }

    /** The Meta subscription handshake with odd parameters. */
    private Fuzzed handshake() {
      String query =
          "hub.mode="
              + pick(List.of("subscribe", "unsubscribe", "", "%zz", "SUBSCRIBE"))
              + "&hub.verify_token="
              + pick(List.of(VERIFY_TOKEN, "", "wrong", "%", VERIFY_TOKEN + "x"))
              + "&hub.challenge="
              + pick(List.of("1158201444", "", "x".repeat(300), "%E9%ZZ", "%00", "a+b%20c"));
      if (rnd.nextInt(5) == 0) {
        query = query + "&hub.challenge=second&hub.mode=subscribe";
      }
      return new Fuzzed(
          "handshake",
          rnd.nextInt(10) == 0 ? method() : HttpMethod.GET,
          path("meta", app) + "?" + query,
          MultiMap.caseInsensitiveMultiMap(),
          new byte[0],
          null);
    }

    Fuzzed apiCall() {
      return switch (rnd.nextInt(3)) {
        case 0 -> pull();
        case 1 -> ack();
        default -> admin();
      };
    }

    private Fuzzed pull() {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      auth(headers, "Bearer " + api.apiKey());
      String query =
          pick(
              List.of(
                  "",
                  "?max="
                      + pick(
                          List.of("1", "0", "-1", "1000", "1001", "99999999999", "1e3", "%zz", "")),
                  "?lane=" + pick(List.of("inbound", "quarantine", "vip", "", "%00", "INBOUND")),
                  "?max=5&lane=quarantine&max=7",
                  "?" + garbageQuery()));
      return new Fuzzed(
          "pull",
          rnd.nextInt(8) == 0 ? method() : HttpMethod.GET,
          "/v1/events" + query,
          headers,
          maybeBody(),
          null);
    }

    private Fuzzed ack() {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      auth(headers, "Bearer " + api.apiKey());
      headers.add("Content-Type", pick(CONTENT_TYPES));
      Body body =
          rnd.nextBoolean()
              ? new Body("ack-shaped", ackBody().encode().getBytes(StandardCharsets.UTF_8))
              : body(pick(SOURCES));
      return new Fuzzed(
          "ack " + body.what,
          rnd.nextInt(8) == 0 ? method() : HttpMethod.POST,
          "/v1/events/ack" + (rnd.nextInt(10) == 0 ? "?" + garbageQuery() : ""),
          headers,
          body.bytes,
          null);
    }

    private JsonObject ackBody() {
      JsonArray ids = new JsonArray();
      int n = rnd.nextInt(8) == 0 ? 1001 + rnd.nextInt(50) : 1 + rnd.nextInt(5);
      for (int i = 0; i < n; i++) {
        ids.add(
            switch (rnd.nextInt(8)) {
              case 0 ->
                  "i"
                      + rnd.nextInt(10_000)
                      + ":"
                      + rnd.nextLong(Long.MAX_VALUE)
                      + "-"
                      + rnd.nextInt(9);
              case 1 -> "q0:0-0";
              case 2 -> "i0:9999999999999999999-9999999999999999999";
              case 3 -> "i9999:1-1";
              case 4 -> "i00000:1-1";
              case 5 -> randomString(40);
              case 6 -> rnd.nextInt(100);
              default -> new JsonArray().add("i0:1-1");
            });
      }
      JsonObject body = new JsonObject().put("ids", ids);
      if (rnd.nextInt(6) == 0) {
        body.put("ids", randomJsonValue());
      }
      return body;
    }

    private Fuzzed admin() {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      auth(headers, "Bearer " + IngressHarness.ADMIN_TOKEN);
      headers.add("Content-Type", pick(CONTENT_TYPES));
      String tenant = rnd.nextInt(3) == 0 ? api.id() : oddId();
      String path =
          switch (rnd.nextInt(9)) {
            case 0 -> "/admin/tenants";
            case 1 -> "/admin/tenants/" + tenant;
            case 2 -> "/admin/tenants/" + tenant + "/keys";
            case 3 -> "/admin/tenants/" + tenant + "/keys/" + oddId();
            case 4 -> "/admin/meta-apps";
            case 5 -> "/admin/meta-apps/" + oddId();
            case 6, 7 -> "/admin/tenants/" + tenant + "/channels";
            default -> "/admin/tenants/" + tenant + "/channels/" + oddId();
          };
      Body body =
          rnd.nextInt(3) == 0 ? body(pick(SOURCES)) : new Body("admin-shaped", adminBody(tenant));
      HttpMethod method =
          rnd.nextInt(3) == 0
              ? method()
              : pick(List.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.GET, HttpMethod.DELETE));
      return new Fuzzed(
          "admin " + body.what,
          method,
          path,
          headers,
          method == HttpMethod.HEAD ? new byte[0] : body.bytes,
          null);
    }

    /** Operator bodies with mutated fields: wrong types, odd numbers, bad addresses and IPs. */
    private byte[] adminBody(String tenant) {
      JsonObject body =
          switch (rnd.nextInt(4)) {
            case 0 -> new JsonObject().put("id", oddId()).put("name", randomString(20));
            case 1 ->
                new JsonObject()
                    .put("id", oddId())
                    .put("appSecret", randomString(30))
                    .put("verifyToken", randomString(10));
            default -> channelBody();
          };
      if (rnd.nextInt(3) == 0) {
        mutate(body, 1 + rnd.nextInt(3));
      }
      return body.encode().getBytes(StandardCharsets.UTF_8);
    }

    private JsonObject channelBody() {
      String provider =
          pick(
              List.of(
                  "whatsapp",
                  "messenger",
                  "instagram",
                  "telegram",
                  "twilio",
                  "infobip",
                  "standard",
                  "sms",
                  ""));
      JsonObject credentials =
          new JsonObject()
              .put("accessToken", randomString(10))
              .put("botToken", randomString(10))
              .put("secretToken", pick(List.of("ok_token", "bad token", "", "x".repeat(300))))
              .put("accountSid", "AC" + randomString(8))
              .put("authToken", randomString(12))
              .put("apiKey", randomString(8))
              .put(
                  "baseUrl",
                  pick(
                      List.of(
                          "https://ok.example",
                          "http://plain.example",
                          "https://",
                          "nota url",
                          "https://[::1",
                          "https://x.example/#frag")))
              .put("webhookSecret", randomString(8))
              .put("secret", pick(List.of(STANDARD_SECRET, "whsec_", "whsec_!!!", "", "AAAA")));
      List<String> keep = new ArrayList<>(credentials.fieldNames());
      for (String name : keep) {
        if (rnd.nextBoolean()) {
          credentials.remove(name);
        }
      }
      JsonObject c =
          new JsonObject()
              .put("id", oddId())
              .put("provider", provider)
              .put(
                  "address",
                  pick(
                      List.of(
                          "106540352242922",
                          "+15557654321",
                          "385921004026",
                          "has space",
                          "",
                          randomString(200),
                          "+1555" + rnd.nextInt(1_000_000))))
              .put("credentials", credentials);
      if (rnd.nextBoolean()) {
        c.put("metaApp", rnd.nextBoolean() ? app : oddId());
      }
      if (rnd.nextBoolean()) {
        c.put(
            "publicUrl",
            pick(
                List.of(
                    "https://hooks.example/t",
                    "ftp://x",
                    "https://",
                    "//nohost",
                    "https://h.example/%zz",
                    "https://h.example/#f",
                    "x".repeat(3000))));
      }
      if (rnd.nextBoolean()) {
        JsonArray ips = new JsonArray();
        for (int i = rnd.nextInt(4); i > 0; i--) {
          ips.add(
              pick(
                  List.of(
                      "10.0.0.0/8",
                      "999.1.1.1",
                      "1.2.3.4/33",
                      "::/129",
                      "::/0",
                      "1.2.3.4/-1",
                      "fe80::1%eth0",
                      "",
                      "0.0.0.0/0",
                      "2001:db8::/32",
                      "1.2.3",
                      "::ffff:1.2.3.4/96")));
        }
        if (rnd.nextInt(20) == 0) {
          for (int i = 0; i < 300; i++) {
            ips.add("10.0." + (i % 256) + ".0/24");
          }
        }
        c.put("allowedIps", ips);
      }
      if (rnd.nextBoolean()) {
        c.put(
            "limits",
            new JsonObject()
                .put(
                    "inbound",
                    new JsonObject()
                        .put("perPhonePerMinute", randomNumber())
                        .put("burst", randomNumber())));
      }
      return c;
    }

    // ---- bodies ----

    private record Body(String what, byte[] bytes) {}

    private Body body(String source) {
      byte[] seed = pick(FIXTURES.get(source));
      return switch (rnd.nextInt(14)) {
        case 0 -> new Body("empty", new byte[0]);
        case 1 -> new Body("random bytes", randomBytes(rnd.nextInt(2048)));
        case 2 -> new Body("truncated", java.util.Arrays.copyOf(seed, rnd.nextInt(seed.length)));
        case 3 -> new Body("bit-flipped", bitFlipped(seed));
        case 4 -> new Body("invalid utf-8", invalidUtf8(seed));
        case 5 -> new Body("deeply nested", deeplyNested());
        case 6 -> new Body("huge string", hugeString(seed));
        case 7, 8 -> new Body("type-confused", typeConfused(seed));
        case 9 -> new Body("fixture", seed);
        case 10 -> new Body("garbage form", garbageForm());
        case 11 -> new Body("odd json", oddJson(seed));
        case 12 -> new Body("huge numbers", hugeNumbers(seed));
        default ->
            rnd.nextInt(3) == 0
                ? new Body("over the limit", randomAscii(MAX_BODY_BYTES + 1 + rnd.nextInt(2048)))
                : new Body("fixture", seed);
      };
    }

    private byte[] bitFlipped(byte[] seed) {
      byte[] b = seed.clone();
      for (int i = 1 + rnd.nextInt(8); i > 0 && b.length > 0; i--) {
        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
      }
      return b;
    }

    private byte[] invalidUtf8(byte[] seed) {
      byte[][] bad = {
        {(byte) 0xC3, 0x28},
        {(byte) 0xFF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xC0, (byte) 0xAF},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        {(byte) 0xE2, (byte) 0x82},
        {0}
      };
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int at = rnd.nextInt(seed.length + 1);
      out.write(seed, 0, at);
      for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
        byte[] b = bad[rnd.nextInt(bad.length)];
        out.write(b, 0, b.length);
      }
      out.write(seed, at, seed.length - at);
      return out.toByteArray();
    }

    private byte[] deeplyNested() {
      int depth = pick(List.of(65, 200, 1_001, 5_000, 30_000));
      String open = pick(List.of("[", "{\"a\":", "{\"entry\":["));
      String close = open.equals("[") ? "]" : open.equals("{\"a\":") ? "}" : "]}";
      String inner = open.repeat(depth) + "1" + close.repeat(depth);
      String wrapped =
          pick(
              List.of(
                  inner,
                  "{\"object\":\"page\",\"entry\":[{\"id\":\"104528148376123\",\"messaging\":"
                      + inner
                      + "}]}",
                  "{\"update_id\":7,\"message\":" + inner + "}",
                  "{\"results\":" + inner + "}",
                  "{\"type\":\"x\",\"data\":" + inner + "}"));
      return wrapped.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] hugeString(byte[] seed) {
      String huge = randomString(1).repeat(20_000 + rnd.nextInt(40_000));
      String s = new String(seed, StandardCharsets.UTF_8);
      int quote = s.indexOf("\":\"");
      if (quote < 0 || rnd.nextBoolean()) {
        return ("{\"object\":\"whatsapp_business_account\",\"update_id\":1,\"results\":[],\"x\":\""
                + huge
                + "\"}")
            .getBytes(StandardCharsets.UTF_8);
      }
      return (s.substring(0, quote + 3) + huge + s.substring(quote + 3))
          .getBytes(StandardCharsets.UTF_8);
    }

    private byte[] typeConfused(byte[] seed) {
      try {
        JsonObject json = new JsonObject(Buffer.buffer(seed));
        mutate(json, 1 + rnd.nextInt(4));
        return json.encode().getBytes(StandardCharsets.UTF_8);
      } catch (DecodeException e) {
        // A form fixture: confuse its values instead.
        String s = new String(seed, StandardCharsets.UTF_8);
        return s.replaceAll(
                "=[^&]*",
                "=" + pick(List.of("", "%", "%zz", "%E9", "99999999999999999999", "x%26y%3Dz")))
            .getBytes(StandardCharsets.UTF_8);
      }
    }

    /** Replaces, removes or nests random members anywhere in the tree. */
    private void mutate(JsonObject root, int times) {
      for (int i = 0; i < times; i++) {
        List<Object[]> slots = new ArrayList<>();
        collect(root, slots);
        if (slots.isEmpty()) {
          return;
        }
        Object[] slot = slots.get(rnd.nextInt(slots.size()));
        Object replacement = randomJsonValue();
        if (slot[0] instanceof JsonObject o) {
          if (rnd.nextInt(5) == 0) {
            o.remove((String) slot[1]);
          } else {
            o.put((String) slot[1], replacement);
          }
        } else {
          ((JsonArray) slot[0]).set((Integer) slot[1], replacement);
        }
      }
    }

    private void collect(Object node, List<Object[]> slots) {
      if (node instanceof JsonObject o) {
        for (String name : o.fieldNames()) {
          slots.add(new Object[] {o, name});
          collect(o.getValue(name), slots);
        }
      } else if (node instanceof JsonArray a) {
        for (int i = 0; i < a.size(); i++) {
          slots.add(new Object[] {a, i});
          collect(a.getValue(i), slots);
        }
      }
    }

    private Object randomJsonValue() {
      return switch (rnd.nextInt(16)) {
        case 0 -> null;
        case 1 -> true;
        case 2 -> 0;
        case 3 -> -1L;
        case 4 -> 1.5;
        case 5 -> Double.MAX_VALUE;
        case 6 -> new BigInteger("9223372036854775808");
        case 7 -> "";
        case 8 -> randomString(rnd.nextInt(64));
        case 9 -> new JsonArray();
        case 10 -> new JsonObject();
        case 11 -> new JsonArray().add(new JsonArray().add(new JsonObject()));
        case 12 -> new JsonObject().put("id", randomString(5)).put("a", new JsonObject());
        case 13 -> Long.MIN_VALUE;
        case 14 -> "\uD83D\uDC4B\u0000\u202E" + randomString(3);
        default -> new BigInteger("-123456789012345678901234567890");
      };
    }

    private Object randomNumber() {
      return pick(
          List.of(
              0,
              1,
              -1,
              60,
              1_000_001,
              Integer.MAX_VALUE,
              Long.MAX_VALUE,
              1.5,
              1e308,
              new BigInteger("99999999999999999999999"),
              "60",
              true));
    }

    private byte[] garbageForm() {
      StringBuilder s = new StringBuilder();
      for (int i = rnd.nextInt(12); i >= 0; i--) {
        s.append(
                pick(
                    List.of(
                        "MessageSid",
                        "SmsSid",
                        "MessageStatus",
                        "From",
                        "To",
                        "Body",
                        "NumMedia",
                        "ErrorCode",
                        "",
                        "%",
                        "%zz",
                        "a%E9b",
                        "+",
                        "x;y",
                        "=")))
            .append(rnd.nextInt(6) == 0 ? "" : "=")
            .append(
                pick(
                    List.of(
                        "SM123",
                        "delivered",
                        "received",
                        "bogus",
                        "%2B1555",
                        "99999999999999",
                        "-1",
                        "%",
                        "%F0%9F%91%8B",
                        "%C3%28",
                        "%E2%82",
                        "a+b",
                        "",
                        "%00",
                        randomString(20))))
            .append(pick(List.of("&", "&&", ";", "&=&")));
      }
      return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] oddJson(byte[] seed) {
      String s = new String(seed, StandardCharsets.UTF_8);
      return switch (rnd.nextInt(10)) {
        case 0 -> bytes("null");
        case 1 -> bytes("[]");
        case 2 -> bytes("\"" + s.replace("\"", "'") + "\"");
        case 3 -> bytes("\uFEFF" + s);
        case 4 -> s.getBytes(StandardCharsets.UTF_16);
        case 5 -> bytes(s + s);
        case 6 -> bytes(s.replace("\"", "'"));
        case 7 -> bytes("{\"update_id\":1e400,\"a\":NaN}");
        case 8 -> bytes(s.replace(":", ":\"\\ud800\","));
        default -> bytes("{\"object\":null,\"entry\":null,\"results\":null,\"update_id\":null}");
      };
    }

    private byte[] hugeNumbers(byte[] seed) {
      String s = new String(seed, StandardCharsets.UTF_8);
      String n =
          pick(
              List.of(
                  "99999999999999999999999999",
                  "-9223372036854775809",
                  "1e999999999",
                  "0.000000000000000000000001",
                  "-0",
                  "18446744073709551616"));
      return s.replaceAll("(?<=[:\\[,\"])\\d{3,}", n).getBytes(StandardCharsets.UTF_8);
    }

    // ---- headers, paths, methods ----

    private void standardHeaders(MultiMap headers, byte[] body, boolean signed) {
      long now = System.currentTimeMillis() / 1000;
      String id = "msg_fz" + Long.toHexString(rnd.nextLong());
      String prefix = rnd.nextInt(5) == 0 ? "svix-" : "webhook-";
      String timestamp =
          signed || rnd.nextBoolean()
              ? Long.toString(now)
              : pick(
                  List.of(
                      "",
                      "-1",
                      "abc",
                      "99999999999999999999",
                      Long.toString(now - 100_000),
                      "1e9",
                      " " + now));
      if (rnd.nextInt(20) == 0) {
        id = pick(List.of("", " ", randomString(3000)));
      }
      headers.add(prefix + "id", id);
      headers.add(prefix + "timestamp", timestamp);
      String valid = "";
      try {
        valid = WebhookSigning.standard(STANDARD_SECRET, id, Long.parseLong(timestamp), body);
      } catch (NumberFormatException e) {
        signed = false;
      }
      headers.add(
          prefix + "signature",
          signed
              ? pick(
                  List.of(
                      valid,
                      "v1,garbage " + valid,
                      valid + " v1a,xyz",
                      "v2," + valid.substring(3) + " " + valid))
              : garbageSignature(valid));
    }

    private String garbageSignature(String valid) {
      return switch (rnd.nextInt(9)) {
        case 0 -> "";
        case 1 -> randomString(rnd.nextInt(100));
        case 2 -> randomString(2000 + rnd.nextInt(3000));
        case 3 -> nearMiss(valid);
        case 4 -> "sha256=" + garbageHex();
        case 5 -> "v1," + Base64.getEncoder().encodeToString(randomBytes(32));
        case 6 -> " " + valid + " ";
        case 7 -> valid.toUpperCase(java.util.Locale.ROOT);
        default -> "Basic " + Base64.getEncoder().encodeToString(randomBytes(rnd.nextInt(40)));
      };
    }

    private String nearMiss(String valid) {
      if (valid.isEmpty()) {
        return "x";
      }
      char[] c = valid.toCharArray();
      int i = rnd.nextInt(c.length);
      c[i] = c[i] == 'a' ? 'b' : 'a';
      return new String(c);
    }

    private void duplicateOrExtraHeaders(MultiMap headers) {
      switch (rnd.nextInt(10)) {
        case 0 -> {
          // A second copy of every header, garbage, before or after the first.
          for (String name : new ArrayList<>(headers.names())) {
            List<String> values = new ArrayList<>(headers.getAll(name));
            String junk = randomString(rnd.nextInt(60));
            headers.remove(name);
            if (rnd.nextBoolean()) {
              headers.add(name, junk);
              values.forEach(v -> headers.add(name, v));
            } else {
              values.forEach(v -> headers.add(name, v));
              headers.add(name, junk);
            }
          }
        }
        case 1 -> headers.add("X-Fuzz-" + rnd.nextInt(1000), randomString(rnd.nextInt(3000)));
        case 2 ->
            headers.add(
                "Content-Encoding", pick(List.of("gzip", "deflate", "br", "identity", "x")));
        case 3 -> headers.add("Accept", pick(List.of("text/html", "application/xml", "*/*;q=0")));
        default -> {
          // As is.
        }
      }
    }

    private String contentType(String source) {
      if (rnd.nextInt(10) < 6) {
        return source.equals("twilio") ? "application/x-www-form-urlencoded" : "application/json";
      }
      return pick(CONTENT_TYPES);
    }

    private String path(String provider, String id) {
      return switch (rnd.nextInt(30)) {
        case 0 -> "/webhooks/" + provider + "/" + oddId();
        case 1 -> "/webhooks/" + provider + "/";
        case 2 -> "/webhooks/" + provider + "/" + id + "/extra";
        case 3 ->
            "/webhooks/"
                + pick(List.of("telegram", "twilio", "infobip", "standard", "meta"))
                + "/"
                + id;
        case 4 -> "/webhooks/" + provider + "/" + id.toUpperCase(java.util.Locale.ROOT);
        default -> "/webhooks/" + provider + "/" + id;
      };
    }

    private String oddId() {
      return switch (rnd.nextInt(10)) {
        case 0 -> "%2e%2e";
        case 1 -> "%00";
        case 2 -> "a%2Fb";
        case 3 -> "%zz";
        case 4 -> "x".repeat(1000);
        case 5 -> "%F0%9F%91%8B";
        case 6 -> "%C3%28";
        default -> "fz-" + Long.toString(rnd.nextLong() & Long.MAX_VALUE, 36);
      };
    }

    private String oddQuery() {
      return rnd.nextInt(8) == 0 ? garbageQuery() : "";
    }

    private String garbageQuery() {
      return pick(
          List.of(
              "%zz=1",
              "a=%",
              "bodySHA256=zz",
              "a=1&a=2&=&&",
              "x=" + "y".repeat(2000),
              "%F0%9F%91%8B=%C3%28",
              "max=%00&lane=%E9",
              "a+b=c+d"));
    }

    private void auth(MultiMap headers, String valid) {
      switch (rnd.nextInt(8)) {
        case 0 -> {
          // None.
        }
        case 1 -> headers.add("Authorization", "Bearer " + randomString(30));
        case 2 -> headers.add("Authorization", valid.replace("Bearer", "bearer"));
        case 3 -> headers.add("Authorization", valid + randomString(3));
        case 4 -> headers.add("Authorization", garbageSignature(valid));
        case 5 -> {
          headers.add("Authorization", "Bearer wrong");
          headers.add("Authorization", valid);
        }
        default -> headers.add("Authorization", valid);
      }
    }

    private HttpMethod method() {
      int n = rnd.nextInt(100);
      if (n < 82) {
        return HttpMethod.POST;
      }
      return pick(
          List.of(
              HttpMethod.GET,
              HttpMethod.PUT,
              HttpMethod.DELETE,
              HttpMethod.PATCH,
              HttpMethod.HEAD,
              HttpMethod.OPTIONS));
    }

    private byte[] maybeBody() {
      return rnd.nextInt(4) == 0 ? randomBytes(rnd.nextInt(300)) : new byte[0];
    }

    // ---- primitives ----

    private <T> T pick(List<T> options) {
      return options.get(rnd.nextInt(options.size()));
    }

    private byte[] randomBytes(int n) {
      byte[] b = new byte[n];
      for (int i = 0; i < n; i++) {
        b[i] = (byte) rnd.nextInt(256);
      }
      return b;
    }

    private byte[] randomAscii(int n) {
      byte[] b = new byte[n];
      for (int i = 0; i < n; i++) {
        b[i] = (byte) (0x20 + rnd.nextInt(0x5F));
      }
      return b;
    }

    /** Printable ASCII only: header values must be sendable. */
    private String randomString(int n) {
      return new String(randomAscii(n), StandardCharsets.US_ASCII);
    }

    private String garbageHex() {
      return HexFormat.of().formatHex(randomBytes(32)).replace('a', rnd.nextBoolean() ? 'g' : 'a');
    }
  }

  // ---- set-up helpers ----

  private static void meta(String provider, String address) {
    String id = TestBackends.uniqueId("fz" + provider.substring(0, 2));
    h.channel(
        hooks.id(),
        new JsonObject()
            .put("id", id)
            .put("provider", provider)
            .put("address", address)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-fuzz")));
    channels.put("meta:" + address, id);
  }

  private static String channel(String provider, String address) {
    String id = TestBackends.uniqueId("fz" + provider.substring(0, 2));
    JsonObject credentials =
        switch (provider) {
          case "telegram" ->
              new JsonObject().put("botToken", "1:fuzz").put("secretToken", TELEGRAM_SECRET);
          case "twilio" ->
              new JsonObject()
                  .put("accountSid", "AC0123456789abcdef0123456789abcdef")
                  .put("authToken", TWILIO_TOKEN);
          case "infobip" ->
              new JsonObject()
                  .put("apiKey", "k")
                  .put("baseUrl", "https://api.infobip.example")
                  .put("webhookSecret", INFOBIP_SECRET);
          default -> new JsonObject().put("secret", STANDARD_SECRET);
        };
    JsonObject c =
        new JsonObject().put("id", id).put("provider", provider).put("credentials", credentials);
    if (address != null) {
      c.put("address", address);
    }
    if (provider.equals("twilio")) {
      c.put("publicUrl", publicUrl(id));
    }
    h.channel(hooks.id(), c);
    return id;
  }

  private static String publicUrl(String channel) {
    return "https://hooks.sluice.example/webhooks/twilio/" + channel;
  }

  private static String source(String provider) {
    return switch (provider) {
      case "whatsapp", "messenger", "instagram" -> "meta";
      default -> provider;
    };
  }

  private static List<byte[]> fixtures(String... names) {
    List<byte[]> out = new ArrayList<>();
    for (String name : names) {
      out.add(WebhookSigning.payload(name));
    }
    return out;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}
