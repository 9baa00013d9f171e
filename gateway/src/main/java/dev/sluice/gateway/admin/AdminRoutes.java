package dev.sluice.gateway.admin;

import static dev.sluice.gateway.http.JsonBody.invalid;
import static dev.sluice.gateway.http.JsonResponses.noStore;
import static dev.sluice.gateway.http.JsonResponses.status;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.http.JsonBody;
import dev.sluice.gateway.http.QueryParams;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.privacy.AuditLog;
import dev.sluice.gateway.privacy.MasterKeyRotation;
import dev.sluice.gateway.privacy.TenantKeys;
import dev.sluice.gateway.privacy.TenantPurge;
import dev.sluice.gateway.tenant.ApiKeyInfo;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.MetaApp;
import dev.sluice.gateway.tenant.OptKeywords;
import dev.sluice.gateway.tenant.OutboundEvents;
import dev.sluice.gateway.tenant.OutboundLimits;
import dev.sluice.gateway.tenant.Tenant;
import dev.sluice.gateway.tenant.TenantAuth;
import dev.sluice.gateway.tenant.TenantDetails;
import dev.sluice.gateway.tenant.TenantDirectory;
import dev.sluice.gateway.tenant.TenantRepository;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator API. Every call needs {@code Authorization: Bearer <admin.token>}, compared in
 * constant time; with no token configured every call is refused ({@code admin_disabled}).
 *
 * <pre>
 * POST   /admin/tenants                              {"id","name"[,"outboundEvents"]} → 201 {"id","name","outboundEvents","apiKey","prefix"}
 * GET    /admin/tenants/{tenant}                     → 200 {"id","name","outboundEvents","optKeywords","channels":[…],"keys":[…]}
 * PATCH  /admin/tenants/{tenant}                     {"outboundEvents"} → 200 as GET
 * PUT    /admin/tenants/{tenant}/opt-keywords        {"optOut":[…],"optIn":[…]} → 200 {"optOut":[…],"optIn":[…]}
 * GET    /admin/tenants/{tenant}/opt-keywords        → 200 {"optOut":[…],"optIn":[…]}
 * POST   /admin/tenants/{tenant}/keys                → 201 {"apiKey","prefix"}
 * DELETE /admin/tenants/{tenant}/keys/{prefix}       → 204
 * POST   /admin/meta-apps                            {"id","appSecret","verifyToken"} → 201 {"id"}
 * PUT    /admin/meta-apps/{id}                       {"appSecret","verifyToken"} → 201 or 200 {"id"}
 * POST   /admin/tenants/{tenant}/channels            → 201 the channel without credentials
 * PATCH  /admin/tenants/{tenant}/channels/{channel}  → 200 the channel, changed
 * DELETE /admin/tenants/{tenant}/channels/{channel}  → 204
 * GET    /admin/audit, /admin/audit/verify           → the audit trail ({@link AuditRoutes})
 * DELETE /admin/tenants/{tenant}                     → 202 {"tenant","status":"deleting"}
 * POST   /admin/master-key/rotate                    → 200 {"masterKeyId","resealed":{table: rows}}
 * </pre>
 *
 * Each change is one transaction, with its audit trail entry (a change whose entry cannot be
 * written is not made: 503 {@code audit_unavailable}); once it committed, this instance's directory
 * is refreshed before the answer, so the change already routes here when the caller sees the
 * response (other instances follow within about a second). API keys are shown once, at creation;
 * secrets and credentials are never returned nor logged.
 */
