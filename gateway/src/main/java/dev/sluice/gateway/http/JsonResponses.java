package dev.sluice.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/**
 * How JSON answers are written. A router route is a {@link Route#respond} endpoint: it returns a
 * {@code Future} of its body, and vertx-web writes it ({@code application/json}, 200 unless the
 * endpoint set another {@link #status}; no body → 204) or hands the failure to {@link
 * ErrorResponses}. The hot paths that have no routing context ({@link DirectRoute}, the webhooks'
 * acknowledgement) and the error bodies write their bytes with {@link #send}, as they are.
 */
public final class JsonResponses {
  private static final CharSequence APPLICATION_JSON =
      HttpHeaders.createOptimized("application/json");
  private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");

  private JsonResponses() {}

  /** Writes the status, {@code Content-Type: application/json} and the body, without a copy. */
  public static Future<Void> send(HttpServerResponse response, int status, Buffer body) {
    return response
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
        .end(body);
  }

  /**
   * Sets the status of the answer a {@link Route#respond} endpoint is about to return, and gives
   * the body back: {@code .map(saved -> status(ctx, 201, json(saved)))}.
   */
  public static <T> T status(RoutingContext ctx, int status, T body) {
    ctx.response().setStatusCode(status);
    return body;
  }

  /**
   * An endpoint whose successful answers carry {@code Cache-Control: no-store}: they hold API keys
   * or secrets (the operator API), or must be fresh on every call (readiness). Error answers carry
   * no such header, as they never did.
   */
  public static <T> Function<RoutingContext, Future<T>> noStore(
      Function<RoutingContext, Future<T>> endpoint) {
    return ctx ->
        endpoint
            .apply(ctx)
            .map(
                body -> {
                  ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, NO_STORE);
                  return body;
                });
  }
}
