package dev.sluice.gateway.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The one meter registry of the process, handed to Vert.x (HTTP server, pools) and to our own
 * meters. Our meters are named {@code sluice.<area>.<thing>} with base units and bounded tags.
 */
public final class Metrics {
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;

  public Metrics() {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Two JVM binder names break Prometheus naming rules (promtool check metrics): an abbreviated
    // unit in process.cpu.time ("_ns"), and a gauge ending in "_count". Drop the first (the CPU
    // usage gauge stays) and rename the second.
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
    // Vert.x registers the in-flight gauges of the HTTP server (active connections and requests)
    // and of the PostgreSQL client (pending) once per server instance or connection, untagged:
    // Micrometer keeps the first, warns at every start, and the gauge shows that one's count only,
    // a fraction of the truth. They go; the counters and timers of both add up and stay.
    registry
        .config()
        .meterFilter(
            MeterFilter.deny(
                id ->
                    id.getType() == Meter.Type.GAUGE
                        && (id.getName().startsWith("vertx.http.server.")
                            || id.getName().startsWith("vertx.sql."))));
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count")
                    ? id.withName("system.cpu.logical")
                    : id;
              }
            });
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    this.gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder("sluice.build.info", () -> 1)
        .description("Sluice gateway build; the value is always 1")
        .tag("version", version())
        .register(registry);
  }

  /**
   * The version the build wrote into {@code build.properties} (Maven resource filtering), so the
   * jar, its tests and a run from the IDE after a Maven build all report it; "unknown" when the
   * resource is missing or was not filtered.
   */
  public static String version() {
    try (InputStream in = Metrics.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        return UNKNOWN;
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "");
      return v.isBlank() || v.startsWith("${") ? UNKNOWN : v;
    } catch (IOException e) {
      return UNKNOWN;
    }
  }

  private static final String UNKNOWN = "unknown";

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The factory to pass to {@code Vertx.builder().withMetrics(...)}. */
  public MicrometerMetricsFactory vertxMetricsFactory() {
    return new MicrometerMetricsFactory(registry);
  }

  /**
   * Vert.x metrics options: HTTP server and pools. Off, because they cost a meter update per
   * message on the hot path and say nothing ours do not: the HTTP client (every provider call is
   * timed by {@code sluice_dispatch_provider_latency} and counted by outcome) and the Redis client
   * (a sample per command; its pending gauge was also registered once per client, which Micrometer
   * warned about at every start). Generic TCP client meters are off too: the unlabelled TCP gauges
   * of the Redis and PostgreSQL clients would collide.
   */
  public static MicrometerMetricsOptions vertxOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
        .addDisabledMetricsCategory("redis"); // the Redis client's type, as it names itself
  }

  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
