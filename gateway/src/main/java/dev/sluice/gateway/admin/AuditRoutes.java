package dev.sluice.gateway.admin;

import static dev.sluice.gateway.http.JsonResponses.noStore;

import dev.sluice.gateway.http.QueryParams;
import dev.sluice.gateway.privacy.AuditEntry;
import dev.sluice.gateway.privacy.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The audit trail on the operator API, mounted by {@link AdminRoutes} behind its token check:
 *
 * <pre>
 * GET /admin/audit?after=&lt;seq&gt;&amp;limit=&lt;1..500&gt;&amp;tenant=&lt;id&gt;
 *     → 200 {"entries":[{"seq","at","actor","action","tenant","subject","details","hash","prevHash"}],
 *            "next": seq to pass as after, or null at the end}
 * GET /admin/audit/verify → 200 {"ok":true,"entries":N,"lastHash"} or {"ok":false,"brokenAt":seq,"entries":N}
 * </pre>
 *
 * A parameter that is not a number in range, not an id, unknown or given twice is 400 {@code
 * bad_request}.
 */
final class AuditRoutes {
  private static final int DEFAULT_LIMIT = 100;
  private static final Set<String> PARAMETERS = Set.of("after", "limit", "tenant");
  private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final HexFormat HEX = HexFormat.of();

  private final AuditLog audit;

  AuditRoutes(AuditLog audit) {
    this.audit = audit;
  }

  /** Mounts the routes; the caller has mounted the admin token check before them. */
  void mount(Router router) {
    router.get("/admin/audit").respond(noStore(this::page));
    router.get("/admin/audit/verify").respond(noStore(this::verify));
  }

  private Future<JsonObject> page(RoutingContext ctx) {
    QueryParams params = new QueryParams(ctx, PARAMETERS);
    long after = params.number("after", 0, Long.MAX_VALUE, 0);
    int limit = params.integer("limit", 1, AuditLog.MAX_PAGE, DEFAULT_LIMIT);
    String tenant = params.string("tenant");
    if (tenant != null && !TENANT.matcher(tenant).matches()) {
      throw QueryParams.badRequest("tenant must be a tenant id");
    }
    return audit
        .page(after, limit, tenant)
        .map(
            page -> {
              JsonArray entries = new JsonArray();
              page.entries().forEach(e -> entries.add(json(e)));
              return new JsonObject().put("entries", entries).put("next", page.next());
            });
  }

  private Future<JsonObject> verify(RoutingContext ctx) {
    return audit
        .verify()
        .map(
            v ->
                v.ok()
                    ? new JsonObject()
                        .put("ok", true)
                        .put("entries", v.entries())
                        .put("lastHash", v.lastHash() == null ? null : HEX.formatHex(v.lastHash()))
                    : new JsonObject()
                        .put("ok", false)
                        .put("brokenAt", v.brokenAt())
                        .put("entries", v.entries()));
  }

  private static JsonObject json(AuditEntry e) {
    return new JsonObject()
        .put("seq", e.seq())
        .put("at", e.at().toString())
        .put("actor", e.actor())
        .put("action", e.action())
        .put("tenant", e.tenantId())
        .put("subject", e.subject())
        .put("details", e.details())
        .put("hash", e.hashHex())
        .put("prevHash", e.prevHashHex());
  }
}
