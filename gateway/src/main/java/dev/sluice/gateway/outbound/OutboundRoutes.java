package dev.sluice.gateway.outbound;

import dev.sluice.gateway.http.GatewayException;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.ledger.LedgerEvent;
import dev.sluice.gateway.ledger.LedgerRepository;
import dev.sluice.gateway.ledger.MessageRecord;
import dev.sluice.gateway.ledger.MessageStatus;
import dev.sluice.gateway.tenant.TenantAuth;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant message API: {@code POST /v1/messages} (202 once the message is in Redis), {@code POST
 * /v1/messages/batch} (up to 1,000, one result each) and {@code GET /v1/messages/{id}} (status and
 * history from the ledger). An {@code Idempotency-Key} seen in the last 24 hours returns the first
 * answer and queues nothing new.
 */
public final class OutboundRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(OutboundRoutes.class);
  static final int MAX_BATCH = 1_000;
  static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

  private final Handler<RoutingContext> auth;
  private final MessageValidator validator;
  private final OutboundQueue queue;
  private final Ledger ledger;
  private final LedgerRepository history;

  public OutboundRoutes(
      Handler<RoutingContext> auth,
      MessageValidator validator,
      OutboundQueue queue,
      Ledger ledger,
      LedgerRepository history) {
    this.auth = auth;
    this.validator = validator;
    this.queue = queue;
    this.ledger = ledger;
    this.history = history;
  }

  @Override
  public void mount(Router router) {
    router.post("/v1/messages").handler(auth).handler(this::send);
    router.post("/v1/messages/batch").handler(auth).handler(this::sendBatch);
    router.get("/v1/messages/:id").handler(auth).handler(this::get);
  }

  private void send(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    String key = idempotencyKey(ctx.request().getHeader(IDEMPOTENCY_HEADER), IDEMPOTENCY_HEADER);
    QueuedMessage m =
        validator.validate(tenant, MessageValidator.jsonObject(ctx.body().buffer()), Set.of());
    accept(List.of(new OutboundQueue.Item(m, key)))
        .onSuccess(
            results -> {
              OutboundQueue.Result r = results.get(0);
              if (r.optedOut()) {
                ctx.fail(optedOut());
                return;
              }
              if (r.replayed()) {
                ctx.response().putHeader("Idempotent-Replayed", "true");
              }
              json(ctx, 202, accepted(r.id()));
            })
        .onFailure(ctx::fail);
  }

  private void sendBatch(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    JsonObject body = MessageValidator.jsonObject(ctx.body().buffer());
    for (String field : body.fieldNames()) {
      if (!field.equals("messages")) {
        throw new GatewayException(422, "invalid", field + " is not a known field");
      }
    }
    if (!(body.getValue("messages") instanceof JsonArray items)
        || items.isEmpty()
        || items.size() > MAX_BATCH) {
      throw new GatewayException(
          422, "invalid", "messages must be an array of 1.." + MAX_BATCH + " messages");
    }
    JsonObject[] errors = new JsonObject[items.size()];
    List<OutboundQueue.Item> valid = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      try {
        if (!(items.getValue(i) instanceof JsonObject item)) {
          throw new GatewayException(422, "invalid", "must be an object");
        }
        Object rawKey = item.getValue("idempotencyKey");
        if (rawKey != null && !(rawKey instanceof String)) {
          throw GatewayException.badRequest(
              "invalid_idempotency_key", "idempotencyKey must be a string");
        }
        String key = idempotencyKey((String) rawKey, "idempotencyKey");
        valid.add(
            new OutboundQueue.Item(
                validator.validate(tenant, item, Set.of("idempotencyKey")), key));
        positions.add(i);
      } catch (GatewayException e) {
        errors[i] = error(e.code(), e.getMessage());
      }
    }
    accept(valid)
        .onSuccess(
            results -> {
              JsonObject[] out = errors.clone();
              for (int k = 0; k < results.size(); k++) {
                OutboundQueue.Result r = results.get(k);
                out[positions.get(k)] =
                    r.optedOut()
                        ? error("recipient_opted_out", "the recipient opted out on this channel")
                        : r.replayed() ? accepted(r.id()).put("replayed", true) : accepted(r.id());
              }
              JsonArray list = new JsonArray();
              for (int i = 0; i < out.length; i++) {
                list.add(out[i].put("index", i));
              }
              json(ctx, 200, new JsonObject().put("results", list));
            })
        .onFailure(ctx::fail);
  }

  /** Enqueues, then records "accepted" in the ledger; a ledger hiccup does not undo the 202. */
  private Future<List<OutboundQueue.Result>> accept(List<OutboundQueue.Item> items) {
    if (items.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return queue
        .enqueue(items)
        .recover(e -> Future.failedFuture(unavailable()))
        .compose(
            results -> {
              List<LedgerEvent> events = new ArrayList<>();
              for (int i = 0; i < results.size(); i++) {
                OutboundQueue.Result r = results.get(i);
                if (!r.replayed() && !r.optedOut()) {
                  events.add(acceptedEvent(items.get(i).message()));
                }
              }
              return ledger
                  .append(events)
                  .transform(
                      ar -> {
                        if (ar.failed()) {
                          LOG.warn(
                              "accepted {} message(s) but could not record it in the ledger: {}",
                              events.size(),
                              ar.cause().toString());
                        }
                        return Future.succeededFuture(results);
                      });
            });
  }

  static LedgerEvent acceptedEvent(QueuedMessage m) {
    return m.ledgerEvent(MessageStatus.ACCEPTED, m.acceptedAt(), null, null, null, "api");
  }

  private void get(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    UUID id;
    try {
      id = UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw notFound();
    }
    history
        .find(tenant, id)
        .recover(
            e ->
                Future.failedFuture(
                    GatewayException.unavailable(
                        "unavailable", "message history cannot be read right now", 5)))
        .onSuccess(
            found -> {
              if (found.isEmpty()) {
                ctx.fail(notFound());
              } else {
                json(ctx, 200, render(found.get()));
              }
            })
        .onFailure(ctx::fail);
  }

  static JsonObject render(MessageRecord m) {
    JsonArray history = new JsonArray();
    for (MessageRecord.HistoryEntry h : m.history()) {
      JsonObject entry =
          new JsonObject()
              .put("status", h.status())
              .put("at", h.at().toString())
              .put("source", h.source());
      if (h.errorCode() != null) {
        entry.put(
            "error", new JsonObject().put("code", h.errorCode()).put("message", h.errorMessage()));
      }
      history.add(entry);
    }
    return new JsonObject()
        .put("id", m.id())
        .put("status", m.status())
        .put("channel", m.channelId())
        .put("to", m.recipient())
        .put("lane", m.lane())
        .put("clientRef", m.clientRef())
        .put("providerMessageId", m.providerMessageId())
        .put(
            "error",
            m.errorCode() == null
                ? null
                : new JsonObject().put("code", m.errorCode()).put("message", m.errorMessage()))
        .put("createdAt", m.createdAt().toString())
        .put("updatedAt", m.updatedAt().toString())
        .put("history", history);
  }

  private static String idempotencyKey(String key, String field) {
    if (key == null) {
      return null;
    }
    if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c < 0x7f)) {
      throw GatewayException.badRequest(
          "invalid_idempotency_key", field + " must be 1..255 printable ASCII characters");
    }
    return key;
  }

  private static JsonObject accepted(String id) {
    return new JsonObject().put("id", id).put("status", "accepted");
  }

  private static JsonObject error(String code, String message) {
    return new JsonObject()
        .put("error", new JsonObject().put("code", code).put("message", message));
  }

  private static GatewayException optedOut() {
    return new GatewayException(
        422, "recipient_opted_out", "the recipient opted out of messages on this channel");
  }

  private static GatewayException notFound() {
    return GatewayException.notFound("not_found", "no message with this id");
  }

  private static GatewayException unavailable() {
    return GatewayException.unavailable(
        "unavailable", "the gateway cannot queue messages right now; retry later", 5);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.toBuffer());
  }
}
