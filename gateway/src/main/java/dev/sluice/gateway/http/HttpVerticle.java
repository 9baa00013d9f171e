package dev.sluice.gateway.http;

import static java.util.stream.Collectors.toSet;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The HTTP server of one event loop. Deployed once per event loop; all instances share the port.
 * The routes are built inside {@link #start()}, so any per-verticle state they hold (batchers,
 * connections) belongs to this verticle's event loop alone. The hot {@code POST} routes a feature
 * declares ({@link Routes#directPosts}) are served ahead of the router ({@link DirectRoute}).
 */
public final class HttpVerticle extends VerticleBase {
  private static final String BODY_READ = "sluice.bodyRead";

  private final GatewayConfig.Http config;
  private final Function<Vertx, List<Routes>> routes;
  private final Consumer<List<MountedRoute>> mounted;
  private HttpServer server;

  /**
   * @param routes builds the routes of one verticle; called once per instance, on its event loop
   * @param mounted told the endpoints the router holds once every feature mounted its own
   */
  public HttpVerticle(
      GatewayConfig.Http config,
      Function<Vertx, List<Routes>> routes,
      Consumer<List<MountedRoute>> mounted) {
    this.config = config;
    this.routes = routes;
    this.mounted = mounted;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(HttpVerticle::requireReadableUri);
    List<Routes> features = routes.apply(vertx);
    for (Routes r : features) {
      r.mountUnbuffered(router);
    }
    // Raw bytes are kept for signature checks; form bodies are not merged into params.
    router
        .route()
        .handler(
            BodyHandler.create(false)
                .setBodyLimit(config.maxBodyBytes())
                .setMergeFormAttributes(false));
    router.route().handler(ctx -> ctx.put(BODY_READ, Boolean.TRUE).next());
    Map<String, DirectRoute> direct = new HashMap<>();
    for (Routes r : features) {
      r.mount(router);
      direct.putAll(r.directPosts());
    }
    router.route().failureHandler(ErrorResponses::handle);
    for (int status : new int[] {400, 404, 406, 413, 500}) {
      router.errorHandler(status, ErrorResponses::handle);
    }
    AllowedMethods allowed = new AllowedMethods(router.getRoutes());
    mounted.accept(endpoints(router.getRoutes()));
    router.errorHandler(
        405, ctx -> ErrorResponses.methodNotAllowed(ctx, allowed.at(ctx.normalizedPath())));
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setCompressionSupported(false)
                .setIdleTimeout(120));
    return server.requestHandler(new DirectRoutes(direct, config.maxBodyBytes(), router)).listen();
  }

  /**
   * The routes that are endpoints: those with methods. A route by regular expression is listed by
   * its name (Vert.x names it after the expression), so nothing the router serves goes unlisted.
   */
  static List<MountedRoute> endpoints(List<Route> routes) {
    List<MountedRoute> out = new ArrayList<>();
    for (Route r : routes) {
      if (r.methods() != null && !r.methods().isEmpty()) {
        String path = r.getPath() != null ? r.getPath() : String.valueOf(r.getName());
        out.add(
            new MountedRoute(path, r.methods().stream().map(HttpMethod::name).collect(toSet())));
      }
    }
    return List.copyOf(out);
  }

  /**
   * Refuses a path or query with a malformed %-escape (400) before any route tries to decode it;
   * left to the router, it would fail deep inside route matching with no cause to report.
   */
  static void requireReadableUri(RoutingContext ctx) {
    try {
      URLDecoder.decode(ctx.request().path().replace("+", "%2B"), StandardCharsets.UTF_8);
      ctx.request().params();
    } catch (IllegalArgumentException e) {
      ctx.fail(GatewayException.malformed("bad_request", "the request URI is malformed"));
      return;
    }
    ctx.next();
  }

  /** Whether the body was read and routing reached our own handlers. */
  static boolean bodyWasRead(RoutingContext ctx) {
    return ctx.get(BODY_READ) != null;
  }

  /** Stops accepting, lets in-flight requests finish within the grace period, then closes. */
  @Override
  public Future<?> stop() {
    return server == null
        ? Future.succeededFuture()
        : server.shutdown(config.shutdownGraceMs(), TimeUnit.MILLISECONDS);
  }
}
