package dev.sluice.loadtest.egress;

import dev.sluice.loadtest.Args;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The egress benchmark tables, from the files {@code bench-egress.sh} leaves in one directory. Per
 * phase {@code <name>}: the generator's {@code <name>.json}; {@code <name>.delivered}, the fake
 * provider's cumulative count sampled about once a second ({@code <epochMs> <count>} per line);
 * {@code <name>.provider.json}, {@code {"accepted","unique","duplicates","settled","settleS"}} once
 * the backlog had drained; and for WhatsApp phases the status drain's {@code <name>-status.json}.
 * Phases: {@code kannel-max-r<N>} and {@code sluice-sms-max-r<N>} (the comparison; the round with
 * the most delivered per second counts), {@code sluice-wa-max}, {@code sluice-wa-rate}, {@code
 * mixed-egress} (+ {@code mixed-ingress.json}, {@code mixed-drain.json}), {@code soak} (+ {@code
 * soak-rss.txt}, {@code <epochMs> <kB>} per line). Missing phases are left out. Prints Markdown and
 * writes {@code table.md}.
 */
public final class EgressTable {
  private EgressTable() {}

  /** {@code --dir D}: prints and writes the tables; {@code --rate-of PHASE}: prints its rate. */
  public static void main(String[] argv) throws IOException {
    Args a = Args.parse(argv);
    Path dir = Path.of(a.required("dir"));
    if (a.has("rate-of")) {
      Phase p = phase(dir, a.required("rate-of"));
      System.out.println(p == null ? "0" : f1(p.rate()));
      return;
    }
    String t = build(dir);
    System.out.print(t);
    Files.writeString(dir.resolve("table.md"), t);
  }

  /** One phase's files, read. */
  record Phase(String name, JsonObject load, JsonObject provider, JsonObject status, double rate) {
    long accepted() {
      return provider != null ? provider.getLong("accepted", 0L) : load.getLong("acceptedTotal");
    }
  }

