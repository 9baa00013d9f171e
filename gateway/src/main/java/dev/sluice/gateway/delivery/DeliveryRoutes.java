package dev.sluice.gateway.delivery;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.queue.EventId;
import dev.sluice.gateway.queue.Lane;
import dev.sluice.gateway.queue.QueuedEvent;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.tenant.TenantAuth;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happened to a tenant's events in push mode, and how to get them again: {@code GET
 * /v1/deliveries} (recent delivery attempts, newest first), {@code GET /v1/dead-letters} (events
 * whose delivery gave up, oldest first), {@code POST /v1/dead-letters/redrive} (queue them again)
 * and {@code POST /v1/events/replay} (queue delivered events again, by arrival time or id).
 * Redriven and replayed events become new queue entries with new ids; replay works in pull mode
 * too.
 *
 * <p>Every call is bounded (entries read, events moved) so one request cannot keep Redis busy for
 * long. Ids are parsed strictly and name partitions of the caller's own queue only. Redis
 * unavailable → 503 with {@code Retry-After}.
 */
public final class DeliveryRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryRoutes.class);

  /** Entries of the delivery log read when filtering by outcome (the log holds about 1,000). */
  static final int LOG_SCAN = 2_000;

  /** Dead letters moved by one redrive call at most. */
  static final int MAX_REDRIVE = 1_000;

  /** Events queued again by one replay call at most. */
  static final int MAX_REPLAY = 10_000;

  /** Ids one redrive or replay call may name. */
  static final int MAX_IDS = 1_000;

  /** The widest arrival-time range one replay call may ask for. */
  static final Duration MAX_REPLAY_RANGE = Duration.ofDays(7);

  private static final Pattern DEAD_LETTER_ID =
      Pattern.compile("d(\\d{1,4}):(\\d{1,19}-\\d{1,19})");

  private final Handler<RoutingContext> auth;
  private final PipelinedRedis redis;
  private final TenantDirectory directory;
  private final int partitions;
  private final int replayScanLimit;
  private final long replayLatenessMs;

  /**
   * @param replayMaxPerPartition the replay archive's length bound per partition ({@code
   *     delivery.replayMaxPerPartition}): a replay scans at most about that many entries per
   *     partition, so it reaches every archived event
   */
  public DeliveryRoutes(
      Handler<RoutingContext> auth,
      PipelinedRedis redis,
      TenantDirectory directory,
      int partitions,
      int replayMaxPerPartition,
      long maxAgeMs) {
    this.auth = auth;
    this.redis = redis;
    this.directory = directory;
    this.partitions = partitions;
    // The archive is trimmed with MAXLEN ~, which may leave it a little longer than the bound.
    this.replayScanLimit = replayMaxPerPartition + replayMaxPerPartition / 10 + 100;
    // An event is delivered (archived) at most this long after it arrived: bounds the scan.
    this.replayLatenessMs = maxAgeMs;
  }

  @Override
  public void mount(Router router) {
    router.get("/v1/deliveries").handler(auth).handler(this::deliveries);
    router.get("/v1/dead-letters").handler(auth).handler(this::deadLetters);
    router.post("/v1/dead-letters/redrive").handler(auth).handler(this::redrive);
    router.post("/v1/events/replay").handler(auth).handler(this::replay);
  }

  // ---- GET /v1/deliveries ----

  private void deliveries(RoutingContext ctx) {
    int max =
        EventRoutes.intParam(EventRoutes.param(ctx, "max"), "max", 100, 1, EventRoutes.MAX_MAX);
    String status = EventRoutes.param(ctx, "status");
    Boolean wanted;
    if (status == null || status.isEmpty()) {
      wanted = null;
    } else if (status.equals("succeeded") || status.equals("failed")) {
      wanted = status.equals("succeeded");
    } else {
      throw GatewayException.malformed("invalid_parameter", "status must be succeeded or failed");
    }
    String tenant = TenantAuth.tenant(ctx).id();
    Request xrevrange =
        Request.cmd(Command.XREVRANGE)
            .arg(TenantQueueKeys.deliveryLog(redis.keyPrefix(), tenant))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(wanted == null ? max : LOG_SCAN);
    redis
        .send(xrevrange)
        .onSuccess(
            r -> {
              JsonArray out = new JsonArray();
              for (int i = 0; r != null && i < r.size() && out.size() < max; i++) {
                Map<String, String> f = fields(r.get(i).get(1));
                boolean ok = "1".equals(f.get("ok"));
                if (wanted == null || wanted == ok) {
                  out.add(delivery(r.get(i).get(0).toString(), ok, f));
                }
              }
              EventRoutes.json(ctx, new JsonObject().put("deliveries", out));
            })
        .onFailure(e -> unavailable(ctx, tenant, e));
  }

  private static JsonObject delivery(String entryId, boolean ok, Map<String, String> f) {
    Long status = number(f.get("status"));
    String error = f.get("error");
    return new JsonObject()
        .put("at", at(entryId))
        .put("outcome", ok ? "succeeded" : "failed")
        .put("statusCode", status == null || status == 0 ? null : status)
        .put("latencyMs", number(f.get("ms")))
        .put("events", number(f.get("n")))
        .put("webhookId", f.get("wid"))
        .put("error", error == null || error.isEmpty() ? null : error);
  }

  // ---- GET /v1/dead-letters ----

  private record DeadLetter(int partition, String entryId, Map<String, String> fields) {}

  private static final Comparator<DeadLetter> OLDEST_FIRST =
      Comparator.<DeadLetter>comparingLong(d -> entryPart(d.entryId(), 0))
          .thenComparingLong(d -> entryPart(d.entryId(), 1))
          .thenComparingInt(DeadLetter::partition);

  private void deadLetters(RoutingContext ctx) {
    int max =
        EventRoutes.intParam(EventRoutes.param(ctx, "max"), "max", 100, 1, EventRoutes.MAX_MAX);
    String tenant = TenantAuth.tenant(ctx).id();
    List<Future<Response>> reads = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      reads.add(
          redis.send(
              Request.cmd(Command.XRANGE)
                  .arg(new TenantQueueKeys(redis.keyPrefix(), tenant, p).inboundDeadLetters())
                  .arg("-")
                  .arg("+")
                  .arg("COUNT")
                  .arg(max)));
    }
    Future.all(reads)
        .onSuccess(
            all -> {
              List<DeadLetter> letters = new ArrayList<>();
              for (int p = 0; p < partitions; p++) {
                Response r = all.resultAt(p);
                for (int i = 0; r != null && i < r.size(); i++) {
                  letters.add(
                      new DeadLetter(p, r.get(i).get(0).toString(), fields(r.get(i).get(1))));
                }
              }
              letters.sort(OLDEST_FIRST);
              JsonArray out = new JsonArray();
              for (DeadLetter d : letters.subList(0, Math.min(max, letters.size()))) {
                out.add(deadLetter(d));
              }
              EventRoutes.json(ctx, new JsonObject().put("deadLetters", out));
            })
        .onFailure(e -> unavailable(ctx, tenant, e));
  }

  private static JsonObject deadLetter(DeadLetter d) {
    Map<String, String> f = d.fields();
    String original = f.getOrDefault("id", "");
    EventId eventId = new EventId(Lane.INBOUND, d.partition(), original);
    JsonObject event;
    try {
      event =
          EventJson.render(
              new QueuedEvent(
                  eventId,
                  f.getOrDefault("c", original),
                  f.getOrDefault("e", "{}"),
                  f.getOrDefault("r", "")));
    } catch (DecodeException | ClassCastException e) {
      event = null; // an entry this gateway did not write: list it, without the event
    }
    return new JsonObject()
        .put("id", "d" + d.partition() + ":" + d.entryId())
        .put("eventId", eventId.toString())
        .put("reason", f.get("reason"))
        .put("attempts", number(f.get("attempts")))
        .put("deadAt", at(d.entryId()))
        .put("event", event);
  }

  // ---- POST /v1/dead-letters/redrive ----

  private void redrive(RoutingContext ctx) {
    JsonObject body = object(ctx.body().buffer(), "{} or {\"ids\":[…]}");
    onlyFields(body, Set.of("ids"));
    String tenant = TenantAuth.tenant(ctx).id();
    Future<Integer> moved;
    if (body.containsKey("ids")) {
      Map<Integer, List<String>> byPartition = new TreeMap<>();
      for (String id : strings(body, "ids")) {
        Matcher m = DEAD_LETTER_ID.matcher(id);
        int p = m.matches() ? Integer.parseInt(m.group(1)) : -1;
        if (p < 0 || p >= partitions) {
          throw invalid("'" + id + "' is not a dead-letter id");
        }
        byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(m.group(2));
      }
      List<Future<Response>> calls = new ArrayList<>();
      byPartition.forEach(
          (p, ids) -> calls.add(redis.send(redriveCall(tenant, p, ids.size(), ids))));
      moved = Future.all(calls).map(all -> sum(all.list()));
    } else {
      moved = redriveAll(tenant, 0, MAX_REDRIVE, 0);
    }
    moved
        .compose(n -> wakeDeliverers(tenant, n).map(n))
        .onSuccess(n -> EventRoutes.json(ctx, new JsonObject().put("redriven", n)))
        .onFailure(e -> unavailable(ctx, tenant, e));
  }

  /** Partition after partition, with what is left of the bound. */
  private Future<Integer> redriveAll(String tenant, int partition, int left, int done) {
    if (partition >= partitions || left <= 0) {
      return Future.succeededFuture(done);
    }
    return redis
        .send(redriveCall(tenant, partition, left, List.of()))
        .compose(
            r -> redriveAll(tenant, partition + 1, left - r.toInteger(), done + r.toInteger()));
  }

  private Request redriveCall(String tenant, int partition, int max, List<String> ids) {
    TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), tenant, partition);
    Request fcall =
        Request.cmd(Command.FCALL)
            .arg("sluice_redrive")
            .arg(2)
            .arg(keys.inboundDeadLetters())
            .arg(keys.inbound())
            .arg(max);
    ids.forEach(fcall::arg);
    return fcall;
  }

  // ---- POST /v1/events/replay ----

  private record Replayed(int count, Set<String> ids, boolean truncated) {}

  private void replay(RoutingContext ctx) {
    JsonObject body = object(ctx.body().buffer(), "{\"from\",\"to\"} or {\"ids\":[…]}");
    onlyFields(body, Set.of("from", "to", "ids"));
    String tenant = TenantAuth.tenant(ctx).id();
    boolean byIds = body.containsKey("ids");
    if (byIds == (body.containsKey("from") || body.containsKey("to"))) {
      throw invalid("give either from and to (arrival time, ISO-8601) or ids");
    }
    if (byIds) {
      replayIds(ctx, tenant, strings(body, "ids"));
      return;
    }
    Instant from = instant(body, "from");
    Instant to = instant(body, "to");
    if (from.isAfter(to)) {
      throw invalid("from must not be after to");
    }
    if (Duration.between(from, to).compareTo(MAX_REPLAY_RANGE) > 0) {
      throw invalid("the range may span at most " + MAX_REPLAY_RANGE.toDays() + " days");
    }
    replayRange(tenant, from.toEpochMilli(), to.toEpochMilli(), 0, MAX_REPLAY, 0)
        .compose(r -> wakeDeliverers(tenant, r.count()).map(r))
        .onSuccess(
            r -> {
              JsonObject out =
                  new JsonObject()
                      .put("replayed", r.count())
                      .put("notFound", new JsonArray())
                      .put("truncated", r.truncated());
              if (r.truncated()) {
                out.put(
                    "message",
                    "stopped at "
                        + MAX_REPLAY
                        + " events: later events of the range were not replayed; replay"
                        + " them by id, or a narrower range (a range replayed again is queued"
                        + " again)");
              }
              EventRoutes.json(ctx, out);
            })
        .onFailure(e -> unavailable(ctx, tenant, e));
  }

  /** Partition after partition, with what is left of the bound. */
  private Future<Replayed> replayRange(
      String tenant, long fromMs, long toMs, int partition, int left, int done) {
    if (partition >= partitions) {
      return Future.succeededFuture(new Replayed(done, Set.of(), false));
    }
    if (left <= 0) {
      return Future.succeededFuture(new Replayed(done, Set.of(), true));
    }
    return redis
        .send(replayCall(tenant, partition, "range", fromMs, toMs, left, List.of()))
        .compose(
            r -> {
              int n = r.get(0).toInteger();
              return replayRange(tenant, fromMs, toMs, partition + 1, left - n, done + n);
            });
  }

  private void replayIds(RoutingContext ctx, String tenant, List<String> ids) {
    Map<Integer, List<String>> byPartition = new TreeMap<>();
    List<String> notFound = new ArrayList<>();
    for (String raw : ids) {
      Optional<EventId> id = EventId.parse(raw).filter(e -> e.partition() < partitions);
      if (id.isEmpty()) {
        throw invalid("'" + raw + "' is not an event id");
      }
      if (id.get().lane() == Lane.QUARANTINE) {
        notFound.add(raw); // quarantined events are read with the pull API, never delivered
      } else {
        byPartition
            .computeIfAbsent(id.get().partition(), k -> new ArrayList<>())
            .add(id.get().entryId());
      }
    }
    long now = System.currentTimeMillis();
    List<Integer> order = new ArrayList<>(byPartition.keySet());
    List<Future<Response>> calls = new ArrayList<>();
    for (int p : order) {
      List<String> entries = byPartition.get(p);
      calls.add(redis.send(replayCall(tenant, p, "ids", now, now, entries.size(), entries)));
    }
    Future.all(calls)
        .map(
            all -> {
              int n = 0;
              Set<String> replayed = new LinkedHashSet<>();
              for (int i = 0; i < order.size(); i++) {
                Response r = all.resultAt(i);
                n += r.get(0).toInteger();
                for (int j = 1; j < r.size(); j++) {
                  replayed.add(
                      new EventId(Lane.INBOUND, order.get(i), r.get(j).toString()).toString());
                }
              }
              return new Replayed(n, replayed, false);
            })
        .compose(r -> wakeDeliverers(tenant, r.count()).map(r))
        .onSuccess(
            r -> {
              JsonArray missing = new JsonArray();
              for (String raw : ids) {
                EventId id = EventId.parse(raw).orElseThrow();
                if (id.lane() == Lane.QUARANTINE || !r.ids().contains(id.toString())) {
                  missing.add(raw);
                }
              }
              EventRoutes.json(
                  ctx, new JsonObject().put("replayed", r.count()).put("notFound", missing));
            })
        .onFailure(e -> unavailable(ctx, tenant, e));
  }

  private Request replayCall(
      String tenant,
      int partition,
      String mode,
      long fromMs,
      long toMs,
      int max,
      List<String> ids) {
    TenantQueueKeys keys = new TenantQueueKeys(redis.keyPrefix(), tenant, partition);
    Request fcall =
        Request.cmd(Command.FCALL)
            .arg("sluice_replay")
            .arg(2)
            .arg(keys.delivered())
            .arg(keys.inbound())
            .arg(mode)
            .arg(fromMs)
            .arg(toMs)
            .arg(max)
            .arg(replayScanLimit)
            .arg(replayLatenessMs);
    ids.forEach(fcall::arg);
    return fcall;
  }

  // ---- shared ----

  /**
   * In push mode, makes the tenant's partitions due so the events just queued go out now. Never
   * fails: the events are queued, and the deliverers' sweep finds them anyway.
   */
  private Future<Void> wakeDeliverers(String tenant, int queued) {
    if (queued == 0 || directory.endpoint(tenant).isEmpty()) {
      return Future.succeededFuture();
    }
    return DeliveryWork.touchAll(redis, tenant, partitions)
        .onFailure(
            e ->
                LOG.warn(
                    "events queued again but the delivery work set was not updated"
                        + " [tenant={}]: {}",
                    tenant,
                    e.getMessage()))
        .otherwiseEmpty();
  }

  private static JsonObject object(Buffer body, String shape) {
    Object parsed;
    try {
      parsed = body == null || body.length() == 0 ? null : Json.decodeValue(body);
    } catch (DecodeException e) {
      throw GatewayException.malformed("bad_request", "the body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject obj)) {
      throw GatewayException.malformed("bad_request", "the body must be " + shape);
    }
    return obj;
  }

  private static void onlyFields(JsonObject body, Set<String> allowed) {
    for (String name : body.fieldNames()) {
      if (!allowed.contains(name)) {
        throw invalid("unknown field '" + name + "'");
      }
    }
  }

  /** A non-empty array of at most {@link #MAX_IDS} strings, without repeats, in order. */
  private static List<String> strings(JsonObject body, String name) {
    if (!(body.getValue(name) instanceof JsonArray arr) || arr.isEmpty() || arr.size() > MAX_IDS) {
      throw invalid(name + " must hold 1.." + MAX_IDS + " ids");
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      if (!(arr.getValue(i) instanceof String s)) {
        throw invalid(name + "[" + i + "] is not an id");
      }
      out.add(s);
    }
    return new ArrayList<>(out);
  }

  private static Instant instant(JsonObject body, String name) {
    if (body.getValue(name) instanceof String s) {
      try {
        return OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    throw invalid(name + " must be an ISO-8601 time with an offset, e.g. 2026-05-01T10:00:00Z");
  }

  /** A stream entry's fields (a flat name, value, … array). */
  private static Map<String, String> fields(Response flat) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; flat != null && i + 1 < flat.size(); i += 2) {
      Response v = flat.get(i + 1);
      out.put(flat.get(i).toString(), v == null ? null : v.toString());
    }
    return out;
  }

  private static String at(String entryId) {
    return Instant.ofEpochMilli(entryPart(entryId, 0)).toString();
  }

  /** Part 0 (milliseconds) or 1 (sequence) of a stream entry id. */
  private static long entryPart(String entryId, int part) {
    String[] parts = entryId.split("-", 2);
    Long n = part < parts.length ? number(parts[part]) : null;
    return n == null ? 0 : n;
  }

  private static Long number(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static int sum(List<Response> replies) {
    int n = 0;
    for (Response r : replies) {
      n += r.toInteger();
    }
    return n;
  }

  private static GatewayException invalid(String message) {
    return GatewayException.malformed("invalid", message);
  }

  private static void unavailable(RoutingContext ctx, String tenant, Throwable e) {
    LOG.debug("delivery API call failed [tenant={}]: {}", tenant, e.toString());
    ctx.fail(EventRoutes.unavailable());
  }
}
