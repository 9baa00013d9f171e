package dev.sluice.loadtest.egress;

import dev.sluice.loadtest.Args;
import dev.sluice.loadtest.ingress.LoadReport;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The egress load scenario: outbound text messages with unique texts ({@link EgressSettings#text})
 * to many recipients, sent to Sluice ({@code POST /v1/messages}, spread over the routes' tenants
 * and channels) or to Kannel ({@code GET /cgi-bin/sendsms}), either at full speed (closed loop,
 * {@code --mode max}) or at a constant arrival rate (open model, {@code --mode rate}: latency from
 * the intended start, corrected for coordinated omission). Options: {@link EgressSettings}. Writes
 * {@code <out>.json} (the same summary shape as the ingress generator, so {@link LoadReport}
 * renders it), {@code <out>.html} and {@code <out>.accepted}: one line {@code <seq> <messageId|->
 * <intendedEpochMicros> <measured 1|0>} per accepted message, for {@link StatusDrain}.
 */
public final class EgressLoad {
  private EgressLoad() {}

  public static void main(String[] argv) throws IOException {
    EgressSettings s = EgressSettings.from(Args.parse(argv));
    JsonObject summary = run(s);
    Files.writeString(Path.of(s.out() + ".json"), summary.encodePrettily());
    Files.writeString(Path.of(s.out() + ".html"), LoadReport.html(summary));
    System.out.println(LoadReport.oneLine(summary));
  }

  /** Runs the load and returns its summary; also writes {@code <out>.accepted}. */
  static JsonObject run(EgressSettings s) throws IOException {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.loops()));
    long cpuStart = processCpuNanos();
    try {
      long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
      long epochOffsetMicros = System.currentTimeMillis() * 1000 - System.nanoTime() / 1000;
      List<EgressVerticle> loops = new ArrayList<>();
      for (int i = 0; i < s.loops(); i++) {
        loops.add(new EgressVerticle(s, i, t0, epochOffsetMicros));
      }
      int[] next = {0};
      vertx
          .deployVerticle(
              () -> loops.get(next[0]++), new DeploymentOptions().setInstances(s.loops()))
          .await();
      long bound = (s.warmupS() + s.durationS()) * 1000L + s.timeoutMs() + 5_000;
      Future.all(loops.stream().map(EgressVerticle::done).toList())
          .timeout(bound, TimeUnit.MILLISECONDS)
          .await();
      writeAccepted(Path.of(s.out() + ".accepted"), loops);
      return summarize(s, loops)
          .put("startEpochMs", (epochOffsetMicros + t0 / 1000) / 1000)
          .put("generatorCpuS", Math.round((processCpuNanos() - cpuStart) / 1e7) / 100.0);
    } finally {
      vertx.close().await();
    }
  }

  private static void writeAccepted(Path file, List<EgressVerticle> loops) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (EgressVerticle v : loops) {
        for (EgressVerticle.Accepted a : v.accepted) {
          w.write(
              a.seq()
                  + " "
                  + (a.id() == null || a.id().isEmpty() ? "-" : a.id())
                  + " "
                  + a.intendedEpochMicros()
                  + " "
                  + (a.measured() ? 1 : 0)
                  + "\n");
        }
      }
    }
  }

  private static JsonObject summarize(EgressSettings s, List<EgressVerticle> loops) {
    int seconds = loops.get(0).perSecond.length;
    Histogram total = new Histogram(EgressVerticle.HIGHEST_MICROS, 3);
    Map<String, Long> outcomes = new TreeMap<>();
    JsonArray timeline = new JsonArray();
    long completedTotal = 0;
    for (int sec = 0; sec < seconds; sec++) {
      Histogram h = new Histogram(EgressVerticle.HIGHEST_MICROS, 3);
      long errors = 0;
      for (EgressVerticle v : loops) {
        h.add(v.perSecond[sec]);
        errors += v.errorsPerSecond[sec];
      }
      completedTotal += h.getTotalCount();
      if (sec >= s.warmupS() && sec < s.warmupS() + s.durationS()) {
        total.add(h);
      }
      if (sec < s.warmupS() + s.durationS()) {
        timeline.add(
            new JsonObject()
                .put("s", sec)
                .put("warmup", sec < s.warmupS())
                .put("completed", h.getTotalCount())
                .put("errors", errors)
                .put("p50Ms", ms(h.getValueAtPercentile(50)))
                .put("p99Ms", ms(h.getValueAtPercentile(99)))
                .put("maxMs", ms(h.getMaxValue())));
      }
    }
    long issued = 0;
    long acceptedTotal = 0;
    for (EgressVerticle v : loops) {
      v.outcomes.forEach((k, n) -> outcomes.merge(k, n, Long::sum));
      issued += v.issuedInWindow;
      acceptedTotal += v.accepted.size();
    }
    long ok = outcomes.getOrDefault("202", 0L);
    long completed = total.getTotalCount();
    return new JsonObject()
        .put("scenario", "egress")
        .put("label", s.label())
        .put("target", s.target().name().toLowerCase(java.util.Locale.ROOT))
        .put("url", s.url().toString())
        .put("mode", s.openModel() ? "rate" : "max")
        .put("targetRate", s.openModel() ? s.rate() : null)
        .put("concurrency", s.openModel() ? null : s.concurrency())
        .put("connections", s.connections())
        .put("loops", s.loops())
        .put("warmupS", s.warmupS())
        .put("durationS", s.durationS())
        .put("routes", s.routes().size())
        .put("users", s.users())
        .put("tag", s.tag())
        .put("coordinatedOmissionCorrected", s.openModel())
        .put("issued", issued)
        .put("completed", completed)
        .put("completedTotal", completedTotal)
        .put("ok", ok)
        .put("acceptedTotal", acceptedTotal)
        .put("errors", completed - ok + Math.max(0, issued - completed))
        .put("throughputPerSec", Math.round(ok * 10.0 / s.durationS()) / 10.0)
        .put("latencyMs", latency(total))
        .put("percentilesMs", percentiles(total))
        .put("outcomes", new JsonObject(new TreeMap<>(outcomes)))
        .put("timeline", timeline);
  }

  /** p50, p90, p99, p99.9, max and mean of a microsecond histogram, in ms. */
  static JsonObject latency(Histogram h) {
    JsonObject latency = new JsonObject();
    for (double p : new double[] {50, 90, 99, 99.9}) {
      latency.put(
          "p" + (p == 99.9 ? "99.9" : Integer.toString((int) p)), ms(h.getValueAtPercentile(p)));
    }
    return latency.put("max", ms(h.getMaxValue())).put("mean", Math.round(h.getMean()) / 1000.0);
  }

  static JsonObject percentiles(Histogram h) {
    JsonObject percentiles = new JsonObject();
    for (double p : new double[] {10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100}) {
      percentiles.put(Double.toString(p), ms(h.getValueAtPercentile(p)));
    }
    return percentiles;
  }

  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : 0;
  }

  static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }
}
