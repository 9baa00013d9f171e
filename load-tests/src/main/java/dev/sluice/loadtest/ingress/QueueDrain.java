package dev.sluice.loadtest.ingress;

import dev.sluice.loadtest.Args;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Proves a run lost nothing and enqueued nothing twice: drains every tenant's queue (both lanes)
 * through the pull API, acknowledging as it goes, and checks the wamids against the sequence
 * numbers the load generator saw acknowledged ({@code <out>.acked}).
 *
 * <ul>
 *   <li><b>lost</b>: acknowledged with a 2xx, never drained;
 *   <li><b>duplicates</b>: one wamid drained more than once (a redelivery enqueued twice);
 *   <li><b>unconfirmed</b>: drained though the generator saw no 2xx (a timeout or an error after
 *       the write: allowed, the provider would redeliver and dedup would absorb it).
 * </ul>
 *
 * <pre>
 * --url http://127.0.0.1:8080 --keys FILE --expect TAG=PATH.acked … --out drain.json
 * [--parallel 4] [--deadline-s 240] [--redis-url U: when something is lost, look for a sample of it
 * in Sluice's Redis]
 * </pre>
 */
public final class QueueDrain {
  private static final int MAX = 1_000;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final long deadlineNanos;
  private final Map<String, BitSet> seen = new LinkedHashMap<>();
  private final Map<String, Long> duplicates = new LinkedHashMap<>();
  private long drained;
  private long quarantined;
  private long foreign;

  private QueueDrain(String base, long deadlineNanos) {
    this.base = base;
    this.deadlineNanos = deadlineNanos;
  }

  public static void main(String[] argv) throws Exception {
    Args a = Args.parse(argv);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(a.integer("deadline-s", 240));
    QueueDrain d = new QueueDrain(a.required("url"), deadline);
    Map<String, BitSet> expected = new LinkedHashMap<>();
    for (String e : a.all("expect")) {
      int eq = e.indexOf('=');
      expected.put(
          e.substring(0, eq), BitSet.valueOf(Files.readAllBytes(Path.of(e.substring(eq + 1)))));
    }
    expected.keySet().forEach(tag -> d.seen.put(tag, new BitSet()));
    List<String[]> tenants = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(a.required("keys")))) {
      if (!line.isBlank()) {
        tenants.add(line.trim().split("\\s+", 2));
      }
    }
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(a.integer("parallel", 4));
    List<Future<Boolean>> done = new ArrayList<>();
    for (String[] t : tenants) {
      done.add(pool.submit(() -> d.drainTenant(t[1])));
    }
    boolean complete = true;
    for (Future<Boolean> f : done) {
      complete &= f.get();
    }
    pool.shutdown();

    JsonObject perTag = new JsonObject();
    long lost = 0;
    long dups = 0;
    long expectedTotal = 0;
    long unconfirmed = 0;
    for (Map.Entry<String, BitSet> e : expected.entrySet()) {
      BitSet exp = e.getValue();
      BitSet got = d.seen.get(e.getKey());
      BitSet missing = (BitSet) exp.clone();
      missing.andNot(got);
      BitSet extra = (BitSet) got.clone();
      extra.andNot(exp);
      long dup = d.duplicates.getOrDefault(e.getKey(), 0L);
      perTag.put(
          e.getKey(),
          new JsonObject()
              .put("acknowledged", exp.cardinality())
              .put("drainedUnique", got.cardinality())
              .put("lost", missing.cardinality())
              .put("duplicates", dup)
              .put("unconfirmed", extra.cardinality())
              .put("firstLost", missing.nextSetBit(0))
              .put("lostSample", new JsonArray(missing.stream().limit(20).boxed().toList())));
      lost += missing.cardinality();
      dups += dup;
      expectedTotal += exp.cardinality();
      unconfirmed += extra.cardinality();
    }
    JsonObject out =
        new JsonObject()
            .put("complete", complete)
            .put("tenants", tenants.size())
            .put("drained", d.drained)
            .put("quarantined", d.quarantined)
            .put("foreign", d.foreign)
            .put("acknowledged", expectedTotal)
            .put("lost", lost)
            .put("duplicates", dups)
            .put("unconfirmed", unconfirmed)
            .put("seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0)
            .put("perTag", perTag);
    if (lost > 0 && a.has("redis-url")) {
      out.put("lostInRedis", lostInRedis(a.string("redis-url", null), perTag));
    }
    Files.writeString(Path.of(a.required("out")), out.encodePrettily());
    System.out.println(
        "drained "
            + d.drained
            + " events ("
            + d.quarantined
            + " from quarantine) in "
            + out.getDouble("seconds")
            + " s: acknowledged "
            + expectedTotal
            + ", lost "
            + lost
            + ", duplicates "
            + dups
            + ", unconfirmed "
            + unconfirmed
            + (complete ? "" : " (INCOMPLETE: deadline reached)"));
  }

  /**
   * For up to five lost wamids per tag: does Sluice's dedup marker ({@code …:dd:<channel>:<wamid>})
   * exist? Present = admitted to Redis yet never handed out by the pull API; absent = never
   * admitted although acknowledged (or, with a generator that cannot pair answers with requests,
   * never received). A full SCAN per wamid: slow on a large Redis, so only when something is lost.
   */
  private static JsonObject lostInRedis(String url, JsonObject perTag) {
    Vertx vertx = Vertx.vertx();
    Redis redis = Redis.createClient(vertx, url);
    JsonObject out = new JsonObject();
    try {
      for (String tag : perTag.fieldNames()) {
        JsonArray sample = perTag.getJsonObject(tag).getJsonArray("lostSample");
        for (int i = 0; i < Math.min(5, sample.size()); i++) {
          String wamid = WebhookFactory.wamid(tag, sample.getLong(i));
          long found = 0;
          String cursor = "0";
          do {
            Response r =
                redis
                    .send(
                        Request.cmd(Command.SCAN)
                            .arg(cursor)
                            .arg("MATCH")
                            .arg("*:dd:*:" + wamid)
                            .arg("COUNT")
                            .arg(10_000))
                    .await();
            cursor = r.get(0).toString();
            found += r.get(1).size();
          } while (!cursor.equals("0"));
          out.put(wamid, found > 0 ? "admitted, never handed out" : "not in Redis");
        }
      }
    } finally {
      vertx.close();
    }
    return out;
  }

  /** Drains one tenant; false when the deadline came first. */
  private boolean drainTenant(String apiKey) throws IOException, InterruptedException {
    for (String lane : new String[] {"inbound", "quarantine"}) {
      while (true) {
        if (System.nanoTime() > deadlineNanos) {
          return false;
        }
        JsonArray events =
            send(
                    apiKey,
                    HttpRequest.newBuilder(
                            URI.create(base + "/v1/events?max=" + MAX + "&lane=" + lane))
                        .GET())
                .getJsonArray("events");
        if (events.isEmpty()) {
          break;
        }
        JsonArray ids = new JsonArray();
        for (int i = 0; i < events.size(); i++) {
          JsonObject e = events.getJsonObject(i);
          ids.add(e.getString("id"));
          record(e.getString("providerMessageId"), lane.equals("quarantine"));
        }
        send(
            apiKey,
            HttpRequest.newBuilder(URI.create(base + "/v1/events/ack"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        new JsonObject().put("ids", ids).encode())));
      }
    }
    return true;
  }

  private synchronized void record(String wamid, boolean quarantine) {
    drained++;
    if (quarantine) {
      quarantined++;
    }
    // wamid.<tag>.<seq>
    int last = wamid == null ? -1 : wamid.lastIndexOf('.');
    BitSet set = last > 6 ? seen.get(wamid.substring(6, last)) : null;
    if (set == null) {
      foreign++;
      return;
    }
    int seq = Integer.parseInt(wamid.substring(last + 1));
    if (set.get(seq)) {
      duplicates.merge(wamid.substring(6, last), 1L, Long::sum);
    }
    set.set(seq);
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
        throw new IOException(request.build().uri() + " → " + r.statusCode() + " " + r.body());
      }
      Thread.sleep(200L * attempt);
    }
  }
}
