package dev.sluice.gateway.privacy.jobs;

import static dev.sluice.gateway.http.JsonResponses.noStore;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.signing.MetaSignedRequestVerifier;
import dev.sluice.gateway.core.signing.TwilioSignatureVerifier;
import dev.sluice.gateway.http.JsonBody;
import dev.sluice.gateway.http.JsonResponses;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.outbound.PhoneNumbers;
import dev.sluice.gateway.privacy.jobs.Job.Kind;
import dev.sluice.gateway.privacy.jobs.Job.Requester;
import dev.sluice.gateway.privacy.jobs.Job.Status;
import dev.sluice.gateway.privacy.jobs.PrivacyRepository.Deletion;
import dev.sluice.gateway.tenant.MetaApp;
import dev.sluice.gateway.tenant.TenantAuth;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The privacy API: erasure and export by phone number (or a provider's user id), for a tenant and,
 * with the same shapes, for the operator on any tenant; and Meta's data-deletion callback.
 *
 * <pre>
 * POST /v1/privacy/erasures                {"phone"} or {"userId"} → 202 {"id","status","deadline"}
 * GET  /v1/privacy/erasures/{id}           → 200 {"id","status","deadline","requestedAt","startedAt","finishedAt","removed":{store: count}}
 * POST /v1/privacy/exports                 {"phone"} or {"userId"} → 202 {"id","status","deadline"}
 * GET  /v1/privacy/exports/{id}            → 200 {"id","status","deadline","requestedAt","finishedAt","expiresAt","downloaded","counts"}
 * GET  /v1/privacy/exports/{id}/download   → 200 the JSON document, once; then 410 export_gone
 * (the same under /admin/tenants/{tenant}/privacy/…, with the admin token)
 * POST /webhooks/meta/{app}/data-deletion  form signed_request → 200 {"url","confirmation_code"}
 * GET  /privacy/deletions/{code}           → 200 {"confirmation_code","status","requestedAt","completedAt"}
 * </pre>
 *
 * A phone number is E.164 ({@code 400 invalid_phone} otherwise), a user id the address the provider
 * gave (a Telegram chat id, a Messenger page-scoped id); exactly one of them ({@code 422 invalid}).
 * Another tenant's job is a 404. Answers name no number: they are never cached either.
 */
public final class PrivacyRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(PrivacyRoutes.class);
  private static final int MAX_USER_ID = 256;
  private static final String ALGORITHM = "HMAC-SHA256";
  private static final String DELETIONS = "/privacy/deletions/";

  private final TenantAuth auth;
  private final TenantDirectory directory;
  private final PrivacyRequests requests;
  private final String publicUrl;
  private final MetaSignedRequestVerifier signedRequests = new MetaSignedRequestVerifier();

  /**
   * @param publicUrl where this gateway is reached ({@code http.publicUrl}), for the link Meta
   *     shows the person; empty: the callback request's own host
   */
  public PrivacyRoutes(
      TenantAuth auth, TenantDirectory directory, PrivacyRequests requests, String publicUrl) {
    this.auth = auth;
    this.directory = directory;
    this.requests = requests;
    this.publicUrl =
        publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
  }

  @Override
  public void mount(Router router) {
    mountJobs(router, "/v1/privacy", auth, ctx -> TenantAuth.tenant(ctx).id(), Requester.TENANT);
    // The admin token is checked by the operator API's /admin/* handler, mounted ahead of every
    // feature's routes.
    mountJobs(
        router,
        "/admin/tenants/:tenant/privacy",
        RoutingContext::next,
        this::pathTenant,
        Requester.OPERATOR);
    router.post("/webhooks/meta/:app/data-deletion").respond(noStore(this::metaDeletion));
    router.get(DELETIONS + ":code").respond(noStore(this::deletion));
  }

  private void mountJobs(
      Router router,
      String base,
      Handler<RoutingContext> authentication,
      Function<RoutingContext, String> tenant,
      Requester by) {
    for (Kind kind : Kind.values()) {
      String path = base + "/" + kind.wire + "s";
      router
          .post(path)
          .handler(authentication)
          .respond(noStore(ctx -> request(ctx, tenant.apply(ctx), kind, by)));
      router
          .get(path + "/:id")
          .handler(authentication)
          .respond(noStore(ctx -> show(tenant.apply(ctx), kind, ctx.pathParam("id"))));
    }
    router
        .get(base + "/exports/:id/download")
        .handler(authentication)
        .handler(ctx -> download(ctx, tenant.apply(ctx), by));
  }

  /** The tenant in an operator path; 404 when there is none. */
  private String pathTenant(RoutingContext ctx) {
    String id = ctx.pathParam("tenant");
    if (directory.tenant(id).isEmpty()) {
      throw GatewayException.notFound("not_found", "no such tenant");
    }
    return id;
  }

  // ---- jobs ----

  private Future<JsonObject> request(RoutingContext ctx, String tenant, Kind kind, Requester by) {
    Subject subject = subject(JsonBody.read(ctx.body().buffer()));
    String actor = by == Requester.TENANT ? "tenant:" + tenant : "operator";
    return requests
        .request(tenant, kind, subject, by, actor)
        .map(
            job -> {
              LOG.info(
                  "[tenant={}, job={}] {} requested by {}", tenant, job.id(), kind.wire, actor);
              return JsonResponses.status(
                  ctx,
                  202,
                  new JsonObject()
                      .put("id", job.id().toString())
                      .put("status", job.status().wire)
                      .put("deadline", job.deadline().toString()));
            });
  }

  /** {"phone"} (E.164) or {"userId"}: exactly one. */
  private static Subject subject(JsonBody body) {
    String phone = body.string("phone");
    String userId = body.string("userId");
    body.allowOnly(Set.of("phone", "userId"));
    if ((phone == null) == (userId == null)) {
      throw JsonBody.invalid("give either phone (E.164) or userId (a provider's user id)");
    }
    if (phone != null) {
      try {
        return Subject.phone(PhoneNumbers.e164(phone));
      } catch (PhoneNumbers.Refused e) {
        throw GatewayException.malformed("invalid_phone", "phone " + e.getMessage());
      }
    }
    if (userId.isBlank()
        || userId.length() > MAX_USER_ID
        || !userId.equals(userId.strip())
        || userId.chars().anyMatch(Character::isISOControl)) {
      throw JsonBody.invalid(
          "userId must be the provider's id of the user: 1 to "
              + MAX_USER_ID
              + " characters, no spaces around it");
    }
    return Subject.user(userId);
  }

  private Future<JsonObject> show(String tenant, Kind kind, String id) {
    return requests.job(tenant, kind, jobId(id, kind)).map(PrivacyRoutes::json);
  }

  private static UUID jobId(String id, Kind kind) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw GatewayException.notFound("not_found", "no such " + kind.wire);
    }
  }

  static JsonObject json(Job job) {
    JsonObject counts = new JsonObject();
    job.removed().forEach(counts::put);
    JsonObject out =
        new JsonObject()
            .put("id", job.id().toString())
            .put("status", job.status().wire)
            .put("deadline", job.deadline().toString())
            .put("requestedAt", text(job.createdAt()))
            .put("startedAt", text(job.startedAt()))
            .put("finishedAt", text(job.finishedAt()));
    if (job.kind() == Kind.ERASURE) {
      return out.put("removed", counts);
    }
    return out.put("expiresAt", text(job.resultExpiresAt()))
        .put("downloaded", job.downloadedAt() != null)
        .put("counts", counts);
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  private void download(RoutingContext ctx, String tenant, Requester by) {
    UUID id = jobId(ctx.pathParam("id"), Kind.EXPORT);
    requests
        .download(tenant, id, by == Requester.TENANT ? "tenant:" + tenant : "operator")
        .onSuccess(
            document ->
                ctx.response()
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                    .putHeader(
                        "Content-Disposition", "attachment; filename=\"export-" + id + ".json\"")
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Buffer.buffer(document)))
        .onFailure(ctx::fail);
  }

  // ---- Meta's data-deletion callback ----

  /**
   * Verifies Meta's {@code signed_request}, starts an erasure of the app-scoped user in each tenant
   * with a channel on the app, and answers the link and code Meta shows the person.
   */
  private Future<JsonObject> metaDeletion(RoutingContext ctx) {
    String appId = ctx.pathParam("app");
    MetaApp app =
        directory
            .metaApp(appId)
            .orElseThrow(
                () -> GatewayException.notFound("unknown_app", "no Meta app with this id"));
    Buffer raw = ctx.body().buffer();
    List<String> values;
    try {
      values =
          TwilioSignatureVerifier.decodeForm(raw == null ? new byte[0] : raw.getBytes())
              .get("signed_request");
    } catch (IllegalArgumentException e) {
      throw badRequest("the body is not a form (application/x-www-form-urlencoded)");
    }
    MetaSignedRequestVerifier.Checked checked =
        signedRequests.verify(
            app.appSecret().reveal().getBytes(StandardCharsets.UTF_8),
            values == null || values.size() != 1 ? null : values.get(0));
    if (!checked.verdict().valid()) {
      LOG.info("[app={}] data-deletion callback refused: {}", appId, checked.verdict().reason());
      throw badRequest("signed_request is missing, malformed or not signed with the app's secret");
    }
    String userId = userId(checked.payload());
    return requests
        .metaDeletion(appId, userId)
        .map(
            code -> {
              // Not the code: it is all it takes to read the request's status.
              LOG.info("[app={}] data-deletion callback: erasures started", appId);
              return new JsonObject()
                  .put("url", deletionUrl(ctx, code))
                  .put("confirmation_code", code);
            });
  }

  /** The payload's app-scoped {@code user_id}, once its {@code algorithm} is HMAC-SHA256. */
  private static String userId(byte[] payload) {
    JsonObject json;
    try {
      json = new JsonObject(new String(payload, StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException e) {
      throw badRequest("the signed_request payload is not a JSON object");
    }
    if (!ALGORITHM.equalsIgnoreCase(String.valueOf(json.getValue("algorithm")))) {
      throw badRequest("the signed_request algorithm must be " + ALGORITHM);
    }
    Object user = json.getValue("user_id");
    String id = user instanceof String || user instanceof Number ? user.toString() : null;
    if (id == null || id.isBlank() || id.length() > MAX_USER_ID) {
      throw badRequest("the signed_request payload has no user_id");
    }
    return id;
  }

  private String deletionUrl(RoutingContext ctx, String code) {
    if (!publicUrl.isEmpty()) {
      return publicUrl + DELETIONS + code;
    }
    return URI.create(ctx.request().absoluteURI()).resolve(DELETIONS + code).toString();
  }

  private static GatewayException badRequest(String message) {
    return GatewayException.malformed("invalid_signed_request", message);
  }

  /**
   * A deletion request's confirmation page: where its erasures are, without counts or tenants (the
   * code is its only key, and it is not to tell anyone what was held).
   */
  private Future<JsonObject> deletion(RoutingContext ctx) {
    String code = ctx.pathParam("code");
    return requests
        .deletion(code)
        .map(
            (Deletion d) ->
                new JsonObject()
                    .put("confirmation_code", code)
                    .put("status", status(d.statuses()).wire)
                    .put("requestedAt", d.requestedAt().toString())
                    .put(
                        "completedAt",
                        status(d.statuses()) == Status.COMPLETED && d.finishedAt() != null
                            ? d.finishedAt().toString()
                            : null));
  }

  /** The status of a request's erasures together: failed if one failed, done when all are. */
  static Status status(List<Status> statuses) {
    if (statuses.contains(Status.FAILED)) {
      return Status.FAILED;
    }
    if (statuses.stream().allMatch(s -> s == Status.COMPLETED)) {
      return Status.COMPLETED;
    }
    return statuses.contains(Status.RUNNING) ? Status.RUNNING : Status.PENDING;
  }
}