  static String build(Path dir) throws IOException {
    StringBuilder t = new StringBuilder();
    Phase kannel = best(dir, "kannel-max");
    Phase sms = best(dir, "sluice-sms-max");
    if (kannel != null && sms != null) {
      double ratio = kannel.rate() > 0 ? sms.rate() / kannel.rate() : 0;
      t.append("### Sluice vs Kannel: messages delivered to the fake provider\n\n")
          .append("| metric | Sluice (Twilio API → simulator) | Kannel (sendsms → fakesmsc)")
          .append(" | Sluice / Kannel | target |\n|---|---:|---:|---:|---|\n");
      row(
          t,
          "delivered to the fake provider (msg/s, best round)",
          f1(sms.rate()),
          f1(kannel.rate()),
          f2(ratio),
          "≥ 1.00 " + mark(ratio >= 1));
      row(
          t,
          "accepted by the API (202/s)",
          f1(num(sms.load(), "throughputPerSec")),
          f1(num(kannel.load(), "throughputPerSec")),
          "",
          "");
      row(
          t,
          "API latency p50 / p99 (ms, closed loop)",
          p5099(sms.load(), "latencyMs"),
          p5099(kannel.load(), "latencyMs"),
          "",
          "");
      row(
          t,
          "accepted (whole phase) → delivered unique",
          acceptedUnique(sms),
          acceptedUnique(kannel),
          "",
          "");
      row(
          t,
          "lost (accepted, never delivered)",
          Long.toString(lost(sms)),
          Long.toString(lost(kannel)),
          "",
          "0 " + mark(lost(sms) == 0));
      row(
          t,
          "duplicates at the provider",
          dups(sms),
          dups(kannel),
          "",
          "0 " + mark("0".equals(dups(sms))));
      row(t, "backlog drained after the phase (s)", settle(sms), settle(kannel), "", "");
      double sCpu = cpuPerMessage(dir, sms, true);
      double kCpu = cpuPerMessage(dir, kannel, false);
      if (sCpu > 0 && kCpu > 0) {
        row(
            t,
            "server CPU per accepted message (µs; Sluice: gateway + Redis, Kannel: bearerbox +"
                + " smsbox)",
            f1(sCpu),
            f1(kCpu),
            f2(sCpu / kCpu),
            "");
      }
      t.append("\nEvery round (delivered msg/s):");
      for (String prefix : List.of("sluice-sms-max", "kannel-max")) {
        t.append(" ").append(prefix).append(":");
        for (Phase p : rounds(dir, prefix)) {
          t.append(" ").append(f1(p.rate()));
        }
        t.append(";");
      }
      t.append("\n\n");
    }
    List<Phase> wa = new ArrayList<>();
    for (String name : List.of("sluice-wa-max", "sluice-wa-rate", "mixed-egress", "soak")) {
      Phase p = phase(dir, name);
      if (p != null) {
        wa.add(p);
      }
    }
    if (!wa.isEmpty()) {
      t.append(
          "### Sluice end to end: WhatsApp, Meta status webhooks sent → delivered → read\n\n| metric");
      for (Phase p : wa) {
        t.append(" | ").append(p.name());
      }
      t.append(" |\n|---");
      wa.forEach(p -> t.append("|---:"));
      t.append("|\n");
      waRow(
          t,
          wa,
          "mode",
          p ->
              p.load().getString("mode")
                  + (p.load().getValue("targetRate") == null
                      ? ""
                      : " " + f1(num(p.load(), "targetRate")) + "/s"));
      waRow(t, wa, "measured window (s)", p -> Integer.toString(p.load().getInteger("durationS")));
      waRow(t, wa, "accepted by the API (202/s)", p -> f1(num(p.load(), "throughputPerSec")));
      waRow(t, wa, "sent to the simulator (msg/s, in the window)", p -> f1(p.rate()));
      waRow(t, wa, "API latency p50 / p99 (ms)", p -> p5099(p.load(), "latencyMs"));
      for (String pct : List.of("p50", "p90", "p99", "p99.9", "max")) {
        waRow(t, wa, "accepted→sent " + pct + " (ms)", p -> status(p, "acceptedToSentMs", pct));
      }
      for (String pct : List.of("p50", "p90", "p99", "p99.9", "max")) {
        waRow(t, wa, "accepted→read " + pct + " (ms)", p -> status(p, "acceptedToFinalMs", pct));
      }
      waRow(t, wa, "accepted (whole phase)", p -> Long.toString(p.accepted()));
      waRow(
          t,
          wa,
          "dispatched once / not dispatched / twice (status events)",
          p ->
              p.status() == null
                  ? ""
                  : p.status().getLong("sentOnce")
                      + " / "
                      + p.status().getLong("notSent")
                      + " / "
                      + p.status().getLong("duplicateSends"));
      waRow(
          t,
          wa,
          "reached read / failed / missing",
          p ->
              p.status() == null
                  ? ""
                  : p.status().getLong("finalReached")
                      + " / "
                      + p.status().getLong("failed")
                      + " / "
                      + p.status().getLong("missingFinal"));
      waRow(
          t,
          wa,
          "provider status events drained twice",
          p -> p.status() == null ? "" : Long.toString(p.status().getLong("duplicateStatuses")));
      waRow(t, wa, "simulator: unique texts received (= accepted?)", EgressTable::acceptedUnique);
      waRow(t, wa, "simulator: duplicates (sent twice)", EgressTable::dups);
      waRow(t, wa, "lost (accepted, never sent) ", p -> Long.toString(lost(p)));
      t.append("\n");
    }
    JsonObject ingress = read(dir.resolve("mixed-ingress.json"));
    JsonObject drain = read(dir.resolve("mixed-drain.json"));
    if (ingress != null) {
      t.append("Mixed phase, ingress side (signed Meta webhooks at the same time): ")
          .append(f1(num(ingress, "targetRate")))
          .append(" req/s offered, ")
          .append(f1(num(ingress, "throughputPerSec")))
          .append(" 2xx/s, p50 / p99 ")
          .append(p5099(ingress, "latencyMs"))
          .append(" ms, errors ")
          .append(ingress.getLong("errors"));
      if (drain != null) {
        t.append("; drained ")
            .append(drain.getLong("acknowledged"))
            .append(" acknowledged → ")
            .append(drain.getLong("drained"))
            .append(", lost ")
            .append(drain.getLong("lost"))
            .append(", duplicates ")
            .append(drain.getLong("duplicates"));
      }
      t.append(".\n\n");
    }
    List<long[]> soakRss = samples(dir.resolve("soak-rss.txt"));
    long peakRss = maxKb(dir.resolve("gateway-rss.kb"));
    if (peakRss > 0 || !soakRss.isEmpty()) {
      t.append(
          "### Gateway memory (RSS, /proc VmRSS)\n\n| metric | MiB | target |\n|---|---:|---|\n");
      row(
          t,
          "peak over the whole run",
          Long.toString(peakRss / 1024),
          "≤ 1024 " + mark(peakRss > 0 && peakRss <= 1024 * 1024));
      if (soakRss.size() >= 4) {
        long[] growth = rssGrowth(soakRss);
        row(t, "soak: max of the first minute", Long.toString(growth[0] / 1024), "");
        row(
            t,
            "soak: max of the last minute",
            Long.toString(growth[1] / 1024),
            "no growth " + mark(growth[1] <= growth[0] * 1.05));
        row(t, "soak: samples", Integer.toString(soakRss.size()), "");
      }
      t.append("\n");
    }
    Path cpu = dir.resolve("cpu.txt");
    if (Files.exists(cpu)) {
      t.append("CPU of the machine during each phase (% of all cores; `kannel` = bearerbox +")
          .append(
              " smsbox; `provider` = the simulator or fakesmsc; `postgres` = the backends serving")
          .append(
              " the benchmark's database; `generator` = load generators + status drain; `irq` =")
          .append(" interrupt time, mostly loopback networking; `others` = everything else):\n\n")
          .append("| phase | busy | gateway | kannel | redis | postgres | provider | generator |")
          .append(" irq | others | load average |\n")
          .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
      for (String line : Files.readAllLines(cpu)) {
        if (!line.isBlank()) {
          String[] w = line.trim().split("\\s+", 11);
          t.append("| ").append(String.join(" | ", w)).append(" |\n");
        }
      }
    }
    return t.toString();
  }

