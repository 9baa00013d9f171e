package dev.sluice.loadtest.simulator;

import dev.sluice.loadtest.Args;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A fake of the providers' send APIs for load runs and tests, on one event loop:
 *
 * <pre>
 * POST /{version}/{phone_number_id}/messages           WhatsApp Cloud API  → 200 {messages:[{id:wamid}]}
 * POST /bot{token}/sendMessage                         Telegram Bot API    → 200 {ok:true,result:{…}}
 * POST /2010-04-01/Accounts/{sid}/Messages.json        Twilio (form)       → 201 {sid:SM…}
 * POST /sms/3/messages                                 Infobip SMS v3      → 200 {bulkId,messages:[…]}
 * GET|POST /control                                    settings (JSON patch, see SimulatorSettings)
 * GET /stats[?duplicates=true], DELETE /stats          counters; DELETE resets them
 * </pre>
 *
 * It enforces the providers' published limits with token buckets (WhatsApp 80 mps per number →
 * 130429, pair rate → 131056, Telegram per chat and per bot → 429 with retry_after), adds the
 * configured latency, injects 500s and outage 503s, and sends status webhooks for accepted WhatsApp
 * and Twilio messages. Every accepted send is counted by its key, so {@code GET /stats} shows
 * whether anything was sent twice.
 */
public final class ProviderSimulator extends VerticleBase {
  private static final HexFormat HEX = HexFormat.of();
  private static final long TICK_MS = 5;
  private static final long SWEEP_MS = 10_000;

  private SimulatorSettings settings;
  private SimulatorStats stats = new SimulatorStats();
  private final String host;
  private final int requestedPort;
  private final long startedAtMs = System.currentTimeMillis();
  private final Map<String, TokenBucket> waNumber = new HashMap<>();
  private final Map<String, TokenBucket> waPair = new HashMap<>();
  private final Map<String, TokenBucket> tgChat = new HashMap<>();
  private final Map<String, TokenBucket> tgBot = new HashMap<>();
  private final Map<String, Long> tgMessageIds = new HashMap<>();
  private final PriorityQueue<Due> due = new PriorityQueue<>();
  private SplittableRandom random;
  private long sequence;
  private long lastSweepMs = startedAtMs;
  private HttpServer server;
  private HttpClient client;
  private StatusWebhooks webhooks;
  private long ticker;

