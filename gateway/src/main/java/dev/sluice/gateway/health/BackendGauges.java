package dev.sluice.gateway.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code sluice_backend_up{backend}}: 1 when the backend answered its readiness check at the last
 * sample, 0 when it failed or missed its deadline. Readiness itself is only checked when {@code
 * /health/ready} is called; this samples the same checks every few seconds so that Prometheus sees
 * a lost Redis or PostgreSQL on every instance without calling the readiness route.
 */
public final class BackendGauges {
  private final List<BackendCheck> checks;
  private final List<AtomicInteger> up = new ArrayList<>();
  private final long timeoutMs;
  private boolean sampling;

  public BackendGauges(List<BackendCheck> checks, long timeoutMs, MeterRegistry registry) {
    this.checks = List.copyOf(checks);
    this.timeoutMs = timeoutMs;
    for (BackendCheck check : this.checks) {
      AtomicInteger holder = new AtomicInteger();
      Gauge.builder("sluice.backend.up", holder, AtomicInteger::get)
          .description("1 when the backend answered its readiness check at the last sample, else 0")
          .tag("backend", check.name())
          .register(registry);
      up.add(holder);
    }
  }

  /**
   * Runs every check once; completes when the gauges hold the answers. A sample still waiting for
   * its deadline is not started again.
   */
  public Future<Void> sample() {
    if (sampling) {
      return Future.succeededFuture();
    }
    sampling = true;
    List<Future<?>> done = new ArrayList<>(checks.size());
    for (int i = 0; i < checks.size(); i++) {
      AtomicInteger holder = up.get(i);
      done.add(
          checks
              .get(i)
              .check()
              .timeout(timeoutMs, TimeUnit.MILLISECONDS)
              .onComplete(ar -> holder.set(ar.succeeded() ? 1 : 0)));
    }
    return Future.join(done)
        .transform(
            ar -> {
              sampling = false;
              return Future.succeededFuture();
            });
  }
}
