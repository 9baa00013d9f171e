package dev.sluice.gateway.http;

import dev.sluice.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The HTTP server of one event loop. Deployed once per event loop; all instances share the port.
 * The routes are built inside {@link #start()}, so any per-verticle state they hold (batchers,
 * connections) belongs to this verticle's event loop alone.
 */
public final class HttpVerticle extends VerticleBase {
  private final GatewayConfig.Http config;
  private final Function<Vertx, List<Routes>> routes;
  private HttpServer server;

  /**
   * @param routes builds the routes of one verticle; called once per instance, on its event loop
   */
  public HttpVerticle(GatewayConfig.Http config, Function<Vertx, List<Routes>> routes) {
    this.config = config;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    // Raw bytes are kept for signature checks; form bodies are not merged into params.
    router
        .route()
        .handler(
            BodyHandler.create(false)
                .setBodyLimit(config.maxBodyBytes())
                .setMergeFormAttributes(false));
    for (Routes r : routes.apply(vertx)) {
      r.mount(router);
    }
    router.route().failureHandler(ErrorResponses::handle);
    for (int status : new int[] {404, 405, 413}) {
      router.errorHandler(status, ErrorResponses::handle);
    }
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setCompressionSupported(false)
                .setIdleTimeout(120));
    return server.requestHandler(router).listen();
  }

  /** Stops accepting, lets in-flight requests finish within the grace period, then closes. */
  @Override
  public Future<?> stop() {
    return server == null
        ? Future.succeededFuture()
        : server.shutdown(config.shutdownGraceMs(), TimeUnit.MILLISECONDS);
  }
}
