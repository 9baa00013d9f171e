package dev.sluice.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A private {@code redis-server} child process on 127.0.0.1, persisting nothing, for tests that
 * must stop and restart Redis or configure it differently from the shared one.
 *
 * <pre>{@code
 * try (RedisServerProcess redis = new RedisServerProcess().start()) {
 *   Redis client = Redis.createClient(vertx, redis.url());
 *   ...
 *   redis.stop();   // connections are refused from here on
 *   redis.start();  // same port, so the client above reconnects
 * }
 * }</pre>
 *
 * <p>The port is chosen on the first {@link #start()} and kept for the life of the object. The
 * server's output goes to {@link #logFile()}; its last lines are part of every start failure. Not
 * meant to be shared between threads, though its methods are safe to call from more than one.
 */
public final class RedisServerProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
  private static final long POLL_INTERVAL_MS = 10;
  private static final int PORT_ATTEMPTS = 3;
  private static final int LOG_TAIL_LINES = 40;
  private static final String PORT_TAKEN = "Address already in use";
  private static final String INSTALL_HINT = "install it with `apt-get install redis-server`";

  private final Path directory;
  private final boolean ownsDirectory;
  private final Path logFile;
  private final IntFunction<List<String>> extraArgs;

  private int port;
  private List<String> command;
  private Process process;
  private boolean closed;

  /**
   * Prepares a server in a fresh temporary directory; nothing runs until {@link #start()}.
   *
   * @param extraArgs further {@code redis-server} options, e.g. {@code "--maxmemory", "2mb"}; they
   *     come after the fixture's own and so override them
   */
  public RedisServerProcess(String... extraArgs) {
    this(createTemporaryDirectory(), true, port -> List.of(extraArgs));
  }

  /**
   * For {@link RedisClusterProcess}: a server in a directory its owner deletes, with options that
   * depend on the port (the cluster config file name).
   */
  RedisServerProcess(Path directory, boolean ownsDirectory, IntFunction<List<String>> extraArgs) {
    this.directory = directory;
    this.ownsDirectory = ownsDirectory;
    this.logFile = directory.resolve("redis.log");
    this.extraArgs = extraArgs;
  }

  /**
   * Starts the server, on a new free port the first time and on the same port afterwards, and
   * returns once it answers {@code PING}. Does nothing if it is already running.
   *
   * @return this, so that {@code new RedisServerProcess().start()} fits in a try-with-resources
   * @throws IllegalStateException if it does not answer within 15 s or exits first (the message
   *     carries the end of its log), or if this fixture was closed
   */
  public synchronized RedisServerProcess start() {
    if (closed) {
      throw new IllegalStateException("this RedisServerProcess was closed");
    }
    if (isRunning()) {
      return this;
    }
    if (command != null) {
      launch(command);
      return this;
    }
    for (int attempt = 1; ; attempt++) {
      int candidate = FreePorts.find();
      List<String> candidateCommand = command(candidate);
      long logOffset = logSize();
      try {
        port = candidate;
        launch(candidateCommand);
        command = candidateCommand;
        return this;
      } catch (IllegalStateException e) {
        // FreePorts cannot reserve a port: someone may have taken it since. Try another one.
        boolean portTaken =
            e.getMessage().startsWith(PORT_TAKEN) || logSince(logOffset).contains(PORT_TAKEN);
        if (attempt >= PORT_ATTEMPTS || !portTaken) {
          port = 0;
          throw e;
        }
      }
    }
  }

  /**
   * Stops the server with SIGTERM and returns once the process has exited and its port refuses
   * connections. Does nothing if it is not running. {@link #start()} brings it back on the same
   * port.
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    Process stopping = process;
    process = null;
    try {
      stopping.destroy(); // SIGTERM: Redis closes its listeners and exits.
      if (!stopping.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        stopping.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      stopping.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping redis-server on " + port, e);
    } finally {
      ProcessReaper.forget(stopping);
    }
    awaitPortClosed();
  }

  /** Whether the server process is alive (it may still be starting or shutting down). */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * The port, fixed by the first {@link #start()}.
   *
   * @throws IllegalStateException before the first start
   */
  public synchronized int port() {
    if (port == 0 || command == null) {
      throw new IllegalStateException("redis-server has no port until it was started once");
    }
    return port;
  }

  /** {@code redis://127.0.0.1:<port>}; see {@link #port()}. */
  public String url() {
    return "redis://" + Loopback.HOST + ":" + port();
  }

  /** The server's stdout and stderr, appended across restarts. */
  public Path logFile() {
    return logFile;
  }

  /** Stops the server if it runs and deletes its temporary directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop();
    } finally {
      if (ownsDirectory) {
        ProcessReaper.deleteTree(directory);
        ProcessReaper.forget(directory);
      }
    }
  }

  @Override
  public String toString() {
    return "redis-server[" + (port == 0 ? "not started" : Loopback.HOST + ":" + port) + "]";
  }

  private List<String> command(int port) {
    List<String> command = new ArrayList<>();
    command.add(Executables.onPath("redis-server", INSTALL_HINT).toString());
    command.addAll(
        List.of(
            "--port", Integer.toString(port),
            "--bind", Loopback.HOST,
            "--dir", directory.toString(),
            "--daemonize", "no",
            // No persistence: a test server starts empty and leaves nothing behind.
            "--save", "",
            "--appendonly", "no",
            "--loglevel", "notice"));
    command.addAll(extraArgs.apply(port));
    return command;
  }

  private void launch(List<String> command) {
    try {
      Files.createDirectories(directory);
      process =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(logFile.toFile()))
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command), e);
    }
    ProcessReaper.watch(process);
    try {
      awaitReady(command);
    } catch (RuntimeException e) {
      Process failed = process;
      process = null;
      failed.destroyForcibly();
      ProcessReaper.forget(failed);
      throw e;
    }
  }

  /** Polls PING until the server we started (not another one on the port) answers. */
  private void awaitReady(List<String> command) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Exception lastProbeFailure = null;
    while (true) {
      if (!process.isAlive()) {
        throw startFailure(
            "redis-server exited with code " + process.exitValue() + " before answering PING",
            command,
            null);
      }
      try {
        if ("PONG".equals(RespProbe.call(port, PROBE_TIMEOUT, "PING"))) {
          if (servedByOurProcess()) {
            return;
          }
          throw startFailure(
              PORT_TAKEN + ": another server answers on port " + port, command, null);
        }
      } catch (IOException e) {
        lastProbeFailure = e; // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw startFailure(
            "redis-server did not answer PING within " + START_TIMEOUT.toSeconds() + " s",
            command,
            lastProbeFailure);
      }
      pause();
    }
  }

  private boolean servedByOurProcess() throws IOException {
    String info = RespProbe.call(port, PROBE_TIMEOUT, "INFO", "server");
    return info.contains("process_id:" + process.pid() + "\r\n");
  }

  private void awaitPortClosed() {
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    while (Loopback.accepts(Loopback.HOST, port, PROBE_TIMEOUT)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "port " + port + " still accepts connections after redis-server exited");
      }
      pause();
    }
  }

  private IllegalStateException startFailure(String what, List<String> command, Exception cause) {
    return new IllegalStateException(
        what
            + "\ncommand: "
            + String.join(" ", command)
            + "\n--- last lines of "
            + logFile
            + " ---\n"
            + LogTail.of(logFile, LOG_TAIL_LINES),
        cause);
  }

  private long logSize() {
    try {
      return Files.exists(logFile) ? Files.size(logFile) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private String logSince(long offset) {
    try {
      byte[] all = Files.exists(logFile) ? Files.readAllBytes(logFile) : new byte[0];
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static Path createTemporaryDirectory() {
    try {
      Path directory = Files.createTempDirectory("sluice-redis-");
      ProcessReaper.watch(directory);
      return directory;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for redis-server", e);
    }
  }

  static void pause() {
    try {
      Thread.sleep(POLL_INTERVAL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for redis-server", e);
    }
  }
}
