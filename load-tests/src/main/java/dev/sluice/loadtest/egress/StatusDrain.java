package dev.sluice.loadtest.egress;

import dev.sluice.loadtest.Args;
import dev.sluice.loadtest.ingress.LoadReport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Consumes the egress tenants' event queues through the pull API, as a tenant would, while the load
 * runs and after it, and follows every accepted message to its final status ({@link
 * StatusMatcher}). It starts before the load; once the load has written its {@code .accepted} file,
 * it stops when every accepted message reached the final status (or failed), when nothing new
 * arrived for {@code --settle-s}, or at the deadline. Writes {@code <out>.json} and {@code
 * <out>.html}.
 *
 * <pre>
 * --url http://127.0.0.1:8080 --keys FILE (lines {@code <tenant> <apiKey>}) --accepted FILE
 * --out PREFIX [--final read] [--settle-s 20] [--deadline-s 900] [--parallel 4] [--label L]
 * </pre>
 */
public final class StatusDrain {
  private static final int MAX = 1_000;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final StatusMatcher matcher;
  private volatile boolean stop;
  private volatile long lastEventNanos = System.nanoTime();

  private StatusDrain(String base, StatusMatcher matcher) {
    this.base = base;
    this.matcher = matcher;
  }

  public static void main(String[] argv) throws Exception {
    Args a = Args.parse(argv);
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(a.integer("deadline-s", 900));
    long settle = TimeUnit.SECONDS.toNanos(a.integer("settle-s", 20));
    Path acceptedFile = Path.of(a.required("accepted"));
    StatusDrain d =
        new StatusDrain(a.required("url"), new StatusMatcher(a.string("final", "read")));
    List<String> keys = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(a.required("keys")))) {
      if (!line.isBlank()) {
        keys.add(line.trim().split("\\s+")[1]);
      }
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.min(keys.size(), a.integer("parallel", 4)));
    for (int i = 0; i < Math.min(keys.size(), a.integer("parallel", 4)); i++) {
      int first = i;
      int step = Math.min(keys.size(), a.integer("parallel", 4));
      pool.submit(() -> d.follow(keys, first, step));
    }
    boolean loaded = false;
    String ended = "deadline";
    while (System.nanoTime() < deadline) {
      if (!loaded && Files.exists(acceptedFile)) {
        // The generator writes the file at its very end; wait for it to stop growing.
        long size = Files.size(acceptedFile);
        Thread.sleep(300);
        if (size == Files.size(acceptedFile)) {
          d.load(acceptedFile);
          loaded = true;
          d.lastEventNanos = System.nanoTime();
        }
        continue;
      }
      if (loaded) {
        synchronized (d.matcher) {
          if (d.matcher.complete()) {
            ended = "complete";
            break;
          }
        }
        if (System.nanoTime() - d.lastEventNanos > settle) {
          ended = "settled";
          break;
        }
      }
      Thread.sleep(200);
    }
    d.stop = true;
    pool.shutdown();
    pool.awaitTermination(40, TimeUnit.SECONDS);
    JsonObject result;
    synchronized (d.matcher) {
      result = d.matcher.result();
    }
    result
        .put("label", a.string("label", "status"))
        .put("ended", ended)
        .put("drainSeconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
    String out = a.required("out");
    Files.writeString(Path.of(out + ".json"), result.encodePrettily());
    Files.writeString(Path.of(out + ".html"), html(result));
    System.out.println(oneLine(result));
  }

  private void load(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    synchronized (matcher) {
      for (String line : lines) {
        String[] w = line.split(" ");
        if (w.length == 4 && !w[1].equals("-")) {
          matcher.accepted(w[1], Long.parseLong(w[2]), w[3].equals("1"));
        }
      }
    }
  }

  /** Pulls and acknowledges the queues of every {@code step}-th tenant until told to stop. */
  private Void follow(List<String> keys, int first, int step) throws Exception {
    while (!stop) {
      boolean any = false;
      for (int i = first; i < keys.size() && !stop; i += step) {
        any |= drainOnce(keys.get(i));
      }
      if (!any) {
        Thread.sleep(100);
      }
    }
    return null;
  }

  /** One pull + ack for one tenant; true if it got events. */
  private boolean drainOnce(String apiKey) throws IOException, InterruptedException {
    JsonArray events =
        send(apiKey, HttpRequest.newBuilder(URI.create(base + "/v1/events?max=" + MAX)).GET())
            .getJsonArray("events");
    if (events.isEmpty()) {
      return false;
    }
    JsonArray ids = new JsonArray();
    synchronized (matcher) {
      for (int i = 0; i < events.size(); i++) {
        JsonObject e = events.getJsonObject(i);
        ids.add(e.getString("id"));
        matcher.event(e);
      }
    }
    lastEventNanos = System.nanoTime();
    send(
        apiKey,
        HttpRequest.newBuilder(URI.create(base + "/v1/events/ack"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("ids", ids).encode())));
    return true;
  }

  private JsonObject send(String apiKey, HttpRequest.Builder request)
      throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      HttpResponse<String> r =
          http.send(
              request
                  .timeout(Duration.ofSeconds(30))
                  .setHeader("Authorization", "Bearer " + apiKey)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return new JsonObject(r.body());
      }
      if (attempt >= 5) {
        throw new IOException(request.build().uri() + " → " + r.statusCode());
      }
      Thread.sleep(200L * attempt);
    }
  }

  static String oneLine(JsonObject r) {
    JsonObject s = r.getJsonObject("acceptedToSentMs");
    JsonObject f = r.getJsonObject("acceptedToFinalMs");
    return String.format(
        Locale.ROOT,
        "[%s] accepted %d: sent once %d, not sent %d, sent twice %d, failed %d, reached %s %d"
            + " (%s); accepted→sent p50 %.1f p99 %.1f ms; accepted→%s p50 %.1f p99 %.1f ms",
        r.getString("label"),
        r.getLong("accepted"),
        r.getLong("sentOnce"),
        r.getLong("notSent"),
        r.getLong("duplicateSends"),
        r.getLong("failed"),
        r.getString("finalStatus"),
        r.getLong("finalReached"),
        r.getString("ended"),
        s.getDouble("p50"),
        s.getDouble("p99"),
        r.getString("finalStatus"),
        f.getDouble("p50"),
        f.getDouble("p99"));
  }

  @SuppressWarnings("unchecked")
  static String html(JsonObject r) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
        .append(LoadReport.esc(r.getString("label")))
        .append(" — Sluice egress statuses</title><style>")
        .append("body{font:14px system-ui,sans-serif;margin:24px;color:#222}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;")
        .append("text-align:right}svg{background:#fafafa;border:1px solid #ddd;margin:8px 0}")
        .append("</style></head><body><h1>")
        .append(LoadReport.esc(r.getString("label")))
        .append(" — end to end</h1><p>")
        .append(LoadReport.esc(oneLine(r)))
        .append("</p><p>Times are the gateway's <code>receivedAt</code> of each status event")
        .append(" minus the intended start of the message's request (open model).</p>")
        .append("<h2>Messages per second reaching sent / ")
        .append(LoadReport.esc(r.getString("finalStatus")))
        .append("</h2>");
    b.append(
        LoadReport.chart(
            r.getJsonArray("timeline"),
            new String[] {"sent", r.getString("finalStatus")},
            new String[] {"#1f77b4", "#2ca02c"},
            new ToDoubleFunction[] {
              o -> ((JsonObject) o).getLong("sent"), o -> ((JsonObject) o).getLong("final")
            },
            "msg/s",
            0));
    b.append("<h2>Latency percentiles (ms)</h2><table><tr><th>percentile</th>")
        .append("<th>accepted→sent</th><th>accepted→")
        .append(LoadReport.esc(r.getString("finalStatus")))
        .append("</th></tr>");
    JsonObject ps = r.getJsonObject("acceptedToSentPercentilesMs");
    JsonObject pf = r.getJsonObject("acceptedToFinalPercentilesMs");
    for (String p : ps.fieldNames()) {
      b.append("<tr><td>")
          .append(p)
          .append("</td><td>")
          .append(ps.getValue(p))
          .append("</td><td>")
          .append(pf.getValue(p))
          .append("</td></tr>");
    }
    JsonObject copy = r.copy();
    copy.remove("timeline");
    b.append("</table><h2>Summary</h2><pre>")
        .append(LoadReport.esc(copy.encodePrettily()))
        .append("</pre></body></html>\n");
    return b.toString();
  }
}
