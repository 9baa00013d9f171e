package dev.sluice.loadtest.baseline;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One event loop of the bare egress baseline.
 *
 * <p>Accept: {@code POST /v1/messages} {@code {"channel","to","text"}} → the turn's messages are
 * collected → one pipelined batch of {@code XADD} (one per message) per event-loop turn on this
 * loop's own connection → 202 {@code {"id"}} once Redis confirmed (503 if it did not, 400 for a
 * body without those fields).
 *
 * <p>Send: a consumer on the same loop, on a second connection (its {@code XREADGROUP … BLOCK}
 * holds that connection): read up to {@code --read-count} entries → POST each to the provider as a
 * form ({@code To}, {@code Body}), on a pooled client → one batch {@code XACK} + {@code XDEL} for
 * the entries the provider took with a 2xx → read again. An entry the provider refused stays
 * pending (the baseline does not retry). No tenants, pacing, ledger or status events: the ceiling
 * of this design.
 */
final class BareEgressVerticle extends VerticleBase {
  static final String GROUP = "bare";
  private static final long REDIS_TIMEOUT_MS = 5_000;
  private static final long BLOCK_MS = 200;

  private final BareEgressServer.Settings settings;
  private final String consumer;
  private Redis client;
  private RedisConnection producer;
  private RedisConnection reader;
  private HttpClientAgent provider;
  private HttpServer server;
  private List<Pending> pending = new ArrayList<>();
  private boolean flushScheduled;
  private boolean stopped;
  private long seq;

  BareEgressVerticle(BareEgressServer.Settings settings, String consumer) {
    this.settings = settings;
    this.consumer = consumer;
  }

  private record Pending(String id, String to, String text, Promise<Void> promise) {}

