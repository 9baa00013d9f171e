package dev.sluice.gateway.delivery;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.http.JsonBody;
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
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
  private static final JsonBody.Errors ERRORS = EventRoutes.ERRORS;

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
  private final PushStore store;
  private final TenantDirectory directory;
  private final int partitions;
  private final PushStore.ReplayScan replayScan;

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
    this.store = new PushStore(redis);
    this.directory = directory;
    this.partitions = partitions;
    // The archive is trimmed with MAXLEN ~, which may leave it a little longer than the bound.
    // An event is delivered (archived) at most maxAgeMs after it arrived: bounds the scan.
    this.replayScan =
        new PushStore.ReplayScan(
            replayMaxPerPartition + replayMaxPerPartition / 10 + 100, maxAgeMs);
  }

  @Override
  public void mount(Router router) {
    router.get("/v1/deliveries").handler(auth).respond(this::deliveries);
    router.get("/v1/dead-letters").handler(auth).respond(this::deadLetters);
    router.post("/v1/dead-letters/redrive").handler(auth).respond(this::redrive);
    router.post("/v1/events/replay").handler(auth).respond(this::replay);
  }

  // ---- GET /v1/deliveries ----

  private Future<JsonObject> deliveries(RoutingContext ctx) {
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
    return store
        .recentAttempts(tenant, wanted == null ? max : LOG_SCAN)
        .recover(e -> unavailable(tenant, e))
        .map(
            attempts -> {
              JsonArray out = new JsonArray();
              for (int i = 0; i < attempts.size() && out.size() < max; i++) {
                PushStore.LoggedAttempt a = attempts.get(i);
                if (wanted == null || wanted == a.ok()) {
                  out.add(delivery(a));
                }
              }
              return new JsonObject().put("deliveries", out);
            });
  }

  private static JsonObject delivery(PushStore.LoggedAttempt a) {
    Long status = a.status();
    String error = a.error();
    return new JsonObject()
        .put("at", at(a.entryId()))
        .put("outcome", a.ok() ? "succeeded" : "failed")
        .put("statusCode", status == null || status == 0 ? null : status)
        .put("latencyMs", a.latencyMs())
        .put("events", a.events())
        .put("webhookId", a.webhookId())
        .put("error", error == null || error.isEmpty() ? null : error);
  }

  // ---- GET /v1/dead-letters ----

  private record DeadLetter(int partition, PushStore.DeadLetter letter) {
    String entryId() {
      return letter.entryId();
    }
  }

  private static final Comparator<DeadLetter> OLDEST_FIRST =
      Comparator.<DeadLetter>comparingLong(d -> entryPart(d.entryId(), 0))
          .thenComparingLong(d -> entryPart(d.entryId(), 1))
          .thenComparingInt(DeadLetter::partition);

  private Future<JsonObject> deadLetters(RoutingContext ctx) {
    int max =
        EventRoutes.intParam(EventRoutes.param(ctx, "max"), "max", 100, 1, EventRoutes.MAX_MAX);
    String tenant = TenantAuth.tenant(ctx).id();
    List<Future<List<PushStore.DeadLetter>>> reads = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      reads.add(store.deadLetters(new TenantQueueKeys(redis.keyPrefix(), tenant, p), max));
    }
    return Future.all(reads)
        .recover(e -> unavailable(tenant, e))
        .map(
            all -> {
              List<DeadLetter> letters = new ArrayList<>();
              for (int p = 0; p < partitions; p++) {
                for (PushStore.DeadLetter d : all.<List<PushStore.DeadLetter>>resultAt(p)) {
                  letters.add(new DeadLetter(p, d));
                }
              }
              letters.sort(OLDEST_FIRST);
              JsonArray out = new JsonArray();
              for (DeadLetter d : letters.subList(0, Math.min(max, letters.size()))) {
                out.add(deadLetter(d));
              }
              return new JsonObject().put("deadLetters", out);
            });
  }

  private static JsonObject deadLetter(DeadLetter d) {
    PushStore.DeadLetter f = d.letter();
    EventId eventId = new EventId(Lane.INBOUND, d.partition(), f.originalId());
    JsonObject event;
    try {
      event = EventJson.render(new QueuedEvent(eventId, f.conversation(), f.payload(), f.raw()));
    } catch (DecodeException | ClassCastException e) {
      event = null; // an entry this gateway did not write: list it, without the event
    }
    return new JsonObject()
        .put("id", "d" + d.partition() + ":" + d.entryId())
        .put("eventId", eventId.toString())
        .put("reason", f.reason())
        .put("attempts", f.attempts())
        .put("deadAt", at(d.entryId()))
        .put("event", event);
  }

  // ---- POST /v1/dead-letters/redrive ----

  private Future<JsonObject> redrive(RoutingContext ctx) {
    JsonBody body = JsonBody.read(ctx.body().buffer(), "{} or {\"ids\":[…]}", ERRORS);
    body.allowOnly(Set.of("ids"));
    String tenant = TenantAuth.tenant(ctx).id();
    Future<Integer> moved;
    if (body.has("ids")) {
      Map<Integer, List<String>> byPartition = new TreeMap<>();
      for (String id : ids(body)) {
        Matcher m = DEAD_LETTER_ID.matcher(id);
        int p = m.matches() ? Integer.parseInt(m.group(1)) : -1;
        if (p < 0 || p >= partitions) {
          throw invalid("'" + id + "' is not a dead-letter id");
        }
        byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(m.group(2));
      }
      List<Future<Integer>> calls = new ArrayList<>();
      byPartition.forEach((p, ids) -> calls.add(store.redrive(keys(tenant, p), ids.size(), ids)));
      moved = Future.all(calls).map(all -> sum(all.list()));
    } else {
      moved = redriveAll(tenant, 0, MAX_REDRIVE, 0);
    }
    return moved
        .recover(e -> unavailable(tenant, e))
        .compose(n -> wakeDeliverers(tenant, n).map(n))
        .map(n -> new JsonObject().put("redriven", n));
  }

  /** Partition after partition, with what is left of the bound. */
  private Future<Integer> redriveAll(String tenant, int partition, int left, int done) {
    if (partition >= partitions || left <= 0) {
      return Future.succeededFuture(done);
    }
    return store
        .redrive(keys(tenant, partition), left, List.of())
        .compose(n -> redriveAll(tenant, partition + 1, left - n, done + n));
  }

  // ---- POST /v1/events/replay ----

  private record Replayed(int count, Set<String> ids, boolean truncated) {}

  private Future<JsonObject> replay(RoutingContext ctx) {
    JsonBody body =
        JsonBody.read(ctx.body().buffer(), "{\"from\",\"to\"} or {\"ids\":[…]}", ERRORS);
    body.allowOnly(Set.of("from", "to", "ids"));
    String tenant = TenantAuth.tenant(ctx).id();
    boolean byIds = body.has("ids");
    if (byIds == (body.has("from") || body.has("to"))) {
      throw invalid("give either from and to (arrival time, ISO-8601) or ids");
    }
    if (byIds) {
      return replayIds(tenant, ids(body));
    }
    Instant from = body.instant("from");
    Instant to = body.instant("to");
    if (from.isAfter(to)) {
      throw invalid("from must not be after to");
    }
    if (Duration.between(from, to).compareTo(MAX_REPLAY_RANGE) > 0) {
      throw invalid("the range may span at most " + MAX_REPLAY_RANGE.toDays() + " days");
    }
    return replayRange(tenant, from.toEpochMilli(), to.toEpochMilli(), 0, MAX_REPLAY, 0)
        .recover(e -> unavailable(tenant, e))
        .compose(r -> wakeDeliverers(tenant, r.count()).map(r))
        .map(
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
              return out;
            });
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
    return store
        .replayRange(keys(tenant, partition), fromMs, toMs, left, replayScan)
        .compose(
            r -> {
              int n = r.count();
              return replayRange(tenant, fromMs, toMs, partition + 1, left - n, done + n);
            });
  }

  private Future<JsonObject> replayIds(String tenant, List<String> ids) {
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
    List<Future<PushStore.Replayed>> calls = new ArrayList<>();
    for (int p : order) {
      calls.add(store.replayIds(keys(tenant, p), byPartition.get(p), now, replayScan));
    }
    return Future.all(calls)
        .recover(e -> unavailable(tenant, e))
        .map(
            all -> {
              int n = 0;
              Set<String> replayed = new LinkedHashSet<>();
              for (int i = 0; i < order.size(); i++) {
                PushStore.Replayed r = all.resultAt(i);
                n += r.count();
                for (String entryId : r.entryIds()) {
                  replayed.add(new EventId(Lane.INBOUND, order.get(i), entryId).toString());
                }
              }
              return new Replayed(n, replayed, false);
            })
        .compose(r -> wakeDeliverers(tenant, r.count()).map(r))
        .map(
            r -> {
              JsonArray missing = new JsonArray();
              for (String raw : ids) {
                EventId id = EventId.parse(raw).orElseThrow();
                if (id.lane() == Lane.QUARANTINE || !r.ids().contains(id.toString())) {
                  missing.add(raw);
                }
              }
              return new JsonObject().put("replayed", r.count()).put("notFound", missing);
            });
  }

  private TenantQueueKeys keys(String tenant, int partition) {
    return new TenantQueueKeys(redis.keyPrefix(), tenant, partition);
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

  /** The {@code ids} of a redrive or replay: 1 to {@link #MAX_IDS}, without repeats, in order. */
  private static List<String> ids(JsonBody body) {
    List<String> ids = body.strings("ids");
    if (ids == null || ids.isEmpty() || ids.size() > MAX_IDS) {
      throw invalid("ids must hold 1.." + MAX_IDS + " ids");
    }
    return new ArrayList<>(new LinkedHashSet<>(ids));
  }

  private static String at(String entryId) {
    return Instant.ofEpochMilli(entryPart(entryId, 0)).toString();
  }

  /** Part 0 (milliseconds) or 1 (sequence) of a stream entry id. */
  private static long entryPart(String entryId, int part) {
    String[] parts = entryId.split("-", 2);
    Long n = part < parts.length ? PushStore.number(parts[part]) : null;
    return n == null ? 0 : n;
  }

  private static int sum(List<Integer> counts) {
    int n = 0;
    for (int c : counts) {
      n += c;
    }
    return n;
  }

  private static GatewayException invalid(String message) {
    return ERRORS.invalid(message);
  }

  /** Redis failed the call: 503 with Retry-After. */
  private static <T> Future<T> unavailable(String tenant, Throwable e) {
    LOG.debug("delivery API call failed [tenant={}]: {}", tenant, e.toString());
    return Future.failedFuture(EventRoutes.unavailable());
  }
}
