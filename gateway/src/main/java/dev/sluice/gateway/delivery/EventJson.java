package dev.sluice.gateway.delivery;

import dev.sluice.gateway.queue.QueuedEvent;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The event objects tenants receive, the same from the pull API and in pushed batches. */
final class EventJson {
  private EventJson() {}

  static JsonArray render(List<QueuedEvent> events) {
    JsonArray out = new JsonArray();
    for (QueuedEvent e : events) {
      out.add(render(e));
    }
    return out;
  }

  static JsonObject render(QueuedEvent e) {
    JsonObject event = new JsonObject().put("id", e.id().toString());
    event.mergeIn(new JsonObject(e.payload()));
    event.put("raw", e.raw().isEmpty() ? null : Json.decodeValue(e.raw()));
    return event;
  }
}
