package dev.sluice.loadtest.simulator;

import dev.sluice.loadtest.Signatures;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Status webhooks back to the gateway. WhatsApp statuses are batched per phone_number_id: those due
 * within {@code batchWindowMs} go out as one signed webhook of at most {@code maxBatch} statuses,
 * as Meta aggregates updates (§1.3). Twilio status callbacks go out one per status, signed with
 * {@code X-Twilio-Signature}. A webhook without a 2xx is redelivered up to {@code webhookRetries}
 * times, as the providers do (§1.4). Used from the simulator's event loop only.
 */
final class StatusWebhooks {
  private static final long REQUEST_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final HttpClient client;
  private final Supplier<SimulatorSettings> settings;
  private final Supplier<SimulatorStats> stats;
  private final Map<String, Batch> batches = new LinkedHashMap<>();

  StatusWebhooks(
      Vertx vertx,
      HttpClient client,
      Supplier<SimulatorSettings> settings,
      Supplier<SimulatorStats> stats) {
    this.vertx = vertx;
    this.client = client;
    this.settings = settings;
    this.stats = stats;
  }

  private static final class Batch {
    final long openedAtMs;
    final List<JsonObject> statuses = new ArrayList<>();

    Batch(long openedAtMs) {
      this.openedAtMs = openedAtMs;
    }
  }

  /** Queues one WhatsApp status of a business number for the next webhook of that number. */
  void addWhatsApp(String phoneNumberId, JsonObject status, long nowMs) {
    Batch b = batches.computeIfAbsent(phoneNumberId, k -> new Batch(nowMs));
    b.statuses.add(status);
    if (b.statuses.size() >= settings.get().maxBatch()) {
      batches.remove(phoneNumberId);
      sendWhatsApp(phoneNumberId, b.statuses);
    }
  }

  /** Sends every batch whose window has passed (all of them when {@code all}). */
  void flush(long nowMs, boolean all) {
    long window = settings.get().batchWindowMs();
    Iterator<Map.Entry<String, Batch>> it = batches.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Batch> e = it.next();
      if (all || nowMs - e.getValue().openedAtMs >= window) {
        it.remove();
        sendWhatsApp(e.getKey(), e.getValue().statuses);
      }
    }
  }

  private void sendWhatsApp(String phoneNumberId, List<JsonObject> statuses) {
    SimulatorSettings s = settings.get();
    if (s.statusWebhookUrl().isEmpty()) {
      return;
    }
    JsonObject value =
        new JsonObject()
            .put("messaging_product", "whatsapp")
            .put(
                "metadata",
                new JsonObject()
                    .put("display_phone_number", phoneNumberId)
                    .put("phone_number_id", phoneNumberId))
            .put("statuses", new JsonArray(new ArrayList<Object>(statuses)));
    JsonObject body =
        new JsonObject()
            .put("object", "whatsapp_business_account")
            .put(
                "entry",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("id", s.wabaId())
                            .put(
                                "changes",
                                new JsonArray()
                                    .add(
                                        new JsonObject()
                                            .put("value", value)
                                            .put("field", "messages")))));
    Buffer bytes = body.toBuffer();
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add("Content-Type", "application/json")
            .add("X-Hub-Signature-256", Signatures.meta(s.appSecret(), bytes.getBytes()));
    post(s.statusWebhookUrl(), headers, bytes, statuses.size(), s.webhookRetries());
  }

  /** Sends one Twilio status callback, signed with the account's auth token. */
  void sendTwilio(String url, String authToken, Map<String, String> params) {
    StringBuilder form = new StringBuilder();
    params.forEach(
        (k, v) -> {
          if (form.length() > 0) {
            form.append('&');
          }
          form.append(URLEncoder.encode(k, StandardCharsets.UTF_8))
              .append('=')
              .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add("Content-Type", "application/x-www-form-urlencoded")
            .add("X-Twilio-Signature", Signatures.twilio(authToken, url, params));
    post(url, headers, Buffer.buffer(form.toString()), 1, settings.get().webhookRetries());
  }

  private void post(String url, MultiMap headers, Buffer body, int statuses, int retriesLeft) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(url)
            .setHeaders(headers)
            .setIdleTimeout(REQUEST_TIMEOUT_MS);
    client
        .request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .recover(e -> Future.succeededFuture(-1))
        .onSuccess(
            status -> {
              boolean ok = status >= 200 && status < 300;
              stats.get().webhook(ok, statuses);
              if (!ok && retriesLeft > 0) {
                long delay = 500L * (settings.get().webhookRetries() - retriesLeft + 1);
                vertx.setTimer(delay, t -> post(url, headers, body, statuses, retriesLeft - 1));
              }
            });
  }
}
