package dev.sluice.loadtest.baseline;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One event loop of the baseline: {@code POST /webhooks/meta/{anything}} → HMAC check → quick JSON
 * parse → one {@code bare_admit} call per partition per loop turn on this loop's own pipelined
 * Redis connection → 200 once Redis confirmed (503 if it did not, 401 for a bad signature).
 */
final class BareIngressVerticle extends VerticleBase {
  private static final HexFormat HEX = HexFormat.of();
  private static final int MAX_EVENTS_PER_CALL = 200;
  private static final long REDIS_TIMEOUT_MS = 2_000;

  private final BareIngressServer.Settings settings;
  private Mac mac;
  private Redis client;
  private RedisConnection redis;
  private HttpServer server;
  private Map<String, List<Pending>> pending = new LinkedHashMap<>();
  private boolean flushScheduled;

  BareIngressVerticle(BareIngressServer.Settings settings) {
    this.settings = settings;
  }

  private record Pending(
      String tag,
      String dedupKey,
      String rateKey,
      byte[] payload,
      byte[] raw,
      String conv,
      Promise<Long> promise) {}

  int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() throws Exception {
    mac = Mac.getInstance("HmacSHA256");
    mac.init(
        new SecretKeySpec(settings.appSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    client =
        Redis.createClient(
            vertx,
            new RedisOptions()
                .setConnectionString(settings.redisUrl())
                .setMaxWaitingHandlers(16_384));
    server =
        vertx.createHttpServer(
            new HttpServerOptions().setHost(settings.host()).setPort(settings.port()));
    return client
        .connect()
        .compose(
            c -> {
              redis = c;
              return server.requestHandler(this::handle).listen();
            });
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> client.close());
  }

  private void handle(HttpServerRequest req) {
    if (req.method() != HttpMethod.POST || !req.path().startsWith("/webhooks/meta/")) {
      req.response().setStatusCode(404).end();
      return;
    }
    req.body().onSuccess(body -> handle(req, body));
  }

  private void handle(HttpServerRequest req, Buffer body) {
    byte[] bytes = body.getBytes();
    String header = req.getHeader("X-Hub-Signature-256");
    byte[] expected =
        ("sha256=" + HEX.formatHex(mac.doFinal(bytes))).getBytes(StandardCharsets.US_ASCII);
    if (header == null
        || !MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.US_ASCII))) {
      req.response().setStatusCode(401).end();
      return;
    }
    List<Future<Long>> outcomes = new ArrayList<>();
    try {
      JsonObject root = new JsonObject(body);
      JsonArray entries = root.getJsonArray("entry");
      for (int i = 0; i < entries.size(); i++) {
        JsonArray changes = entries.getJsonObject(i).getJsonArray("changes");
        for (int j = 0; j < changes.size(); j++) {
          JsonObject value = changes.getJsonObject(j).getJsonObject("value");
          String number = value.getJsonObject("metadata").getString("phone_number_id");
          JsonArray messages = value.getJsonArray("messages");
          for (int k = 0; messages != null && k < messages.size(); k++) {
            JsonObject m = messages.getJsonObject(k);
            outcomes.add(enqueue(number, m.getString("id"), m.getString("from"), m));
          }
          JsonArray statuses = value.getJsonArray("statuses");
          for (int k = 0; statuses != null && k < statuses.size(); k++) {
            JsonObject s = statuses.getJsonObject(k);
            outcomes.add(
                enqueue(
                    number,
                    s.getString("id") + ":" + s.getString("status"),
                    s.getString("recipient_id"),
                    s));
          }
        }
      }
    } catch (RuntimeException e) {
      req.response().setStatusCode(400).end();
      return;
    }
    int n = outcomes.size();
    Future.all(outcomes)
        .onSuccess(
            all -> {
              for (int i = 0; i < n; i++) {
                if (all.<Long>resultAt(i) == 3L) {
                  req.response().setStatusCode(503).putHeader("Retry-After", "30").end();
                  return;
                }
              }
              req.response()
                  .putHeader("Content-Type", "application/json")
                  .end("{\"status\":\"accepted\",\"events\":" + n + "}");
            })
        .onFailure(e -> req.response().setStatusCode(503).putHeader("Retry-After", "5").end());
  }

  private Future<Long> enqueue(String number, String eventId, String from, JsonObject raw) {
    int partition = (from.hashCode() & Integer.MAX_VALUE) % settings.partitions();
    String tag = "{b:" + number + ":" + partition + "}";
    JsonObject payload =
        new JsonObject()
            .put("channel", number)
            .put("from", from)
            .put("providerMessageId", eventId)
            .put("receivedAt", System.currentTimeMillis());
    Pending p =
        new Pending(
            tag,
            tag + ":dd:" + eventId,
            tag + ":rl:" + from,
            payload.toBuffer().getBytes(),
            raw.toBuffer().getBytes(),
            number + ":" + from,
            Promise.promise());
    pending.computeIfAbsent(tag, k -> new ArrayList<>()).add(p);
    if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> flush());
    }
    return p.promise().future();
  }

  private void flush() {
    Map<String, List<Pending>> batch = pending;
    pending = new LinkedHashMap<>();
    flushScheduled = false;
    for (List<Pending> group : batch.values()) {
      for (int from = 0; from < group.size(); from += MAX_EVENTS_PER_CALL) {
        send(group.subList(from, Math.min(group.size(), from + MAX_EVENTS_PER_CALL)));
      }
    }
  }

  private void send(List<Pending> chunk) {
    String tag = chunk.get(0).tag();
    Request fcall = Request.cmd(Command.FCALL).arg("bare_admit").arg(2 + 2 * chunk.size());
    fcall.arg(tag + ":in").arg(tag + ":in:q");
    for (Pending p : chunk) {
      fcall.arg(p.dedupKey()).arg(p.rateKey());
    }
    fcall.arg(settings.dedupTtlSeconds()).arg(settings.backlogBound());
    for (Pending p : chunk) {
      fcall
          .arg(p.payload())
          .arg(p.raw())
          .arg(p.conv())
          .arg(settings.intervalMs())
          .arg(settings.toleranceMs());
    }
    redis
        .send(fcall)
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                chunk.forEach(p -> p.promise().tryFail(ar.cause()));
                return;
              }
              Response codes = ar.result();
              for (int i = 0; i < chunk.size(); i++) {
                chunk.get(i).promise().tryComplete(codes.get(i).toLong());
              }
            });
  }
}
