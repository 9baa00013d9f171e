package dev.sluice.gateway.status;

import dev.sluice.gateway.http.Routes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The HTML form of {@code GET /admin/status}: one self-contained page (inline CSS and script, no
 * outside resource) that asks for the JSON form every 2 s with the admin token and updates itself
 * in place.
 *
 * <p>It is the one {@code /admin} answer given without the token, and it is mounted ahead of the
 * admin token check for that reason: a browser cannot send a bearer header when it opens a page, so
 * the page takes the token from the address's fragment ({@code #token=…}, which the browser never
 * sends to a server nor logs) or asks for it, and sends it only with its own JSON requests. The
 * page is the same static file for everyone and holds no data. Only a request that accepts HTML
 * gets it; any other goes on to the token check and the JSON form.
 */
public final class StatusPage implements Routes {
  private static final String RESOURCE = "/status/status.html";
  private static final String POLICY =
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final Buffer html;

  /** Reads the page from the classpath; call it at startup, not on an event loop. */
  public StatusPage() {
    try (InputStream in = StatusPage.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      html = Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void mount(Router router) {
    router.get("/admin/status").produces("text/html").handler(this::page);
  }

  private void page(RoutingContext ctx) {
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("Content-Security-Policy", POLICY)
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(html);
  }
}
