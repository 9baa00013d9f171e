package dev.sluice.gateway.status;

import static dev.sluice.gateway.http.JsonResponses.noStore;

import dev.sluice.gateway.campaign.CampaignService;
import dev.sluice.gateway.dispatch.Breakers;
import dev.sluice.gateway.dispatch.Pacing;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.queue.BacklogGauges;
import dev.sluice.gateway.queue.InboundStore;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.OutboundLimits;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The JSON form of the status page, on the operator API behind the admin token ({@link
 * dev.sluice.gateway.admin.AdminRoutes} is mounted first):
 *
 * <pre>
 * GET /admin/status  Accept: application/json
 *   → 200 {"at","instance","instances":[…],"rates":{"dispatch":{…},"delivery":{…}},
 *          "tenants":[…],"channels":[…],"campaigns":{"scheduled","running","paused"}}
 * </pre>
 *
 * A request that accepts neither JSON nor HTML is 406 {@code not_acceptable}. Backlogs are the
 * backlog gauges' last sample (every 5 s); rates are per second over each instance's last beat
 * interval, summed over the live instances; a channel's {@code breaker} is its state on the
 * instance that answers, and {@code openOn} lists the instances where it was not closed at their
 * last beat. When Redis or PostgreSQL cannot be read, the parts they hold are left out (instances:
 * this one only; campaigns: {@code null}) rather than the page failing.
 */
public final class StatusRoutes implements Routes {
  private static final String[] CAMPAIGN_STATES = {"scheduled", "running", "paused"};

  private final TenantDirectory directory;
  private final Breakers breakers;
  private final BacklogGauges backlog;
  private final InstanceBeat beat;
  private final CampaignService campaigns;
  private final Clock clock;

  /**
   * @param breakers this instance's channel breakers; {@code null} when it does not dispatch
   */
  public StatusRoutes(
      TenantDirectory directory,
      Breakers breakers,
      BacklogGauges backlog,
      InstanceBeat beat,
      CampaignService campaigns,
      Clock clock) {
    this.directory = directory;
    this.breakers = breakers;
    this.backlog = backlog;
    this.beat = beat;
    this.campaigns = campaigns;
    this.clock = clock;
  }

  @Override
  public void mount(Router router) {
    router.get("/admin/status").produces("application/json").respond(noStore(this::status));
  }

  private Future<JsonObject> status(RoutingContext ctx) {
    Future<List<JsonObject>> beats = beat.all();
    Future<Map<String, Map<String, Long>>> inProgress =
        campaigns.inProgress().recover(e -> Future.succeededFuture(null));
    return Future.join(beats, inProgress).map(v -> json(beats.result(), inProgress.result()));
  }

