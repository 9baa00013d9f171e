package dev.sluice.gateway.config;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The whole configuration, immutable, loaded once before Vert.x starts ({@link ConfigLoader}).
 * Units are in the key names. Every key is documented in {@code config/gateway.yaml}.
 */
public record GatewayConfig(
    Http http,
    Redis redis,
    Postgres pg,
    Startup startup,
    Log log,
    Admin admin,
    Security security,
    Health health,
    Ingress ingress,
    Providers providers,
    Dispatch dispatch,
    Delivery delivery,
    Ledger ledger,
    Campaigns campaigns,
    Retention retention,
    Privacy privacy,
    Smpp smpp) {

  public GatewayConfig {
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(pg, "pg");
    Objects.requireNonNull(startup, "startup");
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(ingress, "ingress");
    Objects.requireNonNull(providers, "providers");
    Objects.requireNonNull(dispatch, "dispatch");
    Objects.requireNonNull(delivery, "delivery");
  }

  /**
   * The HTTP server.
   *
   * @param eventLoops event loops, each running one HTTP verticle; 0 means one per core
   * @param publicUrl the URL providers reach this gateway at (for callback URLs), may be empty
   * @param maxImportBytes the largest body a streamed import (suppressions CSV) reads
   */
  public record Http(
      String host,
      int port,
      int eventLoops,
      int maxBodyBytes,
      long shutdownGraceMs,
      String publicUrl,
      long maxImportBytes) {}

  /**
   * Redis: a single server or the seed nodes of a cluster.
   *
   * @param urls one URL for standalone, one or more seed URLs for a cluster
   * @param keyPrefix put before every key name: the namespace of one deployment (one PostgreSQL
   *     database) on a shared Redis; empty = the key names of gateways without a prefix. It holds
   *     no {@code {}}, so each key's hash tag, and with it its cluster slot, stays the one after it
   */
  public record Redis(
      List<String> urls,
      boolean cluster,
      String keyPrefix,
      long connectTimeoutMs,
      long commandTimeoutMs,
      int maxPoolSize,
      int maxWaitingHandlers) {
    public Redis {
      urls = List.copyOf(urls);
      Objects.requireNonNull(keyPrefix, "keyPrefix");
    }

    /** The URLs with any password replaced by {@code ***}, for messages and logs. */
    public String displayUrls() {
      return String.join(",", urls.stream().map(GatewayConfig::maskUserInfo).toList());
    }
  }

  /**
   * PostgreSQL, parsed from a {@code postgresql://user[:password]@host[:port]/database} URL.
   *
   * @param directoryPollMs how often the tenant directory checks PostgreSQL for changes made
   *     through other instances
   */
  public record Postgres(
      String host,
      int port,
      String database,
      String user,
      Secret password,
      int maxPoolSize,
      long connectTimeoutMs,
      long directoryPollMs,
      String displayUrl) {

    /** The record keeps only the masked URL, so printing it never shows the password. */
    public Postgres {
      displayUrl = maskUserInfo(displayUrl);
    }

    /** The JDBC URL for Flyway (startup only; JDBC never runs on an event loop). */
    public String jdbcUrl() {
      return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }
  }

  /**
   * @param backendWaitMs how long startup waits for Redis and PostgreSQL to answer
   */
  public record Startup(long backendWaitMs) {}

  /**
   * @param format {@code text} or {@code json}
   */
  public record Log(String format, String level) {}

  /**
   * @param token bearer token of the operator API; empty disables the operator API
   */
  public record Admin(Secret token) {}

  /**
   * @param masterKey base64 of the 32-byte AES-256 key that seals credentials and the keys below it
   *     (tenants' data keys, the phone-index key); every new value is sealed with it
   * @param devMasterKey true when no key was configured and the built-in development key is used
   * @param previousMasterKeys older master keys (base64 of 32 bytes each), used only to open values
   *     sealed before a rotation
   */
  public record Security(Secret masterKey, boolean devMasterKey, List<Secret> previousMasterKeys) {
    public Security {
      previousMasterKeys = List.copyOf(previousMasterKeys);
    }

    /** Without previous keys. */
    public Security(Secret masterKey, boolean devMasterKey) {
      this(masterKey, devMasterKey, List.of());
    }
  }

  /**
   * @param checkTimeoutMs deadline of each readiness check
   */
  public record Health(long checkTimeoutMs) {}

  /**
   * Webhook ingress and the tenant queues.
   *
   * @param partitions partitions per tenant queue; fixed once data exists (it decides where each
   *     conversation lives)
   * @param dedupTtlSeconds how long a provider event id is remembered (Meta redelivers for 7 days)
   * @param perPhonePerMinute default inbound limit per end-user phone number
   * @param phoneBurst default burst above the steady rate per phone number
   * @param maxBacklogPerTenant unacknowledged events a tenant may hold before webhooks get 503
   * @param visibilityTimeoutMs how long a pulled event stays invisible before it is handed out
   *     again
   * @param standardToleranceSeconds allowed clock skew of Standard Webhooks timestamps
   */
  public record Ingress(
      int partitions,
      long dedupTtlSeconds,
      int perPhonePerMinute,
      int phoneBurst,
      long maxBacklogPerTenant,
      long visibilityTimeoutMs,
      long standardToleranceSeconds) {}

  /**
   * Where the provider APIs are (configurable so that tests and load runs can point them at a
   * simulator). Infobip's base URL is per channel ({@code credentials.baseUrl}).
   *
   * @param whatsappBaseUrl Graph API base URL, e.g. {@code https://graph.facebook.com}
   * @param whatsappApiVersion Graph API version in the path, e.g. {@code v23.0}
   * @param telegramBaseUrl Bot API base URL, e.g. {@code https://api.telegram.org}
   * @param twilioBaseUrl REST API base URL, e.g. {@code https://api.twilio.com}
   * @param requestTimeoutMs deadline of one provider API call
   * @param allowHttp whether a channel's own base URL (Infobip) may be http: tests, local fakes
   */
  /**
   * The SMPP client's timers, for every smpp channel.
   *
   * @param responseTimeoutMs how long a submit_sm waits for its submit_sm_resp; without one it is
   *     UNKNOWN (it may have been accepted) and never resent by the client
   * @param throttleWaitMs how long one send keeps retrying parts the SMSC throttled (0x58, 0x14)
   *     before the dispatcher takes the message back to try later
   * @param enquireLinkMs how often each connection sends enquire_link when idle
   */
  public record Smpp(long responseTimeoutMs, long throttleWaitMs, long enquireLinkMs) {
    /**
     * The longest one SMPP send takes: the throttle wait plus one response timeout; a send still
     * open then is given up as a timeout (what was written may still be delivered).
     */
    public long sendDeadlineMs() {
      return throttleWaitMs + responseTimeoutMs;
    }
  }

  public record Providers(
      String whatsappBaseUrl,
      String whatsappApiVersion,
      String telegramBaseUrl,
      String twilioBaseUrl,
      long requestTimeoutMs,
      boolean allowHttp) {}

  /**
   * The dispatcher, which sends queued messages.
   *
   * @param enabled whether this instance dispatches (an instance may serve only the API)
   * @param maxAttempts attempts per message before it is dead-lettered and failed
   * @param retryBaseMs first retry delay; doubles per attempt, with full jitter
   * @param retryMaxMs longest retry delay (a provider's Retry-After may ask for more)
   * @param breaker each channel's circuit breaker
   * @param claimMs how long a claimed tenant partition stays with one instance before another may
   *     take it (the bound on how long a dead instance's work waits)
   * @param idlePollMs how often an idle dispatcher looks for due work
   * @param unitsPerClaim tenant partitions one dispatcher claims at a time
   * @param messagesPerUnit messages taken from one partition per claim (fairness between tenants)
   * @param maxBacklogPerTenant messages a tenant may have queued and not yet finished; beyond it,
   *     sends are refused with 503 + Retry-After (enforced per partition, as this / partitions)
   * @param lingerMs the longest a dispatcher whose claims come back nearly empty waits before its
   *     next claim, so that partitions gather messages (0: claim at once)
   * @param windowRecheckMs the longest a message outside its send window waits before the
   *     dispatcher looks at it again (its window's next opening is computed anew then, so a changed
   *     clock or time-zone data is seen)
   */
  public record Dispatch(
      boolean enabled,
      int maxAttempts,
      long retryBaseMs,
      long retryMaxMs,
      Breaker breaker,
      long claimMs,
      long idlePollMs,
      int unitsPerClaim,
      int messagesPerUnit,
      long maxBacklogPerTenant,
      long lingerMs,
      long windowRecheckMs) {

    public Dispatch {
      Objects.requireNonNull(breaker, "breaker");
      check(retryBaseMs <= retryMaxMs, "dispatch.retryMaxMs", "must not be below retryBaseMs");
    }

    /** A builder with every setting named, for the loader and for tests. */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds a {@link Dispatch}; every setting must be set (the loader sets them all). */
    public static final class Builder {
      private boolean enabled;
      private int maxAttempts;
      private long retryBaseMs;
      private long retryMaxMs;
      private Breaker breaker;
      private long claimMs;
      private long idlePollMs;
      private int unitsPerClaim;
      private int messagesPerUnit;
      private long maxBacklogPerTenant;
      private long lingerMs;
      private long windowRecheckMs;

      private Builder() {}

      public Builder enabled(boolean enabled) {
        this.enabled = enabled;
        return this;
      }

      public Builder maxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
      }

      public Builder retryBaseMs(long retryBaseMs) {
        this.retryBaseMs = retryBaseMs;
        return this;
      }

      public Builder retryMaxMs(long retryMaxMs) {
        this.retryMaxMs = retryMaxMs;
        return this;
      }

      public Builder breaker(Breaker breaker) {
        this.breaker = breaker;
        return this;
      }

      public Builder claimMs(long claimMs) {
        this.claimMs = claimMs;
        return this;
      }

      public Builder idlePollMs(long idlePollMs) {
        this.idlePollMs = idlePollMs;
        return this;
      }

      public Builder unitsPerClaim(int unitsPerClaim) {
        this.unitsPerClaim = unitsPerClaim;
        return this;
      }

      public Builder messagesPerUnit(int messagesPerUnit) {
        this.messagesPerUnit = messagesPerUnit;
        return this;
      }

      public Builder maxBacklogPerTenant(long maxBacklogPerTenant) {
        this.maxBacklogPerTenant = maxBacklogPerTenant;
        return this;
      }

      public Builder lingerMs(long lingerMs) {
        this.lingerMs = lingerMs;
        return this;
      }

      public Builder windowRecheckMs(long windowRecheckMs) {
        this.windowRecheckMs = windowRecheckMs;
        return this;
      }

      public Dispatch build() {
        return new Dispatch(
            enabled,
            maxAttempts,
            retryBaseMs,
            retryMaxMs,
            breaker,
            claimMs,
            idlePollMs,
            unitsPerClaim,
            messagesPerUnit,
            maxBacklogPerTenant,
            lingerMs,
            windowRecheckMs);
      }
    }
  }

  /**
   * Push delivery of tenant queues to tenants' endpoints.
   *
   * @param enabled whether this instance delivers (every instance may; partitions are claimed)
   * @param allowHttp accept {@code http://} endpoint URLs (tests, local use)
   * @param allowPrivate accept endpoints on loopback and private addresses (tests, local use)
   * @param requestTimeoutMs deadline of one delivery request
   * @param maxAgeSeconds how long an event is retried before it goes to the dead-letter lane
   * @param retryBaseMs first retry delay (doubling per attempt; half of it kept, half jittered)
   * @param retryMaxMs longest retry delay
   * @param concurrencyPerTenant requests in flight to one tenant per instance
   * @param breaker each tenant's circuit breaker
   * @param claimMs how long a claimed partition stays with one instance
   * @param idlePollMs how often an idle deliverer looks for due work
   * @param unitsPerClaim partitions claimed at a time
   * @param maxUnitsInFlight partitions one deliverer works at once
   * @param secretGraceHours how long a rotated-out signing secret still signs
   * @param replayRetentionHours how long delivered events stay replayable
   * @param replayMaxPerPartition most delivered events kept replayable per partition
   */
  public record Delivery(
      boolean enabled,
      boolean allowHttp,
      boolean allowPrivate,
      long requestTimeoutMs,
      long maxAgeSeconds,
      long retryBaseMs,
      long retryMaxMs,
      int concurrencyPerTenant,
      Breaker breaker,
      long claimMs,
      long idlePollMs,
      int unitsPerClaim,
      int maxUnitsInFlight,
      long secretGraceHours,
      long replayRetentionHours,
      int replayMaxPerPartition) {

    public Delivery {
      Objects.requireNonNull(breaker, "breaker");
      check(retryBaseMs <= retryMaxMs, "delivery.retryMaxMs", "must not be below retryBaseMs");
      check(
          claimMs > requestTimeoutMs,
          "delivery.claimMs",
          "must be longer than delivery.requestTimeoutMs, or a partition may be claimed twice");
    }

    /** A builder with every setting named, for the loader and for tests. */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds a {@link Delivery}; every setting must be set (the loader sets them all). */
    public static final class Builder {
      private boolean enabled;
      private boolean allowHttp;
      private boolean allowPrivate;
      private long requestTimeoutMs;
      private long maxAgeSeconds;
      private long retryBaseMs;
      private long retryMaxMs;
      private int concurrencyPerTenant;
      private Breaker breaker;
      private long claimMs;
      private long idlePollMs;
      private int unitsPerClaim;
      private int maxUnitsInFlight;
      private long secretGraceHours;
      private long replayRetentionHours;
      private int replayMaxPerPartition;

      private Builder() {}

      public Builder enabled(boolean enabled) {
        this.enabled = enabled;
        return this;
      }

      public Builder allowHttp(boolean allowHttp) {
        this.allowHttp = allowHttp;
        return this;
      }

      public Builder allowPrivate(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
        return this;
      }

      public Builder requestTimeoutMs(long requestTimeoutMs) {
        this.requestTimeoutMs = requestTimeoutMs;
        return this;
      }

      public Builder maxAgeSeconds(long maxAgeSeconds) {
        this.maxAgeSeconds = maxAgeSeconds;
        return this;
      }

      public Builder retryBaseMs(long retryBaseMs) {
        this.retryBaseMs = retryBaseMs;
        return this;
      }

      public Builder retryMaxMs(long retryMaxMs) {
        this.retryMaxMs = retryMaxMs;
        return this;
      }

      public Builder concurrencyPerTenant(int concurrencyPerTenant) {
        this.concurrencyPerTenant = concurrencyPerTenant;
        return this;
      }

      public Builder breaker(Breaker breaker) {
        this.breaker = breaker;
        return this;
      }

      public Builder claimMs(long claimMs) {
        this.claimMs = claimMs;
        return this;
      }

      public Builder idlePollMs(long idlePollMs) {
        this.idlePollMs = idlePollMs;
        return this;
      }

      public Builder unitsPerClaim(int unitsPerClaim) {
        this.unitsPerClaim = unitsPerClaim;
        return this;
      }

      public Builder maxUnitsInFlight(int maxUnitsInFlight) {
        this.maxUnitsInFlight = maxUnitsInFlight;
        return this;
      }

      public Builder secretGraceHours(long secretGraceHours) {
        this.secretGraceHours = secretGraceHours;
        return this;
      }

      public Builder replayRetentionHours(long replayRetentionHours) {
        this.replayRetentionHours = replayRetentionHours;
        return this;
      }

      public Builder replayMaxPerPartition(int replayMaxPerPartition) {
        this.replayMaxPerPartition = replayMaxPerPartition;
        return this;
      }

      public Delivery build() {
        return new Delivery(
            enabled,
            allowHttp,
            allowPrivate,
            requestTimeoutMs,
            maxAgeSeconds,
            retryBaseMs,
            retryMaxMs,
            concurrencyPerTenant,
            breaker,
            claimMs,
            idlePollMs,
            unitsPerClaim,
            maxUnitsInFlight,
            secretGraceHours,
            replayRetentionHours,
            replayMaxPerPartition);
      }
    }
  }

  /**
   * A circuit breaker (Resilience4j, count based): it opens when at least {@code
   * failureRatePercent} of the last {@code window} calls failed (once {@code minimumCalls} were
   * made), holds calls back for {@code openMs}, then lets {@code halfOpenCalls} through to decide
   * whether to close.
   */
  public record Breaker(
      long openMs, int window, int minimumCalls, int failureRatePercent, int halfOpenCalls) {

    public Breaker {
      check(minimumCalls <= window, "breakerMinimumCalls", "must not exceed its breakerWindow");
    }

    /** The Resilience4j configuration of this breaker. */
    public CircuitBreakerConfig toCircuitBreakerConfig() {
      return CircuitBreakerConfig.custom()
          .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
          .slidingWindowSize(window)
          .minimumNumberOfCalls(minimumCalls)
          .failureRateThreshold(failureRatePercent)
          .waitDurationInOpenState(Duration.ofMillis(openMs))
          .permittedNumberOfCallsInHalfOpenState(halfOpenCalls)
          .build();
    }
  }

  /**
   * Checks an invariant between settings of one section, as the records are built.
   *
   * @throws ConfigException naming the setting when it does not hold
   */
  static void check(boolean holds, String key, String problem) {
    if (!holds) {
      throw new ConfigException(List.of(key + " " + problem));
    }
  }

  /**
   * The ledger writers, which move status history from Redis into PostgreSQL.
   *
   * @param claimMs how long entries one instance's writer has read stay with it before another
   *     instance's writer takes them over: how late a dead instance's last history can be
   */
  public record Ledger(long claimMs) {}

  /**
   * Bulk campaigns.
   *
   * @param enabled whether this instance expands campaigns (the API works either way)
   * @param maxQueued the most messages one campaign holds in the outbound queue at once
   * @param maxUploadBytes the largest audience CSV a campaign may be created with
   * @param maxFailurePercent a campaign pauses itself when more of its last 1,000 sends than this
   *     failed (checked once at least 100 finished)
   * @param claimMs how long one instance holds a campaign while it expands a step of it: after an
   *     instance dies mid-step, another takes the campaign up this long after the step began
   */
  public record Campaigns(
      boolean enabled, int maxQueued, long maxUploadBytes, int maxFailurePercent, long claimMs) {}

  /**
   * How long a tenant's data is kept unless the operator sets the tenant's own retention ({@code
   * PUT /admin/tenants/{t}/retention}).
   *
   * @param historyDays message history: ids, statuses, times, recipients
   * @param bodyDays message texts and campaign variables (never longer than the history)
   * @param payloadDays raw provider payloads kept for replay and dead letters in Redis
   * @param sweepMinutes how often an instance looks for expired data
   * @param storeBodies whether message bodies are kept at all (sealed with the tenant's key)
   */
  public record Retention(
      int historyDays, int bodyDays, int payloadDays, long sweepMinutes, boolean storeBodies) {
    public Retention {
      check(bodyDays <= historyDays, "retention.bodyDays", "must not exceed retention.historyDays");
    }
  }

  /**
   * Privacy jobs: erasures and exports by phone number, run in the background.
   *
   * @param enabled whether this instance runs privacy jobs (the API takes them either way)
   * @param pollMs how often an idle instance looks for a due job
   * @param claimMs how long a job stays with the instance running it without word from it; after
   *     that (the instance died) another instance runs it again from the start
   * @param exportTtlHours how long an export's document can be downloaded (once)
   */
  public record Privacy(boolean enabled, long pollMs, long claimMs, long exportTtlHours) {}

  static String maskUserInfo(String url) {
    try {
      URI uri = URI.create(url);
      String userInfo = uri.getRawUserInfo();
      if (userInfo == null || !userInfo.contains(":")) {
        return url;
      }
      String user = userInfo.substring(0, userInfo.indexOf(':'));
      return url.replace(userInfo + "@", user + ":***@");
    } catch (IllegalArgumentException e) {
      return "(unparseable URL)";
    }
  }
}
