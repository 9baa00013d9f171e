package dev.sluice.gateway.suppression;

import static dev.sluice.gateway.http.JsonResponses.noStore;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.http.ErrorResponses;
import dev.sluice.gateway.http.JsonBody;
import dev.sluice.gateway.http.JsonResponses;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.outbound.PhoneNumbers;
import dev.sluice.gateway.suppression.SuppressionStore.Note;
import dev.sluice.gateway.suppression.Suppressions.Suppression;
import dev.sluice.gateway.suppression.Suppressions.Target;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.TenantAuth;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant's suppression API:
 *
 * <pre>
 * PUT    /v1/suppressions/{phone}           {"channel"?,"reason"?} or no body → 201 (added) or 200 (there already) the entry
 * GET    /v1/suppressions/{phone}?channel=  → 200 the entry, 404 when there is none
 * DELETE /v1/suppressions/{phone}?channel=  → 204, 404 when there is none
 * POST   /v1/suppressions/import            text/csv, header row phone[,channel][,reason] → 200 {"added","alreadyPresent","rejectedCount","rejected":[{"row","reason"}]}
 * GET    /v1/suppressions/export            → 200 text/csv hash,channel,reason,source,at
 * </pre>
 *
 * {@code {phone}} is E.164 ({@code %2B} or a plain {@code +}); no channel means the entry for every
 * channel of the tenant. A bad number is a 400 {@code invalid_phone}; a channel that is not one of
 * the tenant's phone channels a 422 {@code invalid}. An entry added again keeps its first note.
 * Numbers are hashed at once and never stored, logged or exported: the export lists the keyed
 * hashes. Redis unavailable → 503 with {@code Retry-After}.
 */
