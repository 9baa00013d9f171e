package dev.sluice.gateway.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the API document, without authentication. The build copies {@code
 * docs/openapi.yaml} (its one copy) into the jar; it is converted to JSON once, at start, and the
 * same bytes are served on every call. Immutable, so one instance serves every event loop.
 */
public final class OpenApiRoutes implements Routes {
  static final String RESOURCE = "openapi.yaml";

  private final Buffer json;

  /** Reads and converts the document; call it at startup, not on an event loop. */
  public OpenApiRoutes() {
    try (InputStream in = OpenApiRoutes.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      Object document = new ObjectMapper(new YAMLFactory()).readValue(in, Object.class);
      json = Buffer.buffer(new ObjectMapper().writeValueAsBytes(document));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void mount(Router router) {
    router
        .get("/openapi.json")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*")
                    .end(json));
  }
}
