package dev.sluice.gateway.dispatch;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A WhatsApp Cloud API stand-in: a real HTTP server on port 0 that records every send and answers
 * what the test scripts (per request), by default a success with a fresh wamid.
 */
public final class FakeProvider implements AutoCloseable {
  /**
   * A recorded send request.
   *
   * @param remotePort the client's port: which gateway process sent it (see {@code
   *     GatewayProcess#portsConnectedTo})
   */
  public record Call(
      String path, String authorization, JsonObject body, long atMs, int remotePort) {
    public String text() {
      JsonObject t = body.getJsonObject("text");
      return t == null ? null : t.getString("body");
    }

    public String phoneNumberId() {
      String[] parts = path.split("/");
      return parts.length >= 3 ? parts[2] : null;
    }
  }

  /** A scripted answer, sent once {@code before} (if any) completes. */
  public record Reply(int status, String body, Map<String, String> headers, Future<?> before) {
    public static Reply ok(String wamid) {
      return new Reply(
          200,
          "{\"messaging_product\":\"whatsapp\",\"contacts\":[],\"messages\":[{\"id\":\""
              + wamid
              + "\"}]}",
          Map.of(),
          null);
    }

    static Reply error(int status, int code, String message, Map<String, String> headers) {
      return new Reply(
          status,
          "{\"error\":{\"message\":\"(#"
              + code
              + ") "
              + message
              + "\",\"type\":\"OAuthException\","
              + "\"code\":"
              + code
              + ",\"fbtrace_id\":\"x\"}}",
          headers,
          null);
    }
  }

  public final List<Call> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger counter = new AtomicInteger();
  private final Map<String, Function<Call, Reply>> scripts = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private final HttpServer server;

  public FakeProvider() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(this::handle);
    server.listen(0, "127.0.0.1").await();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Scripts the answers to requests for one phone number id (one channel). */
  public void script(String phoneNumberId, Function<Call, Reply> script) {
    scripts.put(phoneNumberId, script);
  }

  public List<Call> callsFor(String phoneNumberId) {
    return calls.stream().filter(c -> phoneNumberId.equals(c.phoneNumberId())).toList();
  }

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            (Buffer b) -> {
              Call call =
                  new Call(
                      req.path(),
                      req.getHeader("Authorization"),
                      b.length() == 0 ? new JsonObject() : b.toJsonObject(),
                      System.currentTimeMillis(),
                      req.remoteAddress().port());
              calls.add(call);
              Function<Call, Reply> script = scripts.get(String.valueOf(call.phoneNumberId()));
              Reply reply = script == null ? null : script.apply(call);
              if (reply == null) {
                reply = Reply.ok("wamid.FAKE" + counter.incrementAndGet());
              }
              Reply r = reply;
              Future<?> before = r.before() == null ? Future.succeededFuture() : r.before();
              before.onComplete(
                  ar -> {
                    r.headers().forEach(req.response()::putHeader);
                    req.response()
                        .setStatusCode(r.status())
                        .putHeader("content-type", "application/json")
                        .end(r.body());
                  });
            });
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
