package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.TestBackends;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The gateway as a real process: exit codes, startup messages and SIGTERM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StartupIT {
  private static final String DB = TestBackends.uniqueId("sluice_proc").replace('-', '_');

  @TempDir Path dir;

  @AfterAll
  static void dropDatabase() throws Exception {
    TestGateways.dropDatabase(DB);
  }

  @Test
  void configWithTwoMistakesIsRefusedWithBothNamedBeforeAnyPortIsBound() throws Exception {
    int port = FreePorts.find();
    Path config = dir.resolve("bad.yaml");
    Files.writeString(
        config, "http:\n  port: " + port + "\n  maxBodyBytes: tiny\nredis:\n  type: sharded\n");

    Result r = run(config, Map.of());

    assertThat(r.exitCode).isEqualTo(2);
    assertThat(r.output)
        .contains("http.maxBodyBytes must be a whole number, got 'tiny'")
        .contains("redis.type must be one of standalone|cluster, got 'sharded'");
    assertThat(portAccepts(port)).isFalse();
  }

  @Test
  void unreachableRedisIsNamedInOneLine() throws Exception {
    int deadPort = FreePorts.find();
    Path config = dir.resolve("gw.yaml");
    Files.writeString(config, "http:\n  port: " + FreePorts.find() + "\n");

    Result r =
        run(
            config,
            Map.of(
                "SLUICE_REDIS_URL",
                "redis://127.0.0.1:" + deadPort,
                "SLUICE_PG_URL",
                TestGateways.pgUrl(DB),
                "SLUICE_STARTUP_BACKEND_WAIT_MS",
                "1000"));

    assertThat(r.exitCode).isEqualTo(1);
    List<String> errors = r.lines().stream().filter(l -> l.contains("ERROR")).toList();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0))
        .contains("Redis at redis://127.0.0.1:" + deadPort + " is not reachable")
        .contains("SLUICE_REDIS_URL");
  }

  @Test
  void aRedisNamespaceOfAnotherDatabaseStopsTheStartWithExit2AndOneLine() throws Exception {
    String prefix = TestBackends.uniqueId("proc") + ":";
    String otherDb = TestBackends.uniqueId("sluice_proc_other").replace('-', '_');
    Map<String, String> settings = TestGateways.settings(FreePorts.find(), otherDb);
    settings.put("redis.keyPrefix", prefix);
    Gateway other = Gateway.start(TestGateways.config(settings));
    try {
      Path config = dir.resolve("gw.yaml");
      Files.writeString(config, "http:\n  port: " + FreePorts.find() + "\n");

      Result r =
          run(
              config,
              Map.of(
                  "SLUICE_REDIS_URL", TestBackends.redisUrl(),
                  "SLUICE_REDIS_TYPE", TestBackends.redisSettings().get("redis.type"),
                  "SLUICE_REDIS_KEY_PREFIX", prefix,
                  "SLUICE_PG_URL", TestGateways.pgUrl(DB)));

      assertThat(r.exitCode).as(r.output).isEqualTo(2);
      List<String> errors = r.lines().stream().filter(l -> l.contains("ERROR")).toList();
      assertThat(errors).hasSize(1);
      assertThat(errors.get(0))
          .contains(prefix)
          .contains(otherDb)
          .contains("redis.keyPrefix (SLUICE_REDIS_KEY_PREFIX)");
      assertThat(r.output).doesNotContain("Exception").doesNotContain("\tat ");
    } finally {
      other.close().await();
      TestGateways.dropDatabase(otherDb);
    }
  }

  @Test
  void sigtermDrainsTheInFlightRequestThenExits() throws Exception {
    int port = FreePorts.find();
    Path config = dir.resolve("gw.yaml");
    Files.writeString(config, "http:\n  host: 127.0.0.1\n  port: " + port + "\n");
    // Its output goes to a file: a pipe nobody reads until the end fills up, and a gateway whose
    // logging blocks answers nothing.
    Path log = Files.createTempFile(dir, "gateway", ".log");
    Process gateway =
        start(
            config,
            Map.of(
                "SLUICE_REDIS_URL", TestBackends.redisUrl(),
                "SLUICE_REDIS_TYPE", TestBackends.redisSettings().get("redis.type"),
                "SLUICE_REDIS_KEY_PREFIX", TestGateways.keyPrefix(DB),
                "SLUICE_PG_URL", TestGateways.pgUrl(DB)),
            log);
    try {
      awaitAccepting(port, gateway);

      try (Socket inFlight = new Socket("127.0.0.1", port)) {
        OutputStream out = inFlight.getOutputStream();
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(inFlight.getInputStream(), StandardCharsets.US_ASCII));
        // A request whose body is still arriving when SIGTERM comes. The server's "100 Continue"
        // proves it has taken the request in before the signal is sent.
        out.write(
            ("POST /health/live HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
        assertThat(in.readLine()).isEmpty();
        out.write("3\r\nabc\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();

        gateway.toHandle().destroy(); // SIGTERM
        awaitRefusing(port);

        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(in.readLine()).startsWith("HTTP/1.1 405"); // answered, not cut off
      }

      assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.exitValue()).isIn(0, 143);
      assertThat(Files.readString(log)).contains("shutting down").contains("stopped");
    } finally {
      gateway.destroyForcibly();
    }
  }

  private record Result(int exitCode, String output) {
    List<String> lines() {
      return output.lines().collect(Collectors.toList());
    }
  }

  /** Runs the gateway until it exits by itself; a gateway still running after 60 s fails. */
  private Result run(Path config, Map<String, String> env) throws Exception {
    Path log = Files.createTempFile(dir, "gateway", ".log");
    Process p = start(config, env, log);
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly().waitFor();
    }
    String out = Files.readString(log);
    assertThat(exited).as("the gateway exits by itself; its output:%n%s", out).isTrue();
    return new Result(p.exitValue(), out);
  }

  /**
   * Runs Main in a child JVM on the test class path, with only the given SLUICE_* variables, its
   * output going to {@code log}.
   */
  private static Process start(Path config, Map<String, String> env, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.sluice.gateway.Main");
    cmd.add("--config");
    cmd.add(config.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    pb.environment().putAll(env);
    pb.redirectOutput(log.toFile());
    return pb.start();
  }

  private static boolean portAccepts(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static void awaitAccepting(int port, Process p) {
    Await.until(
        "the gateway to listen on " + port,
        Duration.ofSeconds(60),
        () -> {
          assertThat(p.isAlive()).as("gateway exited before listening").isTrue();
          return portAccepts(port);
        });
  }

  private static void awaitRefusing(int port) {
    Await.until(
        "port " + port + " to refuse connections",
        Duration.ofSeconds(30),
        () -> !portAccepts(port));
  }
}
