package dev.sluice.gateway.http;

import dev.sluice.gateway.core.GatewayException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns failures into JSON errors. A {@link GatewayException} gets the status of
 * its kind; a status set by Vert.x Web itself (404, 405, 413, …) gets a matching code; anything
 * else is an unexpected 500, logged once with the route, never with the body.
 */
public final class ErrorResponses {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {}

  /** The failure handler for every route. */
  public static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof GatewayException e) {
      if (e.retryAfterSeconds() != null) {
        ctx.response().putHeader(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds());
      }
      send(ctx.response(), status(e.kind()), e.code(), e.getMessage());
      return;
    }
    int status = ctx.statusCode();
    if (status == 413 || (failure != null && isTooLarge(failure))) {
      send(ctx.response(), 413, "body_too_large", messageFor(413));
      return;
    }
    if (status >= 400 && status < 500) {
      // Vert.x Web's own refusals: no route (404), wrong method (405), no acceptable type (406),
      // a malformed URI (400).
      send(ctx.response(), status, codeFor(status), messageFor(status));
      return;
    }
    if (failure == null || !HttpVerticle.bodyWasRead(ctx)) {
      // Failed before any route of ours ran, or without an exception (our code always fails with
      // one): the request itself could not be read (a form body the decoder refuses, a URI the
      // router cannot match). The client's problem, not ours.
      send(ctx.response(), 400, "bad_request", "the request cannot be read");
      return;
    }
    String route = ctx.currentRoute() == null ? "?" : ctx.currentRoute().getPath();
    LOG.error("unexpected failure [method={}, route={}]", ctx.request().method(), route, failure);
    send(ctx.response(), 500, "internal", "internal error");
  }

  /**
   * Vert.x Web's 405 (a route has the path, none the method), with the {@code Allow} header naming
   * the methods the path has.
   *
   * @param allow the path's methods, comma-separated; no header when empty
   */
  public static void methodNotAllowed(RoutingContext ctx, String allow) {
    if (!allow.isEmpty() && !ctx.response().headWritten()) {
      ctx.response().putHeader(HttpHeaders.ALLOW, allow);
    }
    handle(ctx);
  }

  /**
   * The failure handling of {@link #handle} for a request served by a {@link DirectRoute}: a {@link
   * GatewayException} keeps its status; anything else is an unexpected 500, logged once.
   */
  public static void fail(HttpServerRequest request, Throwable failure) {
    if (failure instanceof GatewayException e) {
      if (e.retryAfterSeconds() != null && !request.response().headWritten()) {
        request.response().putHeader(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds());
      }
      send(request.response(), status(e.kind()), e.code(), e.getMessage());
      return;
    }
    LOG.error(
        "unexpected failure [method={}, route={}]", request.method(), request.path(), failure);
    send(request.response(), 500, "internal", "internal error");
  }

  /** Writes {@code {"error":{"code":…,"message":…}}} unless a response was already started. */
  public static void send(HttpServerResponse response, int status, String code, String message) {
    if (response.headWritten() || response.closed()) {
      return;
    }
    JsonObject body =
        new JsonObject().put("error", new JsonObject().put("code", code).put("message", message));
    JsonResponses.send(response, status, body.toBuffer());
  }

  private static boolean isTooLarge(Throwable t) {
    return t.getClass().getSimpleName().contains("TooLarge");
  }

  /** The HTTP status of each kind of rejection: the one place they are decided. */
  public static int status(GatewayException.Kind kind) {
    return switch (kind) {
      case MALFORMED -> 400;
      case UNAUTHENTICATED -> 401;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case INVALID -> 422;
      case GONE -> 410;
      case UNAVAILABLE -> 503;
    };
  }

  static String codeFor(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 406 -> "not_acceptable";
      case 413 -> "body_too_large";
      case 415 -> "unsupported_media_type";
      default -> "http_" + status;
    };
  }

  static String messageFor(int status) {
    return switch (status) {
      case 400 -> "the request is malformed";
      case 401 -> "authentication required";
      case 403 -> "forbidden";
      case 404 -> "no such resource";
      case 405 -> "method not allowed on this resource";
      case 406 -> "no representation of this resource matches the Accept header";
      case 413 -> "the request body is larger than the gateway accepts";
      case 415 -> "unsupported content type";
      default -> "request failed";
    };
  }
}
