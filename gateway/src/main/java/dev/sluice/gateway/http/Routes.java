package dev.sluice.gateway.http;

import io.vertx.ext.web.Router;
import java.util.Map;

/** A feature's HTTP surface: mounts its paths on the router of one HTTP verticle. */
@FunctionalInterface
public interface Routes {
  void mount(Router router);

  /**
   * Mounts the paths whose handlers read the request body themselves, as a stream (an import of any
   * length): they are mounted ahead of the body handler, which would otherwise gather the whole
   * body, up to {@code http.maxBodyBytes}, before they run. Such a handler sets the request's
   * handlers before it returns, and enforces a body limit of its own.
   */
  default void mountUnbuffered(Router router) {}

  /**
   * {@code POST} paths (exact, without a query) served ahead of the router. They must also be
   * mounted on the router, which still serves the requests the direct path leaves to it.
   */
  default Map<String, DirectRoute> directPosts() {
    return Map.of();
  }
}
