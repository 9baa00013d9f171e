package dev.sluice.gateway;

import dev.sluice.gateway.testing.LogTail;
import dev.sluice.gateway.testing.ProcessReaper;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A gateway ({@link Main}) in a child JVM on the test class path, so that a test can kill it with
 * SIGKILL as a crash would. Its settings are written to a config file of its own (the child sees no
 * {@code SLUICE_*} variable of the build), its output goes to a log file whose end is part of every
 * failure, and it is killed when the test JVM exits if the test did not close it.
 */
public final class GatewayProcess implements AutoCloseable {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final long POLL_INTERVAL_MS = 100;
  private static final int LOG_TAIL_LINES = 40;

  /** Small heap, one GC thread, no C2: three gateways and the test share two cores. */
  private static final List<String> JVM_OPTIONS =
      List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private final String name;
  private final int port;
  private final Path log;
  private final Process process;

  private GatewayProcess(String name, int port, Path log, Process process) {
    this.name = name;
    this.port = port;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts a gateway with {@code settings} ({@code section.key} → value, as {@link
   * TestGateways#settings}); returns at once, before it listens (see {@link #awaitReady}).
   *
   * @param name names its config and log files in {@code dir} and its failure messages
   */
  public static GatewayProcess start(String name, Map<String, String> settings, Path dir)
      throws IOException {
    Path log = dir.resolve(name + ".log");
    Process process = launch(name, List.of(), settings, dir, log);
    return new GatewayProcess(name, Integer.parseInt(settings.get("http.port")), log, process);
  }

  /** How a command ended: its exit code and everything it wrote (stdout and stderr). */
  public record Finished(int exitCode, String output) {}

  /**
   * Runs {@link Main} with a subcommand to its end, as {@code java -jar sluice-gateway.jar <args>
   * --config FILE} does, with {@code settings} in the config file.
   *
   * @throws AssertionError if it has not ended within {@code timeout} (it is killed)
   */
  public static Finished run(
      String name, List<String> args, Map<String, String> settings, Path dir, Duration timeout)
      throws IOException, InterruptedException {
    Path log = dir.resolve(name + ".log");
    Process process = launch(name, args, settings, dir, log);
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(
          name + " did not end within " + timeout + "\n" + Files.readString(log));
    }
    return new Finished(process.exitValue(), Files.readString(log));
  }

  private static Process launch(
      String name, List<String> args, Map<String, String> settings, Path dir, Path log)
      throws IOException {
    JsonObject config = new JsonObject(); // YAML is a superset of JSON: the loader reads it as is
    settings.forEach(
        (key, value) -> {
          int dot = key.indexOf('.');
          JsonObject section = config.getJsonObject(key.substring(0, dot));
          if (section == null) {
            section = new JsonObject();
            config.put(key.substring(0, dot), section);
          }
          section.put(key.substring(dot + 1), value);
        });
    Path configFile = dir.resolve(name + ".yaml");
    Files.writeString(configFile, config.encodePrettily());

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_OPTIONS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(args);
    cmd.add("--config");
    cmd.add(configFile.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    pb.redirectOutput(log.toFile());
    Process process = pb.start();
    ProcessReaper.watch(process);
    return process;
  }

  public String name() {
    return name;
  }

  /** The port of its HTTP server on 127.0.0.1. */
  public int port() {
    return port;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits until {@code GET /health/ready} answers 200 (Redis and PostgreSQL reachable, every
   * verticle deployed).
   *
   * @throws AssertionError if it exits first or is not ready within {@code timeout}, with the end
   *     of its log
   */
  public void awaitReady(Duration timeout) throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ready =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "gateway "
                + name
                + " exited ("
                + process.exitValue()
                + ") before it was ready\n"
                + logTail());
      }
      try {
        if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "gateway " + name + " not ready within " + timeout + "\n" + logTail());
      }
      TimeUnit.MILLISECONDS.sleep(POLL_INTERVAL_MS); // poll interval
    }
  }

  /**
   * The local ports of this gateway's open TCP connections to {@code serverPort} on this machine:
   * which of the requests a server in the test holds came from this gateway. Read from {@code
   * /proc} (Linux): the socket inodes among the process's file descriptors, matched against the
   * kernel's TCP tables.
   */
  public Set<Integer> portsConnectedTo(int serverPort) {
    Set<String> sockets = new HashSet<>();
    Path fds = Path.of("/proc", Long.toString(process.pid()), "fd");
    try (Stream<Path> list = Files.list(fds)) {
      list.forEach(
          fd -> {
            try {
              String target = Files.readSymbolicLink(fd).toString();
              if (target.startsWith("socket:[")) {
                sockets.add(target.substring("socket:[".length(), target.length() - 1));
              }
            } catch (NoSuchFileException e) {
              // closed while listing
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + fds, e);
    }
    Set<Integer> ports = new HashSet<>();
    for (String table : List.of("tcp", "tcp6")) {
      Path path = Path.of("/proc", Long.toString(process.pid()), "net", table);
      List<String> lines;
      try {
        lines = Files.readAllLines(path);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + path, e);
      }
      // "sl local_address rem_address st ... uid timeout inode ...", addresses as HEXIP:HEXPORT
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (hexPort(f[2]) == serverPort && sockets.contains(f[9])) {
          ports.add(hexPort(f[1]));
        }
      }
    }
    return ports;
  }

  private static int hexPort(String address) {
    return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
  }

  /**
   * SIGSTOP: it runs nothing more (its sockets stay open) until it is killed, so that a test can
   * read {@link #portsConnectedTo} as they were at the instant it stopped.
   */
  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: a {@linkplain #freeze frozen} gateway runs on where it stopped. */
  public void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
    if (!kill.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("cannot send SIG" + signal + " to gateway " + name);
    }
  }

  /** SIGKILL, as a crash: nothing of it runs after this returns. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError("gateway " + name + " still alive after SIGKILL");
    }
    ProcessReaper.forget(process);
  }

  /** The last lines of its output. */
  public String logTail() {
    return logTail(LOG_TAIL_LINES);
  }

  /** The last {@code lines} lines of its output. */
  public String logTail(int lines) {
    return LogTail.of(log, lines);
  }

  /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
    ProcessReaper.forget(process);
  }
}
