package dev.sluice.gateway.status;

import dev.sluice.gateway.dispatch.Breakers;
import dev.sluice.gateway.logging.ThrottledLogger;
import dev.sluice.gateway.redis.RedisCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * This instance's heartbeat: every {@link #BEAT_MS} it samples its own send and delivery counters
 * (rates are the difference between two samples, per second), lists the channels whose breaker is
 * not closed here, and writes both to the instances' hash ({@link InstanceStore}); it also deletes
 * the beats of instances silent for {@link #FORGET_MS}. The status page of any instance reads every
 * instance from there. Costs one {@code HSET} and one {@code HGETALL} per beat, off the hot paths.
 */
public final class InstanceBeat {
  /** How often an instance beats. */
  static final long BEAT_MS = 5_000;

  /** An instance whose last beat is older than this is shown as not live. */
  static final long LIVE_MS = 3 * BEAT_MS;

  /** An instance silent this long is forgotten. */
  static final long FORGET_MS = 60_000;

  private static final ThrottledLogger LOG =
      new ThrottledLogger(LoggerFactory.getLogger(InstanceBeat.class));

  private final String instance;
  private final Instant startedAt;
  private final InstanceStore store;
  private final MeterRegistry registry;
  private final Breakers breakers;
  private final Clock clock;
  private Map<String, Double> lastTotals = Map.of();
  private long lastSampleNanos;
  private volatile JsonObject latest;
  private long timer = -1;

  /**
   * @param instance this instance's id (also its ledger consumer name)
   * @param breakers this instance's channel breakers; {@code null} when it does not dispatch
   */
  public InstanceBeat(
      String instance,
      RedisCommands redis,
      MeterRegistry registry,
      Breakers breakers,
      Clock clock) {
    this.instance = instance;
    this.store = new InstanceStore(redis);
    this.registry = registry;
    this.breakers = breakers;
    this.clock = clock;
    this.startedAt = clock.instant();
    this.lastTotals = totals();
    this.lastSampleNanos = System.nanoTime();
    this.latest = beat(Map.of(), 0);
  }

  /** Beats now and then every {@link #BEAT_MS} on an event loop of {@code vertx}. */
  public void start(Vertx vertx) {
    timer = vertx.setPeriodic(1, BEAT_MS, id -> beat());
  }

  /** Stops beating and deletes this instance's beat, so that it leaves the page at once. */
  public Future<Void> stop(Vertx vertx) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return store.remove(List.of(instance)).recover(e -> Future.succeededFuture());
  }

  public String instance() {
    return instance;
  }

  /** Every instance's latest beat: this one's from memory when Redis cannot be read. */
  Future<List<JsonObject>> all() {
    return store
        .all()
        .recover(e -> Future.succeededFuture(List.of(latest.copy().put("id", instance))));
  }

  private void beat() {
    long now = System.nanoTime();
    Map<String, Double> totals = totals();
    double seconds = (now - lastSampleNanos) / 1e9;
    Map<String, Double> rates = new TreeMap<>();
    totals.forEach(
        (name, total) -> {
          double delta = total - lastTotals.getOrDefault(name, 0.0);
          rates.put(name, seconds > 0 ? Math.max(0, delta) / seconds : 0);
        });
    lastTotals = totals;
    lastSampleNanos = now;
    JsonObject beat = beat(rates, seconds);
    latest = beat;
    store
        .put(instance, beat)
        .compose(v -> store.all())
        .compose(
            beats -> {
              long cutoff = clock.millis() - FORGET_MS;
              List<String> gone = new ArrayList<>();
              for (JsonObject b : beats) {
                if (b.getLong("seenAt", 0L) < cutoff) {
                  gone.add(b.getString("id"));
                }
              }
              return store.remove(gone);
            })
        .onFailure(e -> LOG.warn("instance heartbeat not written: {}", e.toString()));
  }

  private JsonObject beat(Map<String, Double> rates, double seconds) {
    JsonObject dispatch = new JsonObject();
    JsonObject delivery = new JsonObject();
    rates.forEach(
        (name, rate) -> {
          double rounded = Math.round(rate * 100) / 100.0;
          if (name.startsWith("dispatch.")) {
            dispatch.put(name.substring("dispatch.".length()), rounded);
          } else {
            delivery.put(name.substring("delivery.".length()), rounded);
          }
        });
    JsonArray open = new JsonArray();
    if (breakers != null) {
      breakers.notClosed().forEach((channel, state) -> open.add(channel));
    }
    return new JsonObject()
        .put("startedAt", startedAt.toString())
        .put("seenAt", clock.millis())
        .put("pid", ProcessHandle.current().pid())
        .put("rateSeconds", Math.round(seconds * 10) / 10.0)
        .put("rates", new JsonObject().put("dispatch", dispatch).put("delivery", delivery))
        .put("openBreakers", open);
  }

  /**
   * The counters the rates come from, summed by outcome: {@code dispatch.<outcome>} (provider send
   * calls), {@code delivery.<outcome>} (push requests) and {@code delivery.events} (events that
   * tenants' endpoints took).
   */
  private Map<String, Double> totals() {
    Map<String, Double> totals = new TreeMap<>();
    for (Counter c : registry.find("sluice.dispatch.sends").counters()) {
      totals.merge("dispatch." + c.getId().getTag("outcome"), c.count(), Double::sum);
    }
    for (Counter c : registry.find("sluice.delivery.attempts").counters()) {
      totals.merge("delivery." + c.getId().getTag("outcome"), c.count(), Double::sum);
    }
    for (Counter c : registry.find("sluice.delivery.events").counters()) {
      totals.merge("delivery.events", c.count(), Double::sum);
    }
    return totals;
  }
}
