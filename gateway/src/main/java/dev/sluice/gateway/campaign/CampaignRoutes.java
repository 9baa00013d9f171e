package dev.sluice.gateway.campaign;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.http.JsonBody;
import dev.sluice.gateway.http.JsonResponses;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.outbound.SendWindow;
import dev.sluice.gateway.tenant.TenantAuth;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The tenant campaign API: create ({@code POST /v1/campaigns}, JSON with the audience inline, or
 * {@code multipart/form-data} with a {@code campaign} JSON field and an {@code audience} CSV file,
 * streamed to a temporary file and read from there), list and show with live counts, pause, resume,
 * cancel, retry the failed rows, and the rows as CSV reports (rejected, and everything).
 */
public final class CampaignRoutes implements Routes {
  private static final Set<String> FIELDS =
      Set.of("name", "channel", "message", "audience", "sendAt", "window", "ratePerSecond", "lane");

  /** Rows per page of a CSV report, and at most per page of {@code /messages}. */
  static final int PAGE = 5_000;

  private final TenantAuth auth;
  private final CampaignService campaigns;
  private final long maxUploadBytes;

  public CampaignRoutes(TenantAuth auth, CampaignService campaigns, long maxUploadBytes) {
    this.auth = auth;
    this.campaigns = campaigns;
    this.maxUploadBytes = maxUploadBytes;
  }

  @Override
  public void mountUnbuffered(Router router) {
    router
        .post("/v1/campaigns")
        .handler(
            ctx -> {
              String type = ctx.request().getHeader("Content-Type");
              if (type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
                createFromUpload(ctx);
              } else {
                ctx.next(); // JSON: through the body handler to the route below
              }
            });
  }

  @Override
  public void mount(Router router) {
    router.post("/v1/campaigns").handler(auth).respond(this::createFromJson);
    router.get("/v1/campaigns").handler(auth).respond(this::list);
    router.get("/v1/campaigns/:id").handler(auth).respond(this::show);
    router.post("/v1/campaigns/:id/pause").handler(auth).respond(ctx -> act(ctx, "pause"));
    router.post("/v1/campaigns/:id/resume").handler(auth).respond(ctx -> act(ctx, "resume"));
    router.post("/v1/campaigns/:id/cancel").handler(auth).respond(ctx -> act(ctx, "cancel"));
    router.post("/v1/campaigns/:id/retry-failed").handler(auth).respond(ctx -> act(ctx, "retry"));
    router.get("/v1/campaigns/:id/messages").handler(auth).respond(this::messages);
    router.get("/v1/campaigns/:id/rejected").handler(auth).handler(ctx -> csv(ctx, true));
    router.get("/v1/campaigns/:id/report").handler(auth).handler(ctx -> csv(ctx, false));
  }

  // ---- create ----

  private Future<JsonObject> createFromJson(RoutingContext ctx) {
    JsonBody body = JsonBody.read(ctx.body().buffer());
    CampaignService.Settings s = settings(body);
    Object audience = body.raw("audience");
    if (!(audience instanceof JsonArray rows)) {
      throw JsonBody.invalid(
          "audience must be an array of rows {phone, …variables}, or send the audience as a CSV"
              + " file (multipart/form-data)");
    }
    return campaigns
        .create(TenantAuth.tenant(ctx).id(), s, () -> Audience.of(rows))
        .map(view -> JsonResponses.status(ctx, 201, view));
  }

  /**
   * A multipart create: the {@code audience} file is written to a temporary file as it arrives (at
   * most {@code campaigns.maxUploadBytes}), the {@code campaign} field holds the settings.
   */
  private void createFromUpload(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String tenant;
    try {
      tenant = auth.authenticate(request).id();
    } catch (GatewayException e) {
      ctx.fail(e);
      return;
    }
    var fs = ctx.vertx().fileSystem();
    Promise<Path> uploaded = Promise.promise();
    long[] size = {0};
    boolean[] seen = {false};
    request.setExpectMultipart(true);
    request.uploadHandler(
        upload -> {
          if (!"audience".equals(upload.name()) || seen[0]) {
            upload.handler(b -> {});
            return;
          }
          seen[0] = true;
          upload.pause();
          fs.createTempFile("sluice-audience-", ".csv")
              .compose(
                  name ->
                      fs.open(name, new OpenOptions().setWrite(true))
                          .onSuccess(
                              file -> {
                                upload.handler(
                                    chunk -> {
                                      size[0] += chunk.length();
                                      if (size[0] > maxUploadBytes) {
                                        upload.handler(b -> {});
                                        uploaded.tryFail(new UploadTooLarge());
                                        return;
                                      }
                                      file.write(chunk);
                                      if (file.writeQueueFull()) {
                                        upload.pause();
                                        file.drainHandler(v -> upload.resume());
                                      }
                                    });
                                upload.exceptionHandler(e -> uploaded.tryFail(e));
                                upload.endHandler(
                                    v ->
                                        file.close()
                                            .onComplete(ar -> uploaded.tryComplete(Path.of(name))));
                                upload.resume();
                              })
                          .onFailure(uploaded::tryFail))
              .onFailure(uploaded::tryFail);
        });
    request.exceptionHandler(e -> uploaded.tryFail(e));
    request.endHandler(
        v -> {
          if (!seen[0]) {
            uploaded.tryFail(
                GatewayException.malformed(
                    "invalid_audience", "the form needs an audience file (CSV with a header row)"));
          }
        });
    request.resume();
    uploaded
        .future()
        .compose(
            path ->
                whenEnded(request)
                    .compose(v -> createFromFile(request, tenant, path))
                    .eventually(() -> fs.delete(path.toString()).otherwiseEmpty()))
        .onSuccess(view -> JsonResponses.send(ctx.response(), 201, view.toBuffer()))
        .onFailure(
            e -> {
              if (e instanceof UploadTooLarge) {
                ctx.fail(413, e);
              } else {
                ctx.fail(e);
              }
            });
  }

