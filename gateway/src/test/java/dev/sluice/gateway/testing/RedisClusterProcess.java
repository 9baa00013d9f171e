package dev.sluice.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Redis Cluster of master-only nodes on 127.0.0.1, persisting nothing, so that tests can
 * prove keys, scripts and clients work when a tenant's partitions live on different nodes.
 *
 * <pre>{@code
 * try (RedisClusterProcess cluster = new RedisClusterProcess().start()) {
 *   Redis client = Redis.createClient(vertx,
 *       new RedisOptions().setType(RedisClientType.CLUSTER).setEndpoints(cluster.urls()));
 *   ...
 * }
 * }</pre>
 *
 * <p>The nodes have no replicas: a stopped node takes its slots down with it (the cluster reports
 * {@code cluster_state:fail} after the 2 s node timeout) until it is started again.
 */
public final class RedisClusterProcess implements AutoCloseable {

  /** Number of hash slots in every Redis Cluster. */
  public static final int SLOTS = 16384;

  private static final int DEFAULT_MASTERS = 3;
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
  private static final int LOG_TAIL_LINES = 40;

  private final Path directory;
  private final List<RedisServerProcess> nodes;
  private boolean started;
  private boolean closed;

  /** Prepares a cluster of three masters; nothing runs until {@link #start()}. */
  public RedisClusterProcess() {
    this(DEFAULT_MASTERS);
  }

  /**
   * Prepares a cluster of {@code masters} master nodes (at least 3, the minimum {@code redis-cli
   * --cluster create} accepts); nothing runs until {@link #start()}.
   */
  public RedisClusterProcess(int masters) {
    if (masters < DEFAULT_MASTERS) {
      throw new IllegalArgumentException(
          "a Redis Cluster needs at least 3 masters, got " + masters);
    }
    this.directory = createTemporaryDirectory();
    List<RedisServerProcess> prepared = new ArrayList<>();
    for (int i = 0; i < masters; i++) {
      prepared.add(
          new RedisServerProcess(directory.resolve("node-" + i), false, this::clusterOptions));
    }
    this.nodes = List.copyOf(prepared);
  }

  /**
   * Starts the nodes, joins them into one cluster with {@code redis-cli --cluster create} and
   * returns once every node reports {@code cluster_state:ok} with all 16384 slots assigned. On
   * failure every node is stopped before the exception propagates.
   *
   * @return this, so that {@code new RedisClusterProcess().start()} fits in a try-with-resources
   * @throws IllegalStateException if a node does not start, the cluster cannot be created, or it
   *     does not converge within 20 s; the message carries the relevant log
   * @throws IllegalStateException if called twice or after {@link #close()}
   */
  public synchronized RedisClusterProcess start() {
    if (closed || started) {
      throw new IllegalStateException("a RedisClusterProcess starts once; create a new one");
    }
    started = true;
    try {
      nodes.forEach(RedisServerProcess::start);
      create();
      awaitConverged();
      return this;
    } catch (RuntimeException e) {
      nodes.forEach(RedisServerProcess::stop);
      throw e;
    }
  }

  /** {@code redis://127.0.0.1:<port>} of every node, in node order. */
  public List<String> urls() {
    return nodes.stream().map(RedisServerProcess::url).toList();
  }

  /**
   * The nodes, in node order. A test may {@link RedisServerProcess#stop() stop} and {@link
   * RedisServerProcess#start() restart} one: it keeps its port and its cluster config file, and so
   * rejoins with the same slots. Closing a node directly is not supported; close the cluster.
   */
  public List<RedisServerProcess> nodes() {
    return nodes;
  }

  /** Stops every node and deletes the temporary directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException failure = null;
    for (RedisServerProcess node : nodes) {
      try {
        node.close();
      } catch (RuntimeException e) {
        failure = e; // keep going: every node must die
      }
    }
    ProcessReaper.deleteTree(directory);
    ProcessReaper.forget(directory);
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "redis-cluster" + nodes;
  }

  private List<String> clusterOptions(int port) {
    return List.of(
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        directory.resolve("nodes-" + port + ".conf").toString(),
        "--cluster-node-timeout",
        "2000",
        // Explicit bus port: the default (port + 10000) is out of range above 55535, and an
        // ephemeral port from FreePorts can be that high.
        "--cluster-port",
        Integer.toString(FreePorts.find()));
  }

  private void create() {
    List<String> command = new ArrayList<>();
    command.add(
        Executables.onPath("redis-cli", "install it with `apt-get install redis-tools`")
            .toString());
    command.add("--cluster");
    command.add("create");
    nodes.forEach(node -> command.add(Loopback.HOST + ":" + node.port()));
    command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
    Path log = directory.resolve("cluster-create.log");
    try {
      Process create =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(log.toFile()))
              .start();
      ProcessReaper.watch(create);
      try {
        if (!create.waitFor(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          create.destroyForcibly();
          throw failure(
              "redis-cli did not finish within " + CREATE_TIMEOUT.toSeconds() + " s", command, log);
        }
        if (create.exitValue() != 0) {
          throw failure("redis-cli exited with code " + create.exitValue(), command, log);
        }
      } finally {
        ProcessReaper.forget(create);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the cluster", e);
    }
  }

  /**
   * Polls {@code CLUSTER INFO} on every node until each is ok, sees all slots assigned and knows
   * every other node. {@code redis-cli} returns once the slot configuration agrees, which can be
   * before every node has marked the cluster ok.
   */
  private void awaitConverged() {
    long deadline = System.nanoTime() + CONVERGE_TIMEOUT.toNanos();
    Map<Integer, String> lastInfo = new HashMap<>();
    while (true) {
      boolean allOk = true;
      for (RedisServerProcess node : nodes) {
        String info = clusterInfo(node.port());
        lastInfo.put(node.port(), info);
        allOk &= isConverged(info);
      }
      if (allOk) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the cluster did not report cluster_state:ok with "
                + SLOTS
                + " slots on every node within "
                + CONVERGE_TIMEOUT.toSeconds()
                + " s; last CLUSTER INFO per port: "
                + lastInfo);
      }
      RedisServerProcess.pause();
    }
  }

  private boolean isConverged(String clusterInfo) {
    Map<String, String> fields = new HashMap<>();
    clusterInfo
        .lines()
        .map(line -> line.split(":", 2))
        .filter(pair -> pair.length == 2)
        .forEach(pair -> fields.put(pair[0].trim(), pair[1].trim()));
    return "ok".equals(fields.get("cluster_state"))
        && Integer.toString(SLOTS).equals(fields.get("cluster_slots_assigned"))
        && Integer.toString(SLOTS).equals(fields.get("cluster_slots_ok"))
        && Integer.toString(nodes.size()).equals(fields.get("cluster_known_nodes"));
  }

  private static String clusterInfo(int port) {
    try {
      return RespProbe.call(port, PROBE_TIMEOUT, "CLUSTER", "INFO");
    } catch (IOException e) {
      return "(no answer: " + e.getMessage() + ")";
    }
  }

  private static IllegalStateException failure(String what, List<String> command, Path log) {
    return new IllegalStateException(
        what
            + "\ncommand: "
            + String.join(" ", command)
            + "\n--- last lines of "
            + log
            + " ---\n"
            + LogTail.of(log, LOG_TAIL_LINES));
  }

  private static Path createTemporaryDirectory() {
    try {
      Path directory = Files.createTempDirectory("sluice-redis-cluster-");
      ProcessReaper.watch(directory);
      return directory;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the cluster", e);
    }
  }
}
