package dev.sluice.gateway.http;

import io.vertx.ext.web.Router;
import java.util.Map;

/** A feature's HTTP surface: mounts its paths on the router of one HTTP verticle. */
@FunctionalInterface
public interface Routes {
  void mount(Router router);

  /**
   * Routes that read their request body themselves (a streamed upload), mounted before the body
   * handler every other route goes through.
   */
  default void mountStreaming(Router router) {}

  /**
   * {@code POST} paths (exact, without a query) served ahead of the router. They must also be
   * mounted on the router, which still serves the requests the direct path leaves to it.
   */
  default Map<String, DirectRoute> directPosts() {
    return Map.of();
  }
}
