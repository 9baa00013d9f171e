package dev.sluice.loadtest.baseline;

import dev.sluice.loadtest.Args;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * Starts the bare egress baseline: one {@link BareEgressVerticle} per event loop on one port, all
 * sharing one Redis stream and its consumer group.
 *
 * <pre>
 * --host 127.0.0.1 --port 0 [--port-file F] --redis-url redis://127.0.0.1:6379
 * --provider-url http://127.0.0.1:8081/bare [--loops nproc] [--read-count 64]
 * [--provider-connections 64] [--stream bare:egress] [--max-lifetime-s 7200]
 * </pre>
 */
public final class BareEgressServer {
  private BareEgressServer() {}

  /** What every verticle needs; immutable. */
  record Settings(
      String host,
      int port,
      String redisUrl,
      URI providerUrl,
      String stream,
      int readCount,
      int providerConnections) {
    Settings {
      if (!"http".equals(providerUrl.getScheme()) || providerUrl.getPort() < 1) {
        throw new IllegalArgumentException("--provider-url must be http://host:port/path");
      }
      if (readCount < 1 || readCount > 10_000 || providerConnections < 1) {
        throw new IllegalArgumentException("--read-count 1..10000, --provider-connections >= 1");
      }
    }
  }

  public static void main(String[] argv) throws IOException {
    Args a = Args.parse(argv);
    int loops = a.integer("loops", Runtime.getRuntime().availableProcessors());
    Settings s =
        new Settings(
            a.string("host", "127.0.0.1"),
            a.integer("port", 0),
            a.string("redis-url", "redis://127.0.0.1:6379"),
            URI.create(a.required("provider-url")),
            a.string("stream", "bare:egress"),
            a.integer("read-count", 64),
            a.integer("provider-connections", 64));

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    createGroup(vertx, s);
    BaselineLauncher.start(
        a,
        vertx,
        loops,
        s.host(),
        i -> new BareEgressVerticle(s, "c" + i),
        BareEgressVerticle::port,
        "bare egress baseline (provider " + s.providerUrl() + ")");
  }

  /** The stream and its consumer group, from the start of the stream; an existing group is kept. */
  static void createGroup(Vertx vertx, Settings s) {
    Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(s.redisUrl()));
    try {
      redis
          .send(
              Request.cmd(Command.XGROUP)
                  .arg("CREATE")
                  .arg(s.stream())
                  .arg(BareEgressVerticle.GROUP)
                  .arg("0")
                  .arg("MKSTREAM"))
          .recover(
              e ->
                  e.getMessage() != null && e.getMessage().startsWith("BUSYGROUP")
                      ? io.vertx.core.Future.succeededFuture()
                      : io.vertx.core.Future.failedFuture(e))
          .timeout(5, TimeUnit.SECONDS)
          .await();
    } finally {
      redis.close();
    }
  }
}
