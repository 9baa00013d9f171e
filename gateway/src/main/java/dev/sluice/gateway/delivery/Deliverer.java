package dev.sluice.gateway.delivery;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.signing.StandardWebhookVerifier;
import dev.sluice.gateway.delivery.PushStore.Batch;
import dev.sluice.gateway.delivery.PushStore.Leased;
import dev.sluice.gateway.logging.ThrottledLogger;
import dev.sluice.gateway.queue.QueuedEvent;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.tenant.Endpoint;
import dev.sluice.gateway.tenant.TenantDirectory;
import dev.sluice.gateway.work.Backoff;
import dev.sluice.gateway.work.WorkScheduler;
import dev.sluice.gateway.work.WorkSet;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes tenant queues to tenants' endpoints. Each deliverer's {@link WorkScheduler} claims due
 * partitions of push tenants from {@link DeliveryWork#key} ({@code sluice_claim}), and the
 * deliverer works each one on its own: lease up to {@code batchSize} events, one per conversation
 * ({@code sluice_push_pull}), POST them as one signed JSON array, and record the outcome ({@code
 * sluice_push_done}). A 2xx acknowledges the events; anything else leases them until their retry is
 * due, which holds back only the later events of the same conversations. Events older than {@code
 * delivery.maxAgeSeconds} go to the tenant's dead-letter lane instead of being sent.
 *
 * <p>Partitions are worked concurrently and never waited on together, so a tenant whose endpoint
 * takes 10 s per call holds only its own partitions; its requests in flight are capped per instance
 * and its breaker stops calls to an endpoint that keeps failing. An instance that dies mid-delivery
 * loses nothing: its claims and leases run out and another instance sends the events again (at
 * least once; {@code webhook-id} lets the tenant drop a repeat).
 */
public final class Deliverer extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Deliverer.class);

  /** Entries scanned per pull at most. */
  static final int SCAN_LIMIT = 2_000;

  /** How soon a partition is looked at again when its tenant is at its concurrency cap. */
  private static final long CAP_RETRY_MS = 250;

  private static final long LOG_LENGTH = 1_000;

  /** How soon a partition whose work failed (Redis lost mid-way) is looked at again. */
  private static final long FAILED_UNIT_DUE_IN_MS = 1_000;

  private final RedisBackend backend;
  private final Clock clock;
  private final TenantDirectory directory;
  private final EndpointPolicy policy;
  private final DeliveryGates gates;
  private final DeliveryMetrics metrics;
  private final GatewayConfig.Delivery config;
  private final int partitions;
  private final long leaseMs;
  private final Backoff backoff;
  private final StandardWebhookVerifier signer = new StandardWebhookVerifier();
  private final ThrottledLogger warnings = new ThrottledLogger(LOG);

  private HttpClient http;
  private PipelinedRedis redis;
  private WorkScheduler scheduler;
  private PushStore store;

  public Deliverer(
      RedisBackend backend,
      TenantDirectory directory,
      EndpointPolicy policy,
      DeliveryGates gates,
      DeliveryMetrics metrics,
      GatewayConfig config,
      Clock clock) {
    this.clock = clock;
    this.backend = backend;
    this.directory = directory;
    this.policy = policy;
    this.gates = gates;
    this.metrics = metrics;
    this.config = config.delivery();
    this.partitions = config.ingress().partitions();
    this.leaseMs = leaseMs(this.config);
    // At least half of each backoff is kept, so an endpoint that is down is not called straight
    // back.
    this.backoff =
        new Backoff(this.config.retryBaseMs(), this.config.retryMaxMs(), Backoff.Jitter.HALF);
  }

  /**
   * How long a batch is leased. Its request is cut off {@code requestTimeoutMs} after the pull that
   * leased it (see {@link #post}), so the lease outlives every request made under it: a live
   * deliverer's events never go to the endpoint twice at once, a dead one's come back soon after.
   */
  static long leaseMs(GatewayConfig.Delivery config) {
    return WorkScheduler.leaseOutliving(config.requestTimeoutMs());
  }

  @Override
  public Future<?> start() {
    http =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true).setMaxRedirects(0),
            // Per destination. Tenants behind one host must not queue behind each other: the
            // per-tenant cap is enforced by the gates, not by the pool.
            new PoolOptions().setHttp1MaxSize(config.maxUnitsInFlight()));
    redis = backend.pipelined();
    store = new PushStore(redis);
    // The unit's work is never abandoned on a timer (see WorkScheduler): a unit is handed back
    // only once no request made under it is open.
    scheduler =
        new WorkScheduler(
            context,
            new WorkSet(redis, DeliveryWork.key(redis.keyPrefix())),
            WorkScheduler.Settings.of(
                    "delivery", config.maxUnitsInFlight(), config.claimMs(), config.idlePollMs())
                .claimMost(config.unitsPerClaim())
                .failedUnitDueInMs(FAILED_UNIT_DUE_IN_MS),
            warnings,
            clock,
            this::work);
    scheduler.start();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    scheduler.stop();
    // Requests still in flight are cut off, not awaited (close() would wait up to 30 s for a slow
    // endpoint): their events stay leased and are delivered again after the lease.
    return Future.join(http.shutdown(0, TimeUnit.SECONDS), redis.close());
  }

  /**
   * One partition of one tenant: lease a batch, deliver it, record the outcome, hand it back. Every
   * step has its own deadline (the Redis calls, the request), so the Future ends, and only once no
   * request made under the unit is open.
   */
  private Future<Void> work(String unit) {
    int colon = unit.lastIndexOf(':');
    String tenant = colon > 0 ? unit.substring(0, colon) : "";
    int partition = colon > 0 ? parsePartition(unit.substring(colon + 1)) : -1;
    long now = clock.millis();
    if (partition < 0 || partition >= partitions) {
      return scheduler.leave(unit); // no partition of any tenant
    }
    Optional<Endpoint> endpoint = directory.endpoint(tenant);
    if (endpoint.isEmpty()) {
      // Not a push tenant here. It may have set its endpoint through another instance a moment
      // ago (this directory polls PostgreSQL): let the unit go only once PostgreSQL agrees.
      return switch (directory.recheckEndpoint(tenant)) {
        // Whoever sets an endpoint adds the tenant's partitions again.
        case ABSENT -> scheduler.leave(unit);
        case STORED, UNKNOWN -> scheduler.release(unit, now + TenantDirectory.RECHECK_MS);
      };
    }
    if (!gates.tryAcquire(tenant)) {
      return scheduler.release(unit, now + CAP_RETRY_MS);
    }
    CircuitBreaker breaker = gates.breaker(tenant);
    if (!breaker.tryAcquirePermission()) {
      gates.release(tenant);
      // Half open: another partition's probe is under way; its outcome decides soon.
      long wait =
          breaker.getState() == CircuitBreaker.State.HALF_OPEN
              ? Math.min(1_000, gates.openFor().toMillis())
              : gates.openFor().toMillis();
      return scheduler.release(unit, now + wait);
    }
    TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), tenant, partition);
    // Taken before the pull leases the batch, so the request's deadline falls inside the lease.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs());
    return pull(keys, endpoint.get().batchSize())
        .onFailure(e -> breaker.releasePermission())
        .compose(
            batch -> {
              if (batch.deadLettered() > 0) {
                metrics.deadLettered(tenant, batch.deadLettered());
              }
              if (batch.events().isEmpty()) {
                breaker.releasePermission();
                return batch.nextDueMs() > 0
                    ? scheduler.release(unit, batch.nextDueMs())
                    : park(unit, keys);
              }
              return deliver(endpoint.get(), keys, breaker, batch.events(), deadline)
                  .compose(v -> scheduler.release(unit, clock.millis()));
            })
        .onComplete(ar -> gates.release(tenant));
  }

  private static int parsePartition(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private Future<Batch> pull(TenantQueueKeys keys, int max) {
    long oldest = clock.millis() - TimeUnit.SECONDS.toMillis(config.maxAgeSeconds());
    return store.pull(keys, max, leaseMs, SCAN_LIMIT, oldest);
  }

  /** What one request to an endpoint came to. */
  private record Attempt(boolean ok, int status, String error, long nanos) {}

  private Future<Void> deliver(
      Endpoint endpoint,
      TenantQueueKeys keys,
      CircuitBreaker breaker,
      List<Leased> events,
      long deadline) {
    List<QueuedEvent> queued = new ArrayList<>(events.size());
    events.forEach(e -> queued.add(e.event()));
    byte[] body = EventJson.render(queued).toBuffer().getBytes();
    String webhookId = webhookId(queued);
    long start = System.nanoTime();
    metrics.requestStarted();
    return post(endpoint, webhookId, body, deadline)
        .map(
            status ->
                new Attempt(
                    status / 100 == 2,
                    status,
                    status / 100 == 2 ? "" : "http_status",
                    System.nanoTime() - start))
        .otherwise(e -> new Attempt(false, 0, errorCode(e), System.nanoTime() - start))
        .compose(
            attempt -> {
              metrics.requestEnded();
              if (scheduler.stopped() && !attempt.ok()) {
                // Cut off by this instance stopping, not by the endpoint: the leases run out and
                // another instance delivers.
                return Future.<Void>succeededFuture();
              }
              String tenant = endpoint.tenantId();
              metrics.attempt(
                  tenant,
                  attempt.ok() ? DeliveryMetrics.SUCCEEDED : attempt.error(),
                  attempt.nanos());
              log(tenant, attempt, events.size(), webhookId);
              if (attempt.ok()) {
                breaker.onSuccess(attempt.nanos(), TimeUnit.NANOSECONDS);
                return acknowledge(keys, events)
                    .onSuccess(n -> metrics.delivered(tenant, n.intValue()))
                    .mapEmpty();
              }
              breaker.onError(
                  attempt.nanos(), TimeUnit.NANOSECONDS, new EndpointFailure(attempt.error()));
              return retry(keys, events);
            });
  }

  /**
   * POSTs the batch to the endpoint's checked address; the HTTP status it answered. Everything,
   * from resolving the host to the answer's last byte, ends by {@code deadline} ({@link
   * System#nanoTime}): a request still open then is reset, and the Future completes only once the
   * request is closed, so no request outlives the lease of the events it carries.
   *
   * @return fails with a {@link TimeoutException} at the deadline, with an {@link
   *     EndpointPolicy.Refused} for an address that is not allowed, else with the connection error
   */
  private Future<Integer> post(Endpoint endpoint, String webhookId, byte[] body, long deadline) {
    long left = millisLeft(deadline);
    if (left <= 0) {
      return Future.failedFuture(
          new TimeoutException("request deadline passed before the request"));
    }
    return policy
        .resolve(vertx, endpoint.url().toString())
        .timeout(left, TimeUnit.MILLISECONDS) // a lookup still running sends nothing
        .compose(
            resolved -> {
              URI url = resolved.url();
              boolean tls = "https".equalsIgnoreCase(url.getScheme());
              int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
              String path =
                  url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
              if (url.getRawQuery() != null) {
                path += "?" + url.getRawQuery();
              }
              long timestamp = clock.millis() / 1000;
              RequestOptions options =
                  new RequestOptions()
                      .setMethod(HttpMethod.POST)
                      .setHost(url.getHost())
                      .setPort(port)
                      .setSsl(tls)
                      .setURI(path)
                      .setServer(
                          SocketAddress.inetSocketAddress(
                              port, resolved.address().getHostAddress()))
                      // The pool's wait and the connect; the exchange has its own cut-off.
                      .setConnectTimeout(Math.max(1, millisLeft(deadline)))
                      .putHeader("Content-Type", "application/json")
                      .putHeader("User-Agent", "sluice-gateway")
                      .putHeader("webhook-id", webhookId)
                      .putHeader("webhook-timestamp", Long.toString(timestamp))
                      .putHeader(
                          "webhook-signature", signature(endpoint, webhookId, timestamp, body));
              return http.request(options).compose(req -> exchange(req, body, deadline));
            });
  }

  /**
   * Sends the request and reads the whole answer, resetting the request at {@code deadline}: an
   * endpoint that answers slowly, or drips its answer so that no idle timeout fires, is cut off
   * rather than left open past the lease. A reset closes the connection and fails the Future.
   */
  private Future<Integer> exchange(HttpClientRequest req, byte[] body, long deadline) {
    long left = millisLeft(deadline);
    if (left <= 0) {
      TimeoutException late = new TimeoutException("request deadline passed while connecting");
      return req.reset(0, late).transform(ar -> Future.failedFuture(late));
    }
    TimeoutException late = new TimeoutException("no complete answer by the request deadline");
    AtomicBoolean cut = new AtomicBoolean();
    long cutOff =
        vertx.setTimer(
            left,
            id -> {
              cut.set(true);
              req.reset(0, late);
            });
    return req.send(Buffer.buffer(body))
        .compose(
            resp -> {
              resp.handler(chunk -> {}); // read and drop: the status is the answer
              return resp.end().map(v -> resp.statusCode());
            })
        .onComplete(ar -> vertx.cancelTimer(cutOff))
        // The reset surfaces as a closed connection: name it for what it was.
        .recover(e -> Future.failedFuture(cut.get() ? late : e));
  }

  private static long millisLeft(long deadline) {
    return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
  }

  /** Standard Webhooks: {@code v1,<base64 HMAC>} per valid secret, space-separated. */
  private String signature(Endpoint endpoint, String webhookId, long timestamp, byte[] body) {
    StringBuilder header = new StringBuilder();
    for (Secret secret : endpoint.signingSecrets(Instant.now())) {
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append(signer.sign(secret.reveal(), webhookId, timestamp, body));
    }
    return header.toString();
  }

  /**
   * The {@code webhook-id}: the event id for a single event, else a digest of the batch's ids, so a
   * retry of the same batch carries the same id and the tenant can drop a repeat.
   */
  static String webhookId(List<QueuedEvent> events) {
    if (events.size() == 1) {
      return events.get(0).id().toString();
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (QueuedEvent e : events) {
        sha.update(e.id().toString().getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ',');
      }
      return "batch_" + HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  static String errorCode(Throwable e) {
    if (e instanceof EndpointPolicy.Refused refused) {
      return refused.code();
    }
    if (e instanceof TimeoutException
        || e.getClass().getSimpleName().contains("Timeout")
        || (e.getMessage() != null && e.getMessage().toLowerCase().contains("timeout"))) {
      return "timeout";
    }
    return "connection_failed";
  }

  private Future<Long> acknowledge(TenantQueueKeys keys, List<Leased> events) {
    long retention = TimeUnit.HOURS.toMillis(config.replayRetentionHours());
    return store.acknowledge(
        keys,
        retention > 0 ? config.replayMaxPerPartition() : 0,
        clock.millis() - retention,
        events);
  }

  private Future<Void> retry(TenantQueueKeys keys, List<Leased> events) {
    long now = clock.millis();
    List<PushStore.Retry> retries = new ArrayList<>(events.size());
    for (Leased e : events) {
      retries.add(new PushStore.Retry(e.entryId(), now + backoff.delayMs(e.attempts() + 1)));
    }
    return store.retry(keys, retries).mapEmpty();
  }

  /** Appends the attempt to the tenant's delivery log (best effort). */
  private void log(String tenant, Attempt attempt, int events, String webhookId) {
    store
        .logAttempt(
            tenant,
            new PushStore.Attempt(
                attempt.ok(),
                attempt.status(),
                attempt.error(),
                TimeUnit.NANOSECONDS.toMillis(attempt.nanos()),
                events,
                webhookId),
            LOG_LENGTH)
        .onFailure(e -> warnings.warn("delivery log append failed: {}", e.toString()));
  }

  /**
   * An empty partition leaves the work set until events arrive (see {@link WorkScheduler#park}).
   */
  private Future<Void> park(String unit, TenantQueueKeys keys) {
    return scheduler.park(unit, () -> store.length(keys));
  }

  /** What a breaker records for a failed delivery (no stack: it is counted, not thrown). */
  static final class EndpointFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EndpointFailure(String code) {
      super(code, null, false, false);
    }
  }
}
