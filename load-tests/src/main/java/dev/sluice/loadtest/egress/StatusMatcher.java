package dev.sluice.loadtest.egress;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Follows accepted messages to their final status from the events a tenant pulls ({@code GET
 * /v1/events}). Two kinds of status event reach the queue: the dispatcher's ({@code messageId} set;
 * {@code sent} or {@code failed}, with the provider's message id) and the provider's own status
 * webhooks ({@code messageId} absent; matched through {@code providerMessageId}). Times come from
 * the gateway's {@code receivedAt} (epoch ms, same machine clock as the generator), so when the
 * drain reads an event does not matter.
 *
 * <ul>
 *   <li><b>accepted→sent</b>: intended start of the request → the dispatcher's {@code sent} event
 *       (the provider answered);
 *   <li><b>accepted→final</b>: intended start → the first provider status equal to the final one
 *       ({@code read} by default; {@code sent} means the dispatcher's event);
 *   <li><b>not sent</b>: accepted, no dispatcher event at all (lost unless still queued);
 *   <li><b>duplicate sends</b>: more than one dispatcher event for one message;
 *   <li><b>duplicate statuses</b>: one provider status for one message drained twice (the gateway's
 *       deduplication should absorb the provider's redeliveries).
 * </ul>
 *
 * Not thread-safe: callers serialise access.
 */
public final class StatusMatcher {
  static final long HIGHEST_MICROS = 3_600_000_000L;

  /** One message id: what the generator said of it (once accepted) and what the events said. */
  private static final class Track {
    boolean accepted;
    long intendedMicros;
    boolean measured;
    int dispatchEvents;
    boolean failed;
    long sentAtMs;
    String providerId;
  }

  private final String finalStatus;
  private final Map<String, Track> byId = new HashMap<>();
  private final Map<String, String> providerToId = new HashMap<>();

  /** providerMessageId → status → [count, first receivedAt ms]. */
  private final Map<String, Map<String, long[]>> providerStatuses = new HashMap<>();

  private long events;
  private long otherEvents;
  private long acceptedCount;

  /**
   * @param finalStatus the status that ends a message's life in this run: {@code sent}, {@code
   *     delivered} or {@code read}
   */
  public StatusMatcher(String finalStatus) {
    if (!java.util.List.of("sent", "delivered", "read").contains(finalStatus)) {
      throw new IllegalArgumentException("final status must be sent, delivered or read");
    }
    this.finalStatus = finalStatus;
  }

  /** A message the generator saw accepted. */
  public void accepted(String messageId, long intendedEpochMicros, boolean measured) {
    Track t = byId.computeIfAbsent(messageId, k -> new Track());
    if (!t.accepted) {
      acceptedCount++;
    }
    t.accepted = true;
    t.intendedMicros = intendedEpochMicros;
    t.measured = measured;
  }

  /** One event as the pull API renders it. */
  public void event(JsonObject e) {
    events++;
    if (!"status".equals(e.getString("kind"))) {
      otherEvents++;
      return;
    }
    if (e.getString("messageId") != null) {
      dispatcherEvent(e);
      return;
    }
    String pmid = e.getString("providerMessageId");
    String status = e.getString("status");
    if (pmid == null || status == null) {
      otherEvents++;
      return;
    }
    long[] seen =
        providerStatuses
            .computeIfAbsent(pmid, k -> new HashMap<>(4))
            .computeIfAbsent(status, k -> new long[] {0, Long.MAX_VALUE});
    seen[0]++;
    seen[1] = Math.min(seen[1], e.getLong("receivedAt", Long.MAX_VALUE));
  }

  private void dispatcherEvent(JsonObject e) {
    // The drain usually runs while the load does: events may come before the message is known.
    Track t = byId.computeIfAbsent(e.getString("messageId"), k -> new Track());
    t.dispatchEvents++;
    if ("failed".equals(e.getString("status"))) {
      t.failed = true;
      return;
    }
    long at = e.getLong("receivedAt", 0L);
    t.sentAtMs = t.sentAtMs == 0 ? at : Math.min(t.sentAtMs, at);
    String pmid = e.getString("providerMessageId");
    if (pmid != null) {
      t.providerId = pmid;
      providerToId.put(pmid, e.getString("messageId"));
    }
  }

  /** True once every accepted message has reached the final status or failed. */
  public boolean complete() {
    for (Track t : byId.values()) {
      if (t.accepted && !t.failed && finalAtMs(t) == 0) {
        return false;
      }
    }
    return true;
  }

  public long events() {
    return events;
  }

  private long finalAtMs(Track t) {
    if (finalStatus.equals("sent")) {
      return t.sentAtMs;
    }
    if (t.providerId == null) {
      return 0;
    }
    Map<String, long[]> statuses = providerStatuses.get(t.providerId);
    long[] seen = statuses == null ? null : statuses.get(finalStatus);
    return seen == null ? 0 : seen[1];
  }

  /** The summary: counts, both latency distributions (measured messages), timeline per second. */
  public JsonObject result() {
    Histogram toSent = new Histogram(HIGHEST_MICROS, 3);
    Histogram toFinal = new Histogram(HIGHEST_MICROS, 3);
    long sentOnce = 0;
    long notSent = 0;
    long duplicateSends = 0;
    long failed = 0;
    long finalReached = 0;
    long measured = 0;
    long firstMicros = Long.MAX_VALUE;
    long unknownDispatch = 0;
    for (Track t : byId.values()) {
      if (t.accepted) {
        firstMicros = Math.min(firstMicros, t.intendedMicros);
      }
    }
    TreeMap<Long, long[]> perSecond = new TreeMap<>();
    for (Track t : byId.values()) {
      if (!t.accepted) {
        unknownDispatch += t.dispatchEvents;
        continue;
      }
      if (t.measured) {
        measured++;
      }
      if (t.dispatchEvents == 0) {
        notSent++;
      } else if (t.dispatchEvents > 1) {
        duplicateSends++;
      }
      if (t.failed) {
        failed++;
        continue;
      }
      if (t.dispatchEvents == 1) {
        sentOnce++;
      }
      if (t.sentAtMs > 0) {
        perSecond.computeIfAbsent(second(t.sentAtMs, firstMicros), k -> new long[2])[0]++;
        if (t.measured) {
          toSent.recordValue(clamp(t.sentAtMs * 1000 - t.intendedMicros));
        }
      }
      long finalAt = finalAtMs(t);
      if (finalAt > 0) {
        finalReached++;
        perSecond.computeIfAbsent(second(finalAt, firstMicros), k -> new long[2])[1]++;
        if (t.measured) {
          toFinal.recordValue(clamp(finalAt * 1000 - t.intendedMicros));
        }
      }
    }
    long statusDuplicates = 0;
    long unmatched = 0;
    Map<String, Long> providerStatusCounts = new TreeMap<>();
    for (Map.Entry<String, Map<String, long[]>> p : providerStatuses.entrySet()) {
      boolean ours = providerToId.containsKey(p.getKey());
      for (Map.Entry<String, long[]> s : p.getValue().entrySet()) {
        if (!ours) {
          unmatched += s.getValue()[0];
          continue;
        }
        providerStatusCounts.merge(s.getKey(), s.getValue()[0], Long::sum);
        statusDuplicates += s.getValue()[0] - 1;
      }
    }
    JsonArray timeline = new JsonArray();
    if (!perSecond.isEmpty()) {
      for (long s = 0; s <= perSecond.lastKey(); s++) {
        long[] c = perSecond.getOrDefault(s, new long[2]);
        timeline.add(new JsonObject().put("s", s).put("sent", c[0]).put("final", c[1]));
      }
    }
    return new JsonObject()
        .put("finalStatus", finalStatus)
        .put("accepted", acceptedCount)
        .put("measured", measured)
        .put("sentOnce", sentOnce)
        .put("notSent", notSent)
        .put("duplicateSends", duplicateSends)
        .put("failed", failed)
        .put("finalReached", finalReached)
        .put("missingFinal", acceptedCount - failed - finalReached)
        .put("providerStatuses", new JsonObject(new TreeMap<>(providerStatusCounts)))
        .put("duplicateStatuses", statusDuplicates)
        .put("unmatchedProviderStatuses", unmatched)
        .put("dispatchEventsForUnknownMessages", unknownDispatch)
        .put("otherEvents", otherEvents)
        .put("events", events)
        .put("acceptedToSentMs", EgressLoad.latency(toSent))
        .put("acceptedToFinalMs", EgressLoad.latency(toFinal))
        .put("acceptedToSentPercentilesMs", EgressLoad.percentiles(toSent))
        .put("acceptedToFinalPercentilesMs", EgressLoad.percentiles(toFinal))
        .put("timeline", timeline);
  }

  private static long second(long atMs, long firstMicros) {
    return Math.max(0, (atMs * 1000 - firstMicros) / 1_000_000);
  }

  private static long clamp(long micros) {
    return Math.min(HIGHEST_MICROS, Math.max(1, micros));
  }
}
