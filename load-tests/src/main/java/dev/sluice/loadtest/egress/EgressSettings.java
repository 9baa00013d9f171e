package dev.sluice.loadtest.egress;

import dev.sluice.loadtest.Args;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One egress load run, read from the command line (defaults in brackets):
 *
 * <pre>
 * --target sluice|kannel [sluice]
 * --url http://127.0.0.1:8080                  Sluice's base URL, or Kannel's smsbox sendsms port
 * --routes FILE                                sluice: lines {@code <tenant> <apiKey> <channel>}
 * --kannel-user U --kannel-password P          kannel: a sendsms-user
 * --from 12345 [12345]                         kannel: sender address
 * --mode max|rate [rate] --rate N              closed loop at full speed, or open-model arrivals
 * --concurrency N [64] --connections N [64]    max mode in-flight requests; connection pool
 * --warmup-s N [5] --duration-s N [20]         measured after the warm-up
 * --timeout-ms N [10000] --loops N [1]
 * --users N [100000]                           distinct recipients (+14155xxxxxx, at most 10^6)
 * --tag T --seed N [42] --label L --out PREFIX writes PREFIX.json, PREFIX.html, PREFIX.accepted
 * </pre>
 */
public record EgressSettings(
    Target target,
    URI url,
    List<Route> routes,
    String kannelUser,
    String kannelPassword,
    String from,
    boolean openModel,
    double rate,
    int concurrency,
    int connections,
    int warmupS,
    int durationS,
    long timeoutMs,
    int loops,
    int users,
    String tag,
    long seed,
    String label,
    String out) {

  /** What the load is sent to. */
  public enum Target {
    SLUICE,
    KANNEL
  }

  public EgressSettings {
    if (!"http".equals(url.getScheme()) || url.getPort() <= 0) {
      throw new IllegalArgumentException("--url must be http://host:port");
    }
    if (target == Target.SLUICE && routes.isEmpty()) {
      throw new IllegalArgumentException("--routes is required for --target sluice");
    }
    if (target == Target.KANNEL && (kannelUser == null || kannelPassword == null)) {
      throw new IllegalArgumentException("--kannel-user and --kannel-password are required");
    }
    if (openModel && rate <= 0) {
      throw new IllegalArgumentException("--rate must be > 0 in rate mode");
    }
    if (durationS < 1 || durationS > 3600 || warmupS < 0 || warmupS > 120) {
      throw new IllegalArgumentException("--duration-s must be 1..3600 and --warmup-s 0..120");
    }
    if (loops < 1 || connections < loops || concurrency < loops || users < 1) {
      throw new IllegalArgumentException(
          "--loops >= 1, --connections and --concurrency >= loops, --users >= 1");
    }
    if (!tag.matches("[A-Za-z0-9]{1,24}")) {
      throw new IllegalArgumentException("--tag must be 1-24 of [A-Za-z0-9]");
    }
    routes = List.copyOf(routes);
  }

  static EgressSettings from(Args a) throws IOException {
    String mode = a.string("mode", "rate");
    if (!mode.equals("max") && !mode.equals("rate")) {
      throw new IllegalArgumentException("--mode must be max or rate");
    }
    Target target =
        switch (a.string("target", "sluice")) {
          case "sluice" -> Target.SLUICE;
          case "kannel" -> Target.KANNEL;
          default -> throw new IllegalArgumentException("--target must be sluice or kannel");
        };
    String tag = a.string("tag", mode);
    List<Route> routes =
        target == Target.SLUICE
            ? Route.parse(Files.readAllLines(Path.of(a.required("routes"))))
            : List.of();
    return new EgressSettings(
        target,
        URI.create(a.required("url")),
        routes,
        a.string("kannel-user", null),
        a.string("kannel-password", null),
        a.string("from", "12345"),
        mode.equals("rate"),
        a.decimal("rate", 0),
        a.integer("concurrency", 64),
        a.integer("connections", 64),
        a.integer("warmup-s", 5),
        a.integer("duration-s", 20),
        a.longValue("timeout-ms", 10_000),
        a.integer("loops", 1),
        a.integer("users", 100_000),
        tag,
        a.longValue("seed", 42),
        a.string("label", tag),
        a.string("out", "egress-" + tag));
  }

  /** The unique text of message {@code seq}: the simulator and fakesmsc count by it. */
  public static String text(String tag, long seq) {
    return "lt-" + tag + "-" + seq;
  }

  /** The recipient of message {@code seq}, E.164. */
  String recipient(long seq) {
    long h = seq * 0x9E3779B97F4A7C15L + seed;
    h ^= h >>> 31;
    return "+14155" + String.format("%06d", Long.remainderUnsigned(h, Math.min(users, 1_000_000)));
  }
}