  private record Due(long atMs, long seq, Runnable action) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      return atMs != o.atMs ? Long.compare(atMs, o.atMs) : Long.compare(seq, o.seq);
    }
  }

  public ProviderSimulator(SimulatorSettings settings, String host, int port) {
    this.settings = settings;
    this.host = host;
    this.requestedPort = port;
    this.random = new SplittableRandom(settings.seed());
  }

  /** Deploys a simulator on {@code vertx}; the future completes once it listens. */
  public static Future<ProviderSimulator> deploy(
      Vertx vertx, SimulatorSettings settings, String host, int port) {
    ProviderSimulator sim = new ProviderSimulator(settings, host, port);
    return vertx.deployVerticle(sim).map(id -> sim);
  }

  /** The port it listens on (the real one when started on port 0). */
  public int port() {
    return server.actualPort();
  }

  /**
   * {@code --host 127.0.0.1 --port 0 [--port-file F] [--max-lifetime-s 3600] [--<setting> v…]}: any
   * other option is a {@link SimulatorSettings} component.
   */
  public static void main(String[] argv) throws Exception {
    Args args = Args.parse(argv);
    Map<String, String> patch = new LinkedHashMap<>(args.asMap());
    String host = patch.getOrDefault("host", "127.0.0.1");
    int port = Integer.parseInt(patch.getOrDefault("port", "0"));
    String portFile = patch.get("port-file");
    long lifetimeS = Long.parseLong(patch.getOrDefault("max-lifetime-s", "3600"));
    patch.keySet().removeAll(java.util.List.of("host", "port", "port-file", "max-lifetime-s"));
    SimulatorSettings settings = SimulatorSettings.defaults().with(patch);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    ProviderSimulator sim = deploy(vertx, settings, host, port).await();
    System.out.println("provider simulator listening on http://" + host + ":" + sim.port());
    if (portFile != null) {
      Files.writeString(Path.of(portFile), Integer.toString(sim.port()));
    }
    // Bounded: a forgotten simulator stops by itself.
    vertx.setTimer(TimeUnit.SECONDS.toMillis(lifetimeS), t -> vertx.close());
  }

  @Override
  public Future<?> start() {
    client =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(32));
    webhooks = new StatusWebhooks(vertx, client, () -> settings, () -> stats);
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(1 << 20));
    router.post("/sms/3/messages").handler(this::infobip);
    // After Infobip: /sms/3/messages would match the WhatsApp pattern too.
    router.post("/:version/:phoneNumberId/messages").handler(this::whatsApp);
    router.postWithRegex("/bot([^/]+)/(?i:sendMessage)").handler(this::telegram);
    router.post("/2010-04-01/Accounts/:sid/Messages.json").handler(this::twilio);
    router.get("/control").handler(ctx -> json(ctx, 200, settings.toJson()));
    router.post("/control").handler(this::control);
    router
        .get("/stats")
        .handler(
            ctx ->
                json(ctx, 200, stats.toJson("true".equals(ctx.request().getParam("duplicates")))));
    router
        .delete("/stats")
        .handler(
            ctx -> {
              stats = new SimulatorStats();
              json(ctx, 200, stats.toJson(false));
            });
    ticker = vertx.setPeriodic(TICK_MS, t -> tick());
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(requestedPort));
    return server.requestHandler(router).listen();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(ticker);
    return Future.join(server.close(), client.close());
  }

  // --- WhatsApp Cloud API ----------------------------------------------------------------------

  private void whatsApp(RoutingContext ctx) {
    String ep = "whatsapp";
    stats.request(ep);
    if (gate(ctx, ep)) {
      return;
    }
    JsonObject body = jsonBody(ctx);
    String to = body == null ? null : body.getString("to");
    if (to == null || to.isBlank()) {
      stats.rejected(ep, "100");
      reply(ctx, 400, metaError(100, "(#100) Invalid parameter", null, "Parameter to is required"));
      return;
    }
    String number = ctx.pathParam("phoneNumberId");
    long now = System.nanoTime();
    SimulatorSettings s = settings;
    if (bucket(waNumber, number, s.whatsappMps(), s.whatsappBurst()).tryTake(now) > 0) {
      stats.rejected(ep, "130429");
      reply(
          ctx,
          400,
          metaError(
              130429,
              "(#130429) Rate limit hit",
              2494055,
              "Message failed to send because there were too many messages sent from this phone"
                  + " number in a short period of time"));
      return;
    }
    if (bucket(waPair, number + "|" + to, 1000.0 / s.pairIntervalMs(), s.pairBurst()).tryTake(now)
        > 0) {
      stats.rejected(ep, "131056");
      reply(
          ctx,
          400,
          metaError(
              131056,
              "(#131056) (Business Account, Consumer Account) pair rate limit hit",
              2494055,
              "Message failed to send because there were too many messages sent from this phone"
                  + " number to the same phone number in a short period of time"));
      return;
    }
    JsonObject text = body.getJsonObject("text");
    String content =
        text != null && text.getString("body") != null
            ? text.getString("body")
            : body.getValue("template") != null ? String.valueOf(body.getValue("template")) : "";
    String wamid = wamid();
    stats.accepted(ep, key(to, content));
    scheduleWhatsAppStatuses(number, to, wamid);
    reply(
        ctx,
        200,
        new JsonObject()
            .put("messaging_product", "whatsapp")
            .put(
                "contacts", new JsonArray().add(new JsonObject().put("input", to).put("wa_id", to)))
            .put("messages", new JsonArray().add(new JsonObject().put("id", wamid))));
  }

  /** The error object of provider-facts §2.3. */
  private JsonObject metaError(int code, String message, Integer subcode, String details) {
    JsonObject error =
        new JsonObject()
            .put("message", message)
            .put("type", "OAuthException")
            .put("code", code)
            .put(
                "error_data",
                new JsonObject().put("messaging_product", "whatsapp").put("details", details));
    if (subcode != null) {
      error.put("error_subcode", subcode);
    }
    error.put("fbtrace_id", "Sim" + Long.toHexString(random.nextLong()));
    return new JsonObject().put("error", error);
  }

  private String wamid() {
    byte[] id = new byte[18];
    long seq = ++sequence;
    for (int i = 0; i < 8; i++) {
      id[i] = (byte) (seq >>> (56 - 8 * i));
    }
    long r = random.nextLong();
    for (int i = 8; i < 16; i++) {
      id[i] = (byte) (r >>> (8 * (i - 8)));
    }
    return "wamid." + Base64.getEncoder().encodeToString(id);
  }

  private void scheduleWhatsAppStatuses(String number, String recipient, String wamid) {
    SimulatorSettings s = settings;
    if (s.statusWebhookUrl().isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    schedule(now + jitter(s.sentDelayMs()), () -> emit(number, status(wamid, recipient, "sent")));
    if (random.nextDouble() < s.asyncFailureRate()) {
      schedule(
          now + jitter(s.deliveredDelayMs()),
          () ->
              emit(
                  number,
                  status(wamid, recipient, "failed")
                      .put(
                          "errors",
                          new JsonArray()
                              .add(
                                  new JsonObject()
                                      .put("code", 131026)
                                      .put("title", "Message undeliverable")
                                      .put("message", "Message undeliverable")
                                      .put(
                                          "error_data",
                                          new JsonObject()
                                              .put("details", "Message could not be delivered"))
                                      .put(
                                          "href",
                                          "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/")))));
      return;
    }
    long delivered = now + jitter(s.deliveredDelayMs());
    boolean read = random.nextDouble() < s.readShare();
    long readAt = now + jitter(s.readDelayMs());
    if (read && random.nextDouble() < s.reorderShare()) {
      // Out of order, as Meta allows: read first, delivered after it.
      long t = delivered;
      delivered = Math.max(readAt, t) + 1;
      readAt = Math.min(readAt, t);
    }
    schedule(delivered, () -> emit(number, status(wamid, recipient, "delivered")));
    if (read) {
      schedule(readAt, () -> emit(number, status(wamid, recipient, "read")));
    }
  }

  private static JsonObject status(String wamid, String recipient, String status) {
    JsonObject s =
        new JsonObject()
            .put("id", wamid)
            .put("status", status)
            .put("timestamp", Long.toString(System.currentTimeMillis() / 1000))
            .put("recipient_id", recipient);
    if (!status.equals("failed")) {
      s.put(
          "pricing",
          new JsonObject()
              .put("billable", true)
              .put("pricing_model", "PMP")
              .put("category", "service"));
    }
    return s;
  }

  private void emit(String number, JsonObject status) {
    long now = System.currentTimeMillis();
    webhooks.addWhatsApp(number, status, now);
    if (random.nextDouble() < settings.duplicateShare()) {
      // A repeat in a later webhook, as Meta's redeliveries arrive.
      schedule(
          now + settings.batchWindowMs() + 1 + random.nextInt(200),
          () -> webhooks.addWhatsApp(number, status.copy(), System.currentTimeMillis()));
    }
  }

  // --- Telegram Bot API ------------------------------------------------------------------------

  private void telegram(RoutingContext ctx) {
    String ep = "telegram";
    stats.request(ep);
    if (gate(ctx, ep)) {
      return;
    }
    String token = ctx.pathParam("param0");
    Map<String, String> params = params(ctx);
    String chat = params.get("chat_id");
    String text = params.get("text");
    if (chat == null || chat.isEmpty() || text == null || text.isEmpty() || text.length() > 4096) {
      stats.rejected(ep, "400");
      String what = chat == null || chat.isEmpty() ? "chat_id is empty" : "message text is empty";
      if (text != null && text.length() > 4096) {
        what = "message is too long";
      }
      reply(ctx, 400, telegramError(400, "Bad Request: " + what, null));
      return;
    }
    long now = System.nanoTime();
    SimulatorSettings s = settings;
    long wait = bucket(tgBot, token, s.telegramBotMps(), s.telegramBotBurst()).tryTake(now);
    if (wait == 0) {
      wait =
          bucket(
                  tgChat,
                  token + "|" + chat,
                  1000.0 / s.telegramChatIntervalMs(),
                  s.telegramChatBurst())
              .tryTake(now);
    }
    if (wait > 0) {
      int retryAfter = (int) Math.max(1, Math.ceil(wait / 1e9));
      stats.rejected(ep, "429");
      reply(
          ctx,
          429,
          telegramError(
              429,
              "Too Many Requests: retry after " + retryAfter,
              new JsonObject().put("retry_after", retryAfter)));
      return;
    }
    long messageId = tgMessageIds.merge(token + "|" + chat, 1L, Long::sum);
    stats.accepted(ep, key(chat, text));
    Object chatId = chat.matches("-?\\d{1,18}") ? (Object) Long.parseLong(chat) : chat;
    reply(
        ctx,
        200,
        new JsonObject()
            .put("ok", true)
            .put(
                "result",
                new JsonObject()
                    .put("message_id", messageId)
                    .put("chat", new JsonObject().put("id", chatId).put("type", "private"))
                    .put("date", System.currentTimeMillis() / 1000)
                    .put("text", text)));
  }

  private static JsonObject telegramError(int code, String description, JsonObject parameters) {
    JsonObject e =
        new JsonObject().put("ok", false).put("error_code", code).put("description", description);
    if (parameters != null) {
      e.put("parameters", parameters);
    }
    return e;
  }

  // --- Twilio ------------------------------------------------------------------------------------

  private void twilio(RoutingContext ctx) {
    String ep = "twilio";
    stats.request(ep);
    if (gate(ctx, ep)) {
      return;
    }
    MultiMap form = ctx.request().formAttributes();
    String to = form.get("To");
    String text = form.get("Body");
    String from = form.get("From") != null ? form.get("From") : form.get("MessagingServiceSid");
    if (to == null || to.isBlank()) {
      stats.rejected(ep, "21604");
      reply(ctx, 400, twilioError(21604, "A 'To' phone number is required.", 400));
      return;
    }
    if ((text == null || text.isEmpty()) && form.get("MediaUrl") == null) {
      stats.rejected(ep, "21602");
      reply(ctx, 400, twilioError(21602, "Message body is required.", 400));
      return;
    }
    String account = ctx.pathParam("sid");
    String sid = "SM" + HEX.formatHex(randomBytes(16));
    stats.accepted(ep, key(to, text == null ? "" : text));
    String callback = form.get("StatusCallback");
    String token = basicPassword(ctx.request().getHeader("Authorization"));
    if (token == null || token.isEmpty()) {
      token = settings.twilioAuthToken();
    }
    if (callback != null
        && !callback.isEmpty()
        && !token.isEmpty()
        && (settings.twilioCallbackShare() >= 1
            || random.nextDouble() < settings.twilioCallbackShare())) {
      scheduleTwilioCallbacks(callback, token, account, sid, from, to);
    }
    reply(
        ctx,
        201,
        new JsonObject()
            .put("sid", sid)
            .put("account_sid", account)
            .put("to", to)
            .put("from", from)
            .put("body", text)
            .put("status", "queued")
            .put("num_segments", "1")
            .put("direction", "outbound-api")
            .put("api_version", "2010-04-01")
            .put("error_code", (Object) null)
            .put("uri", "/2010-04-01/Accounts/" + account + "/Messages/" + sid + ".json"));
  }

  private void scheduleTwilioCallbacks(
      String url, String token, String account, String sid, String from, String to) {
    SimulatorSettings s = settings;
    long now = System.currentTimeMillis();
    boolean fail = random.nextDouble() < s.asyncFailureRate();
    schedule(
        now + jitter(s.sentDelayMs()),
        () -> webhooks.sendTwilio(url, token, twilioStatus(account, sid, from, to, "sent", null)));
    schedule(
        now + jitter(s.deliveredDelayMs()),
        () ->
            webhooks.sendTwilio(
                url,
                token,
                twilioStatus(
                    account,
                    sid,
                    from,
                    to,
                    fail ? "undelivered" : "delivered",
                    fail ? "30003" : null)));
  }

  private static Map<String, String> twilioStatus(
      String account, String sid, String from, String to, String status, String errorCode) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("AccountSid", account);
    p.put("ApiVersion", "2010-04-01");
    p.put("From", from == null ? "" : from);
    p.put("MessageSid", sid);
    p.put("MessageStatus", status);
    p.put("SmsSid", sid);
    p.put("SmsStatus", status);
    p.put("To", to);
    if (errorCode != null) {
      p.put("ErrorCode", errorCode);
    }
    return p;
  }

  private static JsonObject twilioError(int code, String message, int status) {
    return new JsonObject()
        .put("code", code)
        .put("message", message)
        .put("more_info", "https://www.twilio.com/docs/errors/" + code)
        .put("status", status);
  }

  private static String basicPassword(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      String decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).trim()),
              StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      return colon < 0 ? null : decoded.substring(colon + 1);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // --- Infobip -----------------------------------------------------------------------------------

  private void infobip(RoutingContext ctx) {
    String ep = "infobip";
    stats.request(ep);
    if (gate(ctx, ep)) {
      return;
    }
    JsonObject body = jsonBody(ctx);
    JsonArray messages = body == null ? null : body.getJsonArray("messages");
    if (messages == null || messages.isEmpty()) {
      stats.rejected(ep, "400");
      reply(ctx, 400, infobipError("E400", "Request cannot be processed."));
      return;
    }
    JsonArray out = new JsonArray();
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      JsonObject content = m.getJsonObject("content");
      String text = content == null ? "" : content.getString("text", "");
      JsonArray destinations = m.getJsonArray("destinations", new JsonArray());
      for (int d = 0; d < destinations.size(); d++) {
        String to = destinations.getJsonObject(d).getString("to");
        stats.accepted(ep, key(to, text));
        out.add(
            new JsonObject()
                .put("destination", to)
                .put("messageId", HEX.formatHex(randomBytes(12)))
                .put(
                    "status",
                    new JsonObject()
                        .put("groupId", 1)
                        .put("groupName", "PENDING")
                        .put("id", 26)
                        .put("name", "MESSAGE_ACCEPTED")
                        .put("description", "Message sent to next instance")));
      }
    }
    reply(
        ctx,
        200,
        new JsonObject()
            .put("bulkId", Long.toUnsignedString(random.nextLong()))
            .put("messages", out));
  }

  private static JsonObject infobipError(String code, String description) {
    return new JsonObject().put("errorCode", code).put("description", description);
  }

  // --- shared ------------------------------------------------------------------------------------

  /** Outage (503) and injected failure (500) in each provider's error shape; true if answered. */
  private boolean gate(RoutingContext ctx, String ep) {
    long now = System.currentTimeMillis();
    boolean outage = now < settings.outageUntilEpochMs();
    for (SimulatorSettings.Window w : settings.outages()) {
      outage |= now - startedAtMs >= w.fromMs() && now - startedAtMs < w.toMs();
    }
    int status;
    if (outage) {
      status = 503;
    } else if (settings.errorRate() > 0 && random.nextDouble() < settings.errorRate()) {
      status = 500;
    } else {
      return false;
    }
    stats.rejected(ep, Integer.toString(status));
    String word = status == 503 ? "Service Unavailable" : "Internal Server Error";
    JsonObject body =
        switch (ep) {
          case "whatsapp" ->
              status == 503
                  ? metaError(
                      2, "(#2) Service temporarily unavailable", null, "Service unavailable")
                  : metaError(1, "(#1) An unknown error occurred", null, "Unknown error");
          case "telegram" -> telegramError(status, word, null);
          case "twilio" -> twilioError(status == 503 ? 20503 : 20500, word, status);
          default -> infobipError("E" + status, word);
        };
    reply(ctx, status, body);
    return true;
  }

  private void control(RoutingContext ctx) {
    try {
      JsonObject patch = jsonBody(ctx);
      if (patch == null) {
        throw new IllegalArgumentException("the body must be a JSON object");
      }
      settings = settings.with(patch.getMap());
      // Limits may have changed: start every bucket afresh.
      waNumber.clear();
      waPair.clear();
      tgChat.clear();
      tgBot.clear();
      json(ctx, 200, settings.toJson());
    } catch (IllegalArgumentException e) {
      json(ctx, 400, new JsonObject().put("error", e.getMessage()));
    }
  }

  private String key(String recipient, String text) {
    return switch (settings.countBy()) {
      case "text" -> text;
      case "recipient-text" -> recipient + "\n" + text;
      default -> null;
    };
  }

  private static TokenBucket bucket(
      Map<String, TokenBucket> buckets, String key, double perSecond, double capacity) {
    TokenBucket b = buckets.get(key);
    if (b == null) {
      b = new TokenBucket(perSecond, capacity, System.nanoTime());
      buckets.put(key, b);
    }
    return b;
  }

  private void schedule(long atMs, Runnable action) {
    due.add(new Due(atMs, ++sequence, action));
  }

  private long jitter(long ms) {
    return ms + (ms > 0 ? random.nextLong(ms / 2 + 1) : 0);
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private void tick() {
    long now = System.currentTimeMillis();
    while (!due.isEmpty() && due.peek().atMs() <= now) {
      due.poll().action().run();
    }
    webhooks.flush(now, false);
    if (now - lastSweepMs >= SWEEP_MS) {
      lastSweepMs = now;
      long nanos = System.nanoTime();
      for (Map<String, TokenBucket> m : java.util.List.of(waNumber, waPair, tgChat, tgBot)) {
        for (Iterator<TokenBucket> it = m.values().iterator(); it.hasNext(); ) {
          if (it.next().isFull(nanos)) {
            it.remove();
          }
        }
      }
    }
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    try {
      return ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }

  /** Telegram parameters from a JSON body, a form body or the query string. */
  private static Map<String, String> params(RoutingContext ctx) {
    Map<String, String> p = new HashMap<>();
    ctx.request().params().forEach(e -> p.put(e.getKey(), e.getValue()));
    ctx.request().formAttributes().forEach(e -> p.put(e.getKey(), e.getValue()));
    String type = ctx.request().getHeader("Content-Type");
    if (type != null && type.startsWith("application/json")) {
      JsonObject body = jsonBody(ctx);
      if (body != null) {
        body.forEach(e -> p.put(e.getKey(), e.getValue() == null ? null : e.getValue().toString()));
      }
    }
    return p;
  }

  /** Answers after the configured latency: fixed plus an exponential tail. */
  private void reply(RoutingContext ctx, int status, JsonObject body) {
    SimulatorSettings s = settings;
    double delay = s.latencyFixedMs();
    if (s.latencyTailMeanMs() > 0) {
      delay += -Math.log(1 - random.nextDouble()) * s.latencyTailMeanMs();
    }
    long ms = Math.round(delay);
    if (ms <= 0) {
      json(ctx, status, body);
    } else {
      vertx.setTimer(ms, t -> json(ctx, status, body));
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().closed()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.toBuffer());
  }
}
