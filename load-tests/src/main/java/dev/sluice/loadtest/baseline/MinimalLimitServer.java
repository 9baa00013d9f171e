package dev.sluice.loadtest.baseline;

import dev.sluice.loadtest.Args;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Starts the minimal limit server: one {@link MinimalLimitVerticle} per event loop on one port. It
 * is the ceiling of ingress on this machine, not a service: HMAC check, a byte scan for the event
 * id and the sender, one {@code min_admit} call per event-loop turn, 200.
 *
 * <pre>
 * --host 127.0.0.1 --port 0 [--port-file F] --redis-url redis://127.0.0.1:6379 --app-secret S
 * [--key-prefix P] [--loops nproc] [--dedup-ttl-s 604800] [--per-minute 600] [--burst 100]
 * [--max-lifetime-s 3600]
 * </pre>
 *
 * <p>{@code --key-prefix} goes before every key name ({@code {m}:in} becomes {@code P{m}:in}), as
 * the gateway's {@code redis.keyPrefix} does, so that runs can share one Redis database.
 */
public final class MinimalLimitServer {
  private MinimalLimitServer() {}

  /** What every verticle needs; immutable. */
  record Settings(
      String host,
      int port,
      String redisUrl,
      String keyPrefix,
      String appSecret,
      long dedupTtlSeconds,
      long intervalMs,
      long toleranceMs) {}

  public static void main(String[] argv) throws IOException {
    Args a = Args.parse(argv);
    int loops = a.integer("loops", Runtime.getRuntime().availableProcessors());
    long interval = Math.max(1, Math.round(60_000.0 / a.integer("per-minute", 600)));
    Settings s =
        new Settings(
            a.string("host", "127.0.0.1"),
            a.integer("port", 0),
            a.string("redis-url", "redis://127.0.0.1:6379"),
            a.string("key-prefix", ""),
            a.required("app-secret"),
            a.longValue("dedup-ttl-s", 604_800),
            interval,
            interval * a.integer("burst", 100));

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    loadFunctions(vertx, s.redisUrl());
    BaselineLauncher.start(
        a,
        vertx,
        loops,
        s.host(),
        i -> new MinimalLimitVerticle(s),
        MinimalLimitVerticle::port,
        "minimal limit server");
  }

  static void loadFunctions(Vertx vertx, String url) throws IOException {
    String lua;
    try (InputStream in = MinimalLimitServer.class.getResourceAsStream("/baseline/minimal.lua")) {
      lua = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(url));
    try {
      redis
          .send(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(lua))
          .timeout(5, TimeUnit.SECONDS)
          .await();
    } finally {
      redis.close();
    }
  }
}
