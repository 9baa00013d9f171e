package dev.sluice.gateway.redis;

import dev.sluice.gateway.logging.ThrottledLogger;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Future;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.PooledRedisConnection;
import io.vertx.redis.client.impl.RedisClusterConnection;
import io.vertx.redis.client.impl.RedisStandaloneConnection;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-lived, pipelined Redis connection owned by one verticle and used only on its event loop,
 * so commands from one loop turn go out back to back without waiting for each other, in one socket
 * write per server (see {@link #consolidateFlushes}). It reconnects by itself after the connection
 * is lost; while Redis is down it fails calls at once rather than queueing them, and tries again
 * after a short, growing pause.
 */
public final class PipelinedRedis implements RedisCommands {
  private static final Logger LOG = LoggerFactory.getLogger(PipelinedRedis.class);
  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 2_000;

  /** Flushes deferred at most before one is made anyway (Netty's default for the handler). */
  private static final int MAX_DEFERRED_FLUSHES = 256;

  private static final Field SOCKET = field(RedisStandaloneConnection.class, "netSocket");
  private static final Field NODES = field(RedisClusterConnection.class, "connections");

  /** One warning per connection every 10 s while Redis is down. */
  private final ThrottledLogger warnings = new ThrottledLogger(LOG);

  private final Supplier<Redis> clients;
  private final long timeoutMs;
  private final String keyPrefix;

  /**
   * This connection's own client. A pooled client may hand a connection that broke while idle back
   * out again after {@code close()} (it is recycled, not checked), so on a broken connection the
   * whole client is discarded and the next connect starts from a fresh one.
   */
  private Redis client;

  private RedisConnection connection;
  private Future<RedisConnection> connecting;
  private long retryAtMs;
  private long backoffMs = MIN_BACKOFF_MS;

  PipelinedRedis(Supplier<Redis> clients, long timeoutMs, String keyPrefix) {
    this.clients = clients;
    this.timeoutMs = timeoutMs;
    this.keyPrefix = keyPrefix;
  }

  /**
   * The namespace of the keys on this connection ({@code redis.keyPrefix}): every key name the
   * gateway sends starts with it, as a logical database would be chosen by a connection.
   */
  @Override
  public String keyPrefix() {
    return keyPrefix;
  }

  /**
   * Sends one command on this loop's connection.
   *
   * @return the reply; fails with {@link RedisUnavailableException} when there is no connection,
   *     with a timeout, or with the server's error reply
   */
  @Override
  public Future<Response> send(Request request) {
    RedisConnection c = connection;
    if (c == null) {
      return connect().compose(conn -> sendOn(conn, request));
    }
    // A connection that broke while idle (Redis restarted) fails its next command: resend once
    // on a new connection. Safe because every Sluice function is idempotent (admission writes
    // the dedup marker atomically with the entry); a timeout is not resent, Redis may be busy.
    return sendOn(c, request)
        .recover(
            e ->
                isBrokenConnection(e)
                    ? connect().compose(conn -> sendOn(conn, request))
                    : Future.failedFuture(e));
  }

  private Future<Response> sendOn(RedisConnection c, Request request) {
    return c.send(request)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onFailure(e -> dropIfBroken(c, e));
  }

  private static boolean isBrokenConnection(Throwable e) {
    return !isServerReply(e)
        && !(e instanceof RedisUnavailableException)
        && !e.getClass().getSimpleName().contains("Timeout");
  }

  private Future<RedisConnection> connect() {
    if (connecting != null) {
      return connecting;
    }
    long now = System.currentTimeMillis();
    if (now < retryAtMs) {
      return Future.failedFuture(RedisUnavailableException.INSTANCE);
    }
    if (client == null) {
      client = clients.get();
    }
    Redis connectingClient = client;
    connecting =
        connectingClient
            .connect()
            .timeout(timeoutMs, TimeUnit.MILLISECONDS)
            .transform(
                ar -> {
                  connecting = null;
                  if (ar.failed()) {
                    discardClient(connectingClient);
                    retryAtMs = System.currentTimeMillis() + backoffMs;
                    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                    warnings.warn("cannot connect to Redis: {}", ar.cause().getMessage());
                    return Future.failedFuture(RedisUnavailableException.INSTANCE);
                  }
                  RedisConnection conn = ar.result();
                  consolidateFlushes(conn);
                  backoffMs = MIN_BACKOFF_MS;
                  conn.exceptionHandler(e -> forget(conn));
                  conn.endHandler(v -> forget(conn));
                  connection = conn;
                  return Future.succeededFuture(conn);
                });
    return connecting;
  }

  /**
   * Makes the commands sent in one event-loop turn leave in one socket write per server. Vert.x
   * flushes every write made outside a read of the same connection at once: a turn that sends
   * twenty commands (for twenty API requests, or twenty provider answers, each arriving on its own
   * socket) makes twenty {@code write} calls, and Redis twenty reads. Netty's {@link
   * FlushConsolidationHandler} at the head of the connection's pipeline defers those flushes to the
   * end of the turn (and flushes after a read of the connection as before). A cluster connection
   * holds one connection per master, each given the handler (one a cluster connection opens later,
   * after a redirection to a node it did not know, flushes one by one until the next reconnect).
   * The Redis client does not expose its sockets, so they are reached by reflection; a client it
   * cannot reach (a changed client) is used as it is.
   */
  private static void consolidateFlushes(RedisConnection conn) {
    if (conn instanceof RedisClusterConnection cluster) {
      nodeConnections(cluster).forEach(PipelinedRedis::consolidateFlushes);
      return;
    }
    if (SOCKET == null || !(conn instanceof PooledRedisConnection pooled)) {
      return;
    }
    try {
      if (pooled.actual() instanceof RedisStandaloneConnection standalone
          && SOCKET.get(standalone) instanceof NetSocketInternal socket) {
        ChannelPipeline pipeline = socket.channelHandlerContext().pipeline();
        if (pipeline.get(FlushConsolidationHandler.class) == null) {
          pipeline.addFirst(new FlushConsolidationHandler(MAX_DEFERRED_FLUSHES, true));
        }
      }
    } catch (IllegalAccessException | RuntimeException e) {
      LOG.debug("Redis writes are flushed one by one: {}", e.toString());
    }
  }

  /** The per-node connections of a cluster connection; none if they cannot be reached. */
  private static List<RedisConnection> nodeConnections(RedisClusterConnection cluster) {
    if (NODES == null) {
      return List.of();
    }
    try {
      Map<?, ?> nodes = (Map<?, ?>) NODES.get(cluster);
      synchronized (nodes) { // the client fills the map under this lock
        return nodes.values().stream()
            .filter(RedisConnection.class::isInstance)
            .map(RedisConnection.class::cast)
            .toList();
      }
    } catch (IllegalAccessException | RuntimeException e) {
      LOG.debug("Redis writes to a cluster are flushed one by one: {}", e.toString());
      return List.of();
    }
  }

  private static Field field(Class<?> owner, String name) {
    try {
      Field f = owner.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("Redis writes are flushed one by one: {}", e.toString());
      return null;
    }
  }

  /** A server error reply leaves the connection usable; anything else may have broken it. */
  private void dropIfBroken(RedisConnection conn, Throwable e) {
    if (!isServerReply(e)) {
      forget(conn);
    }
  }

  private void forget(RedisConnection conn) {
    if (connection == conn) {
      connection = null;
      discardClient(client);
    }
  }

  private void discardClient(Redis c) {
    if (c != null && client == c) {
      client = null;
      c.close(); // closes its connections too
    }
  }

  static boolean isServerReply(Throwable e) {
    return e.getClass().getName().startsWith("io.vertx.redis.client.impl.types.ErrorType");
  }

  /** Closes the connection (verticle stop). */
  public Future<Void> close() {
    Redis c = client;
    client = null;
    connection = null;
    return c == null ? Future.succeededFuture() : c.close();
  }
}