  /**
   * Server CPU per message of a phase from {@code cpu-raw.txt} ({@code <phase> <hz> <gateway>
   * <kannel> <redis> <postgres> <provider>} jiffies per line): gateway + Redis for Sluice,
   * bearerbox + smsbox for Kannel, over the messages the phase had accepted; 0 when unknown.
   */
  static double cpuPerMessage(Path dir, Phase p, boolean sluice) throws IOException {
    Path raw = dir.resolve("cpu-raw.txt");
    if (!Files.exists(raw) || p.accepted() <= 0) {
      return 0;
    }
    for (String line : Files.readAllLines(raw)) {
      String[] w = line.trim().split("\\s+");
      if (w.length == 7 && w[0].equals(p.name())) {
        double hz = Double.parseDouble(w[1]);
        double jiffies =
            sluice ? Double.parseDouble(w[2]) + Double.parseDouble(w[4]) : Double.parseDouble(w[3]);
        return jiffies / hz / p.accepted() * 1e6;
      }
    }
    return 0;
  }

  private static void waRow(
      StringBuilder t, List<Phase> wa, String name, Function<Phase, String> f) {
    t.append("| ").append(name);
    for (Phase p : wa) {
      t.append(" | ").append(f.apply(p));
    }
    t.append(" |\n");
  }

  private static String status(Phase p, String key, String pct) {
    if (p.status() == null) {
      return "";
    }
    return f1(p.status().getJsonObject(key).getDouble(pct));
  }

  static Phase best(Path dir, String prefix) throws IOException {
    Phase best = null;
    for (Phase p : rounds(dir, prefix)) {
      if (best == null || p.rate() > best.rate()) {
        best = p;
      }
    }
    return best;
  }

