package dev.sluice.gateway.delivery;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.http.JsonBody;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.queue.EventId;
import dev.sluice.gateway.queue.EventQueue;
import dev.sluice.gateway.queue.Lane;
import dev.sluice.gateway.tenant.TenantAuth;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

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
  /**
   * How the tenant's event API (pull, acknowledge, push settings, deliveries, dead letters, replay)
   * refuses a bad body: every bad value is a 400 {@code invalid}, as it always was.
   */
  static final JsonBody.Errors ERRORS = JsonBody.Errors.ALL_400;

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
    router.get("/v1/events").handler(auth).respond(this::pull);
    router.post("/v1/events/ack").handler(auth).respond(this::ack);
  }

  private Future<JsonObject> pull(RoutingContext ctx) {
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
    return queue
        .pull(tenant, lane, max, 0)
        .recover(e -> Future.failedFuture(unavailable()))
        .map(events -> new JsonObject().put("events", EventJson.render(events)));
  }

  private Future<JsonObject> ack(RoutingContext ctx) {
    List<EventId> ids = ids(ctx.body().buffer());
    String tenant = TenantAuth.tenant(ctx).id();
    return queue
        .ack(tenant, ids)
        .recover(e -> Future.failedFuture(unavailable()))
        .map(n -> new JsonObject().put("acknowledged", n));
  }

  /** {@code {"ids":[…]}}: 1 to {@link #MAX_MAX} ids of the caller's own partitions. */
  private List<EventId> ids(Buffer buffer) {
    JsonBody body = JsonBody.read(buffer, "{\"ids\":[…]}", ERRORS);
    List<String> raw = body.strings("ids");
    if (raw == null || raw.isEmpty() || raw.size() > MAX_MAX) {
      throw ERRORS.invalid("ids must hold 1.." + MAX_MAX + " ids");
    }
    List<EventId> ids = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      EventId id =
          EventId.parse(raw.get(i)).filter(e -> e.partition() < queue.partitions()).orElse(null);
      if (id == null) {
        throw ERRORS.invalid("ids[" + i + "] is not an event id");
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
}
