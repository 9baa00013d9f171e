package dev.sluice.gateway;

import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.admission.Admission;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.db.Database;
import dev.sluice.gateway.db.PostgresCheck;
import dev.sluice.gateway.delivery.EventRoutes;
import dev.sluice.gateway.health.HealthRoutes;
import dev.sluice.gateway.http.HttpVerticle;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.ingress.IngressMetrics;
import dev.sluice.gateway.ingress.WebhookIngest;
import dev.sluice.gateway.ingress.WebhookRoutes;
import dev.sluice.gateway.metrics.Metrics;
import dev.sluice.gateway.metrics.MetricsRoutes;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.queue.BacklogGauges;
import dev.sluice.gateway.queue.EventQueue;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.redis.RedisCheck;
import dev.sluice.gateway.tenant.TenantAuth;
import dev.sluice.gateway.tenant.TenantDirectory;
import dev.sluice.gateway.tenant.TenantRepository;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
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
  private static final long BACKLOG_SAMPLE_MS = 5_000;

  private final GatewayConfig config;
  private final Vertx vertx;
  private final Metrics metrics;
  private final RedisBackend redis;
  private final Pool pg;
  private final TenantDirectory directory;
  private final List<String> deployments;

  private Gateway(
      GatewayConfig config,
      Vertx vertx,
      Metrics metrics,
      RedisBackend redis,
      Pool pg,
      TenantDirectory directory,
      List<String> deployments) {
    this.config = config;
    this.vertx = vertx;
    this.metrics = metrics;
    this.redis = redis;
    this.pg = pg;
    this.directory = directory;
    this.deployments = deployments;
  }

  /**
   * Starts the gateway; blocks the calling thread (never call it on an event loop) until it serves
   * HTTP.
   *
   * @throws StartupException with one line naming what is wrong when a backend is unreachable
   */
  public static Gateway start(GatewayConfig config) {
    return start(config, Clock.systemUTC());
  }

  /**
   * Starts the gateway with the given clock for time-window checks (tests pin it to replay recorded
   * webhooks).
   */
  public static Gateway start(GatewayConfig config, Clock clock) {
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
    RedisBackend redis = RedisBackend.create(vertx, config.redis());
    Pool pg = null;
    TenantDirectory directory = null;
    try {
      redis.awaitReadyAndLoadFunctions(config.startup().backendWaitMs());
      pg = Database.pool(vertx, config.pg());
      CredentialCipher cipher = new CredentialCipher(config.security().masterKey());
      directory = new TenantDirectory(pg, cipher);
      directory // main thread: the first snapshot is in place before any request
          .refresh()
          .recover(
              e ->
                  Future.failedFuture(
                      new StartupException("cannot load the tenant directory: " + e.getMessage())))
          .await();
      directory.startPolling(vertx);
      BacklogGauges backlog =
          new BacklogGauges(redis, directory, config.ingress().partitions(), metrics.registry());
      backlog.start(vertx, BACKLOG_SAMPLE_MS);
      Shared shared =
          new Shared(
              config,
              clock,
              metrics,
              redis,
              pg,
              directory,
              new PhoneHasher(config.security().masterKey()),
              new IngressMetrics(metrics.registry()),
              new AdminRoutes(config.admin().token(), new TenantRepository(pg, cipher), directory));
      String id =
          vertx
              .deployVerticle(
                  () -> new HttpVerticle(config.http(), shared::routes),
                  new DeploymentOptions()
                      .setInstances(eventLoops)
                      .setThreadingModel(ThreadingModel.EVENT_LOOP))
              .await();
      Gateway gateway = new Gateway(config, vertx, metrics, redis, pg, directory, List.of(id));
      LOG.info(
          "Sluice gateway listening on {}:{} with {} event loop(s)",
          config.http().host(),
          config.http().port(),
          eventLoops);
      return gateway;
    } catch (RuntimeException e) {
      if (directory != null) {
        directory.stop();
      }
      closeQuietly(vertx, redis, pg, metrics);
      throw e;
    }
  }

  /**
   * What every verticle shares: thread-safe services and clients, created once. {@link #routes}
   * builds one verticle's routes, with the state that must stay on its event loop (its pipelined
   * Redis connection, its admission batcher).
   */
  private record Shared(
      GatewayConfig config,
      Clock clock,
      Metrics metrics,
      RedisBackend redis,
      Pool pg,
      TenantDirectory directory,
      PhoneHasher hasher,
      IngressMetrics ingressMetrics,
      AdminRoutes admin) {

    List<Routes> routes(Vertx vertx) {
      PipelinedRedis connection = redis.pipelined();
      Admission admission =
          new Admission(vertx.getOrCreateContext(), connection, hasher, config.ingress());
      WebhookIngest ingest = new WebhookIngest(admission, ingressMetrics, config.ingress());
      EventQueue queue =
          new EventQueue(
              connection, config.ingress().partitions(), config.ingress().visibilityTimeoutMs());
      return List.of(
          new HealthRoutes(
              List.of(new RedisCheck(redis), new PostgresCheck(pg)),
              config.health().checkTimeoutMs()),
          new MetricsRoutes(vertx, metrics.registry()),
          new WebhookRoutes(directory, ingest, config.ingress(), clock),
          new EventRoutes(new TenantAuth(directory), queue),
          admin);
    }
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
        .transform(
            ar -> {
              directory.stop();
              return Future.join(pg.close(), redis.close());
            })
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