  private static Future<Void> whenEnded(HttpServerRequest request) {
    if (request.isEnded()) {
      return Future.succeededFuture();
    }
    Promise<Void> ended = Promise.promise();
    request.endHandler(v -> ended.tryComplete());
    return ended.future();
  }

  private Future<JsonObject> createFromFile(HttpServerRequest request, String tenant, Path file) {
    String json = request.getFormAttribute("campaign");
    if (json == null) {
      return Future.failedFuture(
          GatewayException.malformed(
              "bad_request", "the form needs a campaign field holding the settings as JSON"));
    }
    JsonBody body = JsonBody.read(Buffer.buffer(json));
    if (body.has("audience")) {
      return Future.failedFuture(
          JsonBody.invalid("audience goes in the audience file, not in the campaign field"));
    }
    return campaigns.create(tenant, settings(body), () -> Audience.csv(file));
  }

  private static CampaignService.Settings settings(JsonBody body) {
    body.allowOnly(FIELDS);
    String name = body.string("name");
    if (name == null || name.isBlank() || name.length() > 200) {
      throw JsonBody.invalid("name is required: 1..200 characters");
    }
    String channel = body.string("channel");
    if (channel == null) {
      throw JsonBody.invalid("channel is required");
    }
    if (!(body.raw("message") instanceof JsonObject message)) {
      throw JsonBody.invalid(
          "message is required: {\"text\": \"Hi {{name}}\"} or {\"type\": \"template\","
              + " \"template\": {…}}");
    }
    Instant sendAt =
        body.has("sendAt") && body.raw("sendAt") != null ? body.instant("sendAt") : null;
    SendWindow window = null;
    if (body.raw("window") != null) {
      try {
        window = SendWindow.fromJson(body.raw("window"));
      } catch (IllegalArgumentException e) {
        throw GatewayException.invalid("invalid_window", e.getMessage());
      }
    }
    Integer rate = body.optionalInt("ratePerSecond", 1, 100_000);
    String lane = body.string("lane");
    if (lane == null) {
      lane = "low";
    }
    if (!lane.equals("low") && !lane.equals("high")) {
      throw JsonBody.invalid("lane must be high or low");
    }
    return new CampaignService.Settings(name, channel, message, sendAt, window, rate, lane);
  }

  // ---- read ----

  private Future<JsonObject> list(RoutingContext ctx) {
    Instant before = null;
    String b = ctx.request().getParam("before");
    if (b != null) {
      try {
        before = Instant.parse(b);
      } catch (RuntimeException e) {
        throw GatewayException.malformed("invalid", "before must be an ISO-8601 UTC time");
      }
    }
    int limit = intParam(ctx, "limit", 50, 1, 200);
    return campaigns
        .list(TenantAuth.tenant(ctx).id(), before, limit)
        .map(
            all -> {
              JsonObject out = new JsonObject().put("campaigns", new JsonArray(all));
              out.put(
                  "next",
                  all.size() < limit ? null : all.get(all.size() - 1).getString("createdAt"));
              return out;
            });
  }

  private Future<JsonObject> show(RoutingContext ctx) {
    return campaigns
        .view(TenantAuth.tenant(ctx).id(), ctx.pathParam("id"))
        .map(found -> found.orElseThrow(CampaignRoutes::notFound));
  }

  private Future<JsonObject> act(RoutingContext ctx, String action) {
    String tenant = TenantAuth.tenant(ctx).id();
    String id = ctx.pathParam("id");
    Future<Optional<JsonObject>> done =
        switch (action) {
          case "pause" -> campaigns.pause(tenant, id, null);
          case "resume" -> campaigns.resume(tenant, id);
          case "cancel" -> campaigns.cancel(tenant, id);
          default -> campaigns.retryFailed(tenant, id);
        };
    return done.map(found -> found.orElseThrow(CampaignRoutes::notFound));
  }

