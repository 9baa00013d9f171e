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

  private static String version() {
    String v = Metrics.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

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
