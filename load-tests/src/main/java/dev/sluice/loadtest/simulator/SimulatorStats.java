package dev.sluice.loadtest.simulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the simulator saw: requests per endpoint, rejections by provider code, and every accepted
 * send counted by its key (see {@link SimulatorSettings#countBy}), so a run can prove that nothing
 * was lost and nothing was sent twice. Touched from the simulator's one event loop only.
 */
final class SimulatorStats {
  private static final int MAX_LISTED_DUPLICATES = 100;

  private long requests;
  private final Map<String, Long> perEndpoint = new TreeMap<>();
  private final Map<String, Long> acceptedPerEndpoint = new TreeMap<>();
  private final Map<String, Long> rejections = new TreeMap<>();
  private final Map<String, Integer> acceptedByKey = new HashMap<>();
  private long accepted;
  private long duplicates;
  private long webhooksSent;
  private long webhooksOk;
  private long webhooksFailed;
  private long statusesEmitted;

  void request(String endpoint) {
    requests++;
    perEndpoint.merge(endpoint, 1L, Long::sum);
  }

  void rejected(String endpoint, String code) {
    rejections.merge(endpoint + ":" + code, 1L, Long::sum);
  }

  /** Counts an accepted send; a null key (countBy none) is counted but not deduplicated. */
  void accepted(String endpoint, String key) {
    accepted++;
    acceptedPerEndpoint.merge(endpoint, 1L, Long::sum);
    if (key != null && acceptedByKey.merge(key, 1, Integer::sum) > 1) {
      duplicates++;
    }
  }

  void webhook(boolean ok, int statuses) {
    webhooksSent++;
    if (ok) {
      webhooksOk++;
      statusesEmitted += statuses;
    } else {
      webhooksFailed++;
    }
  }

  JsonObject toJson(boolean listDuplicates) {
    JsonObject json =
        new JsonObject()
            .put("received", requests)
            .put("accepted", accepted)
            .put("unique", acceptedByKey.size())
            .put("duplicates", duplicates)
            .put("perEndpoint", new JsonObject(new TreeMap<>(perEndpoint)))
            .put("acceptedPerEndpoint", new JsonObject(new TreeMap<>(acceptedPerEndpoint)))
            .put("rejections", new JsonObject(new TreeMap<>(rejections)))
            .put(
                "webhooks",
                new JsonObject()
                    .put("sent", webhooksSent)
                    .put("ok", webhooksOk)
                    .put("failed", webhooksFailed)
                    .put("statusesDelivered", statusesEmitted));
    if (listDuplicates) {
      JsonArray keys = new JsonArray();
      for (Map.Entry<String, Integer> e : acceptedByKey.entrySet()) {
        if (e.getValue() > 1 && keys.size() < MAX_LISTED_DUPLICATES) {
          keys.add(new JsonObject().put("key", e.getKey()).put("count", e.getValue()));
        }
      }
      json.put("duplicateKeys", keys);
    }
    return json;
  }
}