  private JsonObject json(List<JsonObject> beats, Map<String, Map<String, Long>> inProgress) {
    long now = clock.millis();
    JsonArray instances = new JsonArray();
    Map<String, TreeSet<String>> openOn = new TreeMap<>();
    Map<String, Map<String, Double>> rates = new TreeMap<>();
    rates.put("dispatch", new TreeMap<>());
    rates.put("delivery", new TreeMap<>());
    beats.stream()
        .sorted(Comparator.comparing(b -> b.getString("id")))
        .forEach(
            b -> {
              String id = b.getString("id");
              long seenAt = b.getLong("seenAt", 0L);
              boolean live = now - seenAt <= InstanceBeat.LIVE_MS;
              if (seenAt <= 0) {
                return;
              }
              JsonObject r = b.getJsonObject("rates", new JsonObject());
              JsonArray open = b.getJsonArray("openBreakers", new JsonArray());
              instances.add(
                  new JsonObject()
                      .put("id", id)
                      .put("self", id.equals(beat.instance()))
                      .put("live", live)
                      .put("startedAt", b.getString("startedAt"))
                      .put("lastSeen", Instant.ofEpochMilli(seenAt).toString())
                      .put("pid", b.getValue("pid"))
                      .put("rates", r)
                      .put("openBreakers", open));
              if (live) {
                open.forEach(c -> openOn.computeIfAbsent((String) c, k -> new TreeSet<>()).add(id));
                for (String kind : rates.keySet()) {
                  JsonObject byOutcome = r.getJsonObject(kind, new JsonObject());
                  for (String outcome : byOutcome.fieldNames()) {
                    rates.get(kind).merge(outcome, byOutcome.getDouble(outcome, 0.0), Double::sum);
                  }
                }
              }
            });

    Map<String, JsonArray> channelsOf = new TreeMap<>();
    JsonArray channels = new JsonArray();
    directory.channels().stream()
        .sorted(Comparator.comparing(Channel::tenantId).thenComparing(Channel::id))
        .forEach(
            c -> {
              channelsOf.computeIfAbsent(c.tenantId(), t -> new JsonArray()).add(c.id());
              OutboundLimits l = Pacing.limits(c);
              channels.add(
                  new JsonObject()
                      .put("id", c.id())
                      .put("tenant", c.tenantId())
                      .put("provider", c.provider().wireName())
                      .put("breaker", breakers == null ? null : breakers.state(c.id()))
                      .put(
                          "openOn",
                          new JsonArray(List.copyOf(openOn.getOrDefault(c.id(), new TreeSet<>()))))
                      .put(
                          "pacing",
                          new JsonObject()
                              .put("perSecond", l.perSecond())
                              .put("burst", l.burst())
                              .put("perRecipientPerMinute", l.perRecipientPerMinute())
                              .put("recipientBurst", l.recipientBurst())));
            });

    Map<String, InboundStore.Backlog> backlogs = backlog.latest();
    Map<String, Long> campaignTotals = new TreeMap<>();
    JsonArray tenants = new JsonArray();
    new TreeSet<>(directory.tenantIds())
        .forEach(
            id ->
                directory
                    .tenant(id)
                    .ifPresent(
                        t -> {
                          InboundStore.Backlog b = backlogs.get(id);
                          tenants.add(
                              new JsonObject()
                                  .put("id", id)
                                  .put("name", t.name())
                                  .put("channels", channelsOf.getOrDefault(id, new JsonArray()))
                                  .put("backlog", b == null ? null : backlog(b))
                                  .put(
                                      "campaigns",
                                      inProgress == null
                                          ? null
                                          : counts(inProgress.getOrDefault(id, Map.of()))));
                        }));
    if (inProgress != null) {
      inProgress.values().forEach(m -> m.forEach((s, n) -> campaignTotals.merge(s, n, Long::sum)));
    }
    return new JsonObject()
        .put("at", Instant.ofEpochMilli(now).toString())
        .put("instance", beat.instance())
        .put("instances", instances)
        .put("rates", rates(rates))
        .put("tenants", tenants)
        .put("channels", channels)
        .put("campaigns", inProgress == null ? null : counts(campaignTotals));
  }

  private static JsonObject rates(Map<String, Map<String, Double>> byKind) {
    JsonObject out = new JsonObject();
    byKind.forEach(
        (kind, byOutcome) -> {
          JsonObject o = new JsonObject();
          byOutcome.forEach((outcome, rate) -> o.put(outcome, Math.round(rate * 100) / 100.0));
          out.put(kind, o);
        });
    return out;
  }

  private static JsonObject backlog(InboundStore.Backlog b) {
    return new JsonObject()
        .put("inbound", b.inbound())
        .put("quarantine", b.quarantine())
        .put("outboundHigh", b.outboundHigh())
        .put("outboundLow", b.outboundLow());
  }

  private static JsonObject counts(Map<String, Long> byStatus) {
    JsonObject out = new JsonObject();
    for (String s : CAMPAIGN_STATES) {
      out.put(s, byStatus.getOrDefault(s, 0L));
    }
    return out;
  }
}
