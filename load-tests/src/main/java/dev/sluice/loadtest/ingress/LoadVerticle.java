package dev.sluice.loadtest.ingress;

import dev.sluice.loadtest.Signatures.MetaSigner;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * One event loop of the generator. It owns the sequence numbers {@code index, index + loops, …},
 * its connection pool, signer, histograms and counters; {@link IngressLoad} merges them once every
 * loop has finished ({@link #done}). Open model: a 1 ms ticker issues every request whose intended
 * start time has come, and latency runs from that intended time, so time spent queued behind a slow
 * server counts (no coordinated omission). Max mode: {@code concurrency} request chains, each
 * sending the next as soon as the previous one answered; latency runs from the actual send.
 */
final class LoadVerticle extends VerticleBase {
  static final long HIGHEST_MICROS = 120_000_000L;
  private static final int REDELIVERY_WINDOW = 10_000;

  private final LoadSettings s;
  private final int index;
  private final int loops;
  private final long t0;
  private final WebhookFactory factory;
  private final Promise<Void> finished = Promise.promise();

  /** Per second of intended start time: latency in microseconds. */
  final Histogram[] perSecond;

  final Map<String, Long> outcomes = new HashMap<>();
  final long[] errorsPerSecond;
  final BitSet acked = new BitSet();
  long issuedInWindow;
  long redeliveries;
  long uniqueIssued;

  private HttpClient client;
  private MetaSigner signer;
  private RequestOptions options;
  private SplittableRandom random;
  private long nextLocal;
  private long issued;
  private long inFlight;
  private boolean stopped;
  private long ticker = -1;

  LoadVerticle(LoadSettings s, int index, long t0, WebhookFactory factory) {
    this.s = s;
    this.index = index;
    this.loops = s.loops();
    this.t0 = t0;
    this.factory = factory;
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
    random = new SplittableRandom(s.seed() * 31 + index);
    signer = new MetaSigner(s.appSecret());
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
    options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setURI(s.url().getRawPath())
            .setIdleTimeout(s.timeoutMs());
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
    long now = System.nanoTime();
    long due = (long) ((now - t0) * perLoop / 1e9) + 1;
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
    boolean redelivery = uniqueIssued > 0 && random.nextDouble() < s.redeliveryShare();
    long seq;
    if (redelivery) {
      long back = 1 + random.nextLong(Math.min(uniqueIssued, REDELIVERY_WINDOW));
      seq = index + (nextLocal - back) * loops;
      redeliveries++;
    } else {
      seq = index + nextLocal * loops;
      nextLocal++;
      uniqueIssued++;
    }
    if (intended >= warmupEndNanos()) {
      issuedInWindow++;
    }
    byte[] body = factory.body(seq);
    String signature = signer.sign(body);
    inFlight++;
    long seqFinal = seq;
    return client
        .request(options)
        .compose(
            req ->
                req.putHeader("Content-Type", "application/json")
                    .putHeader("X-Hub-Signature-256", signature)
                    .send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .transform(
            ar -> {
              inFlight--;
              String outcome;
              boolean ok = false;
              if (ar.succeeded()) {
                int status = ar.result();
                ok = status >= 200 && status < 300;
                outcome = Integer.toString(status);
                if (ok && !redelivery) {
                  acked.set((int) seqFinal);
                }
              } else {
                outcome = failureName(ar.cause());
              }
              record(intended, ok, outcome);
              if (stopped) {
                maybeFinish();
              }
              return Future.<Void>succeededFuture();
            });
  }

  private void record(long intended, boolean ok, String outcome) {
    long now = System.nanoTime();
    int second = (int) ((intended - t0) / 1_000_000_000L);
    if (second < 0 || second >= perSecond.length) {
      return;
    }
    perSecond[second].recordValue(Math.min(HIGHEST_MICROS, Math.max(1, (now - intended) / 1000)));
    if (!ok) {
      errorsPerSecond[second]++;
    }
    if (intended >= warmupEndNanos()) {
      outcomes.merge(outcome, 1L, Long::sum);
    }
  }

  private static String failureName(Throwable e) {
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
}
