package dev.sluice.gateway.tenant;

import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.privacy.CredentialCipher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenants, API keys, channels and Meta apps in memory, so that routing a webhook or authenticating
 * a call costs a map lookup and no I/O. One per process, shared by every event loop.
 *
 * <p>Lookups read an immutable snapshot through a single volatile read: lock-free and safe from any
 * thread. {@link #refresh} replaces the snapshot with a consistent one read from PostgreSQL; {@link
 * #startPolling} checks {@code directory_version} periodically ({@code pg.directoryPollMs}, 500 ms
 * by default) and reloads when it moved, so a change made through any instance reaches every
 * instance within about a second. A snapshot never goes back to an older version, whichever of
 * several concurrent reloads finishes last.
 *
 * <p>A snapshot may lag behind PostgreSQL by up to a poll interval, so an id missing from it is not
 * proof that the channel or endpoint does not exist: {@link #recheckChannel} and {@link
 * #recheckEndpoint} ask PostgreSQL directly, and a lookup that finds what the snapshot lacks makes
 * the directory reload at once.
 *
 * <p>When PostgreSQL cannot be read, the last snapshot stays in force (webhooks keep flowing) and a
 * warning is logged at most every 30 seconds until a read succeeds again.
 */
public final class TenantDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(TenantDirectory.class);
  private static final long READ_TIMEOUT_MS = 5_000;
  private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

  /**
   * How soon a message or partition held back because this directory does not know its channel or
   * endpoint is worth looking at again: PostgreSQL has usually answered by then.
   */
  public static final long RECHECK_MS = 500;

  /** What PostgreSQL says of a channel or endpoint that the snapshot in force does not have. */
  public enum Presence {
    /** PostgreSQL has it: this directory is behind, and is reloading. */
    STORED,
    /** PostgreSQL does not have it either. */
    ABSENT,
    /** Not known yet (being asked, or PostgreSQL did not answer): look again shortly. */
    UNKNOWN
  }

  private final DirectoryLoader loader;
  private final Rechecks rechecks = new Rechecks();
  private final AtomicReference<DirectorySnapshot> snapshot =
      new AtomicReference<>(DirectorySnapshot.EMPTY);
  private final AtomicBoolean pollInFlight = new AtomicBoolean();
  private final AtomicBoolean catchUpWanted = new AtomicBoolean();
  private final java.util.List<Runnable> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Object warnLock = new Object();
  private volatile Vertx vertx;
  private volatile long timerId = -1;
  private long lastWarnNanos;
  private long suppressedWarnings;
  private boolean failing;

  /** Every tenant's id, from the current snapshot. */
  public java.util.Set<String> tenantIds() {
    return java.util.Collections.unmodifiableSet(snapshot.get().tenants.keySet());
  }

  /**
   * @param cipher opens the sealed credentials and Meta app secrets
   */
  public TenantDirectory(Pool pool, CredentialCipher cipher) {
    this.loader = new DirectoryLoader(pool, cipher);
  }

  /**
   * Runs {@code listener} after each newer snapshot is in force (on the thread that read it), so
   * that what is kept per tenant elsewhere can follow: a tenant gone from {@link #tenantIds} was
   * deleted. A listener must be quick and must not throw.
   */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  public Optional<Tenant> tenant(String id) {
    return id == null ? Optional.empty() : Optional.ofNullable(snapshot.get().tenants.get(id));
  }

  /**
   * The tenant an API key belongs to; empty for unknown and revoked keys. Compares SHA-256 hashes
   * through a map, so no secret is compared byte by byte.
   */
  public Optional<Tenant> tenantByApiKey(String presentedApiKey) {
    if (!ApiKeys.looksLikeKey(presentedApiKey)) {
      return Optional.empty();
    }
    String hash = ApiKeys.hex(ApiKeys.hash(presentedApiKey));
    return Optional.ofNullable(snapshot.get().tenantsByKeyHash.get(hash));
  }

  public Optional<Channel> channel(String channelId) {
    return channelId == null
        ? Optional.empty()
        : Optional.ofNullable(snapshot.get().channels.get(channelId));
  }

  /** Every channel of every tenant, from the current snapshot. */
  public java.util.Collection<Channel> channels() {
    return java.util.Collections.unmodifiableCollection(snapshot.get().channels.values());
  }

  /**
   * The channel with this provider address: Meta routing by phone_number_id, page id or Instagram
   * account id; also Twilio and Infobip senders.
   */
  public Optional<Channel> channelByAddress(Provider provider, String address) {
    if (provider == null || address == null) {
      return Optional.empty();
    }
    Map<String, Channel> byAddress = snapshot.get().channelsByAddress.get(provider);
    return byAddress == null ? Optional.empty() : Optional.ofNullable(byAddress.get(address));
  }

  /** The tenant's push endpoint; empty for a tenant in pull mode. */
  public Optional<Endpoint> endpoint(String tenantId) {
    return tenantId == null
        ? Optional.empty()
        : Optional.ofNullable(snapshot.get().endpoints.get(tenantId));
  }

  /** Every tenant in push mode, with its endpoint. */
  public java.util.Collection<Endpoint> endpoints() {
    return snapshot.get().endpoints.values();
  }

  /**
   * For a channel this directory does not have: whether PostgreSQL has it. Never blocks; answers
   * {@link Presence#UNKNOWN} until PostgreSQL has answered, and keeps an answer for a second. A
   * channel PostgreSQL has makes the directory reload, so it is in {@link #channel} soon after.
   */
  public Presence recheckChannel(String channelId) {
    return rechecks.presence(
        "channel " + channelId, () -> loader.hasChannel(channelId), this::catchUp);
  }

  /** As {@link #recheckChannel}, for a tenant's push endpoint ({@link #endpoint}). */
  public Presence recheckEndpoint(String tenantId) {
    return rechecks.presence(
        "the endpoint of tenant " + tenantId, () -> loader.hasEndpoint(tenantId), this::catchUp);
  }

  public Optional<MetaApp> metaApp(String id) {
    return id == null ? Optional.empty() : Optional.ofNullable(snapshot.get().metaApps.get(id));
  }

  /** The {@code directory_version} of the snapshot in force ({@link Long#MIN_VALUE} before any). */
  public long version() {
    return snapshot.get().version;
  }

  /**
   * Reloads now from PostgreSQL.
   *
   * @return a Future that succeeds once a snapshot at least as new as the database at the time of
   *     the call is in force; fails with the PostgreSQL error or timeout, or with an {@link
   *     IllegalStateException} when stored secrets cannot be decrypted. On failure the previous
   *     snapshot stays in force.
   */
  public Future<Void> refresh() {
    return loader.load().timeout(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS).map(this::install);
  }

  /**
   * Checks {@code directory_version} every {@code intervalMs} on a Vert.x timer and reloads when it
   * changed. Idempotent; never blocks.
   */
  public synchronized void startPolling(Vertx vertx, long intervalMs) {
    if (timerId >= 0) {
      return;
    }
    this.vertx = vertx;
    this.timerId = vertx.setPeriodic(intervalMs, id -> poll());
  }

  /** Stops polling; the snapshot stays readable. */
  public synchronized void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  /**
   * Checks the version now: PostgreSQL has something this snapshot lacks. A check already under way
   * may have read the version before that was written, so another one follows it.
   */
  private void catchUp() {
    catchUpWanted.set(true);
    poll();
  }

  private void poll() {
    if (!pollInFlight.compareAndSet(false, true)) {
      return; // the previous check is still running (PostgreSQL slow): do not pile up
    }
    catchUpWanted.set(false); // this check reads the version after everything asked so far
    loader
        .version()
        .timeout(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .compose(v -> v == snapshot.get().version ? Future.succeededFuture() : refresh())
        .onComplete(
            ar -> {
              pollInFlight.set(false);
              if (ar.succeeded()) {
                recovered();
              } else {
                warnThrottled(ar.cause());
              }
              if (catchUpWanted.get()) {
                poll();
              }
            });
  }

  private Void install(DirectorySnapshot next) {
    DirectorySnapshot previous =
        snapshot.getAndUpdate(current -> next.version >= current.version ? next : current);
    if (next.version > previous.version) {
      LOG.info(
          "tenant directory at version {}: {} tenant(s), {} channel(s), {} Meta app(s)",
          next.version,
          next.tenants.size(),
          next.channels.size(),
          next.metaApps.size());
      for (Runnable listener : listeners) {
        try {
          listener.run();
        } catch (RuntimeException e) {
          LOG.warn("a tenant directory listener failed: {}", e.toString());
        }
      }
    }
    return null;
  }

  private void warnThrottled(Throwable cause) {
    synchronized (warnLock) {
      failing = true;
      long now = System.nanoTime();
      if (lastWarnNanos != 0 && now - lastWarnNanos < WARN_INTERVAL_NANOS) {
        suppressedWarnings++;
        return;
      }
      LOG.warn(
          "tenant directory cannot be refreshed, keeping version {} ({}; {} similar warning(s)"
              + " suppressed)",
          snapshot.get().version,
          String.valueOf(cause.getMessage()),
          suppressedWarnings);
      lastWarnNanos = now;
      suppressedWarnings = 0;
    }
  }

  private void recovered() {
    synchronized (warnLock) {
      if (failing) {
        failing = false;
        lastWarnNanos = 0;
        suppressedWarnings = 0;
        LOG.info("tenant directory refreshes again, at version {}", snapshot.get().version);
      }
    }
  }
}
