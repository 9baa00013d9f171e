package dev.sluice.gateway.delivery;

import static dev.sluice.gateway.http.JsonResponses.status;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.http.JsonBody;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.tenant.Endpoint;
import dev.sluice.gateway.tenant.EndpointRepository;
import dev.sluice.gateway.tenant.TenantAuth;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant API of push mode: {@code PUT /v1/endpoint} sets where the tenant's events are
 * delivered (the signing secret is shown once, when the endpoint is created), {@code GET} shows it
 * (never a secret), {@code DELETE} goes back to pull mode, and {@code POST
 * /v1/endpoint/rotate-secret} issues a new secret while the old one keeps signing for {@code
 * delivery.secretGraceHours}. A URL must pass {@link EndpointPolicy} (https, public addresses).
 *
 * <p>Once a change is committed the answer reflects it, even if the follow-up work (reloading this
 * instance's directory, waking the deliverers) fails: the secret of a new endpoint must reach the
 * tenant, and the directory poll and the deliverers' sweep catch up by themselves.
 */
public final class EndpointRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointRoutes.class);
  static final int MAX_BATCH_SIZE = 100;
  private static final Set<String> FIELDS = Set.of("url", "batchSize");

  private final Handler<RoutingContext> auth;
  private final EndpointRepository repository;
  private final TenantDirectory directory;
  private final EndpointPolicy policy;
  private final PipelinedRedis redis;
  private final int partitions;

  public EndpointRoutes(
      Handler<RoutingContext> auth,
      EndpointRepository repository,
      TenantDirectory directory,
      EndpointPolicy policy,
      PipelinedRedis redis,
      int partitions) {
    this.auth = auth;
    this.repository = repository;
    this.directory = directory;
    this.policy = policy;
    this.redis = redis;
    this.partitions = partitions;
  }

  @Override
  public void mount(Router router) {
    router.put("/v1/endpoint").handler(auth).respond(this::put);
    router.get("/v1/endpoint").handler(auth).respond(this::get);
    router.delete("/v1/endpoint").handler(auth).respond(this::delete);
    router.post("/v1/endpoint/rotate-secret").handler(auth).respond(this::rotate);
  }

  private record PutRequest(String url, int batchSize) {}

  private Future<JsonObject> put(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    PutRequest req = parse(ctx.body().buffer());
    return policy
        .resolve(ctx.vertx(), req.url())
        .recover(EndpointRoutes::refused)
        .compose(resolved -> repository.put(tenant, resolved.url(), req.batchSize()))
        .compose(
            saved ->
                afterChange(tenant, DeliveryWork.touchAll(redis, tenant, partitions)).map(saved))
        .recover(e -> failed(tenant, e))
        .map(
            saved -> {
              Endpoint e = saved.endpoint();
              JsonObject body =
                  new JsonObject().put("url", e.url().toString()).put("batchSize", e.batchSize());
              if (saved.created()) {
                body.put("secret", e.secret().reveal());
              }
              return status(ctx, saved.created() ? 201 : 200, body);
            });
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    return repository
        .get(tenant)
        .compose(found -> found.map(Future::succeededFuture).orElseGet(() -> pullMode()))
        .recover(e -> failed(tenant, e))
        .map(
            e -> {
              JsonObject body =
                  new JsonObject()
                      .put("mode", "push")
                      .put("url", e.url().toString())
                      .put("batchSize", e.batchSize());
              Instant until = e.previousValidUntil();
              if (!e.previous().isEmpty() && until != null && until.isAfter(Instant.now())) {
                body.put("previousSecretValidUntil", until.toString());
              }
              return body;
            });
  }

  private Future<JsonObject> delete(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    return repository
        .delete(tenant)
        .compose(
            existed ->
                existed
                    ? afterChange(tenant, DeliveryWork.removeAll(redis, tenant, partitions))
                    : Future.succeededFuture())
        .recover(e -> failed(tenant, e))
        .mapEmpty(); // no body: 204
  }

  private Future<JsonObject> rotate(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    return repository
        .rotate(tenant)
        .compose(r -> afterChange(tenant, Future.succeededFuture()).map(r))
        .recover(e -> failed(tenant, e))
        .map(
            r ->
                new JsonObject()
                    .put("secret", r.secret().reveal())
                    .put("previousSecretValidUntil", r.previousValidUntil().toString()));
  }

  /**
   * Reloads this instance's directory (so its next request sees the change) alongside {@code work};
   * never fails, since the change itself is committed.
   */
  private Future<Void> afterChange(String tenant, Future<Void> work) {
    Future<Void> reloaded =
        directory
            .refresh()
            .onFailure(
                e ->
                    LOG.warn(
                        "endpoint changed but the directory did not reload [tenant={}]: {}",
                        tenant,
                        e.getMessage()));
    Future<Void> worked =
        work.onFailure(
            e ->
                LOG.warn(
                    "endpoint changed but the delivery work set was not updated [tenant={}]: {}",
                    tenant,
                    e.getMessage()));
    return Future.join(reloaded, worked).<Void>mapEmpty().otherwiseEmpty();
  }

  private static PutRequest parse(Buffer buffer) {
    JsonBody body =
        JsonBody.read(buffer, "a JSON object {\"url\",\"batchSize\"}", EventRoutes.ERRORS);
    body.allowOnly(FIELDS);
    String url = body.string("url");
    if (url == null || url.isBlank()) {
      throw EventRoutes.ERRORS.invalid("url is required: the https URL events are delivered to");
    }
    Integer batchSize = body.optionalInt("batchSize", 1, MAX_BATCH_SIZE);
    return new PutRequest(url, batchSize == null ? 1 : batchSize);
  }

  private static <T> Future<T> refused(Throwable e) {
    return Future.failedFuture(
        e instanceof EndpointPolicy.Refused r
            ? GatewayException.invalid(r.code(), r.getMessage())
            : e);
  }

  private static Future<Endpoint> pullMode() {
    return Future.failedFuture(
        GatewayException.notFound(
            "not_found", "no endpoint is set: the tenant reads its events with GET /v1/events"));
  }

  /** Expected rejections keep their status; anything else is PostgreSQL or Redis failing. */
  private static <T> Future<T> failed(String tenant, Throwable e) {
    if (e instanceof GatewayException) {
      return Future.failedFuture(e);
    }
    LOG.warn("endpoint request failed [tenant={}]: {}", tenant, e.toString());
    return Future.failedFuture(
        GatewayException.unavailable(
            "unavailable", "the endpoint settings cannot be read or changed right now", 5));
  }
}
