package dev.sluice.gateway.outbound;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.http.DirectRoute;
import dev.sluice.gateway.http.ErrorResponses;
import dev.sluice.gateway.http.JsonResponses;
import dev.sluice.gateway.http.QueryParams;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.ledger.LedgerEvent;
import dev.sluice.gateway.ledger.LedgerRepository;
import dev.sluice.gateway.ledger.MessagePage;
import dev.sluice.gateway.ledger.MessageRecord;
import dev.sluice.gateway.ledger.MessageStatus;
import dev.sluice.gateway.tenant.TenantAuth;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The tenant message API: {@code POST /v1/messages} (202 once the message is in Redis), {@code POST
 * /v1/messages/batch} (up to 1,000, one result each), {@code GET /v1/messages/{id}} (status,
 * retries and history from the ledger) and {@code GET /v1/messages} (the tenant's messages, newest
 * first, in keyset pages). An {@code Idempotency-Key} seen in the last 24 hours with the same
 * message returns the first answer and queues nothing new; with another message it is refused
 * ({@code 422 idempotency_mismatch}). The two {@code POST}s are served ahead of the router ({@link
 * DirectRoute}): the body is read with Jackson's streaming parser straight into the validator's
 * fields and the answer is written as bytes, with no JSON tree either way.
 */
public final class OutboundRoutes implements Routes {
  static final int MAX_BATCH = 1_000;

  /** How long a client refused for a full backlog is asked to wait (seconds). */
  static final int RETRY_AFTER_BACKLOG_S = 1;

  static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
  private static final String REPLAYED_HEADER = "Idempotent-Replayed";
  private static final Set<String> BATCH_ITEM = Set.of("idempotencyKey");

  private final TenantAuth auth;
  private final MessageValidator validator;
  private final OutboundQueue queue;
  private final Ledger ledger;
  private final LedgerRepository history;

  public OutboundRoutes(
      TenantAuth auth,
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
    router
        .post("/v1/messages")
        .handler(auth)
        .handler(ctx -> send(ctx.request(), ctx.body().buffer(), TenantAuth.tenant(ctx).id()));
    router
        .post("/v1/messages/batch")
        .handler(auth)
        .handler(ctx -> sendBatch(ctx.request(), ctx.body().buffer(), TenantAuth.tenant(ctx).id()));
    router.get("/v1/messages").handler(auth).respond(this::list);
    router.get("/v1/messages/:id").handler(auth).respond(this::get);
  }

  /** The two send routes, served ahead of the router: they carry nearly all of the API's load. */
  @Override
  public Map<String, DirectRoute> directPosts() {
    return Map.of(
        "/v1/messages",
        (request, body) -> send(request, body, auth.authenticate(request).id()),
        "/v1/messages/batch",
        (request, body) -> sendBatch(request, body, auth.authenticate(request).id()));
  }

  private void send(HttpServerRequest request, Buffer body, String tenant) {
    String key = idempotencyKey(request.getHeader(IDEMPOTENCY_HEADER), IDEMPOTENCY_HEADER);
    QueuedMessage m = validator.validate(tenant, MessageJson.message(body), Set.of());
    accept(List.of(new OutboundQueue.Item(m, key)))
        .onSuccess(
            results -> {
              OutboundQueue.Result r = results.get(0);
              if (r.optedOut()) {
                ErrorResponses.fail(request, optedOut());
                return;
              }
              if (r.full()) {
                ErrorResponses.fail(request, backlogFull());
                return;
              }
              if (r.mismatch()) {
                ErrorResponses.fail(request, mismatch());
                return;
              }
              if (r.replayed()) {
                request.response().putHeader(REPLAYED_HEADER, "true");
              }
              JsonResponses.send(request.response(), 202, Buffer.buffer(accepted(r.id())));
            })
        .onFailure(e -> ErrorResponses.fail(request, e));
  }

