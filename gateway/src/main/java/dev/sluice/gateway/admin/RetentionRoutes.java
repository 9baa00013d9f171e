package dev.sluice.gateway.admin;

import static dev.sluice.gateway.http.JsonBody.invalid;
import static dev.sluice.gateway.http.JsonResponses.noStore;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.http.JsonBody;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.retention.Retention;
import dev.sluice.gateway.retention.RetentionRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tenant's retention, on the operator API (the admin token is checked by {@link AdminRoutes},
 * mounted first):
 *
 * <pre>
 * GET /admin/tenants/{tenant}/retention → 200 {"historyDays","bodyDays","payloadDays","own":{…}}
 * PUT /admin/tenants/{tenant}/retention {"historyDays"?,"bodyDays"?,"payloadDays"?} → 200 the same
 * </pre>
 *
 * The top-level values are what applies; {@code own} holds the tenant's own settings, {@code null}
 * where it follows the configured default. A PUT replaces all three own settings: a setting left
 * out (or {@code null}) goes back to the default. Days are 1..36500; the body retention may not
 * exceed the history's (422).
 */
public final class RetentionRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionRoutes.class);
  private static final Pattern TENANT_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Set<String> FIELDS = Set.of("historyDays", "bodyDays", "payloadDays");

  private final RetentionRepository repository;
  private final Retention defaults;

  public RetentionRoutes(RetentionRepository repository, Retention defaults) {
    this.repository = repository;
    this.defaults = defaults;
  }

  @Override
  public void mount(Router router) {
    router.get("/admin/tenants/:tenant/retention").respond(noStore(this::get));
    router.put("/admin/tenants/:tenant/retention").respond(noStore(this::put));
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return repository.get(tenant(ctx)).map(this::json);
  }

  private Future<JsonObject> put(RoutingContext ctx) {
    String tenant = tenant(ctx);
    JsonBody body = JsonBody.read(ctx.body().buffer());
    body.allowOnly(FIELDS);
    RetentionRepository.Settings own =
        new RetentionRepository.Settings(
            body.optionalInt("historyDays", 1, Retention.MAX_DAYS),
            body.optionalInt("bodyDays", 1, Retention.MAX_DAYS),
            body.optionalInt("payloadDays", 1, Retention.MAX_DAYS));
    try {
      own.over(defaults);
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage() + " (with the defaults for the settings left out)");
    }
    return repository
        .put(tenant, own)
        .map(
            saved -> {
              Retention r = saved.over(defaults);
              LOG.info(
                  "[tenant={}] retention set: history {} d, bodies {} d, payloads {} d",
                  tenant,
                  r.historyDays(),
                  r.bodyDays(),
                  r.payloadDays());
              return json(saved);
            });
  }

  private JsonObject json(RetentionRepository.Settings own) {
    Retention r = own.over(defaults);
    return new JsonObject()
        .put("historyDays", r.historyDays())
        .put("bodyDays", r.bodyDays())
        .put("payloadDays", r.payloadDays())
        .put(
            "own",
            new JsonObject()
                .put("historyDays", own.historyDays())
                .put("bodyDays", own.bodyDays())
                .put("payloadDays", own.payloadDays()));
  }

  private static String tenant(RoutingContext ctx) {
    String id = ctx.pathParam("tenant");
    if (id == null || !TENANT_ID.matcher(id).matches()) {
      throw GatewayException.notFound("not_found", "no such tenant");
    }
    return id;
  }
}
