package dev.sluice.gateway.metrics;

import dev.sluice.gateway.testing.Await;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventLoopDelayTest {
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aBusyLoopShowsAsDelay() {
    EventLoopDelay probe = new EventLoopDelay(registry, 20);
    vertx.deployVerticle(probe.verticle()).await();
    Timer delay = registry.get("sluice.eventloop.delay").timer();
    Await.until("a few samples", Duration.ofSeconds(10), () -> delay.count() >= 3);

    // Keep the only event loop busy for 300 ms, as blocking code on it would.
    vertx.runOnContext(
        v -> {
          long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
          while (System.nanoTime() < until) {
            Thread.onSpinWait();
          }
        });

    Await.until(
        "a sample at least 200 ms late",
        Duration.ofSeconds(10),
        () -> delay.max(TimeUnit.MILLISECONDS) >= 200);
  }
}
