package dev.sluice.gateway.delivery;

import static dev.sluice.gateway.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.delivery.PushHarness.Push;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An endpoint slower than the request deadline, pushed to by two gateways on one Redis: each
 * request is cut off before its events' lease ends, so the endpoint never holds two requests for
 * one event at once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowEndpointIT {
  /** Requests of 300 ms at most; a unit is claimed for a second. */
  private static final Map<String, String> DELIVERING =
      Map.of("delivery.requestTimeoutMs", "300", "delivery.claimMs", "1000");

  private static PushHarness push;
  private static Gateway second;
  private static Vertx endpointVertx;

  @BeforeAll
  static void start() {
    push = new PushHarness(DELIVERING);
    second = push.h.anotherInstance(DELIVERING);
    endpointVertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (second != null) {
        second.close().await();
      }
      if (endpointVertx != null) {
        endpointVertx.close().await();
      }
    } finally {
      if (push != null) {
        push.close();
      }
    }
  }

  @Test
  void anEndpointSlowerThanTheDeadlineNeverGetsOneEventTwiceAtOnce() throws Exception {
    DrippingEndpoint endpoint = new DrippingEndpoint(endpointVertx);
    Push p = push.pushTenant(endpoint.url(), 1);
    push.send(p, push.newPhone(), "wamid.SLOW1");

    until(
        "four requests carrying the event, or two of them open at once",
        Duration.ofSeconds(60),
        () -> endpoint.requests.get() >= 4 || endpoint.overlaps.get() > 0);

    assertThat(endpoint.overlaps.get())
        .as("requests for an event that arrived while an earlier one for it was still open")
        .isZero();
    assertThat(endpoint.acknowledged.get()).as("answers that completed").isZero();
    // The tenant sees its cut-off requests as timeouts.
    JsonArray failed =
        push.api(p.tenant(), HttpMethod.GET, "/v1/deliveries?status=failed", null)
            .getJsonArray("deliveries");
    assertThat(failed).isNotEmpty();
    assertThat(failed.getJsonObject(0).getString("error")).isEqualTo("timeout");
  }

  /**
   * A tenant endpoint that starts its 200 answer at once and then drips it, a byte every 100 ms,
   * for 30 s: no idle timeout fires, so a request stays open until the gateway cuts it off. It
   * counts, per event id, the requests open at once (on its one event loop, in the order the
   * connections opened and closed).
   */
  private static final class DrippingEndpoint {
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    final AtomicInteger acknowledged = new AtomicInteger();
    private final Map<String, Integer> open = new HashMap<>();
    private final Vertx vertx;
    private final HttpServer server;

    DrippingEndpoint(Vertx vertx) {
      this.vertx = vertx;
      this.server =
          vertx
              .createHttpServer()
              .requestHandler(req -> req.body().onSuccess(body -> drip(req, ids(body.toString()))))
              .listen(0, "127.0.0.1")
              .await();
    }

    String url() {
      return "http://127.0.0.1:" + server.actualPort() + "/hooks/slow";
    }

    private static List<String> ids(String body) {
      List<String> ids = new ArrayList<>();
      new JsonArray(body).forEach(e -> ids.add(((JsonObject) e).getString("id")));
      return ids;
    }

    private void drip(HttpServerRequest req, List<String> ids) {
      requests.incrementAndGet();
      for (String id : ids) {
        if (open.merge(id, 1, Integer::sum) > 1) {
          overlaps.incrementAndGet();
        }
      }
      AtomicBoolean ended = new AtomicBoolean();
      Runnable closed =
          () -> {
            if (ended.compareAndSet(false, true)) {
              ids.forEach(id -> open.merge(id, -1, Integer::sum));
            }
          };
      req.response().setChunked(true).setStatusCode(200).write("[");
      long drip = vertx.setPeriodic(100, t -> req.response().write(" "));
      req.response()
          .closeHandler(
              v -> {
                vertx.cancelTimer(drip);
                closed.run();
              });
      vertx.setTimer(
          30_000,
          t -> {
            vertx.cancelTimer(drip);
            if (!ended.get()) {
              req.response().end("]").onSuccess(v -> acknowledged.incrementAndGet());
              closed.run();
            }
          });
    }
  }
}