  private void sendBatch(HttpServerRequest request, Buffer body, String tenant) {
    MessageJson.Batch batch = MessageJson.batch(body);
    for (String field : batch.fieldNames()) {
      if (!field.equals("messages")) {
        throw GatewayException.invalid("invalid", field + " is not a known field");
      }
    }
    List<Object> items = batch.messages();
    if (items == null || items.isEmpty() || items.size() > MAX_BATCH) {
      throw GatewayException.invalid(
          "invalid", "messages must be an array of 1.." + MAX_BATCH + " messages");
    }
    GatewayException[] errors = new GatewayException[items.size()];
    List<OutboundQueue.Item> valid = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      try {
        if (!(items.get(i) instanceof MessageJson.Fields item)) {
          throw GatewayException.invalid("invalid", "must be an object");
        }
        Object rawKey = item.get("idempotencyKey");
        if (rawKey != null && !(rawKey instanceof String)) {
          throw GatewayException.malformed(
              "invalid_idempotency_key", "idempotencyKey must be a string");
        }
        String key = idempotencyKey((String) rawKey, "idempotencyKey");
        valid.add(new OutboundQueue.Item(validator.validate(tenant, item, BATCH_ITEM), key));
        positions.add(i);
      } catch (GatewayException e) {
        errors[i] = e;
      }
    }
    accept(valid)
        .onSuccess(
            results ->
                JsonResponses.send(
                    request.response(), 200, batchResults(errors, positions, results)))
        .onFailure(e -> ErrorResponses.fail(request, e));
  }

  /**
   * {@code {"results":[…]}}, one entry per item in order, each with its {@code index}: {@code
   * {"id","status":"accepted"[,"replayed":true]}} or {@code {"error":{"code","message"}}}.
   */
  static Buffer batchResults(
      GatewayException[] errors, List<Integer> positions, List<OutboundQueue.Result> results) {
    OutboundQueue.Result[] byIndex = new OutboundQueue.Result[errors.length];
    for (int k = 0; k < results.size(); k++) {
      byIndex[positions.get(k)] = results.get(k);
    }
    ByteArrayBuilder out = new ByteArrayBuilder(64 + 64 * errors.length);
    try (JsonGenerator g = MessageCodec.JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeArrayFieldStart("results");
      for (int i = 0; i < errors.length; i++) {
        g.writeStartObject();
        OutboundQueue.Result r = byIndex[i];
        if (r == null) {
          writeError(g, errors[i].code(), errors[i].getMessage());
        } else if (r.optedOut()) {
          writeError(g, "recipient_opted_out", "the recipient opted out on this channel");
        } else if (r.full()) {
          writeError(g, "backlog_full", BACKLOG_FULL);
        } else if (r.mismatch()) {
          writeError(g, IDEMPOTENCY_MISMATCH, MISMATCH);
        } else {
          g.writeStringField("id", r.id());
          g.writeStringField("status", "accepted");
          if (r.replayed()) {
            g.writeBooleanField("replayed", true);
          }
        }
        g.writeNumberField("index", i);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  private static void writeError(JsonGenerator g, String code, String message) throws IOException {
    g.writeObjectFieldStart("error");
    g.writeStringField("code", code);
    g.writeStringField("message", message);
    g.writeEndObject();
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
                if (r.fresh()) {
                  events.add(acceptedEvent(items.get(i).message()));
                }
              }
              // The 202 stands: an append Redis refused is kept and tried again.
              return ledger.appendEventually(events).map(results);
            });
  }

  static LedgerEvent acceptedEvent(QueuedMessage m) {
    return m.ledgerEvent(MessageStatus.ACCEPTED, m.acceptedAt(), null, null, null, "api");
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    UUID id;
    try {
      id = UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw notFound();
    }
    return history
        .find(tenant, id)
        .recover(e -> Future.failedFuture(historyUnavailable()))
        .map(found -> render(found.orElseThrow(OutboundRoutes::notFound)));
  }

  private static final Set<String> LIST_PARAMETERS =
      Set.of("status", "channel", "to", "campaignId", "since", "until", "cursor", "limit");
  static final int DEFAULT_PAGE = 50;
  static final int MAX_PAGE = 200;

  /**
   * {@code GET /v1/messages}: the tenant's messages, newest first, a page at a time ({@code
   * {"messages":[…],"next": cursor or null}}); each filter narrows the list. A bad parameter is
   * 400.
   */
  private Future<JsonObject> list(RoutingContext ctx) {
    String tenant = TenantAuth.tenant(ctx).id();
    QueryParams params = new QueryParams(ctx, LIST_PARAMETERS);
    MessagePage.Query query =
        new MessagePage.Query(
            status(params.string("status")),
            params.string("channel"),
            recipientKey(params.string("to")),
            uuid(params, "campaignId"),
            params.instant("since"),
            params.instant("until"),
            cursor(params.string("cursor")),
            params.integer("limit", 1, MAX_PAGE, DEFAULT_PAGE));
    return history
        .page(tenant, query)
        .recover(e -> Future.failedFuture(historyUnavailable()))
        .map(
            page -> {
              JsonArray messages = new JsonArray();
              page.messages().forEach(m -> messages.add(summary(m)));
              return new JsonObject()
                  .put("messages", messages)
                  .put("next", page.next() == null ? null : page.next().token());
            });
  }

  private static MessageStatus status(String text) {
    if (text == null) {
      return null;
    }
    return MessageStatus.fromWireName(text)
        .orElseThrow(
            () ->
                QueryParams.badRequest(
                    "status must be accepted, queued, sent, failed, cancelled, delivered or read"));
  }

  /** The conversation key of {@code to}: a number's digits (normalised first), or a chat id. */
  private static String recipientKey(String to) {
    if (to == null) {
      return null;
    }
    if (!to.startsWith("+")) {
      return to;
    }
    try {
      return LedgerRepository.conversationKey(PhoneNumbers.e164(to));
    } catch (PhoneNumbers.Refused e) {
      throw QueryParams.badRequest("to " + e.getMessage());
    }
  }

  private static UUID uuid(QueryParams params, String name) {
    String text = params.string(name);
    try {
      return text == null ? null : UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw QueryParams.badRequest(name + " must be a UUID");
    }
  }

  private static MessagePage.Cursor cursor(String token) {
    try {
      return token == null ? null : MessagePage.Cursor.of(token);
    } catch (IllegalArgumentException | java.time.DateTimeException e) {
      throw QueryParams.badRequest("cursor must be a next value of an earlier page");
    }
  }

  /** A message as a listing shows it: what {@link #render} shows, without content or history. */
  static JsonObject summary(MessageRecord m) {
    return new JsonObject()
        .put("id", m.id())
        .put("status", m.status())
        .put("channel", m.channelId())
        .put("to", m.recipient())
        .put("lane", m.lane())
        .put("clientRef", m.clientRef())
        .put("campaignId", m.campaignId())
        .put("providerMessageId", m.providerMessageId())
        .put("error", error(m.errorCode(), m.errorMessage()))
        .put("attempts", m.attempts())
        .put("nextAttemptAt", m.nextAttemptAt() == null ? null : m.nextAttemptAt().toString())
        .put("lastError", error(m.lastErrorCode(), m.lastErrorMessage()))
        .put("createdAt", m.createdAt().toString())
        .put("updatedAt", m.updatedAt().toString());
  }

  private static JsonObject error(String code, String message) {
    return code == null && message == null
        ? null
        : new JsonObject().put("code", code).put("message", message);
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
        entry.put("error", error(h.errorCode(), h.errorMessage()));
      }
      history.add(entry);
    }
    return summary(m)
        .put("content", m.content() == null ? null : new JsonObject(m.content()))
        .put("history", history);
  }

  private static String idempotencyKey(String key, String field) {
    if (key == null) {
      return null;
    }
    if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c < 0x7f)) {
      throw GatewayException.malformed(
          "invalid_idempotency_key", field + " must be 1..255 printable ASCII characters");
    }
    return key;
  }

  /** {@code {"id":…,"status":"accepted"}}; ids are UUIDs, so nothing needs escaping. */
  static String accepted(String id) {
    return "{\"id\":\"" + id + "\",\"status\":\"accepted\"}";
  }

  private static final String BACKLOG_FULL =
      "this tenant has as many messages queued as it may; retry later";

  /** Sends faster than the channels carry them: the caller slows down, nothing is queued. */
  private static GatewayException backlogFull() {
    return GatewayException.unavailable("backlog_full", BACKLOG_FULL, RETRY_AFTER_BACKLOG_S);
  }

  private static final String IDEMPOTENCY_MISMATCH = "idempotency_mismatch";
  private static final String MISMATCH =
      "this idempotency key was used for another request in the last 24 hours";

  /** A key names one request: the same key with another body is a client's mistake, not a retry. */
  private static GatewayException mismatch() {
    return GatewayException.invalid(IDEMPOTENCY_MISMATCH, MISMATCH);
  }

  private static GatewayException optedOut() {
    return GatewayException.invalid(
        "recipient_opted_out", "the recipient opted out of messages on this channel");
  }

  private static GatewayException historyUnavailable() {
    return GatewayException.unavailable(
        "unavailable", "message history cannot be read right now", 5);
  }

  private static GatewayException notFound() {
    return GatewayException.notFound("not_found", "no message with this id");
  }

  private static GatewayException unavailable() {
    return GatewayException.unavailable(
        "unavailable", "the gateway cannot queue messages right now; retry later", 5);
  }
}
