package dev.sluice.gateway.tenant;

import dev.sluice.gateway.core.GatewayException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Authenticates tenant API calls: {@code Authorization: Bearer <apiKey>} resolves the tenant
 * through the in-memory directory (no I/O) and puts it in the routing context for the handlers
 * after it ({@link #tenant}). A missing, unknown or revoked key fails the request with 401 {@code
 * unauthorized}. Stateless; one instance may serve every event loop.
 */
public final class TenantAuth implements Handler<RoutingContext> {
  private static final String TENANT = "sluice.tenant";
  private static final String BEARER = "Bearer ";
  private static final GatewayException UNAUTHORIZED =
      GatewayException.unauthenticated(
          "unauthorized", "a valid API key is required (Authorization: Bearer <key>)");

  private final TenantDirectory directory;

  public TenantAuth(TenantDirectory directory) {
    this.directory = directory;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Tenant tenant;
    try {
      tenant = authenticate(ctx.request());
    } catch (GatewayException e) {
      ctx.fail(e);
      return;
    }
    ctx.put(TENANT, tenant);
    ctx.next();
  }

  /**
   * The tenant of a request served without the router (a {@code DirectRoute}).
   *
   * @throws GatewayException 401 {@code unauthorized}, with {@code WWW-Authenticate: Bearer} set on
   *     the response, for a missing, unknown or revoked key
   */
  public Tenant authenticate(HttpServerRequest request) {
    String key = bearerToken(request.getHeader(HttpHeaders.AUTHORIZATION));
    Tenant tenant = directory.tenantByApiKey(key).orElse(null);
    if (tenant == null) {
      request.response().putHeader("WWW-Authenticate", "Bearer");
      throw UNAUTHORIZED;
    }
    return tenant;
  }

  /**
   * The tenant authenticated by this handler earlier in the route.
   *
   * @throws IllegalStateException if the route is not behind {@link TenantAuth} (a wiring bug)
   */
  public static Tenant tenant(RoutingContext ctx) {
    Tenant tenant = ctx.get(TENANT);
    if (tenant == null) {
      throw new IllegalStateException("route is not behind TenantAuth");
    }
    return tenant;
  }

  /**
   * The credentials of an {@code Authorization: Bearer <token>} header (scheme case-insensitive,
   * RFC 7235), or {@code null} if the header is absent or uses another scheme.
   */
  public static String bearerToken(String authorization) {
    if (authorization == null
        || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String token = authorization.substring(BEARER.length()).trim();
    return token.isEmpty() ? null : token;
  }
}