  static List<Phase> rounds(Path dir, String prefix) throws IOException {
    List<Phase> out = new ArrayList<>();
    for (int r = 1; r < 100; r++) {
      Phase p = phase(dir, prefix + "-r" + r);
      if (p == null) {
        break;
      }
      out.add(p);
    }
    return out;
  }

  static Phase phase(Path dir, String name) throws IOException {
    JsonObject load = read(dir.resolve(name + ".json"));
    if (load == null) {
      return null;
    }
    long from = load.getLong("startEpochMs") + load.getInteger("warmupS") * 1000L;
    long to = from + load.getInteger("durationS") * 1000L;
    double rate = deliveredPerSecond(samples(dir.resolve(name + ".delivered")), from, to);
    return new Phase(
        name,
        load,
        read(dir.resolve(name + ".provider.json")),
        read(dir.resolve(name + "-status.json")),
        rate);
  }

  /**
   * Mean rate of a cumulative counter between two instants, interpolating linearly between the
   * samples around each; 0 when the samples do not cover both instants.
   */
  static double deliveredPerSecond(List<long[]> samples, long fromMs, long toMs) {
    if (samples.size() < 2 || toMs <= fromMs) {
      return 0;
    }
    Double a = at(samples, fromMs);
    Double b = at(samples, toMs);
    return a == null || b == null ? 0 : (b - a) * 1000.0 / (toMs - fromMs);
  }

  private static Double at(List<long[]> samples, long ms) {
    for (int i = 1; i < samples.size(); i++) {
      long[] p = samples.get(i - 1);
      long[] q = samples.get(i);
      if (p[0] <= ms && ms <= q[0]) {
        return q[0] == p[0]
            ? (double) q[1]
            : p[1] + (q[1] - p[1]) * (double) (ms - p[0]) / (q[0] - p[0]);
      }
    }
    return null;
  }

  /** {max of the first 60 s, max of the last 60 s} of {@code <epochMs> <kB>} samples. */
  static long[] rssGrowth(List<long[]> samples) {
    long first = samples.get(0)[0];
    long last = samples.get(samples.size() - 1)[0];
    long head = 0;
    long tail = 0;
    for (long[] s : samples) {
      if (s[0] - first <= 60_000) {
        head = Math.max(head, s[1]);
      }
      if (last - s[0] <= 60_000) {
        tail = Math.max(tail, s[1]);
      }
    }
    return new long[] {head, tail};
  }

  static List<long[]> samples(Path file) throws IOException {
    List<long[]> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    for (String line : Files.readAllLines(file)) {
      String[] w = line.trim().split("\\s+");
      if (w.length == 2 && w[0].matches("\\d+") && w[1].matches("\\d+")) {
        out.add(new long[] {Long.parseLong(w[0]), Long.parseLong(w[1])});
      }
    }
    return out;
  }

  private static String acceptedUnique(Phase p) {
    return p.provider() == null ? "" : p.accepted() + " → " + p.provider().getLong("unique");
  }

  private static long lost(Phase p) {
    if (p.status() != null) {
      return p.status().getLong("notSent");
    }
    return p.provider() == null ? -1 : Math.max(0, p.accepted() - p.provider().getLong("unique"));
  }

  private static String dups(Phase p) {
    return p.provider() == null ? "" : Long.toString(p.provider().getLong("duplicates"));
  }

  private static String settle(Phase p) {
    if (p.provider() == null) {
      return "";
    }
    return f1(num(p.provider(), "settleS"))
        + (p.provider().getBoolean("settled", false) ? "" : " (not settled)");
  }

  private static String p5099(JsonObject o, String key) {
    JsonObject l = o.getJsonObject(key);
    return f2(l.getDouble("p50")) + " / " + f2(l.getDouble("p99"));
  }

  private static double num(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v instanceof Number n ? n.doubleValue() : 0;
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
    return Files.exists(p) ? new JsonObject(Files.readString(p)) : null;
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