  /** {@code GET /v1/campaigns/{id}/messages?status=&after=&limit=}: rows with their messages. */
  private Future<JsonObject> messages(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    String id = ctx.pathParam("id");
    String status = ctx.request().getParam("status");
    if (status != null
        && !List.of("accepted", "queued", "sent", "delivered", "read", "failed", "cancelled")
            .contains(status)) {
      throw GatewayException.malformed(
          "invalid", "status must be accepted, queued, sent, delivered, read, failed or cancelled");
    }
    int after = intParam(ctx, "after", 0, 0, Integer.MAX_VALUE);
    int limit = intParam(ctx, "limit", 100, 1, 1000);
    return campaigns
        .repository()
        .find(tenant, id)
        .compose(
            found -> {
              if (found.isEmpty()) {
                return Future.failedFuture(notFound());
              }
              return campaigns
                  .repository()
                  .report(id, after, limit, List.of("queued"), status)
                  .map(
                      rows -> {
                        JsonArray out = new JsonArray();
                        for (CampaignRepository.ReportRow r : rows) {
                          out.add(
                              new JsonObject()
                                  .put("row", r.row())
                                  .put("to", r.phone())
                                  .put("messageId", r.messageId().toString())
                                  .put("status", r.status() == null ? "accepted" : r.status())
                                  .put("errorCode", r.errorCode()));
                        }
                        return new JsonObject()
                            .put("messages", out)
                            .put(
                                "next",
                                rows.size() < limit ? null : rows.get(rows.size() - 1).row());
                      });
            });
  }

  /**
   * A CSV of the campaign's rows, written page by page as PostgreSQL gives them: the rejected ones
   * ({@code row,phone,reason}: refused, duplicates, suppressed, without a window) or all of them
   * ({@code row,phone,message_id,status,error_code}).
   */
  private void csv(RoutingContext ctx, boolean rejectedOnly) {
    String tenant = TenantAuth.tenant(ctx).id();
    String id = ctx.pathParam("id");
    HttpServerResponse response = ctx.response();
    campaigns
        .repository()
        .find(tenant, id)
        .onFailure(ctx::fail)
        .onSuccess(
            found -> {
              if (found.isEmpty()) {
                ctx.fail(notFound());
                return;
              }
              response
                  .setChunked(true)
                  .putHeader("Content-Type", "text/csv; charset=utf-8")
                  .putHeader(
                      "Content-Disposition",
                      "attachment; filename=\"campaign-"
                          + id
                          + (rejectedOnly ? "-rejected" : "-report")
                          + ".csv\"");
              response.write(
                  rejectedOnly
                      ? "row,phone,state,reason\r\n"
                      : "row,phone,message_id,status,error_code\r\n");
              page(response, id, 0, rejectedOnly);
            });
  }

  private void page(HttpServerResponse response, String id, int after, boolean rejectedOnly) {
    campaigns
        .repository()
        .report(
            id,
            after,
            PAGE,
            rejectedOnly ? List.of("rejected", "duplicate", "suppressed", "skipped") : null,
            null)
        .onFailure(e -> response.reset())
        .onSuccess(
            rows -> {
              StringBuilder out = new StringBuilder(rows.size() * 64);
              for (CampaignRepository.ReportRow r : rows) {
                out.append(r.row()).append(',').append(cell(r.phone())).append(',');
                if (rejectedOnly) {
                  out.append(r.state()).append(',').append(cell(r.reason()));
                } else {
                  out.append(r.messageId() == null ? "" : r.messageId().toString())
                      .append(',')
                      .append(status(r))
                      .append(',')
                      .append(cell(r.errorCode() != null ? r.errorCode() : r.reason()));
                }
                out.append("\r\n");
              }
              Future<Void> written = response.write(out.toString());
              if (rows.size() < PAGE) {
                written.onComplete(ar -> response.end());
                return;
              }
              int last = rows.get(rows.size() - 1).row();
              written.onSuccess(v -> page(response, id, last, rejectedOnly));
            });
  }

  /** A row's final status in the report: its message's, else what became of the row. */
  private static String status(CampaignRepository.ReportRow r) {
    if (r.messageId() != null) {
      return r.status() == null ? "accepted" : r.status();
    }
    return switch (r.state()) {
      case "pending" -> "pending";
      case "duplicate" -> "duplicate";
      case "skipped" -> "no_window";
      default -> r.state();
    };
  }

  /** One CSV cell: quoted when it holds a comma, quote or line break. */
  static String cell(String s) {
    if (s == null) {
      return "";
    }
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  private static int intParam(RoutingContext ctx, String name, int def, int min, int max) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      return def;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw GatewayException.malformed(
        "invalid", name + " must be a whole number " + min + ".." + max);
  }

  /** The audience file is larger than {@code campaigns.maxUploadBytes}: a 413. */
  private static final class UploadTooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UploadTooLarge() {
      super("the audience file is too large", null, false, false);
    }
  }

  private static GatewayException notFound() {
    return GatewayException.notFound("not_found", "no campaign with this id");
  }
}
