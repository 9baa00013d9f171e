package dev.sluice.gateway.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;

/**
 * The server's request handler: a {@code POST} to one of the {@link DirectRoute} paths is read and
 * answered here; every other request goes to the router. One per HTTP verticle.
 */
final class DirectRoutes implements Handler<HttpServerRequest> {
  private final Map<String, DirectRoute> posts;
  private final long maxBodyBytes;
  private final Handler<HttpServerRequest> router;

  DirectRoutes(
      Map<String, DirectRoute> posts, long maxBodyBytes, Handler<HttpServerRequest> router) {
    this.posts = Map.copyOf(posts);
    this.maxBodyBytes = maxBodyBytes;
    this.router = router;
  }

  @Override
  public void handle(HttpServerRequest request) {
    DirectRoute route = request.method() == HttpMethod.POST ? posts.get(request.uri()) : null;
    if (route == null || !plainBody(request)) {
      router.handle(request);
      return;
    }
    Long declared = contentLength(request);
    if (declared != null && declared > maxBodyBytes) {
      tooLarge(request);
      return;
    }
    new BodyReader(request, route).start();
  }

  /**
   * Whether the router would hand this body over as plain bytes: form bodies are decoded by Vert.x
   * and {@code Expect: 100-continue} is left to the router, so both keep their old path.
   */
  static boolean plainBody(HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null) {
      String t = type.stripLeading();
      if (t.regionMatches(true, 0, "multipart/", 0, 10)
          || t.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)) {
        return false;
      }
    }
    return request.getHeader(HttpHeaders.EXPECT) == null;
  }

  private static Long contentLength(HttpServerRequest request) {
    String v = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static void tooLarge(HttpServerRequest request) {
    ErrorResponses.send(request.response(), 413, "body_too_large", ErrorResponses.messageFor(413));
  }

  /** Gathers one request's body; a single-chunk body is used as it came, without a copy. */
  private final class BodyReader {
    private final HttpServerRequest request;
    private final DirectRoute route;
    private Buffer body;
    private boolean gathering;
    private boolean failed;

    BodyReader(HttpServerRequest request, DirectRoute route) {
      this.request = request;
      this.route = route;
    }

    void start() {
      request.exceptionHandler(e -> failed = true);
      request.handler(this::chunk);
      request.endHandler(v -> end());
    }

    private void chunk(Buffer chunk) {
      if (failed) {
        return;
      }
      long size = (body == null ? 0 : body.length()) + (long) chunk.length();
      if (size > maxBodyBytes) {
        failed = true;
        body = null;
        // The rest of the body is not wanted: the connection closes after the answer, so a client
        // still sending is not left waiting for the idle timeout.
        request.response().putHeader(HttpHeaders.CONNECTION, "close");
        tooLarge(request);
        return;
      }
      if (body == null) {
        body = chunk;
      } else {
        if (!gathering) {
          body = Buffer.buffer((int) Math.min(maxBodyBytes, 2 * size)).appendBuffer(body);
          gathering = true;
        }
        body.appendBuffer(chunk);
      }
    }

    private void end() {
      if (failed) {
        return;
      }
      Buffer b = body == null ? Buffer.buffer() : body;
      try {
        route.handle(request, b);
      } catch (RuntimeException e) {
        ErrorResponses.fail(request, e);
      }
    }
  }
}
