package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.ledger.LedgerErasure;
import dev.sluice.gateway.logging.ThrottledLogger;
import dev.sluice.gateway.privacy.DataKey;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.privacy.TenantKeys;
import dev.sluice.gateway.privacy.jobs.Job.Kind;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.redis.RedisUnavailableException;
import dev.sluice.gateway.work.WorkScheduler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs privacy jobs in the background: one per instance, one job at a time, never on a request's
 * path. It takes the job due first that no live instance holds ({@code FOR UPDATE SKIP LOCKED})
 * under a lease of {@code privacy.claimMs}, renewed every third of it while the job runs; a job
 * whose instance died is taken by another once the lease ran out, and run again from the start
 * (every step finds what is left; the counts written so far are kept). A failed attempt is tried
 * again later (backoff up to 5 minutes) until the job's deadline, when it fails for good. Export
 * documents whose time ran out are dropped every minute.
 */
public final class PrivacyJobs extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PrivacyJobs.class);

  static final long SWEEP_MS = 60_000;

  /** The trail's actor of a job's end. */
  static final String SYSTEM = "system";

  static final long MAX_BACKOFF_MS = 300_000;

  private final RedisBackend backend;
  private final TenantKeys keys;
  private final PhoneHasher hasher;
  private final PrivacyRepository repository;
  private final GatewayConfig config;
  private final JobTrail trail;
  private final Clock clock;
  private final String owner = UUID.randomUUID().toString();
  private final ThrottledLogger warnings = new ThrottledLogger(LOG);

  private PipelinedRedis redis;
  private Erasure.Tools tools;
  private long pollTimer = -1;
  private long sweepTimer = -1;
  private boolean busy;
  private boolean stopped;

  public PrivacyJobs(
      RedisBackend backend,
      Pool pg,
      TenantKeys keys,
      PhoneHasher hasher,
      GatewayConfig config,
      JobTrail trail,
      Clock clock) {
    this.backend = backend;
    this.keys = keys;
    this.hasher = hasher;
    this.repository = new PrivacyRepository(pg, hasher);
    this.config = config;
    this.trail = trail;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    redis = backend.pipelined();
    tools =
        new Erasure.Tools(
            vertx,
            redis,
            new ErasureStore(redis),
            new Ledger(context, redis, clock),
            new LedgerErasure(redis),
            repository,
            clock,
            WorkScheduler.leaseOutliving(config.providers().requestTimeoutMs()),
            2 * config.ledger().claimMs() + 10_000);
    pollTimer = vertx.setPeriodic(config.privacy().pollMs(), id -> poll());
    sweepTimer = vertx.setPeriodic(SWEEP_MS, id -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(sweepTimer);
    return redis.close();
  }

  /** Takes the next due job unless one runs; after one, looks again at once. */
  private void poll() {
    if (busy || stopped) {
      return;
    }
    busy = true;
    repository
        .claim(owner, config.privacy().claimMs())
        .compose(job -> job.map(j -> run(j).map(true)).orElse(Future.succeededFuture(false)))
        .onComplete(
            ar -> {
              busy = false;
              if (ar.failed()) {
                warnings.warn("privacy jobs cannot be claimed: {}", cause(ar.cause()));
              } else if (ar.result()) {
                poll();
              }
            });
  }

  private Future<Void> run(Job job) {
    return keys.key(job.tenantId())
        .transform(
            ar ->
                ar.succeeded()
                    ? run(job, ar.result())
                    : ar.cause() instanceof GatewayException gone
                        ? failed(job, "the tenant is gone: " + gone.getMessage())
                        : afterFailure(job, ar.cause()));
  }

  private Future<Void> run(Job job, DataKey key) {
    Subject subject;
    try {
      subject = Subject.of(key.open(Job.subjectContext(job.id()), job.subject()));
    } catch (RuntimeException e) {
      return failed(job, "the job's subject cannot be opened: " + e.getMessage());
    }
    if (clock.instant().isAfter(job.deadline())) {
      return failed(job, "the deadline passed before the job could be completed");
    }
    long renewer =
        vertx.setPeriodic(
            Math.max(1, config.privacy().claimMs() / 3),
            id ->
                repository
                    .renew(job.id(), owner, config.privacy().claimMs())
                    .onFailure(e -> warnings.warn("privacy job lease not renewed: {}", cause(e))));
    return attempt(job, subject, key)
        .eventually(() -> Future.succeededFuture(vertx.cancelTimer(renewer)))
        .recover(e -> afterFailure(job, e));
  }

  private Future<Void> attempt(Job job, Subject subject, DataKey key) {
    String hash = hasher.hash(subject.key());
    TenantQueueKeys keys =
        new TenantQueueKeys(
            redis.keyPrefix(),
            job.tenantId(),
            PhoneHasher.partition(hash, config.ingress().partitions()));
    PartitionWalk walk = new PartitionWalk(tools.store(), hasher, keys, hash);
    if (job.kind() == Kind.EXPORT) {
      return new Export(repository, key, clock, job, subject, walk)
          .run()
          .compose(
              doc ->
                  completed(
                      job,
                      doc.counts(),
                      key.seal(
                          Job.resultContext(job.id()),
                          doc.json().encode().getBytes(StandardCharsets.UTF_8))));
    }
    Receipt receipt =
        new Receipt(
            Receipt.ERASURE_STORES,
            job.removed(),
            counts -> repository.progress(job.id(), owner, counts));
    return new Erasure(tools, job, subject, walk, receipt)
        .run()
        .compose(counts -> completed(job, counts, null));
  }

  /** Completes the job and records its end in the trail, in one transaction. */
  private Future<Void> completed(Job job, Map<String, Long> counts, byte[] result) {
    return repository
        .transaction(
            tx ->
                repository
                    .complete(
                        tx, job.id(), owner, counts, result, config.privacy().exportTtlHours())
                    .compose(
                        done ->
                            done.isEmpty()
                                ? Future.<Void>failedFuture(new Receipt.LeaseLost())
                                : trail.record(tx, done.get().trail("completed", SYSTEM, counts))))
        .onSuccess(
            v ->
                LOG.info(
                    "[tenant={}, job={}] {} completed: {}",
                    job.tenantId(),
                    job.id(),
                    job.kind().wire,
                    counts));
  }

  /** Fails the job for good and records its end in the trail, in one transaction. */
  private Future<Void> failed(Job job, String why) {
    LOG.warn("[tenant={}, job={}] {} failed: {}", job.tenantId(), job.id(), job.kind().wire, why);
    return repository
        .transaction(
            tx ->
                repository
                    .fail(tx, job.id(), owner, why)
                    .compose(
                        done ->
                            done.isEmpty()
                                ? Future.<Void>succeededFuture()
                                : trail.record(
                                    tx, done.get().trail("failed", SYSTEM, done.get().removed()))))
        .recover(e -> afterFailure(job, e));
  }

  /** After a failed attempt: tried again later, unless another instance took the job over. */
  private Future<Void> afterFailure(Job job, Throwable e) {
    if (e instanceof Receipt.LeaseLost) {
      LOG.info("[tenant={}, job={}] taken over by another instance", job.tenantId(), job.id());
      return Future.succeededFuture();
    }
    long backoff =
        Math.min(MAX_BACKOFF_MS, 1_000L << Math.min(20, Math.max(0, job.attempts() - 1)));
    warnings.warn(
        "[tenant={}, job={}] {} attempt {} failed, tried again in {} ms: {}",
        job.tenantId(),
        job.id(),
        job.kind().wire,
        job.attempts(),
        backoff,
        cause(e));
    return repository.retryLater(job.id(), owner, cause(e), clock.instant().plusMillis(backoff));
  }

  /**
   * What failed, without the failure's message: the PostgreSQL client's messages quote parameter
   * values, which here may be the person's number.
   */
  static String cause(Throwable e) {
    if (e instanceof PgException pg) {
      return "PostgreSQL error " + pg.getSqlState();
    }
    if (e instanceof TimeoutException || e instanceof RedisUnavailableException) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    return e.getClass().getName();
  }

  private void sweep() {
    repository
        .dropExpiredResults()
        .onSuccess(
            n -> {
              if (n > 0) {
                LOG.info("{} expired export document(s) dropped", n);
              }
            })
        .onFailure(e -> warnings.warn("expired exports cannot be dropped: {}", cause(e)));
  }
}