public final class AdminRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
  private static final Pattern TENANT_ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
  private static final int MAX_NAME_LENGTH = 200;
  private static final int MAX_SECRET_LENGTH = 4096;
  private static final GatewayException DISABLED =
      GatewayException.unauthenticated(
          "admin_disabled", "the operator API is disabled: admin.token is not configured");
  private static final GatewayException UNAUTHORIZED =
      GatewayException.unauthenticated(
          "unauthorized", "the admin token is required (Authorization: Bearer <token>)");

  private final Secret token;
  private final TenantRepository repository;
  private final TenantDirectory directory;
  private final AuditRoutes audit;
  private final TenantKeys tenantKeys;
  private final TenantPurge purge;
  private final MasterKeyRotation rotation;

  /**
   * @param token the admin token; empty disables the operator API
   */
  private final Set<String> baseUrlSchemes;

  /**
   * @param allowHttpBaseUrls whether a channel's own provider base URL may be http ({@code
   *     providers.allowHttp}: tests and local fakes)
   */
  public AdminRoutes(
      Secret token,
      TenantRepository repository,
      TenantDirectory directory,
      AuditLog audit,
      boolean allowHttpBaseUrls,
      TenantKeys tenantKeys,
      TenantPurge purge,
      MasterKeyRotation rotation) {
    this.baseUrlSchemes = allowHttpBaseUrls ? Set.of("http", "https") : Set.of("https");
    this.token = token;
    this.repository = repository;
    this.directory = directory;
    this.audit = new AuditRoutes(audit);
    this.tenantKeys = tenantKeys;
    this.purge = purge;
    this.rotation = rotation;
  }

  @Override
  public void mount(Router router) {
    router.route("/admin/*").handler(this::authenticate);
    // Answers hold API keys and tenant settings: never kept by a cache.
    router.post("/admin/tenants").respond(noStore(this::createTenant));
    router.get("/admin/tenants").respond(noStore(this::listTenants));
    router.get("/admin/tenants/:tenant").respond(noStore(this::describeTenant));
    router.patch("/admin/tenants/:tenant").respond(noStore(this::updateTenant));
    router.put("/admin/tenants/:tenant/opt-keywords").respond(noStore(this::putOptKeywords));
    router.get("/admin/tenants/:tenant/opt-keywords").respond(noStore(this::optKeywords));
    router.post("/admin/tenants/:tenant/keys").respond(noStore(this::addKey));
    router.delete("/admin/tenants/:tenant/keys/:prefix").respond(noStore(this::revokeKey));
    router.post("/admin/meta-apps").respond(noStore(this::createMetaApp));
    router.put("/admin/meta-apps/:id").respond(noStore(this::putMetaApp));
    router.post("/admin/tenants/:tenant/channels").respond(noStore(this::createChannel));
    router.patch("/admin/tenants/:tenant/channels/:channel").respond(noStore(this::patchChannel));
    router.delete("/admin/tenants/:tenant/channels/:channel").respond(noStore(this::deleteChannel));
    audit.mount(router);
    router.delete("/admin/tenants/:tenant").respond(noStore(this::deleteTenant));
    router.post("/admin/master-key/rotate").respond(noStore(this::rotateMasterKey));
  }

  private void authenticate(RoutingContext ctx) {
    if (token.isEmpty()) {
      ctx.fail(DISABLED);
    } else if (!token.matches(
        TenantAuth.bearerToken(ctx.request().getHeader(HttpHeaders.AUTHORIZATION)))) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      ctx.fail(UNAUTHORIZED);
    } else {
      ctx.next();
    }
  }

  private Future<JsonObject> createTenant(RoutingContext ctx) {
    JsonBody body = JsonBody.read(ctx.body().buffer());
    String id = body.string("id");
    String name = body.string("name");
    String events = body.string("outboundEvents");
    body.allowOnly(Set.of("id", "name", "outboundEvents"));
    if (id == null || id.isEmpty()) {
      throw invalid("id is required");
    }
    if (!TENANT_ID.matcher(id).matches()) {
      throw invalid("id must match " + TENANT_ID.pattern());
    }
    if (name == null || name.isBlank()) {
      throw invalid("name is required");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw invalid("name must be at most " + MAX_NAME_LENGTH + " characters");
    }
    Tenant tenant =
        new Tenant(id, name, events == null ? OutboundEvents.ALL : outboundEvents(events));
    return repository
        .createTenant(tenant)
        .compose(this::refreshed)
        .map(
            key -> {
              LOG.info("[tenant={}, key={}] tenant created", id, key.prefix());
              return status(
                  ctx,
                  201,
                  new JsonObject()
                      .put("id", id)
                      .put("name", name)
                      .put("outboundEvents", tenant.outboundEvents().wireName())
                      .put("apiKey", key.apiKey())
                      .put("prefix", key.prefix()));
            });
  }

  /** {@code PATCH /admin/tenants/{tenant}} {"outboundEvents"}: the tenant's settings. */
  private Future<JsonObject> updateTenant(RoutingContext ctx) {
    String id = pathId(ctx, "tenant");
    JsonBody body = JsonBody.read(ctx.body().buffer());
    String events = body.string("outboundEvents");
    body.allowOnly(Set.of("outboundEvents"));
    if (events == null) {
      throw invalid("outboundEvents is required");
    }
    OutboundEvents setting = outboundEvents(events);
    return repository
        .setOutboundEvents(id, setting)
        .compose(this::refreshed)
        .compose(v -> repository.describe(id))
        .map(
            d -> {
              LOG.info("[tenant={}] outbound events set to {}", id, setting.wireName());
              return json(d);
            });
  }

  /**
   * {@code PUT /admin/tenants/{tenant}/opt-keywords} {"optOut":[…],"optIn":[…]}: the tenant's SMS
   * keywords, each list replaced; a list left out (or null) is the default one, an empty list turns
   * that kind of keyword off.
   */
  private Future<JsonObject> putOptKeywords(RoutingContext ctx) {
    String id = pathId(ctx, "tenant");
    JsonBody body = JsonBody.read(ctx.body().buffer());
    List<String> optOut = body.strings("optOut");
    List<String> optIn = body.strings("optIn");
    body.allowOnly(Set.of("optOut", "optIn"));
    OptKeywords keywords;
    try {
      keywords =
          new OptKeywords(
              optOut == null ? OptKeywords.DEFAULT.optOut() : optOut,
              optIn == null ? OptKeywords.DEFAULT.optIn() : optIn);
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
    return repository
        .setOptKeywords(
            id, optOut == null ? null : keywords.optOut(), optIn == null ? null : keywords.optIn())
        .compose(this::refreshed)
        .map(
            v -> {
              LOG.info(
                  "[tenant={}] opt keywords set: {} opt-out, {} opt-in",
                  id,
                  keywords.optOut().size(),
                  keywords.optIn().size());
              return json(keywords);
            });
  }

  private Future<JsonObject> optKeywords(RoutingContext ctx) {
    return repository.describe(pathId(ctx, "tenant")).map(d -> json(d.tenant().optKeywords()));
  }

  private static JsonObject json(OptKeywords k) {
    return new JsonObject()
        .put("optOut", new JsonArray(k.optOut()))
        .put("optIn", new JsonArray(k.optIn()));
  }

  private static OutboundEvents outboundEvents(String value) {
    return OutboundEvents.fromWireName(value)
        .orElseThrow(() -> invalid("outboundEvents must be all, final, failures or none"));
  }

  private static final Set<String> LIST_PARAMETERS = Set.of("after", "limit");
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 500;

  /**
   * {@code GET /admin/tenants?after=&limit=}: the tenants by id, a page at a time → {@code
   * {"tenants":[{"id","name","outboundEvents"}],"next": the after of the next page, or null}}.
   */
  private Future<JsonObject> listTenants(RoutingContext ctx) {
    QueryParams params = new QueryParams(ctx, LIST_PARAMETERS);
    String after = params.string("after");
    if (after != null && !PATH_ID.matcher(after).matches()) {
      throw QueryParams.badRequest("after must be a tenant id");
    }
    int limit = params.integer("limit", 1, MAX_PAGE, DEFAULT_PAGE);
    // One more than asked says whether a next page exists.
    return repository
        .page(after, limit + 1)
        .map(
            tenants -> {
              JsonArray out = new JsonArray();
              for (Tenant t : tenants.subList(0, Math.min(limit, tenants.size()))) {
                out.add(
                    new JsonObject()
                        .put("id", t.id())
                        .put("name", t.name())
                        .put("outboundEvents", t.outboundEvents().wireName()));
              }
              String next = tenants.size() > limit ? tenants.get(limit - 1).id() : null;
              return new JsonObject().put("tenants", out).put("next", next);
            });
  }

  private Future<JsonObject> describeTenant(RoutingContext ctx) {
    return repository.describe(pathId(ctx, "tenant")).map(AdminRoutes::json);
  }

  private Future<JsonObject> addKey(RoutingContext ctx) {
    String tenantId = pathId(ctx, "tenant");
    return repository
        .addKey(tenantId)
        .compose(this::refreshed)
        .map(
            key -> {
              LOG.info("[tenant={}, key={}] API key issued", tenantId, key.prefix());
              return status(
                  ctx,
                  201,
                  new JsonObject().put("apiKey", key.apiKey()).put("prefix", key.prefix()));
            });
  }

  private Future<JsonObject> revokeKey(RoutingContext ctx) {
    String tenantId = pathId(ctx, "tenant");
    String prefix = pathId(ctx, "prefix");
    return repository
        .revokeKey(tenantId, prefix)
        .compose(this::refreshed)
        .map(
            v -> {
              LOG.info("[tenant={}, key={}] API key revoked", tenantId, prefix);
              return null; // no body: 204
            });
  }

  private Future<JsonObject> createMetaApp(RoutingContext ctx) {
    JsonBody body = JsonBody.read(ctx.body().buffer());
    String id = body.string("id");
    MetaApp app = metaApp(body, id);
    return repository
        .createMetaApp(app)
        .compose(this::refreshed)
        .map(
            v -> {
              LOG.info("[metaApp={}] meta app created", app.id());
              return status(ctx, 201, new JsonObject().put("id", app.id()));
            });
  }

  private Future<JsonObject> putMetaApp(RoutingContext ctx) {
    JsonBody body = JsonBody.read(ctx.body().buffer());
    String id = pathId(ctx, "id");
    String bodyId = body.string("id");
    if (bodyId != null && !bodyId.equals(id)) {
      throw invalid("id must match the path or be left out");
    }
    MetaApp app = metaApp(body, id);
    return repository
        .putMetaApp(app)
        .compose(this::refreshed)
        .map(
            created -> {
              LOG.info("[metaApp={}] meta app {}", app.id(), created ? "created" : "replaced");
              return status(ctx, created ? 201 : 200, new JsonObject().put("id", app.id()));
            });
  }

  private Future<JsonObject> createChannel(RoutingContext ctx) {
    String tenantId = pathId(ctx, "tenant");
    Channel channel =
        ChannelRequest.parse(tenantId, JsonBody.read(ctx.body().buffer()), baseUrlSchemes);
    return repository
        .createChannel(channel)
        .compose(this::refreshed)
        .map(
            v -> {
              LOG.info(
                  "[tenant={}, channel={}, provider={}] channel created",
                  tenantId,
                  channel.id(),
                  channel.provider().wireName());
              return status(ctx, 201, json(channel));
            });
  }

  /**
   * {@code PATCH /admin/tenants/{tenant}/channels/{channel}}: rotates credentials, changes limits,
   * the address or the webhook settings in place (see {@link ChannelRequest#patch}). Queued
   * messages are kept and go out with the new settings; every instance picks the change up with the
   * directory.
   */
  private Future<JsonObject> patchChannel(RoutingContext ctx) {
    String tenantId = pathId(ctx, "tenant");
    String channelId = pathId(ctx, "channel");
    JsonBody patch = JsonBody.read(ctx.body().buffer());
    return repository
        .updateChannel(
            tenantId,
            channelId,
            patch.names(),
            current -> ChannelRequest.patch(current, patch, baseUrlSchemes))
        .compose(this::refreshed)
        .map(
            channel -> {
              LOG.info(
                  "[tenant={}, channel={}] channel changed: {}",
                  tenantId,
                  channelId,
                  String.join(", ", patch.names().stream().sorted().toList()));
              return json(channel);
            });
  }

  private Future<JsonObject> deleteChannel(RoutingContext ctx) {
    String tenantId = pathId(ctx, "tenant");
    String channelId = pathId(ctx, "channel");
    return repository
        .deleteChannel(tenantId, channelId)
        .compose(this::refreshed)
        .map(
            v -> {
              LOG.info("[tenant={}, channel={}] channel deleted", tenantId, channelId);
              return null; // no body: 204
            });
  }

  /**
   * {@code DELETE /admin/tenants/{tenant}}: destroys the tenant's data key and drops it from every
   * directory (one transaction), then removes its data in the background ({@link TenantPurge}).
   * Answered once the first part is committed; a repeat while the purge runs is answered the same.
   */
  private Future<JsonObject> deleteTenant(RoutingContext ctx) {
    String tenantId = pathId(ctx, "tenant");
    return repository
        .deleteTenant(tenantId)
        .compose(this::refreshed)
        .map(
            v -> {
              tenantKeys.evict(tenantId);
              purge.purge(tenantId); // in the background; resumed by every instance's sweeps
              LOG.info("[tenant={}] tenant deleted: data key destroyed, purge started", tenantId);
              return status(
                  ctx, 202, new JsonObject().put("tenant", tenantId).put("status", "deleting"));
            });
  }

  /**
   * {@code POST /admin/master-key/rotate}: re-seals every value sealed with a master key under the
   * current one ({@link MasterKeyRotation}); 409 {@code master_key_mismatch}, nothing changed, when
   * a value opens under none of the configured keys.
   */
  private Future<JsonObject> rotateMasterKey(RoutingContext ctx) {
    return rotation
        .rotate()
        .map(
            result -> {
              JsonObject counts = new JsonObject();
              result.resealed().forEach((column, n) -> counts.put(column.table(), n));
              LOG.info(
                  "master key rotated: everything sealed under key {} ({})",
                  result.masterKeyId(),
                  counts.encode());
              return new JsonObject()
                  .put("masterKeyId", result.masterKeyId())
                  .put("resealed", counts);
            });
  }

  private static MetaApp metaApp(JsonBody body, String id) {
    String appSecret = body.string("appSecret");
    String verifyToken = body.string("verifyToken");
    body.allowOnly(Set.of("id", "appSecret", "verifyToken"));
    if (id == null || id.isEmpty()) {
      throw invalid("id is required");
    }
    if (!ChannelRequest.ID.matcher(id).matches()) {
      throw invalid("id must match " + ChannelRequest.ID.pattern());
    }
    return new MetaApp(
        id, requiredSecret("appSecret", appSecret), requiredSecret("verifyToken", verifyToken));
  }

  private static Secret requiredSecret(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw invalid(field + " is required");
    }
    if (value.length() > MAX_SECRET_LENGTH) {
      throw invalid(field + " must be at most " + MAX_SECRET_LENGTH + " characters");
    }
    return Secret.of(value);
  }

  /**
   * Refreshes this instance's directory after a committed change. A failed refresh does not fail
   * the call: the change is committed, and polling picks it up once PostgreSQL answers again.
   */
  private <T> Future<T> refreshed(T value) {
    return directory
        .refresh()
        .transform(
            ar -> {
              if (ar.failed()) {
                LOG.warn(
                    "change committed but the directory refresh failed ({}); polling retries",
                    ar.cause().getMessage());
              }
              return Future.succeededFuture(value);
            });
  }

  private static JsonObject json(TenantDetails details) {
    JsonArray channels = new JsonArray();
    details.channels().forEach(c -> channels.add(json(c)));
    JsonArray keys = new JsonArray();
    for (ApiKeyInfo k : details.keys()) {
      keys.add(
          new JsonObject()
              .put("prefix", k.prefix())
              .put("createdAt", k.createdAt() == null ? null : k.createdAt().toString())
              .put("revokedAt", k.revokedAt() == null ? null : k.revokedAt().toString()));
    }
    return new JsonObject()
        .put("id", details.tenant().id())
        .put("name", details.tenant().name())
        .put("outboundEvents", details.tenant().outboundEvents().wireName())
        .put("optKeywords", json(details.tenant().optKeywords()))
        .put("channels", channels)
        .put("keys", keys);
  }

  private static final java.util.regex.Pattern PATH_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /**
   * An id from the path; 404 when it cannot be an id at all (so odd bytes such as NUL never reach
   * PostgreSQL).
   */
  private static String pathId(RoutingContext ctx, String name) {
    String id = ctx.pathParam(name);
    if (id == null || !PATH_ID.matcher(id).matches()) {
      throw GatewayException.notFound("not_found", "no such " + name);
    }
    return id;
  }

  /** The channel as the API shows it: everything but the credentials. */
  private static JsonObject json(Channel c) {
    JsonObject limits = null;
    if (c.inboundLimits() != null) {
      limits =
          new JsonObject()
              .put(
                  "inbound",
                  new JsonObject()
                      .put("perPhonePerMinute", c.inboundLimits().perPhonePerMinute())
                      .put("burst", c.inboundLimits().burst()));
    }
    if (c.outboundLimits() != null) {
      OutboundLimits o = c.outboundLimits();
      limits = limits == null ? new JsonObject() : limits;
      limits.put(
          "outbound",
          new JsonObject()
              .put("perSecond", o.perSecond())
              .put("burst", o.burst())
              .put("perRecipientPerMinute", o.perRecipientPerMinute())
              .put("recipientBurst", o.recipientBurst()));
    }
    JsonObject json =
        new JsonObject()
            .put("id", c.id())
            .put("tenant", c.tenantId())
            .put("provider", c.provider().wireName())
            .put("address", c.address())
            .put("metaApp", c.metaAppId())
            .put("publicUrl", c.publicUrl())
            .put("allowedIps", new JsonArray(c.allowedIps().entries()))
            .put("limits", limits);
    if (c.smpp() != null) {
      json.put("smpp", c.smpp().toJson());
    }
    return json;
  }
}
