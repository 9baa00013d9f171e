package dev.sluice.gateway.redis;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.StartupException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisCluster;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared Redis client (a single server or a cluster; same code for both). Hot paths do not use
 * it directly: each verticle takes its own pipelined connection with {@link #pipelined()}. This
 * class is thread-safe.
 */
public final class RedisBackend implements RedisCommands {
  private static final Logger LOG = LoggerFactory.getLogger(RedisBackend.class);

  /** The function library, loaded with {@code FUNCTION LOAD REPLACE} at start. */
  static final String LIBRARY_RESOURCE = "/redis/sluice.lua";

  private static final Pattern VERSION =
      Pattern.compile(
          "function_name = 'sluice_version',\\s*callback = function\\(keys, args\\) return (\\d+) end");

  private final Vertx vertx;
  private final GatewayConfig.Redis config;
  private final Redis client;
  private final KeyScan keyScan;

  private RedisBackend(Vertx vertx, GatewayConfig.Redis config, Redis client) {
    this.vertx = vertx;
    this.config = config;
    this.client = client;
    this.keyScan = new KeyScan(vertx, config, this);
  }

  /** Creates the client; connects lazily. */
  public static RedisBackend create(Vertx vertx, GatewayConfig.Redis config) {
    return new RedisBackend(
        vertx, config, Redis.createClient(vertx, options(config, config.maxPoolSize())));
  }

  private static RedisOptions options(GatewayConfig.Redis config, int poolSize) {
    return new RedisOptions()
        .setType(config.cluster() ? RedisClientType.CLUSTER : RedisClientType.STANDALONE)
        .setEndpoints(config.urls())
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(4 * poolSize)
        .setMaxWaitingHandlers(config.maxWaitingHandlers())
        .setNetClientOptions(
            new NetClientOptions()
                .setConnectTimeout((int) config.connectTimeoutMs())
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true));
  }

  public GatewayConfig.Redis config() {
    return config;
  }

  /** One command through the pool, with the command deadline. Not for hot paths. */
  @Override
  public Future<Response> send(Request request) {
    return client.send(request).timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS);
  }

  /**
   * Walks every key whose name matches the SCAN pattern {@code match}: on a single server, or on
   * every master of a cluster (a SCAN covers one server only). Each step's keys go to {@code
   * onKeys}, and the next step waits for its Future. Not for hot paths: it walks the whole key
   * space, {@code count} keys per step.
   *
   * @return a Future that fails as soon as a step or {@code onKeys} fails
   */
  public Future<Void> scan(String match, int count, Function<List<String>, Future<?>> onKeys) {
    return keyScan.scan(match, count, onKeys);
  }

  /**
   * Deletes keys ({@code UNLINK}, freed in the background), one call per hash slot tag so that on a
   * cluster each call's keys share a slot.
   *
   * @return how many of them existed
   */
  public Future<Long> unlink(Collection<String> keys) {
    return keyScan.unlink(keys);
  }

  /** A literal for a SCAN pattern: its glob characters ({@code *?[]\}) escaped. */
  public static String globLiteral(String text) {
    return KeyScan.globLiteral(text);
  }

  /** A new pipelined connection for the calling verticle; use it only on that verticle's loop. */
  public PipelinedRedis pipelined() {
    // Its own small client (a cluster connection holds one connection per master).
    RedisOptions options = options(config, 4);
    return new PipelinedRedis(
        () -> Redis.createClient(vertx, options), config.commandTimeoutMs(), config.keyPrefix());
  }

  /**
   * The namespace of the gateway's keys ({@code redis.keyPrefix}): every key name starts with it.
   * Several deployments share one Redis database (a cluster has only database 0) by each having its
   * own.
   */
  @Override
  public String keyPrefix() {
    return config.keyPrefix();
  }

  /** The key holding the deployment a namespace belongs to: {@code <prefix>sluice:owner}. */
  public static String ownerKey(String keyPrefix) {
    return keyPrefix + "sluice:owner";
  }

  /**
   * Blocks the calling (non event-loop) thread to claim this gateway's namespace for its deployment
   * (the PostgreSQL database it writes to): the first gateway stamps the namespace with the
   * deployment's id ({@code SET NX}, never expiring), every later one checks the stamp. Two
   * deployments sharing a namespace would take each other's work: the dispatcher of one would fail
   * the other's messages (their channels are unknown to it) and its ledger writer would write the
   * other's history into the wrong database.
   *
   * @param deploymentId the id kept in the database
   * @param database where that database is, named in messages
   * @throws StartupException exit code 2, naming both databases and {@code redis.keyPrefix}, when
   *     the namespace belongs to another deployment; exit code 1 when Redis does not answer
   */
  public void claimNamespace(String deploymentId, String database) {
    String key = ownerKey(keyPrefix());
    String stamp = deploymentId + " " + database;
    Response previous;
    try {
      previous = send(Request.cmd(Command.SET).arg(key).arg(stamp).arg("NX").arg("GET")).await();
    } catch (Exception e) {
      throw new StartupException(
          "cannot read " + key + " at " + config.displayUrls() + " (" + e.getMessage() + ")");
    }
    if (previous == null) {
      LOG.info(
          "Redis namespace '{}' stamped for the deployment of database {}", keyPrefix(), database);
      return;
    }
    String[] owner = previous.toString().split(" ", 2);
    if (owner[0].equals(deploymentId)) {
      return;
    }
    String namespace =
        keyPrefix().isEmpty()
            ? "the Redis namespace without a prefix"
            : "the Redis namespace '" + keyPrefix() + "'";
    throw StartupException.misconfigured(
        namespace
            + " at "
            + config.displayUrls()
            + " belongs to the deployment of database "
            + (owner.length > 1 ? owner[1] : owner[0])
            + ", not to this gateway's database "
            + database
            + ": give each deployment a namespace of its own with redis.keyPrefix"
            + " (SLUICE_REDIS_KEY_PREFIX), or, if that deployment is gone for good, delete the"
            + " namespace's keys, "
            + key
            + " last");
  }

  /**
   * Blocks the calling (non event-loop) thread until Redis answers PING, then loads the function
   * library on every master.
   *
   * @throws StartupException naming the URL when Redis does not answer within the wait
   */
  public void awaitReadyAndLoadFunctions(long waitMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    Throwable last = null;
    do {
      try {
        send(Request.cmd(Command.PING)).await();
        last = null;
        break;
      } catch (Exception e) {
        last = e;
        sleepQuietly(250);
      }
    } while (System.nanoTime() < deadline);
    if (last != null) {
      throw new StartupException(
          "Redis at "
              + config.displayUrls()
              + " is not reachable ("
              + last.getMessage()
              + "): start it (./run.sh does) or point SLUICE_REDIS_URL at a running server");
    }
    try {
      loadFunctions().await();
    } catch (Exception e) {
      throw new StartupException(
          "cannot load the Redis function library at "
              + config.displayUrls()
              + " ("
              + e.getMessage()
              + "): Sluice needs Redis 7.0 or newer");
    }
  }

  /**
   * Loads (replaces) the function library on the server, or on every master of a cluster, unless a
   * newer version is loaded there already: during a rolling upgrade, a gateway of the previous
   * version that restarts must not take away functions the new ones call (each version keeps the
   * functions its predecessor calls). Two gateways of different versions starting at the same
   * instant may still both load; the next start of a newer one loads its library again.
   */
  public Future<Void> loadFunctions() {
    int ours = libraryVersion(library());
    return loadedVersion()
        .compose(
            loaded -> {
              if (loaded > ours) {
                LOG.info(
                    "Redis has function library version {} loaded, newer than ours ({}): kept",
                    loaded,
                    ours);
                return Future.succeededFuture();
              }
              Request load =
                  Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(library());
              if (!config.cluster()) {
                return send(load).mapEmpty();
              }
              return RedisCluster.create(client)
                  .onAllMasterNodes(load)
                  .timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS)
                  .onSuccess(
                      r -> LOG.info("function library loaded on {} cluster masters", r.size()))
                  .mapEmpty();
            });
  }

  /** The library version loaded (the lowest over a cluster's masters); 0 when none is. */
  private Future<Integer> loadedVersion() {
    Request version = Request.cmd(Command.FCALL).arg("sluice_version").arg(0);
    Future<Integer> loaded =
        config.cluster()
            ? RedisCluster.create(client)
                .onAllMasterNodes(version)
                .timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS)
                .map(all -> all.stream().mapToInt(Response::toInteger).min().orElse(0))
            : send(version).map(Response::toInteger);
    return loaded.otherwise(0); // "function not found": nothing loaded yet
  }

  /** The version {@code sluice_version} of this library source returns. */
  static int libraryVersion(String source) {
    Matcher m = VERSION.matcher(source);
    if (!m.find()) {
      throw new IllegalStateException("sluice_version not found in " + LIBRARY_RESOURCE);
    }
    return Integer.parseInt(m.group(1));
  }

  static String library() {
    try (InputStream in = RedisBackend.class.getResourceAsStream(LIBRARY_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(LIBRARY_RESOURCE + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Future<Void> close() {
    return client.close();
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms); // main thread at startup, never an event loop
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
