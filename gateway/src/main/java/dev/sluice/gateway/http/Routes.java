package dev.sluice.gateway.http;

import io.vertx.ext.web.Router;

/** A feature's HTTP surface: mounts its paths on the router of one HTTP verticle. */
@FunctionalInterface
public interface Routes {
  void mount(Router router);
}
