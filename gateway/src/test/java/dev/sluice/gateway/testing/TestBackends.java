package dev.sluice.gateway.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the shared test backends are, whether they answer, and ids that keep tests apart on them.
 *
 * <p>Integration tests use the Redis and PostgreSQL that the test command ensures are running; the
 * addresses come from {@code SLUICE_TEST_REDIS_URL} and {@code SLUICE_TEST_PG_URL}, with local
 * defaults. Nothing is flushed between tests: each test isolates itself with {@link
 * #uniqueId(String)} tenant ids and key prefixes.
 *
 * <p>With {@code SLUICE_TEST_REDIS_CLUSTER=1} (the second pass of the test command), the shared
 * Redis is instead a three-master Redis Cluster of this JVM's own, started at the first use and
 * stopped when the JVM exits: {@link #redisSettings()}, {@link #redisOptions()} and {@link
 * #redisUrl()} then name its nodes, and every test gateway and test client built from them runs on
 * it. A cluster has only database 0 and runs a command only when all its keys hash to one slot:
 * tests isolate themselves with key prefixes, and send only single-slot commands.
 */
public final class TestBackends {

  /** Environment variable naming the shared Redis. */
  public static final String REDIS_URL_ENV = "SLUICE_TEST_REDIS_URL";

  /**
   * Environment variable that, set to {@code 1} or {@code true}, makes the shared Redis a
   * three-master cluster of the test JVM's own.
   */
  public static final String REDIS_CLUSTER_ENV = "SLUICE_TEST_REDIS_CLUSTER";

  /** Environment variable naming the shared PostgreSQL database. */
  public static final String PG_URL_ENV = "SLUICE_TEST_PG_URL";

  private static final String DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
  private static final String DEFAULT_PG_URL =
      "postgresql://postgres:postgres@127.0.0.1:5432/sluice_test";
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private static final Map<String, Integer> DEFAULT_PORTS =
      Map.of("redis", 6379, "rediss", 6379, "postgresql", 5432, "postgres", 5432);

  /** Longest id {@link #uniqueId(String)} returns; fits key names, metric tags and log lines. */
  public static final int MAX_ID_LENGTH = 32;

  private static final int RANDOM_CHARS = 10; // base 36: about 51 bits, no collision across runs
  private static final SecureRandom RANDOM = new SecureRandom();

  private TestBackends() {}

  /**
   * The shared Redis, from {@code SLUICE_TEST_REDIS_URL}, default {@code redis://127.0.0.1:6379};
   * on a {@linkplain #isRedisCluster() cluster}, its nodes' URLs joined with commas (as {@code
   * redis.url} takes them).
   */
  public static String redisUrl() {
    return String.join(",", redisUrls());
  }

  /** Whether the shared Redis is a cluster ({@code SLUICE_TEST_REDIS_CLUSTER=1}). */
  public static boolean isRedisCluster() {
    String value = env(REDIS_CLUSTER_ENV, "");
    return value.equals("1") || value.equalsIgnoreCase("true");
  }

  /**
   * The gateway settings that point at the shared Redis: {@code redis.url} and {@code redis.type}.
   */
  public static Map<String, String> redisSettings() {
    return Map.of(
        "redis.url", redisUrl(), "redis.type", isRedisCluster() ? "cluster" : "standalone");
  }

  /** Client options for the shared Redis, for tests that read or write keys directly. */
  public static RedisOptions redisOptions() {
    return new RedisOptions()
        .setType(isRedisCluster() ? RedisClientType.CLUSTER : RedisClientType.STANDALONE)
        .setEndpoints(redisUrls());
  }

  private static List<String> redisUrls() {
    return isRedisCluster() ? SharedCluster.urls() : List.of(env(REDIS_URL_ENV, DEFAULT_REDIS_URL));
  }

  /**
   * The shared PostgreSQL database, from {@code SLUICE_TEST_PG_URL}, default {@code
   * postgresql://postgres:postgres@127.0.0.1:5432/sluice_test}.
   */
  public static String pgUrl() {
    return env(PG_URL_ENV, DEFAULT_PG_URL);
  }

  /**
   * Fails the calling test unless the shared Redis accepts a TCP connection within 2 s. On a
   * cluster, starts it if it is not running yet.
   *
   * @return {@link #redisUrl()}, for {@code String url = TestBackends.requireRedis();}
   */
  public static String requireRedis() {
    if (isRedisCluster()) {
      return redisUrl(); // a cluster of our own: started, or the start failed naming why
    }
    String url = redisUrl();
    require(
        "Redis",
        url,
        REDIS_URL_ENV,
        "start it with ./test.sh or `redis-server --port 6379 --daemonize yes`");
    return url;
  }

  /**
   * Fails the calling test unless the shared PostgreSQL accepts a TCP connection within 2 s. Only
   * the port is checked, not the credentials or the database.
   *
   * @return {@link #pgUrl()}
   */
  public static String requirePostgres() {
    String url = pgUrl();
    require(
        "PostgreSQL",
        url,
        PG_URL_ENV,
        "start it with ./test.sh or `pg_ctlcluster 15 main start` and create the database");
    return url;
  }

  /**
   * A short id no other test run will produce: {@code prefix} lowercased, anything but letters and
   * digits turned into dashes, cut to fit, then a dash and 10 random base-36 characters. For
   * example {@code uniqueId("acme")} gives something like {@code acme-k3j9x0q2ab}.
   *
   * @return letters, digits and dashes only, at most {@value #MAX_ID_LENGTH} characters
   */
  public static String uniqueId(String prefix) {
    String clean =
        prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    int room = MAX_ID_LENGTH - RANDOM_CHARS - 1;
    if (clean.length() > room) {
      clean = clean.substring(0, room).replaceAll("-+$", "");
    }
    if (clean.isEmpty()) {
      clean = "t";
    }
    StringBuilder id = new StringBuilder(clean).append('-');
    for (int i = 0; i < RANDOM_CHARS; i++) {
      id.append(Character.forDigit(RANDOM.nextInt(36), 36));
    }
    return id.toString();
  }

  static void require(String name, String url, String env, String howToStart) {
    String shown = redacted(url);
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      fail(name + " URL " + shown + " (" + env + ") is not a valid URL: " + e.getMessage());
      return;
    }
    if (uri.getHost() == null) {
      fail(name + " URL " + shown + " (" + env + ") has no host");
    }
    int port =
        uri.getPort() != -1 ? uri.getPort() : DEFAULT_PORTS.getOrDefault(uri.getScheme(), -1);
    if (port == -1) {
      fail(name + " URL " + shown + " (" + env + ") has no port and an unknown scheme");
    }
    if (!Loopback.accepts(uri.getHost(), port, CONNECT_TIMEOUT)) {
      fail(
          name
              + " is not reachable at "
              + shown
              + " ("
              + env
              + "): "
              + howToStart
              + ", or point "
              + env
              + " at a running one");
    }
  }

  /** The URL with any password replaced by {@code ***}: failure messages end up in CI logs. */
  static String redacted(String url) {
    return url.replaceFirst("^([a-z0-9+.-]+://[^:/@]*):[^@/]*@", "$1:***@");
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  /** The cluster shared by the tests of this JVM: started at the first use, reaped at exit. */
  private static final class SharedCluster {
    private static final RedisClusterProcess CLUSTER = new RedisClusterProcess().start();

    static List<String> urls() {
      return CLUSTER.urls();
    }
  }
}
