package dev.sluice.gateway.health;

import static dev.sluice.gateway.http.JsonResponses.noStore;
import static dev.sluice.gateway.http.JsonResponses.status;

import dev.sluice.gateway.http.Routes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code /health/live}: the process serves HTTP. {@code /health/ready}: every backend answered
 * within its deadline; 503 with the failing check named otherwise. Readiness is checked afresh on
 * each call, so it turns back to 200 by itself as soon as a lost backend returns.
 */
public final class HealthRoutes implements Routes {
  private final List<BackendCheck> checks;
  private final long timeoutMs;

  public HealthRoutes(List<BackendCheck> checks, long timeoutMs) {
    this.checks = List.copyOf(checks);
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void mount(Router router) {
    // Answers are never cached: each call says how things are now.
    router
        .get("/health/live")
        .respond(noStore(ctx -> Future.succeededFuture(new JsonObject().put("status", "up"))));
    router.get("/health/ready").respond(noStore(this::ready));
  }

  private Future<JsonObject> ready(RoutingContext ctx) {
    List<Future<JsonObject>> results = new ArrayList<>(checks.size());
    for (BackendCheck check : checks) {
      results.add(run(check));
    }
    // Every check ends in success (a failed check is reported as "down"), so the join does too.
    return Future.join(results)
        .map(
            done -> {
              JsonObject body = new JsonObject();
              boolean up = true;
              for (int i = 0; i < checks.size(); i++) {
                JsonObject r = results.get(i).result();
                body.put(checks.get(i).name(), r);
                up &= "up".equals(r.getString("status"));
              }
              return status(
                  ctx,
                  up ? 200 : 503,
                  new JsonObject().put("status", up ? "up" : "down").put("checks", body));
            });
  }

  private Future<JsonObject> run(BackendCheck check) {
    long start = System.nanoTime();
    return check
        .check()
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .transform(
            ar -> {
              long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
              JsonObject r = new JsonObject().put("latencyMs", ms);
              if (ar.succeeded()) {
                return Future.succeededFuture(r.put("status", "up"));
              }
              return Future.succeededFuture(
                  r.put("status", "down").put("error", describe(ar.cause())));
            });
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
