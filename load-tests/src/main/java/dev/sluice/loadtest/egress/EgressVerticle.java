package dev.sluice.loadtest.egress;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One event loop of the egress generator, scheduled like the ingress generator's loop: it owns the
 * sequence numbers {@code index, index + loops, …}; open model: a 1 ms ticker issues every request
 * whose intended start has come and latency runs from that intended time (no coordinated omission);
 * max mode: {@code concurrency} chains, each sending the next message as soon as the previous one
 * was answered. A message is <i>accepted</i> when Sluice answers 202 with its id (or Kannel answers
 * 202 "Accepted for delivery"); {@link #accepted} keeps each one with its intended start time in
 * epoch microseconds, from which the status drain measures accepted→sent and accepted→final.
 */
final class EgressVerticle extends VerticleBase {
  static final long HIGHEST_MICROS = 600_000_000L;

  /**
   * One accepted message: our sequence number, Sluice's message id ("" for Kannel), intended start,
   * and whether it started in the measured window (after the warm-up).
   */
  record Accepted(long seq, String id, long intendedEpochMicros, boolean measured) {}

  private final EgressSettings s;
  private final int index;
  private final int loops;
  private final long t0;
  private final long epochOffsetMicros;
  private final Promise<Void> finished = Promise.promise();

  final Histogram[] perSecond;
  final long[] errorsPerSecond;
  final Map<String, Long> outcomes = new HashMap<>();
  final List<Accepted> accepted = new ArrayList<>();
  long issuedInWindow;

  private HttpClient client;
  private long issued;
  private long nextLocal;
  private long inFlight;
  private boolean stopped;
  private long ticker = -1;

  EgressVerticle(EgressSettings s, int index, long t0, long epochOffsetMicros) {
    this.s = s;
    this.index = index;
    this.loops = s.loops();
    this.t0 = t0;
    this.epochOffsetMicros = epochOffsetMicros;
    int seconds = s.warmupS() + s.durationS() + 1;
    this.perSecond = new Histogram[seconds];
    for (int i = 0; i < seconds; i++) {
      perSecond[i] = new Histogram(HIGHEST_MICROS, 3);
    }
    this.errorsPerSecond = new long[seconds];
  }

  Future<Void> done() {
    return finished.future();
  }

  private long endNanos() {
    return t0 + (s.warmupS() + s.durationS()) * 1_000_000_000L;
  }

  private long warmupEndNanos() {
    return t0 + s.warmupS() * 1_000_000_000L;
  }

  @Override
  public Future<?> start() {
    client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setConnectTimeout((int) s.timeoutMs())
                .setDefaultHost(s.url().getHost())
                .setDefaultPort(s.url().getPort()),
            new PoolOptions()
                .setHttp1MaxSize(Math.max(1, s.connections() / loops))
                .setMaxWaitQueueSize(-1));
    long delay = Math.max(1, (t0 - System.nanoTime()) / 1_000_000);
    vertx.setTimer(delay, t -> begin());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return client.close();
  }

  private void begin() {
    long early = t0 - System.nanoTime();
    if (early > 0) {
      // A timer may fire a little early: starting before t0 would put requests before the
      // window that the counters and the histograms agree on.
      vertx.setTimer(Math.max(1, early / 1_000_000), t -> begin());
      return;
    }
    if (s.openModel()) {
      ticker = vertx.setPeriodic(1, t -> tick());
    } else {
      int chains = s.concurrency() / loops + (index < s.concurrency() % loops ? 1 : 0);
      for (int i = 0; i < chains; i++) {
        chain();
      }
    }
  }

  private void tick() {
    double perLoop = s.rate() / loops;
    long due = (long) ((System.nanoTime() - t0) * perLoop / 1e9) + 1;
    while (issued < due) {
      long intended = t0 + (long) (issued * 1e9 / perLoop);
      if (intended >= endNanos()) {
        vertx.cancelTimer(ticker);
        stopped = true;
        maybeFinish();
        return;
      }
      issued++;
      send(intended);
    }
  }

  private void chain() {
    long now = System.nanoTime();
    if (now >= endNanos()) {
      stopped = true;
      maybeFinish();
      return;
    }
    send(now).onComplete(ar -> chain());
  }

  private Future<Void> send(long intended) {
    long seq = index + nextLocal * loops;
    nextLocal++;
    if (intended >= warmupEndNanos()) {
      issuedInWindow++;
    }
    inFlight++;
    Future<String> answer = s.target() == EgressSettings.Target.SLUICE ? sluice(seq) : kannel(seq);
    return answer.transform(
        ar -> {
          inFlight--;
          record(intended, seq, ar.succeeded() ? ar.result() : null, ar.cause());
          if (stopped) {
            maybeFinish();
          }
          return Future.<Void>succeededFuture();
        });
  }

  /** POST /v1/messages; succeeds with the message id on 202, fails with the status otherwise. */
  private Future<String> sluice(long seq) {
    Route route = s.routes().get((int) (seq % s.routes().size()));
    Buffer body =
        new JsonObject()
            .put("channel", route.channel())
            .put("to", s.recipient(seq))
            .put("type", "text")
            .put("text", EgressSettings.text(s.tag(), seq))
            .toBuffer();
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setURI("/v1/messages")
            .setIdleTimeout(s.timeoutMs())
            .putHeader("Content-Type", "application/json")
            .putHeader("Authorization", "Bearer " + route.apiKey());
    return client
        .request(o)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> answer(resp.statusCode(), b, true)));
  }

  /** GET /cgi-bin/sendsms; succeeds with "" on 202 ("0: Accepted for delivery"). */
  private Future<String> kannel(long seq) {
    String uri =
        "/cgi-bin/sendsms?username="
            + enc(s.kannelUser())
            + "&password="
            + enc(s.kannelPassword())
            + "&from="
            + enc(s.from())
            + "&to="
            + enc(s.recipient(seq))
            + "&text="
            + enc(EgressSettings.text(s.tag(), seq));
    RequestOptions o =
        new RequestOptions().setMethod(HttpMethod.GET).setURI(uri).setIdleTimeout(s.timeoutMs());
    return client
        .request(o)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> answer(resp.statusCode(), b, false)));
  }

  private static String answer(int status, Buffer body, boolean json) {
    if (status != 202) {
      throw new StatusException(status);
    }
    return json ? body.toJsonObject().getString("id") : "";
  }

  private static String enc(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }

  private void record(long intended, long seq, String id, Throwable failure) {
    long now = System.nanoTime();
    boolean ok = failure == null;
    int second = (int) ((intended - t0) / 1_000_000_000L);
    if (ok) {
      accepted.add(
          new Accepted(seq, id, epochOffsetMicros + intended / 1000, intended >= warmupEndNanos()));
    }
    if (second < 0 || second >= perSecond.length) {
      return;
    }
    perSecond[second].recordValue(Math.min(HIGHEST_MICROS, Math.max(1, (now - intended) / 1000)));
    if (!ok) {
      errorsPerSecond[second]++;
    }
    if (intended >= warmupEndNanos()) {
      outcomes.merge(ok ? "202" : outcome(failure), 1L, Long::sum);
    }
  }

  private static String outcome(Throwable e) {
    if (e instanceof StatusException se) {
      return Integer.toString(se.status);
    }
    String name = e.getClass().getSimpleName();
    if (name.contains("Timeout")) {
      return "timeout";
    }
    if (name.contains("Connect") || String.valueOf(e.getMessage()).contains("onnect")) {
      return "connect-error";
    }
    return "io-error";
  }

  private void maybeFinish() {
    if (inFlight == 0) {
      finished.tryComplete();
    }
  }

  /** A non-202 answer: counted by its status. */
  static final class StatusException extends RuntimeException {
    final int status;

    StatusException(int status) {
      super("HTTP " + status, null, false, false);
      this.status = status;
    }
  }
}