public final class SuppressionRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(SuppressionRoutes.class);

  /** The providers whose channels send to phone numbers (Telegram sends to chat ids). */
  static final Set<Provider> PHONE_PROVIDERS =
      EnumSet.of(Provider.WHATSAPP, Provider.TWILIO, Provider.INFOBIP, Provider.SMPP);

  private static final Pattern CHANNEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

  /** Members asked for per export step (SSCAN's COUNT hint). */
  static final int EXPORT_STEP = 500;

  private static final String CSV = "text/csv; charset=utf-8";

  private final TenantAuth auth;
  private final TenantDirectory directory;
  private final Suppressions suppressions;
  private final long maxImportBytes;

  /**
   * @param maxImportBytes the largest import body ({@code http.maxImportBytes})
   */
  public SuppressionRoutes(
      TenantAuth auth, TenantDirectory directory, Suppressions suppressions, long maxImportBytes) {
    this.auth = auth;
    this.directory = directory;
    this.suppressions = suppressions;
    this.maxImportBytes = maxImportBytes;
  }

  @Override
  public void mount(Router router) {
    // Before the {phone} routes: "export" is no number.
    router.get("/v1/suppressions/export").handler(auth).handler(this::export);
    // Answers name a phone number: never kept by a cache.
    router.put("/v1/suppressions/:phone").handler(auth).respond(noStore(this::put));
    router.get("/v1/suppressions/:phone").handler(auth).respond(noStore(this::get));
    router.delete("/v1/suppressions/:phone").handler(auth).respond(noStore(this::delete));
  }

  @Override
  public void mountUnbuffered(Router router) {
    router.post("/v1/suppressions/import").handler(auth).handler(this::importCsv);
  }

  // ---- one number ----

  private Future<JsonObject> put(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    String phone = phone(ctx);
    String channel = null;
    String reason = null;
    Buffer raw = ctx.body().buffer();
    if (raw != null && raw.length() > 0) {
      JsonBody body = JsonBody.read(raw);
      channel = body.string("channel");
      reason = body.string("reason");
      body.allowOnly(Set.of("channel", "reason"));
    }
    if (channel != null) {
      String refusal = channelRefusal(tenant, channel);
      if (refusal != null) {
        throw JsonBody.invalid(refusal);
      }
    }
    if (reason != null && reason.length() > CsvImport.MAX_REASON) {
      throw JsonBody.invalid("reason must be at most " + CsvImport.MAX_REASON + " characters");
    }
    Target target = suppressions.target(phone, channel);
    return suppressions
        .put(tenant, target, reason == null || reason.isEmpty() ? null : reason)
        .recover(e -> unavailable(tenant, e))
        .map(
            added -> {
              if (added.added()) {
                LOG.info(
                    "[tenant={}, hash={}, channel={}] suppressed",
                    tenant,
                    target.hash(),
                    channelName(target.channelId()));
              }
              JsonObject entry = json(phone, target, added.note());
              return JsonResponses.status(ctx, added.added() ? 201 : 200, entry);
            });
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    String phone = phone(ctx);
    Target target = suppressions.target(phone, queryChannel(ctx));
    return suppressions
        .get(tenant, target)
        .recover(e -> unavailable(tenant, e))
        .map(
            note -> {
              if (note == null) {
                throw notFound(target);
              }
              return json(phone, target, note);
            });
  }

  private Future<JsonObject> delete(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    Target target = suppressions.target(phone(ctx), queryChannel(ctx));
    return suppressions
        .delete(tenant, target)
        .recover(e -> unavailable(tenant, e))
        .map(
            removed -> {
              if (!removed) {
                throw notFound(target);
              }
              LOG.info(
                  "[tenant={}, hash={}, channel={}] suppression lifted",
                  tenant,
                  target.hash(),
                  channelName(target.channelId()));
              return null; // no body: 204
            });
  }

  /** The number in the path, normalised; 400 {@code invalid_phone} when it is none. */
  private static String phone(RoutingContext ctx) {
    try {
      return PhoneNumbers.e164(ctx.pathParam("phone"));
    } catch (PhoneNumbers.Refused e) {
      throw GatewayException.malformed(
          "invalid_phone", "the phone in the path " + e.getMessage() + " (%2B in a URL)");
    }
  }

  /** {@code ?channel=}: {@code null} for the entry of every channel. */
  private static String queryChannel(RoutingContext ctx) {
    List<String> values = ctx.queryParam("channel");
    if (values.isEmpty() || values.get(0).isEmpty()) {
      return null;
    }
    String channel = values.get(0);
    if (!CHANNEL_ID.matcher(channel).matches()) {
      throw GatewayException.malformed("invalid", "channel is not a channel id");
    }
    return channel;
  }

  /** Why the tenant cannot suppress on this channel, or {@code null} when it can. */
  private String channelRefusal(String tenantId, String channelId) {
    Optional<Channel> channel =
        directory.channel(channelId).filter(c -> c.tenantId().equals(tenantId));
    if (channel.isEmpty()) {
      return "channel does not name one of your channels";
    }
    Provider provider = channel.get().provider();
    if (!PHONE_PROVIDERS.contains(provider)) {
      return "channel: " + provider.wireName() + " channels do not send to phone numbers";
    }
    return null;
  }

  private static JsonObject json(String phone, Target target, Note note) {
    return new JsonObject()
        .put("phone", phone)
        .put("channel", target.channelId())
        .put("hash", target.hash())
        .put("source", note.source())
        .put("reason", note.reason())
        .put("at", note.at() == null ? null : note.at().toString());
  }

  private static GatewayException notFound(Target target) {
    return GatewayException.notFound(
        "not_found",
        target.channelId() == null
            ? "this number is not suppressed on every channel (ask with ?channel= for one)"
            : "this number is not suppressed on this channel");
  }

  private static String channelName(String channelId) {
    return channelId == null ? Suppressions.EVERY_CHANNEL : channelId;
  }

  private static <T> Future<T> unavailable(String tenant, Throwable e) {
    if (e instanceof GatewayException) {
      return Future.failedFuture(e);
    }
    LOG.warn("[tenant={}] suppression call failed: {}", tenant, e.getMessage());
    return Future.failedFuture(
        GatewayException.unavailable(
            "unavailable", "the gateway cannot reach its store right now; retry later", 5));
  }

  // ---- import ----

  private void importCsv(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    if (!isCsv(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
      response.putHeader(HttpHeaders.CONNECTION, "close");
      ctx.fail(
          GatewayException.malformed(
              "unsupported_media_type", "the body must be CSV, sent as Content-Type: text/csv"));
      return;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && tooLong(length)) {
      response.putHeader(HttpHeaders.CONNECTION, "close");
      ErrorResponses.send(
          response,
          413,
          "body_too_large",
          "the body is larger than " + maxImportBytes + " bytes: import the file in parts");
      return;
    }
    Function<String, String> channels =
        channel ->
            CHANNEL_ID.matcher(channel).matches()
                ? channelRefusal(tenant, channel)
                : "channel is not a channel id";
    new CsvImport(request, tenant, suppressions, channels, maxImportBytes)
        .run()
        .onSuccess(
            counts -> {
              LOG.info(
                  "[tenant={}] suppressions imported: {} added, {} already present, {} rejected",
                  tenant,
                  counts.getLong("added"),
                  counts.getLong("alreadyPresent"),
                  counts.getLong("rejectedCount"));
              JsonResponses.send(response, 200, counts.toBuffer());
            })
        .onFailure(
            e -> {
              if (!request.isEnded()) {
                response.putHeader(HttpHeaders.CONNECTION, "close");
              }
              if (e instanceof CsvImport.TooLarge) {
                ErrorResponses.send(response, 413, "body_too_large", e.getMessage());
              } else if (e instanceof GatewayException) {
                ctx.fail(e);
              } else {
                ErrorResponses.fail(request, e);
              }
            });
  }

  private boolean tooLong(String contentLength) {
    try {
      return Long.parseLong(contentLength.trim()) > maxImportBytes;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean isCsv(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    return type.equals("text/csv") || type.equals("application/csv");
  }

  // ---- export ----

  private void export(RoutingContext ctx) {
    new Export(ctx, TenantAuth.tenant(ctx).id()).step(0, "0");
  }

  /**
   * One export: every partition's set walked in steps, each step's rows written before the next is
   * read, so the answer streams with one step in memory. A failure before the first row is a JSON
   * 503; after it, the connection is reset (a CSV cut short must not look whole).
   */
  private final class Export {
    private final RoutingContext ctx;
    private final String tenant;
    private boolean started;
    private long rows;

    Export(RoutingContext ctx, String tenant) {
      this.ctx = ctx;
      this.tenant = tenant;
    }

    void step(int partition, String cursor) {
      suppressions
          .scan(tenant, partition, cursor, EXPORT_STEP)
          .compose(page -> write(page).map(page))
          .onSuccess(
              page -> {
                if (!page.last()) {
                  step(partition, page.cursor());
                } else if (partition + 1 < suppressions.partitions()) {
                  step(partition + 1, "0");
                } else {
                  end();
                }
              })
          .onFailure(this::fail);
    }

    private Future<Void> write(SuppressionStore.Page page) {
      StringBuilder csv = new StringBuilder(page.entries().size() * 96 + 40);
      if (!started) {
        started = true;
        ctx.response()
            .setChunked(true)
            .putHeader(HttpHeaders.CONTENT_TYPE, CSV)
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
            .putHeader("Content-Disposition", "attachment; filename=\"suppressions.csv\"");
        csv.append("hash,channel,reason,source,at\r\n");
      }
      for (SuppressionStore.Entry e : page.entries()) {
        Suppression s = Suppressions.entry(e.member(), e.note());
        Note n = s.note();
        csv.append(s.hash())
            .append(',')
            .append(s.channelId() == null ? "" : s.channelId())
            .append(',')
            .append(field(n.reason()))
            .append(',')
            .append(n.source())
            .append(',')
            .append(n.at() == null ? "" : n.at().toString())
            .append("\r\n");
        rows++;
      }
      if (csv.isEmpty()) {
        return Future.succeededFuture();
      }
      return ctx.response().write(Buffer.buffer(csv.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private void end() {
      if (!started) {
        write(new SuppressionStore.Page("0", List.of()));
      }
      ctx.response().end();
      LOG.info("[tenant={}] suppressions exported: {} row(s)", tenant, rows);
    }

    private void fail(Throwable e) {
      if (ctx.response().closed()) {
        return; // the client went away
      }
      if (!started) {
        unavailable(tenant, e).onFailure(ctx::fail);
        return;
      }
      LOG.warn("[tenant={}] export cut off after {} row(s): {}", tenant, rows, e.getMessage());
      ctx.response().reset();
    }
  }

  /** A CSV field: quoted when it holds a comma, a quote or a line break. */
  static String field(String value) {
    if (value == null) {
      return "";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        return '"' + value.replace("\"", "\"\"") + '"';
      }
    }
    return value;
  }
}
