package dev.sluice.gateway;

import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.db.Database;
import dev.sluice.gateway.db.PostgresCheck;
import dev.sluice.gateway.health.HealthRoutes;
import dev.sluice.gateway.http.HttpVerticle;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.metrics.Metrics;
import dev.sluice.gateway.metrics.MetricsRoutes;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.redis.RedisCheck;
import dev.sluice.gateway.tenant.TenantDirectory;
import dev.sluice.gateway.tenant.TenantRepository;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the composition root. {@link #start} builds everything with plain constructors
 * in dependency order — backends, Vert.x, shared clients, services, verticles — and {@link #close}
 * takes it down in reverse. Main and the tests both start the gateway this way.
 */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final Vertx vertx;
  private final Metrics metrics;
  private final RedisBackend redis;
  private final Pool pg;
  private final List<String> deployments;

  private Gateway(
      GatewayConfig config,
      Vertx vertx,
      Metrics metrics,
      RedisBackend redis,
      Pool pg,
      List<String> deployments) {
    this.config = config;
    this.vertx = vertx;
    this.metrics = metrics;
    this.redis = redis;
    this.pg = pg;
    this.deployments = deployments;
  }

  /**
   * Starts the gateway; blocks the calling thread (never call it on an event loop) until it serves
   * HTTP.
   *
   * @throws StartupException with one line naming what is wrong when a backend is unreachable
   */
  public static Gateway start(GatewayConfig config) {
    Database.prepare(config.pg(), config.startup().backendWaitMs());

    int eventLoops =
        config.http().eventLoops() > 0
            ? config.http().eventLoops()
            : Runtime.getRuntime().availableProcessors();
    Metrics metrics = new Metrics();
    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setEventLoopPoolSize(eventLoops)
                    .setMetricsOptions(Metrics.vertxOptions()))
            .withMetrics(metrics.vertxMetricsFactory())
            .build();
    RedisBackend redis = RedisBackend.create(vertx, config.redis(), eventLoops);
    Pool pg = null;
    try {
      redis.awaitReadyAndLoadFunctions(config.startup().backendWaitMs());
      pg = Database.pool(vertx, config.pg());
      Pool pool = pg;
      CredentialCipher cipher = new CredentialCipher(config.security().masterKey());
      TenantDirectory directory = new TenantDirectory(pool, cipher);
      directory // main thread: the first snapshot is in place before any request
          .refresh()
          .recover(
              e ->
                  Future.failedFuture(
                      new StartupException("cannot load the tenant directory: " + e.getMessage())))
          .await();
      directory.startPolling(vertx);
      AdminRoutes admin =
          new AdminRoutes(config.admin().token(), new TenantRepository(pool, cipher), directory);
      String id =
          vertx
              .deployVerticle(
                  () ->
                      new HttpVerticle(
                          config.http(),
                          v -> {
                            List<Routes> routes = routes(config, v, metrics, redis, pool);
                            routes.add(admin);
                            return routes;
                          }),
                  new DeploymentOptions()
                      .setInstances(eventLoops)
                      .setThreadingModel(ThreadingModel.EVENT_LOOP))
              .await();
      Gateway gateway = new Gateway(config, vertx, metrics, redis, pg, List.of(id));
      LOG.info(
          "Sluice gateway listening on {}:{} with {} event loop(s)",
          config.http().host(),
          config.http().port(),
          eventLoops);
      return gateway;
    } catch (RuntimeException e) {
      closeQuietly(vertx, redis, pg, metrics);
      throw e;
    }
  }

  /** The routes of one HTTP verticle (called once per event loop). */
  private static List<Routes> routes(
      GatewayConfig config, Vertx vertx, Metrics metrics, RedisBackend redis, Pool pg) {
    List<Routes> routes = new ArrayList<>();
    routes.add(
        new HealthRoutes(
            List.of(new RedisCheck(redis), new PostgresCheck(pg)),
            config.health().checkTimeoutMs()));
    routes.add(new MetricsRoutes(vertx, metrics.registry()));
    return routes;
  }

  public GatewayConfig config() {
    return config;
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (bounded by {@code
   * http.shutdownGraceMs}), then closes the clients and Vert.x.
   */
  public Future<Void> close() {
    List<Future<?>> undeploys = new ArrayList<>();
    for (String id : deployments) {
      undeploys.add(vertx.undeploy(id));
    }
    return Future.join(undeploys)
        .transform(ar -> Future.join(pg.close(), redis.close()))
        .transform(ar -> vertx.close())
        .onComplete(ar -> metrics.close());
  }

  private static void closeQuietly(Vertx vertx, RedisBackend redis, Pool pg, Metrics metrics) {
    try {
      if (pg != null) {
        pg.close().await();
      }
      redis.close().await();
      vertx.close().await();
    } catch (Exception e) {
      LOG.debug("error while closing after a failed start", e);
    }
    metrics.close();
  }
}
