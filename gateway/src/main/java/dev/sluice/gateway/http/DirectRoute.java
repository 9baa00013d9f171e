package dev.sluice.gateway.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * A hot {@code POST} route served by the HTTP server ahead of the router: no routing context, no
 * generic body handler. The server reads the body (up to {@code http.maxBodyBytes}, else 413 {@code
 * body_too_large}, exactly as the router would) and then calls the route. A {@link
 * GatewayException} thrown here, or passed to {@link ErrorResponses#fail}, becomes the usual JSON
 * error. Only bodies the router would hand over as bytes come this way (no forms, no {@code
 * Expect}); everything else, and every other method and path, still goes through the router.
 */
@FunctionalInterface
public interface DirectRoute {
  void handle(HttpServerRequest request, Buffer body);
}
