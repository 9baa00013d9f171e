package dev.sluice.gateway.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-lived, pipelined Redis connection owned by one verticle and used only on its event loop,
 * so commands from one loop turn go out back to back without waiting for each other. It reconnects
 * by itself after the connection is lost; while Redis is down it fails calls at once rather than
 * queueing them, and tries again after a short, growing pause.
 */
public final class PipelinedRedis {
  private static final Logger LOG = LoggerFactory.getLogger(PipelinedRedis.class);
  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 2_000;

  private final Redis client;
  private final long timeoutMs;

  private RedisConnection connection;
  private Future<RedisConnection> connecting;
  private long retryAtMs;
  private long backoffMs = MIN_BACKOFF_MS;
  private long lastWarnMs;

  PipelinedRedis(Redis client, long timeoutMs) {
    this.client = client;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Sends one command on this loop's connection.
   *
   * @return the reply; fails with {@link RedisUnavailableException} when there is no connection,
   *     with a timeout, or with the server's error reply
   */
  public Future<Response> send(Request request) {
    RedisConnection c = connection;
    if (c != null) {
      return c.send(request)
          .timeout(timeoutMs, TimeUnit.MILLISECONDS)
          .onFailure(e -> dropIfBroken(c, e));
    }
    return connect().compose(conn -> send(request));
  }

  private Future<RedisConnection> connect() {
    if (connecting != null) {
      return connecting;
    }
    long now = System.currentTimeMillis();
    if (now < retryAtMs) {
      return Future.failedFuture(RedisUnavailableException.INSTANCE);
    }
    connecting =
        client
            .connect()
            .timeout(timeoutMs, TimeUnit.MILLISECONDS)
            .transform(
                ar -> {
                  connecting = null;
                  if (ar.failed()) {
                    retryAtMs = System.currentTimeMillis() + backoffMs;
                    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                    warn("cannot connect to Redis: " + ar.cause().getMessage());
                    return Future.failedFuture(RedisUnavailableException.INSTANCE);
                  }
                  RedisConnection conn = ar.result();
                  backoffMs = MIN_BACKOFF_MS;
                  conn.exceptionHandler(e -> forget(conn));
                  conn.endHandler(v -> forget(conn));
                  connection = conn;
                  return Future.succeededFuture(conn);
                });
    return connecting;
  }

  /** A server error reply leaves the connection usable; anything else may have broken it. */
  private void dropIfBroken(RedisConnection conn, Throwable e) {
    if (isServerReply(e)) {
      return;
    }
    if (connection == conn) {
      connection = null;
      conn.close();
    }
  }

  private void forget(RedisConnection conn) {
    if (connection == conn) {
      connection = null;
    }
  }

  static boolean isServerReply(Throwable e) {
    return e.getClass().getName().startsWith("io.vertx.redis.client.impl.types.ErrorType");
  }

  private void warn(String message) {
    long now = System.currentTimeMillis();
    if (now - lastWarnMs > 10_000) { // one warning per loop every 10 s while Redis is down
      lastWarnMs = now;
      LOG.warn(message);
    }
  }

  /** Closes the connection (verticle stop). */
  public Future<Void> close() {
    RedisConnection c = connection;
    connection = null;
    return c == null ? Future.succeededFuture() : c.close();
  }
}
