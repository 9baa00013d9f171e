package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.ledger.LedgerRepository;
import dev.sluice.gateway.privacy.DataKey;
import dev.sluice.gateway.privacy.jobs.PartitionWalk.Found;
import dev.sluice.gateway.privacy.jobs.PrivacyRepository.ExportedMessage;
import dev.sluice.gateway.privacy.jobs.PrivacyRepository.ExportedRow;
import dev.sluice.gateway.privacy.jobs.PrivacyRepository.HistoryEntry;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of an export: reads everything held about one person in one tenant, writing nothing, into
 * one JSON document. Inbound events come from the person's partition (waiting, quarantined,
 * dead-lettered, or delivered and kept for replay), each as the tenant's event with its provider
 * payload; outbound messages from the history in PostgreSQL (status, error, times and every status
 * change) joined with what the queue still holds of them (their content while queued or
 * dead-lettered); and the person's rows in campaign audiences. A run that stops halfway is run
 * again from the start.
 */
final class Export {
  /** Messages read from PostgreSQL per query. */
  static final int PAGE = 500;

  private final PrivacyRepository repository;
  private final DataKey key;
  private final Clock clock;
  private final Job job;
  private final Subject subject;
  private final PartitionWalk walk;

  private final List<JsonObject> inbound = new ArrayList<>();
  private final Map<String, JsonObject> outbound = new LinkedHashMap<>();

  /**
   * @param key the tenant's data key, which opens the message bodies the history keeps
   */
  Export(
      PrivacyRepository repository,
      DataKey key,
      Clock clock,
      Job job,
      Subject subject,
      PartitionWalk walk) {
    this.repository = repository;
    this.key = key;
    this.clock = clock;
    this.job = job;
    this.subject = subject;
    this.walk = walk;
  }

  /** What the run found. */
  record Document(JsonObject json, Map<String, Long> counts) {}

  Future<Document> run() {
    return history(null)
        .compose(v -> streams(List.of(PartitionStream.values()), 0))
        .compose(v -> repository.exportCampaignRows(job.tenantId(), subject))
        .map(this::document);
  }

  private Future<Void> history(ExportedMessage after) {
    return repository
        .exportMessages(job.tenantId(), subject, after, PAGE)
        .compose(
            page -> {
              page.forEach(m -> outbound.put(m.id(), message(m).put("content", content(m))));
              return page.size() < PAGE
                  ? Future.succeededFuture()
                  : history(page.get(page.size() - 1));
            });
  }

  private Future<Void> streams(List<PartitionStream> streams, int i) {
    if (i == streams.size()) {
      return Future.succeededFuture();
    }
    PartitionStream s = streams.get(i);
    return walk.each(
            s,
            found -> {
              found.forEach(f -> add(s, f));
              return Future.succeededFuture();
            })
        .compose(v -> streams(streams, i + 1));
  }

  private void add(PartitionStream stream, Found f) {
    if (!stream.outbound()) {
      JsonObject event = object(f.entry().field("e"));
      event.put("held", held(stream));
      if (!event.containsKey("receivedAt")) {
        event.put("receivedAt", entryTime(f.id()));
      }
      Object raw = json(f.entry().field("r"));
      if (raw != null) {
        event.put("raw", raw);
      }
      inbound.add(event);
      return;
    }
    if (f.message() == null) {
      return; // a damaged entry: nothing in it can be read as a message
    }
    JsonObject payload = object(f.entry().field("m"));
    JsonObject item = outbound.get(f.message().id());
    if (item == null) {
      // Not in the history yet (its ledger entry is on its way).
      item =
          new JsonObject()
              .put("id", f.message().id())
              .put("channel", f.message().channelId())
              .put("provider", f.message().provider().wireName())
              .put("lane", f.message().lane().wireName())
              .put("clientRef", f.message().clientRef())
              .put("status", stream.queuedOutbound() ? "queued" : "failed")
              .put("campaignId", f.message().campaignId())
              .put("createdAt", Instant.ofEpochMilli(f.message().acceptedAt()).toString())
              .put("history", new JsonArray());
      outbound.put(f.message().id(), item);
    }
    item.put("content", payload.getJsonObject("content"));
    item.put("held", stream.queuedOutbound() ? "queued" : "deadLettered");
  }

  private Document document(List<ExportedRow> rows) {
    inbound.sort(Comparator.comparingLong(e -> e.getLong("receivedAt", 0L)));
    for (JsonObject e : inbound) {
      e.put("receivedAt", Instant.ofEpochMilli(e.getLong("receivedAt", 0L)).toString());
    }
    JsonArray campaignRows = new JsonArray();
    for (ExportedRow r : rows) {
      campaignRows.add(
          new JsonObject()
              .put("campaignId", r.campaignId())
              .put("campaign", r.campaignName())
              .put("row", r.row())
              .put("state", r.state())
              .put("reason", r.reason())
              .put("variables", r.variables())
              .put("messageId", r.messageId()));
    }
    JsonObject json =
        new JsonObject()
            .put("tenant", job.tenantId())
            .put("subject", subject.json())
            .put("generatedAt", clock.instant().toString())
            .put("inbound", new JsonArray(new ArrayList<>(inbound)))
            .put("outbound", new JsonArray(new ArrayList<>(outbound.values())))
            .put("campaignRows", campaignRows);
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("inbound", (long) inbound.size());
    counts.put("outbound", (long) outbound.size());
    counts.put("campaignRows", (long) rows.size());
    return new Document(json, counts);
  }

  private static JsonObject message(ExportedMessage m) {
    JsonArray history = new JsonArray();
    for (HistoryEntry h : m.history()) {
      history.add(
          new JsonObject()
              .put("status", h.status())
              .put("at", h.at().toString())
              .put("source", h.source())
              .put("errorCode", h.errorCode()));
    }
    return new JsonObject()
        .put("id", m.id())
        .put("channel", m.channelId())
        .put("provider", m.provider())
        .put("lane", m.lane())
        .put("clientRef", m.clientRef())
        .put("status", m.status())
        .put(
            "error",
            m.errorCode() == null && m.errorMessage() == null
                ? null
                : new JsonObject().put("code", m.errorCode()).put("message", m.errorMessage()))
        .put("campaignId", m.campaignId())
        .put("createdAt", m.createdAt().toString())
        .put("updatedAt", m.updatedAt() == null ? null : m.updatedAt().toString())
        .put("history", history);
  }

  /** The content the history keeps for a message (its body), or null when it keeps none. */
  private JsonObject content(ExportedMessage m) {
    if (m.sealedBody() == null) {
      return null;
    }
    byte[] body = key.open(LedgerRepository.bodyContext(m.id()), m.sealedBody());
    return object(new String(body, java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Where an inbound event was found. */
  private static String held(PartitionStream s) {
    return switch (s) {
      case QUARANTINE -> "quarantined";
      case INBOUND_DEAD_LETTERS -> "deadLettered";
      case REPLAY_ARCHIVE -> "delivered";
      default -> "queued";
    };
  }

  /** When a stream entry was added (ms, from its id). */
  private static long entryTime(String entryId) {
    return Long.parseLong(entryId.substring(0, entryId.indexOf('-')));
  }

  private static JsonObject object(String json) {
    return json(json) instanceof JsonObject o ? o : new JsonObject();
  }

  /** The JSON value of a stored field, the text itself when it is not JSON, or null. */
  private static Object json(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return io.vertx.core.json.Json.decodeValue(text);
    } catch (DecodeException e) {
      return text;
    }
  }
}
