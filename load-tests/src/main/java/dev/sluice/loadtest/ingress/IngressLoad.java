package dev.sluice.loadtest.ingress;

import dev.sluice.loadtest.Args;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The ingress load scenario: signed Meta WhatsApp webhooks with unique wamids (plus a share of
 * redeliveries) spread over many tenants, numbers and senders, sent either at full speed (closed
 * loop, {@code --mode max}: finds the peak) or at a constant arrival rate (open model, {@code
 * --mode rate}: latency corrected for coordinated omission). Options: {@link LoadSettings}. Writes
 * {@code <out>.json} (summary), {@code <out>.html} (charts) and {@code <out>.acked} (the sequence
 * numbers whose first delivery got a 2xx, for the drain's lost/duplicate check).
 */
public final class IngressLoad {
  private IngressLoad() {}

  public static void main(String[] argv) throws IOException {
    LoadSettings s = LoadSettings.from(Args.parse(argv));
    JsonObject summary = run(s);
    Files.writeString(Path.of(s.out() + ".json"), summary.encodePrettily());
    Files.writeString(Path.of(s.out() + ".html"), LoadReport.html(summary));
    System.out.println(LoadReport.oneLine(summary));
  }

  /** Runs the load and returns its summary; also writes {@code <out>.acked}. */
  static JsonObject run(LoadSettings s) throws IOException {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.loops()));
    long cpuStart = processCpuNanos();
    try {
      long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
      long epochStart = System.currentTimeMillis() / 1000;
      WebhookFactory factory = new WebhookFactory(s.layout(), s.tag(), s.seed(), epochStart);
      List<LoadVerticle> loops = new ArrayList<>();
      for (int i = 0; i < s.loops(); i++) {
        LoadVerticle v = new LoadVerticle(s, i, t0, factory);
        loops.add(v);
      }
      int[] next = {0};
      vertx
          .deployVerticle(
              () -> loops.get(next[0]++), new DeploymentOptions().setInstances(s.loops()))
          .await();
      long bound = (s.warmupS() + s.durationS()) * 1000L + s.timeoutMs() + 5_000;
      Future.all(loops.stream().map(LoadVerticle::done).toList())
          .timeout(bound, TimeUnit.MILLISECONDS)
          .await();
      return summarize(s, loops)
          .put("generatorCpuS", Math.round((processCpuNanos() - cpuStart) / 1e7) / 100.0);
    } finally {
      vertx.close().await();
    }
  }

  private static JsonObject summarize(LoadSettings s, List<LoadVerticle> loops) throws IOException {
    int seconds = loops.get(0).perSecond.length;
    Histogram total = new Histogram(LoadVerticle.HIGHEST_MICROS, 3);
    Map<String, Long> outcomes = new TreeMap<>();
    BitSet acked = new BitSet();
    long issued = 0;
    long redeliveries = 0;
    long unique = 0;
    JsonArray timeline = new JsonArray();
    long completedTotal = 0;
    for (int sec = 0; sec < seconds; sec++) {
      Histogram h = new Histogram(LoadVerticle.HIGHEST_MICROS, 3);
      long errors = 0;
      for (LoadVerticle v : loops) {
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
    for (LoadVerticle v : loops) {
      v.outcomes.forEach((k, n) -> outcomes.merge(k, n, Long::sum));
      acked.or(v.acked);
      issued += v.issuedInWindow;
      redeliveries += v.redeliveries;
      unique += v.uniqueIssued;
    }
    long ok =
        outcomes.entrySet().stream()
            .filter(e -> e.getKey().startsWith("2"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    long completed = total.getTotalCount();
    Files.write(Path.of(s.out() + ".acked"), acked.toByteArray());
    JsonObject latency = new JsonObject();
    for (double p : new double[] {50, 90, 99, 99.9}) {
      latency.put(
          "p" + (p == 99.9 ? "99.9" : Integer.toString((int) p)),
          ms(total.getValueAtPercentile(p)));
    }
    latency.put("max", ms(total.getMaxValue())).put("mean", Math.round(total.getMean()) / 1000.0);
    JsonObject percentiles = new JsonObject();
    for (double p : new double[] {10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100}) {
      percentiles.put(Double.toString(p), ms(total.getValueAtPercentile(p)));
    }
    return new JsonObject()
        .put("label", s.label())
        .put("url", s.url().toString())
        .put("mode", s.openModel() ? "rate" : "max")
        .put("targetRate", s.openModel() ? s.rate() : null)
        .put("concurrency", s.openModel() ? null : s.concurrency())
        .put("connections", s.connections())
        .put("loops", s.loops())
        .put("warmupS", s.warmupS())
        .put("durationS", s.durationS())
        .put("tenants", s.layout().tenants())
        .put("channels", s.layout().channels())
        .put("users", s.layout().users())
        .put("redeliveryShare", s.redeliveryShare())
        .put("tag", s.tag())
        .put("coordinatedOmissionCorrected", s.openModel())
        .put("issued", issued)
        .put("completed", completed)
        .put("completedTotal", completedTotal)
        .put("ok", ok)
        .put("errors", completed - ok + Math.max(0, issued - completed))
        .put("throughputPerSec", Math.round(ok * 10.0 / s.durationS()) / 10.0)
        .put("latencyMs", latency)
        .put("percentilesMs", percentiles)
        .put("outcomes", new JsonObject(new TreeMap<>(outcomes)))
        .put("uniqueIssued", unique)
        .put("uniqueAcked", acked.cardinality())
        .put("redeliveries", redeliveries)
        .put("timeline", timeline);
  }

  /** CPU time of this JVM, so a run can show how much of the machine the generator itself took. */
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