  int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    client =
        Redis.createClient(
            vertx,
            new RedisOptions()
                .setConnectionString(settings.redisUrl())
                .setMaxPoolSize(4)
                .setMaxWaitingHandlers(65_536));
    provider =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setDefaultHost(settings.providerUrl().getHost())
                .setDefaultPort(settings.providerUrl().getPort()),
            new PoolOptions().setHttp1MaxSize(settings.providerConnections()));
    server =
        vertx.createHttpServer(
            new HttpServerOptions().setHost(settings.host()).setPort(settings.port()));
    return Future.all(client.connect(), client.connect())
        .compose(
            cs -> {
              producer = cs.resultAt(0);
              reader = cs.resultAt(1);
              return server.requestHandler(this::handle).listen();
            })
        .onSuccess(s -> read());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return server.close().eventually(provider::close).eventually(() -> client.close());
  }

  // --- accept ----------------------------------------------------------------------------------

  private void handle(HttpServerRequest req) {
    if (req.method() != HttpMethod.POST || !req.path().equals("/v1/messages")) {
      req.response().setStatusCode(404).end();
      return;
    }
    req.body().onSuccess(body -> accept(req, body));
  }

  private void accept(HttpServerRequest req, Buffer body) {
    String to;
    String text;
    try {
      JsonObject m = new JsonObject(body);
      to = m.getString("to");
      text = m.getString("text");
    } catch (RuntimeException e) {
      to = null;
      text = null;
    }
    if (to == null || text == null || to.isEmpty() || text.isEmpty()) {
      json(req, 400, "{\"error\":{\"code\":\"bad_request\",\"message\":\"to and text required\"}}");
      return;
    }
    String id = consumer + "-" + seq++;
    Pending p = new Pending(id, to, text, Promise.promise());
    pending.add(p);
    if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> flush());
    }
    p.promise()
        .future()
        .onSuccess(v -> json(req, 202, "{\"id\":\"" + id + "\"}"))
        .onFailure(e -> json(req, 503, "{\"error\":{\"code\":\"unavailable\"}}"));
  }

  private static void json(HttpServerRequest req, int status, String body) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
  }

  /** One pipelined batch of XADD for everything this event-loop turn accepted. */
  private void flush() {
    List<Pending> batch = pending;
    pending = new ArrayList<>();
    flushScheduled = false;
    List<Request> adds = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      adds.add(
          Request.cmd(Command.XADD)
              .arg(settings.stream())
              .arg("*")
              .arg("i")
              .arg(p.id())
              .arg("t")
              .arg(p.to())
              .arg("x")
              .arg(p.text()));
    }
    producer
        .batch(adds)
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onComplete(
            ar -> {
              for (Pending p : batch) {
                if (ar.succeeded()) {
                  p.promise().tryComplete();
                } else {
                  p.promise().tryFail(ar.cause());
                }
              }
            });
  }

  // --- send ------------------------------------------------------------------------------------

  private void read() {
    if (stopped) {
      return;
    }
    reader
        .send(
            Request.cmd(Command.XREADGROUP)
                .arg("GROUP")
                .arg(GROUP)
                .arg(consumer)
                .arg("COUNT")
                .arg(settings.readCount())
                .arg("BLOCK")
                .arg(BLOCK_MS)
                .arg("STREAMS")
                .arg(settings.stream())
                .arg(">"))
        .timeout(REDIS_TIMEOUT_MS + BLOCK_MS, TimeUnit.MILLISECONDS)
        .compose(this::deliver)
        .onComplete(
            ar -> {
              if (ar.failed() && !stopped) {
                System.err.println("bare egress: read/deliver failed: " + ar.cause());
                vertx.setTimer(100, t -> read());
              } else {
                read();
              }
            });
  }

  /** POSTs every entry read, then acknowledges and deletes those the provider took. */
  private Future<Void> deliver(Response reply) {
    List<String> ids = entries(reply);
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<Boolean>> sends = new ArrayList<>(ids.size() / 3);
    List<String> entryIds = new ArrayList<>(ids.size() / 3);
    for (int i = 0; i < ids.size(); i += 3) {
      entryIds.add(ids.get(i));
      sends.add(post(ids.get(i + 1), ids.get(i + 2)));
    }
    return Future.join(sends)
        .transform(
            ar -> {
              Request ack = Request.cmd(Command.XACK).arg(settings.stream()).arg(GROUP);
              Request del = Request.cmd(Command.XDEL).arg(settings.stream());
              int done = 0;
              for (int i = 0; i < sends.size(); i++) {
                if (sends.get(i).succeeded() && sends.get(i).result()) {
                  ack.arg(entryIds.get(i));
                  del.arg(entryIds.get(i));
                  done++;
                }
              }
              if (done == 0) {
                return Future.succeededFuture();
              }
              return producer
                  .batch(List.of(ack, del))
                  .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                  .mapEmpty();
            });
  }

  /** Entry id, to, text for each entry of an XREADGROUP reply (RESP2 or RESP3 shape). */
  private static List<String> entries(Response reply) {
    List<String> out = new ArrayList<>();
    if (reply == null) {
      return out;
    }
    // RESP2: [[stream, [[id, [f, v, …]], …]]]; RESP3: {stream: [[id, [f, v, …]], …]}.
    Response list;
    if (reply.getKeys() != null && !reply.getKeys().isEmpty()) {
      list = reply.get(reply.getKeys().iterator().next());
    } else {
      list = reply.get(0).get(1);
    }
    for (int i = 0; i < list.size(); i++) {
      Response entry = list.get(i);
      Response fields = entry.get(1);
      String to = null;
      String text = null;
      for (int f = 0; f + 1 < fields.size(); f += 2) {
        String name = fields.get(f).toString();
        if (name.equals("t")) {
          to = fields.get(f + 1).toString();
        } else if (name.equals("x")) {
          text = fields.get(f + 1).toString();
        }
      }
      out.add(entry.get(0).toString());
      out.add(to == null ? "" : to);
      out.add(text == null ? "" : text);
    }
    return out;
  }

  private Future<Boolean> post(String to, String text) {
    Buffer form =
        Buffer.buffer(
            "To="
                + URLEncoder.encode(to, StandardCharsets.UTF_8)
                + "&Body="
                + URLEncoder.encode(text, StandardCharsets.UTF_8));
    return provider
        .request(HttpMethod.POST, settings.providerUrl().getRawPath())
        .compose(
            r ->
                r.putHeader("Content-Type", "application/x-www-form-urlencoded")
                    .send(form)
                    .compose(this::succeeded))
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  private Future<Boolean> succeeded(HttpClientResponse r) {
    return r.body().map(b -> r.statusCode() >= 200 && r.statusCode() < 300);
  }
}
