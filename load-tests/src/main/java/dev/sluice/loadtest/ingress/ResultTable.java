package dev.sluice.loadtest.ingress;

import dev.sluice.loadtest.Args;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The ingress benchmark table, from the files {@code bench-ingress.sh} leaves in one directory:
 * {@code sluice-max.json}, {@code baseline-max.json}, {@code sluice-rate.json}, {@code
 * baseline-rate.json}, {@code drain.json} and the RSS samples {@code gateway-rss.kb} / {@code
 * baseline-rss.kb} (one VmRSS value in kB per line). Prints it as Markdown and writes {@code
 * table.md}.
 */
public final class ResultTable {
  private ResultTable() {}

  public static void main(String[] argv) throws IOException {
    Path dir = Path.of(Args.parse(argv).required("dir"));
    JsonObject sMax = read(dir.resolve("sluice-max.json"));
    JsonObject bMax = read(dir.resolve("baseline-max.json"));
    JsonObject sRate = read(dir.resolve("sluice-rate.json"));
    JsonObject bRate = read(dir.resolve("baseline-rate.json"));
    JsonObject drain = read(dir.resolve("drain.json"));
    long sRss = maxKb(dir.resolve("gateway-rss.kb"));
    long bRss = maxKb(dir.resolve("baseline-rss.kb"));

    double sPeak = sMax.getDouble("throughputPerSec");
    double bPeak = bMax.getDouble("throughputPerSec");
    double ratio = bPeak > 0 ? sPeak / bPeak : 0;
    double p99 = sRate.getJsonObject("latencyMs").getDouble("p99");
    StringBuilder t = new StringBuilder();
    t.append("| metric | Sluice | bare baseline | Sluice / baseline | target |\n")
        .append("|---|---:|---:|---:|---|\n");
    row(
        t,
        "peak throughput, max mode (2xx/s)",
        f1(sPeak),
        f1(bPeak),
        f2(ratio),
        "≥ 0.80 " + mark(ratio >= 0.8));
    row(
        t,
        "constant rate offered (80% of Sluice peak, req/s)",
        f1(num(sRate, "targetRate")),
        f1(num(bRate, "targetRate")),
        "",
        "");
    row(
        t,
        "achieved at that rate (2xx/s)",
        f1(sRate.getDouble("throughputPerSec")),
        f1(bRate.getDouble("throughputPerSec")),
        "",
        "");
    for (String p : List.of("p50", "p90", "p99", "p99.9", "max")) {
      double sv = sRate.getJsonObject("latencyMs").getDouble(p);
      double bv = bRate.getJsonObject("latencyMs").getDouble(p);
      row(
          t,
          "latency " + p + " at 80% (ms, CO-corrected)",
          f2(sv),
          f2(bv),
          bv > 0 ? f2(sv / bv) : "",
          p.equals("p99") ? "≤ 10 ms " + mark(p99 <= 10) : "");
    }
    row(
        t,
        "latency p99 in max mode (ms, closed loop)",
        f2(sMax.getJsonObject("latencyMs").getDouble("p99")),
        f2(bMax.getJsonObject("latencyMs").getDouble("p99")),
        "",
        "");
    row(t, "errors, max mode (non-2xx + failed)", errors(sMax), errors(bMax), "", "");
    row(t, "errors, constant rate", errors(sRate), errors(bRate), "", "");
    row(
        t,
        "peak RSS (MiB, /proc VmRSS)",
        Long.toString(sRss / 1024),
        Long.toString(bRss / 1024),
        "",
        "gateway ≤ 1024 " + mark(sRss > 0 && sRss <= 1024 * 1024));
    row(
        t,
        "redeliveries sent (absorbed by dedup)",
        Long.toString(sMax.getLong("redeliveries") + sRate.getLong("redeliveries")),
        Long.toString(bMax.getLong("redeliveries") + bRate.getLong("redeliveries")),
        "",
        "");
    row(
        t,
        "acknowledged unique wamids → drained via pull API",
        drain.getLong("acknowledged")
            + " → "
            + drain.getLong("drained")
            + (drain.getBoolean("complete") ? "" : " (incomplete)"),
        "n/a",
        "",
        "");
    row(
        t,
        "lost (2xx but never drained)",
        Long.toString(drain.getLong("lost")),
        "n/a",
        "",
        "0 " + mark(drain.getLong("lost") == 0 && drain.getBoolean("complete")));
    row(
        t,
        "duplicates (drained twice)",
        Long.toString(drain.getLong("duplicates")),
        "n/a",
        "",
        "0 " + mark(drain.getLong("duplicates") == 0));
    row(
        t,
        "drained without a 2xx (timeouts; allowed)",
        Long.toString(drain.getLong("unconfirmed")),
        "n/a",
        "",
        "");
    Path cpu = dir.resolve("cpu.txt");
    if (Files.exists(cpu)) {
      t.append("\nCPU of the machine during each phase (% of all cores; `others` = processes")
          .append(" outside this benchmark), and CPU time per request (warm-up included) of the")
          .append(" server and of Redis:\n\n| phase | busy | gateway/baseline | redis |")
          .append(" generator | others | server µs/request | redis µs/request |\n")
          .append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
      for (String line : Files.readAllLines(cpu)) {
        if (!line.isBlank()) {
          t.append("| ").append(String.join(" | ", line.trim().split("\\s+"))).append(" |\n");
        }
      }
    }
    System.out.print(t);
    Files.writeString(dir.resolve("table.md"), t.toString());
  }

  private static String errors(JsonObject s) {
    JsonObject o = s.getJsonObject("outcomes").copy();
    o.fieldNames().removeIf(k -> k.startsWith("2"));
    return s.getLong("errors") + (o.isEmpty() ? "" : " " + o.encode().replace("\"", ""));
  }

  private static double num(JsonObject o, String key) {
    Double d = o.getDouble(key);
    return d == null ? 0 : d;
  }

  private static void row(StringBuilder t, String... cells) {
    t.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  private static String mark(boolean ok) {
    return ok ? "✅ met" : "❌ missed";
  }

  private static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String f2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static JsonObject read(Path p) throws IOException {
    return new JsonObject(Files.readString(p));
  }

  private static long maxKb(Path p) throws IOException {
    if (!Files.exists(p)) {
      return 0;
    }
    return Files.readAllLines(p).stream()
        .map(String::trim)
        .filter(s -> s.matches("\\d+"))
        .mapToLong(Long::parseLong)
        .max()
        .orElse(0);
  }
}
