package dev.sluice.gateway;

import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.admin.RetentionRoutes;
import dev.sluice.gateway.admission.Admission;
import dev.sluice.gateway.campaign.CampaignGauges;
import dev.sluice.gateway.campaign.CampaignRoutes;
import dev.sluice.gateway.campaign.CampaignRunner;
import dev.sluice.gateway.campaign.CampaignService;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.connector.smpp.SmppBindsVerticle;
import dev.sluice.gateway.connector.smpp.SmppConnector;
import dev.sluice.gateway.connector.smpp.SmppLoop;
import dev.sluice.gateway.connector.smpp.SmppMetrics;
import dev.sluice.gateway.core.StartupException;
import dev.sluice.gateway.db.Database;
import dev.sluice.gateway.db.Deployment;
import dev.sluice.gateway.db.PostgresCheck;
import dev.sluice.gateway.delivery.Deliverer;
import dev.sluice.gateway.delivery.DeliveryGates;
import dev.sluice.gateway.delivery.DeliveryHousekeeping;
import dev.sluice.gateway.delivery.DeliveryMetrics;
import dev.sluice.gateway.delivery.DeliveryRoutes;
import dev.sluice.gateway.delivery.DeliveryWork;
import dev.sluice.gateway.delivery.EndpointPolicy;
import dev.sluice.gateway.delivery.EndpointRoutes;
import dev.sluice.gateway.delivery.EventRoutes;
import dev.sluice.gateway.dispatch.Breakers;
import dev.sluice.gateway.dispatch.DispatchMetrics;
import dev.sluice.gateway.dispatch.Dispatcher;
import dev.sluice.gateway.health.BackendGauges;
import dev.sluice.gateway.health.HealthRoutes;
import dev.sluice.gateway.http.HttpVerticle;
import dev.sluice.gateway.http.MountedRoute;
import dev.sluice.gateway.http.OpenApiRoutes;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.ingress.IngressMetrics;
import dev.sluice.gateway.ingress.SmppIngestVerticle;
import dev.sluice.gateway.ingress.WebhookIngest;
import dev.sluice.gateway.ingress.WebhookRoutes;
import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.ledger.LedgerMetrics;
import dev.sluice.gateway.ledger.LedgerRepository;
import dev.sluice.gateway.ledger.LedgerWriter;
import dev.sluice.gateway.metrics.EventLoopDelay;
import dev.sluice.gateway.metrics.Metrics;
import dev.sluice.gateway.metrics.MetricsRoutes;
import dev.sluice.gateway.outbound.CampaignHolds;
import dev.sluice.gateway.outbound.MessageValidator;
import dev.sluice.gateway.outbound.OutboundQueue;
import dev.sluice.gateway.outbound.OutboundRoutes;
import dev.sluice.gateway.privacy.AuditLog;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.privacy.MasterKeyRotation;
import dev.sluice.gateway.privacy.MasterKeys;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.privacy.PhoneIndexKey;
import dev.sluice.gateway.privacy.TenantKeys;
import dev.sluice.gateway.privacy.TenantPurge;
import dev.sluice.gateway.privacy.jobs.JobTrail;
import dev.sluice.gateway.privacy.jobs.PrivacyJobs;
import dev.sluice.gateway.privacy.jobs.PrivacyRequests;
import dev.sluice.gateway.privacy.jobs.PrivacyRoutes;
import dev.sluice.gateway.queue.BacklogGauges;
import dev.sluice.gateway.queue.EventQueue;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.redis.RedisCheck;
import dev.sluice.gateway.retention.Retention;
import dev.sluice.gateway.retention.RetentionRepository;
import dev.sluice.gateway.retention.RetentionSweeper;
import dev.sluice.gateway.status.InstanceBeat;
import dev.sluice.gateway.status.StatusPage;
import dev.sluice.gateway.status.StatusRoutes;
import dev.sluice.gateway.suppression.SuppressionRoutes;
import dev.sluice.gateway.suppression.Suppressions;
import dev.sluice.gateway.tenant.EndpointRepository;
import dev.sluice.gateway.tenant.TenantAuth;
import dev.sluice.gateway.tenant.TenantDirectory;
import dev.sluice.gateway.tenant.TenantRepository;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
  private static final long EVENT_LOOP_SAMPLE_MS = 1_000;

  private final GatewayConfig config;
  private final Vertx vertx;
  private final Metrics metrics;
  private final RedisBackend redis;
  private final Pool pg;
  private final TenantDirectory directory;
  private final TenantPurge purge;
  private final InstanceBeat beat;
  private final List<String> deployments;
  private final List<MountedRoute> routes;

  private Gateway(
      GatewayConfig config,
      Vertx vertx,
      Metrics metrics,
      RedisBackend redis,
      Pool pg,
      TenantDirectory directory,
      TenantPurge purge,
      InstanceBeat beat,
      List<String> deployments,
      List<MountedRoute> routes) {
    this.config = config;
    this.vertx = vertx;
    this.metrics = metrics;
    this.redis = redis;
    this.pg = pg;
    this.directory = directory;
    this.purge = purge;
    this.beat = beat;
    this.deployments = deployments;
    this.routes = routes;
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
    Deployment deployment = Database.prepare(config.pg(), config.startup().backendWaitMs());

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
    TenantPurge purge = null;
    InstanceBeat beat = null;
    try {
      redis.awaitReadyAndLoadFunctions(config.startup().backendWaitMs());
      redis.claimNamespace(deployment.id().toString(), deployment.database());
      pg = Database.pool(vertx, config.pg());
      CredentialCipher cipher =
          new CredentialCipher(
              MasterKeys.of(config.security().masterKey(), config.security().previousMasterKeys()));
      directory = new TenantDirectory(pg, cipher);
      TenantKeys tenantKeys = new TenantKeys(pg, cipher);
      TenantDirectory live = directory;
      directory.onChange(() -> tenantKeys.retainOnly(live.tenantIds()));
      directory // main thread: the first snapshot is in place before any request
          .refresh()
          .recover(
              e ->
                  Future.failedFuture(
                      new StartupException("cannot load the tenant directory: " + e.getMessage())))
          .await();
      directory.startPolling(vertx, config.pg().directoryPollMs());
      BacklogGauges backlog =
          new BacklogGauges(redis, directory, config.ingress().partitions(), metrics.registry());
      backlog.start(vertx, BACKLOG_SAMPLE_MS);
      BackendGauges backends =
          new BackendGauges(
              List.of(new RedisCheck(redis), new PostgresCheck(pg)),
              config.health().checkTimeoutMs(),
              metrics.registry());
      vertx.setPeriodic(0, BACKLOG_SAMPLE_MS, id -> backends.sample());
      PhoneHasher hasher =
          new PhoneHasher(
              PhoneIndexKey.load(pg, cipher)
                  .recover(
                      e ->
                          Future.failedFuture(
                              new StartupException(
                                  "cannot load the phone-index key: " + e.getMessage())))
                  .await());
      purge =
          new TenantPurge(
              vertx,
              pg,
              redis,
              new TenantPurge.RedisPlaces(
                  List.of(
                      OutboundQueue.work(redis.keyPrefix()), DeliveryWork.key(redis.keyPrefix())),
                  List.of(CampaignRunner.work(redis.keyPrefix())),
                  List.of(CampaignHolds.key(redis.keyPrefix())),
                  List.of(id -> CampaignHolds.inQueueKey(redis.keyPrefix(), id))),
              config.ingress().partitions(),
              TenantPurge.Timing.of(config));
      purge.start();
      CampaignGauges campaignGauges = new CampaignGauges(pg, hasher, metrics.registry());
      vertx.setPeriodic(0, BACKLOG_SAMPLE_MS, id -> campaignGauges.sample());
      LedgerRepository ledger =
          new LedgerRepository(pg, hasher, tenantKeys, config.retention().storeBodies());
      MessageValidator validator = new MessageValidator(directory, clock);
      AuditLog audit = new AuditLog(pg);
      RetentionRepository retention = new RetentionRepository(pg, audit);
      JobTrail privacyTrail = JobTrail.audited(audit);
      CampaignService campaigns =
          new CampaignService(vertx, pg, validator, directory, redis, hasher, clock);
      // One id per process: the ledger writer's consumer name and the status page's instance.
      String instance = UUID.randomUUID().toString();
      Breakers breakers =
          config.dispatch().enabled()
              ? new Breakers(config.dispatch().breaker(), metrics.registry())
              : null;
      beat = new InstanceBeat(instance, redis, metrics.registry(), breakers, clock);
      beat.start(vertx);
      Shared shared =
          new Shared(
              config,
              clock,
              metrics,
              redis,
              pg,
              directory,
              hasher,
              new IngressMetrics(metrics.registry()),
              new AdminRoutes(
                  config.admin().token(),
                  new TenantRepository(pg, cipher, audit),
                  directory,
                  audit,
                  config.providers().allowHttp(),
                  tenantKeys,
                  purge,
                  new MasterKeyRotation(vertx, pg, cipher)),
              validator,
              ledger,
              new EndpointRepository(
                  pg,
                  cipher,
                  audit,
                  Duration.ofHours(config.delivery().secretGraceHours()),
                  Clock.systemUTC()),
              new EndpointPolicy(config.delivery()),
              campaigns,
              new RetentionRoutes(retention, Retention.of(config.retention())),
              new PrivacyRequests(pg, tenantKeys, hasher, privacyTrail),
              new StatusPage(),
              new StatusRoutes(directory, breakers, backlog, beat, campaigns, clock),
              new OpenApiRoutes());
      List<String> deployments = new ArrayList<>();
      AtomicReference<List<MountedRoute>> mounted = new AtomicReference<>(List.of());
      // Background work first and HTTP last: on close, HTTP is undeployed first (drained).
      EventLoopDelay loopDelay = new EventLoopDelay(metrics.registry(), EVENT_LOOP_SAMPLE_MS);
      deployments.add(
          vertx
              .deployVerticle(loopDelay::verticle, new DeploymentOptions().setInstances(eventLoops))
              .await());
      LedgerMetrics ledgerMetrics = new LedgerMetrics(metrics.registry());
      deployments.add(
          vertx
              .deployVerticle(
                  () ->
                      new LedgerWriter(
                          redis, ledger, instance, config.ledger().claimMs(), ledgerMetrics, clock),
                  new DeploymentOptions().setInstances(1))
              .await());
      if (config.dispatch().enabled()) {
        DispatchMetrics dispatchMetrics = new DispatchMetrics(metrics.registry());
        // Held campaigns: read once before the dispatchers start, then every 250 ms until after
        // they stop (undeployed in reverse order).
        CampaignHolds holds = new CampaignHolds(redis);
        deployments.add(vertx.deployVerticle(holds.poller()).await());
        // SMPP: the binds and the admission of their receipts and MO messages share a loop of
        // their own; the binds start now and follow the directory, and are closed after the
        // dispatchers stop, then their admission, then the loop (undeployed in reverse order).
        SmppLoop smppLoop = new SmppLoop();
        deployments.add(vertx.deployVerticle(smppLoop).await());
        SmppIngestVerticle smppIngest =
            new SmppIngestVerticle(redis, smppLoop.context(), shared::ingest);
        deployments.add(vertx.deployVerticle(smppIngest).await());
        SmppConnector smpp =
            new SmppConnector(
                vertx,
                smppLoop.context(),
                smppIngest::admit,
                new SmppMetrics(metrics.registry()),
                config.smpp());
        TenantDirectory channels = directory;
        deployments.add(
            vertx.deployVerticle(new SmppBindsVerticle(smpp, channels::channels)).await());
        directory.onChange(() -> smpp.sync(channels.channels()));
        deployments.add(
            vertx
                .deployVerticle(
                    () ->
                        new Dispatcher(
                            redis,
                            shared.directory(),
                            breakers,
                            dispatchMetrics,
                            hasher,
                            holds,
                            smpp,
                            config,
                            clock),
                    new DeploymentOptions().setInstances(eventLoops))
                .await());
      }
      if (config.campaigns().enabled()) {
        Pool campaignPg = pg;
        TenantDirectory campaignDirectory = directory;
        deployments.add(
            vertx
                .deployVerticle(
                    () ->
                        new CampaignRunner(
                            redis,
                            campaignPg,
                            campaignDirectory,
                            shared.validator(),
                            hasher,
                            config,
                            clock),
                    new DeploymentOptions().setInstances(1))
                .await());
      }
      if (config.privacy().enabled()) {
        Pool privacyPg = pg;
        deployments.add(
            vertx
                .deployVerticle(
                    () ->
                        new PrivacyJobs(
                            redis, privacyPg, tenantKeys, hasher, config, privacyTrail, clock),
                    new DeploymentOptions().setInstances(1))
                .await());
      }
      if (config.delivery().enabled()) {
        DeliveryMetrics deliveryMetrics = new DeliveryMetrics(metrics.registry());
        DeliveryGates gates =
            new DeliveryGates(
                config.delivery().concurrencyPerTenant(),
                config.delivery().breaker(),
                metrics.registry());
        deployments.add(
            vertx
                .deployVerticle(
                    () ->
                        new Deliverer(
                            redis,
                            shared.directory(),
                            shared.endpointPolicy(),
                            gates,
                            deliveryMetrics,
                            config,
                            clock),
                    new DeploymentOptions().setInstances(eventLoops))
                .await());
        new DeliveryHousekeeping(redis, directory, deliveryMetrics, config.ingress().partitions())
            .start(vertx, BACKLOG_SAMPLE_MS);
      }
      RetentionSweeper sweeper =
          new RetentionSweeper(
              pg,
              redis,
              retention,
              Retention.of(config.retention()),
              config.ingress().partitions(),
              metrics.registry(),
              clock);
      deployments.add(
          vertx
              .deployVerticle(
                  sweeper.verticle(TimeUnit.MINUTES.toMillis(config.retention().sweepMinutes())))
              .await());
      deployments.add(
          vertx
              .deployVerticle(
                  () -> new HttpVerticle(config.http(), shared::routes, mounted::set),
                  new DeploymentOptions()
                      .setInstances(eventLoops)
                      .setThreadingModel(ThreadingModel.EVENT_LOOP))
              .await());
      Gateway gateway =
          new Gateway(
              config,
              vertx,
              metrics,
              redis,
              pg,
              directory,
              purge,
              beat,
              deployments,
              mounted.get());
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
      if (purge != null) {
        purge.stop();
      }
      if (beat != null) {
        beat.stop(vertx);
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
      AdminRoutes admin,
      MessageValidator validator,
      LedgerRepository ledgerRepository,
      EndpointRepository endpoints,
      EndpointPolicy endpointPolicy,
      CampaignService campaigns,
      RetentionRoutes retention,
      PrivacyRequests privacy,
      StatusPage statusPage,
      StatusRoutes status,
      OpenApiRoutes openApi) {

    /** A webhook ingest on this context and connection (one per verticle). */
    WebhookIngest ingest(Context context, PipelinedRedis connection) {
      Ledger ledger = new Ledger(context, connection, clock);
      Admission admission =
          new Admission(
              context,
              connection,
              hasher,
              config.ingress(),
              keys -> {
                if (directory.endpoint(keys.tenantId()).isPresent()) {
                  // Best effort: the delivery sweep makes the partition due if this is lost.
                  DeliveryWork.touch(connection, keys.tenantId(), keys.partition());
                }
              },
              clock);
      return new WebhookIngest(
          admission, ledger, directory, ingressMetrics, config.ingress(), clock);
    }

    List<Routes> routes(Vertx vertx) {
      PipelinedRedis connection = redis.pipelined();
      Context context = vertx.getOrCreateContext();
      Ledger ledger = new Ledger(context, connection, clock);
      WebhookIngest ingest = ingest(context, connection);
      TenantAuth auth = new TenantAuth(directory);
      EventQueue queue =
          new EventQueue(
              connection, config.ingress().partitions(), config.ingress().visibilityTimeoutMs());
      return List.of(
          // The status page's HTML shell, the one /admin answer without the token (it holds no
          // data; see StatusPage): ahead of the token check.
          statusPage,
          // Then: its /admin/* handler checks the admin token for every operator route below.
          admin,
          retention,
          status,
          new HealthRoutes(
              List.of(new RedisCheck(redis), new PostgresCheck(pg)),
              config.health().checkTimeoutMs()),
          new MetricsRoutes(vertx, metrics.registry()),
          openApi,
          new WebhookRoutes(
              directory, ingest, config.ingress(), clock, campaigns::onTemplateStatus),
          new EventRoutes(auth, queue, directory),
          new EndpointRoutes(
              auth,
              endpoints,
              directory,
              endpointPolicy,
              connection,
              config.ingress().partitions()),
          new DeliveryRoutes(
              auth,
              connection,
              directory,
              config.ingress().partitions(),
              config.delivery().replayMaxPerPartition(),
              TimeUnit.SECONDS.toMillis(config.delivery().maxAgeSeconds())),
          new OutboundRoutes(
              auth,
              validator,
              new OutboundQueue(
                  context,
                  connection,
                  hasher,
                  config.ingress().partitions(),
                  config.dispatch().maxBacklogPerTenant()),
              ledger,
              ledgerRepository),
          new CampaignRoutes(auth, campaigns, config.campaigns().maxUploadBytes()),
          new SuppressionRoutes(
              auth,
              directory,
              new Suppressions(connection, hasher, config.ingress().partitions()),
              config.http().maxImportBytes()),
          new PrivacyRoutes(auth, directory, privacy, config.http().publicUrl()));
    }
  }

  public GatewayConfig config() {
    return config;
  }

  /** The gateway's Vert.x, whose event loops serve HTTP and dispatch (not the SMPP binds). */
  public Vertx vertx() {
    return vertx;
  }

  /**
   * What the HTTP server serves: each route's path and methods as mounted on the router (every
   * event loop mounts the same), for the API document's contract test.
   */
  public List<MountedRoute> routes() {
    return routes;
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (bounded by {@code
   * http.shutdownGraceMs}), then closes the clients and Vert.x.
   */
  public Future<Void> close() {
    // HTTP first (stop taking work, drain), then dispatchers and the ledger writer.
    Future<Void> undeployed = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      undeployed = undeployed.transform(ar -> vertx.undeploy(id));
    }
    return undeployed
        .transform(
            ar -> {
              directory.stop();
              purge.stop();
              return beat.stop(vertx);
            })
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
