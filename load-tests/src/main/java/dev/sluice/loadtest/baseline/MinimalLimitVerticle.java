package dev.sluice.loadtest.baseline;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One event loop of the minimal limit server: {@code POST /webhooks/meta/{anything}} → raw body →
 * constant-time HMAC-SHA256 check → byte scan for the first message's {@code id} and {@code from}
 * (no JSON tree) → added to this turn's batch; at the end of the turn one {@code min_admit} call
 * for the whole batch on this loop's own pipelined connection → 200 once Redis replied, 503 if it
 * failed, 401 for a bad signature, 400 for a body without a message. Only inbound messages (one per
 * webhook, the first one) are taken: it is a ceiling, not a service.
 */
final class MinimalLimitVerticle extends VerticleBase {
  private static final byte[] MESSAGES = ascii("\"messages\":[");
  private static final byte[] FROM = ascii("\"from\":\"");
  private static final byte[] ID = ascii("\"id\":\"");
  private static final String SIGNATURE_PREFIX = "sha256=";
  private static final int MAX_EVENTS_PER_CALL = 1_000;
  private static final long REDIS_TIMEOUT_MS = 2_000;

  private final MinimalLimitServer.Settings settings;
  private final String inbound;
  private final String quarantine;
  private final byte[] dedupPrefix;
  private final byte[] ratePrefix;
  private Mac mac;
  private Redis client;
  private RedisConnection redis;
  private HttpServer server;
  private List<Pending> batch = new ArrayList<>();

  private record Pending(
      byte[] dedupKey, byte[] rateKey, byte[] raw, HttpServerResponse response) {}

  MinimalLimitVerticle(MinimalLimitServer.Settings settings) {
    this.settings = settings;
    this.inbound = settings.keyPrefix() + "{m}:in";
    this.quarantine = settings.keyPrefix() + "{m}:in:q";
    this.dedupPrefix = ascii(settings.keyPrefix() + "{m}:dd:");
    this.ratePrefix = ascii(settings.keyPrefix() + "{m}:rl:");
  }

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
      error(req.response(), 404, "not_found", "no such endpoint");
      return;
    }
    req.body()
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                handle(req, ar.result());
              } else {
                error(req.response(), 400, "bad_request", "body could not be read");
              }
            });
  }

  private void handle(HttpServerRequest req, Buffer body) {
    byte[] bytes = body.getBytes();
    if (!signed(req.getHeader("X-Hub-Signature-256"), bytes)) {
      error(req.response(), 401, "bad_signature", "X-Hub-Signature-256 does not match");
      return;
    }
    int messages = indexOf(bytes, MESSAGES, 0);
    int from = messages < 0 ? -1 : indexOf(bytes, FROM, messages);
    int id = messages < 0 ? -1 : indexOf(bytes, ID, messages);
    int fromEnd = from < 0 ? -1 : quote(bytes, from + FROM.length);
    int idEnd = id < 0 ? -1 : quote(bytes, id + ID.length);
    if (fromEnd < 0 || idEnd < 0) {
      error(req.response(), 400, "bad_request", "no message id and sender in the webhook");
      return;
    }
    batch.add(
        new Pending(
            concat(dedupPrefix, bytes, id + ID.length, idEnd),
            concat(ratePrefix, bytes, from + FROM.length, fromEnd),
            bytes,
            req.response()));
    if (batch.size() == 1) {
      context.runOnContext(v -> flush());
    }
  }

  private boolean signed(String header, byte[] body) {
    if (header == null || header.length() != 71 || !header.startsWith(SIGNATURE_PREFIX)) {
      return false;
    }
    byte[] given;
    try {
      given = HexFormat.of().parseHex(header, 7, 71);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(mac.doFinal(body), given);
  }

  private void flush() {
    List<Pending> all = batch;
    batch = new ArrayList<>();
    for (int i = 0; i < all.size(); i += MAX_EVENTS_PER_CALL) {
      send(all.subList(i, Math.min(all.size(), i + MAX_EVENTS_PER_CALL)));
    }
  }

  private void send(List<Pending> chunk) {
    Request fcall =
        Request.cmd(Command.FCALL)
            .arg("min_admit")
            .arg(2 + 2 * chunk.size())
            .arg(inbound)
            .arg(quarantine);
    for (Pending p : chunk) {
      fcall.arg(p.dedupKey()).arg(p.rateKey());
    }
    fcall.arg(settings.dedupTtlSeconds()).arg(settings.intervalMs()).arg(settings.toleranceMs());
    for (Pending p : chunk) {
      fcall.arg(p.raw());
    }
    redis
        .send(fcall)
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onComplete(
            ar -> {
              for (Pending p : chunk) {
                if (ar.succeeded()) {
                  p.response().end();
                } else {
                  p.response().setStatusCode(503).putHeader("Retry-After", "5").end();
                }
              }
            });
  }

  private static void error(HttpServerResponse response, int status, String code, String message) {
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end("{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}");
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from, last = haystack.length - needle.length; i <= last; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int quote(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == '"') {
        return i > from ? i : -1;
      }
    }
    return -1;
  }

  private static byte[] concat(byte[] prefix, byte[] src, int from, int to) {
    byte[] key = new byte[prefix.length + to - from];
    System.arraycopy(prefix, 0, key, 0, prefix.length);
    System.arraycopy(src, from, key, prefix.length, to - from);
    return key;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
