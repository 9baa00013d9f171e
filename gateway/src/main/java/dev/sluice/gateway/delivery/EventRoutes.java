package dev.sluice.gateway.delivery;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.queue.EventId;
import dev.sluice.gateway.queue.EventQueue;
import dev.sluice.gateway.queue.Lane;
import dev.sluice.gateway.tenant.TenantAuth;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The tenant pull API. {@code GET /v1/events?max=N[&lane=quarantine]} leases the oldest
 * unacknowledged events of the calling tenant (in order per conversation); {@code POST
 * /v1/events/ack {"ids":[…]}} acknowledges them. An event not acknowledged within the visibility
 * timeout is handed out again. A tenant only ever reads its own queue: the tenant comes from the
 * API key, and event ids name partitions of that tenant alone. A tenant in push mode (with an
 * endpoint) cannot pull its inbound lane (409 {@code push_mode}); it may still read the quarantine
 * lane and acknowledge.
 */
public final class EventRoutes implements Routes {
  static final int DEFAULT_MAX = 100;
  static final int MAX_MAX = 1_000;

  private final Handler<RoutingContext> auth;
  private final EventQueue queue;
  private final TenantDirectory directory;

  /**
   * @param directory tells which tenants are in push mode: their inbound lane is delivered to their
   *     endpoint, so pulling it answers 409 {@code push_mode}
   */
  public EventRoutes(Handler<RoutingContext> auth, EventQueue queue, TenantDirectory directory) {
    this.auth = auth;
    this.queue = queue;
    this.directory = directory;
  }

  @Override
  public void mount(Router router) {
    router.get("/v1/events").handler(auth).handler(this::pull);
    router.post("/v1/events/ack").handler(auth).handler(this::ack);
  }

  private void pull(RoutingContext ctx) {
    int max = intParam(param(ctx, "max"), "max", DEFAULT_MAX, 1, MAX_MAX);
    Lane lane =
        Lane.fromWireName(param(ctx, "lane"))
            .orElseThrow(
                () ->
                    GatewayException.malformed(
                        "invalid_parameter", "lane must be inbound or quarantine"));
    String tenant = TenantAuth.tenant(ctx).id();
    if (lane == Lane.INBOUND && directory.endpoint(tenant).isPresent()) {
      throw GatewayException.conflict(
          "push_mode",
          "events are delivered to the tenant's endpoint; DELETE /v1/endpoint to pull them"
              + " instead (the quarantine lane stays readable)");
    }
    queue
        .pull(tenant, lane, max, 0)
        .onSuccess(events -> json(ctx, new JsonObject().put("events", EventJson.render(events))))
        .onFailure(e -> ctx.fail(unavailable()));
  }

  private void ack(RoutingContext ctx) {
    List<EventId> ids = ids(ctx.body().buffer());
    String tenant = TenantAuth.tenant(ctx).id();
    queue
        .ack(tenant, ids)
        .onSuccess(n -> json(ctx, new JsonObject().put("acknowledged", n)))
        .onFailure(e -> ctx.fail(unavailable()));
  }

  private List<EventId> ids(Buffer body) {
    Object parsed;
    try {
      parsed = body == null || body.length() == 0 ? null : Json.decodeValue(body);
    } catch (DecodeException e) {
      throw GatewayException.malformed("bad_request", "the body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject obj) || !(obj.getValue("ids") instanceof JsonArray arr)) {
      throw GatewayException.malformed("invalid", "the body must be {\"ids\":[…]}");
    }
    if (arr.isEmpty() || arr.size() > MAX_MAX) {
      throw GatewayException.malformed("invalid", "ids must hold 1.." + MAX_MAX + " ids");
    }
    List<EventId> ids = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      Object v = arr.getValue(i);
      EventId id =
          (v instanceof String s ? EventId.parse(s) : Optional.<EventId>empty())
              .filter(e -> e.partition() < queue.partitions())
              .orElse(null);
      if (id == null) {
        throw GatewayException.malformed("invalid", "ids[" + i + "] is not an event id");
      }
      ids.add(id);
    }
    return ids;
  }

  /**
   * A query parameter. Vert.x decodes the whole query on first access and throws {@link
   * IllegalArgumentException} for a malformed {@code %}-escape anywhere in it, which would
   * otherwise surface as a 500.
   */
  static String param(RoutingContext ctx, String name) {
    try {
      return ctx.request().getParam(name);
    } catch (IllegalArgumentException e) {
      throw GatewayException.malformed(
          "invalid_parameter", "the query string is not valid URL encoding");
    }
  }

  static int intParam(String value, String name, int defaultValue, int min, int max) {
    if (value == null || value.isEmpty()) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw GatewayException.malformed(
        "invalid_parameter", name + " must be a whole number " + min + ".." + max);
  }

  static GatewayException unavailable() {
    return GatewayException.unavailable(
        "unavailable", "the event queue cannot be read right now; retry later", 5);
  }

  static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toBuffer());
  }
}
