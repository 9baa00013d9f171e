package dev.sluice.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The tests' provider API: a real HTTP server on port 0 that records every request and answers it,
 * in this order, with the next queued answer ({@link #answer}, {@link #hang}, {@link #drop}), with
 * the script of the request's WhatsApp phone number id ({@link #script}), or with its fallback: 599
 * for a connector test's {@link #start(Vertx) strict} fake, a success with a fresh wamid for a
 * gateway test's {@link #whatsApp() WhatsApp} fake.
 */
public final class FakeProvider implements AutoCloseable {

  /**
   * One request as the provider saw it.
   *
   * @param remotePort the client's port: which process sent it, when several gateways share the
   *     fake
   */
  public record Call(
      HttpMethod method, String path, MultiMap headers, Buffer body, long atMs, int remotePort) {
    /** The body as JSON; an empty body is an empty object. */
    public JsonObject json() {
      return body.length() == 0 ? new JsonObject() : body.toJsonObject();
    }

    /** The body decoded as {@code application/x-www-form-urlencoded}. */
    public MultiMap form() {
      MultiMap form = MultiMap.caseInsensitiveMultiMap();
      for (String pair : body.toString(StandardCharsets.UTF_8).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        form.add(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
      return form;
    }

    public String authorization() {
      return headers.get("Authorization");
    }

    /** A WhatsApp text message's text, or {@code null}. */
    public String text() {
      JsonObject t = json().getJsonObject("text");
      return t == null ? null : t.getString("body");
    }

    /** The phone number id of a WhatsApp Cloud API path ({@code /v23.0/{id}/messages}). */
    public String phoneNumberId() {
      String[] parts = path.split("/");
      return parts.length >= 3 ? parts[2] : null;
    }

    private static String decode(String s) {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
  }

  /** An answer; sent once {@code before} (when given) completes. */
  public record Reply(int status, String body, Map<String, String> headers, Future<?> before) {
    /** WhatsApp's success answer with this message id. */
    public static Reply ok(String wamid) {
      return new Reply(
          200,
          "{\"messaging_product\":\"whatsapp\",\"contacts\":[],\"messages\":[{\"id\":\""
              + wamid
              + "\"}]}",
          Map.of(),
          null);
    }

    /** A Graph API error answer. */
    public static Reply error(int status, int code, String message, Map<String, String> headers) {
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

  /** A queued answer: a reply, or never answering ({@code hang}), or closing ({@code drop}). */
  private record Queued(Reply reply, boolean hang, boolean drop) {}

  /**
   * Every call, in arrival order. Not copy-on-write: a scale test records 100,000 calls, and each
   * add would copy them all.
   */
  private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

  private final BlockingQueue<Call> received = new LinkedBlockingQueue<>();
  private final BlockingQueue<Queued> answers = new LinkedBlockingQueue<>();
  private final Map<String, Function<Call, Reply>> scripts = new ConcurrentHashMap<>();
  private final Function<Call, Reply> fallback;
  private final String contentType;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final HttpServer server;

  private FakeProvider(
      Vertx vertx, boolean ownsVertx, Function<Call, Reply> fallback, String contentType) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.fallback = fallback;
    this.contentType = contentType;
    this.server = vertx.createHttpServer().requestHandler(this::handle);
    server.listen(0, "127.0.0.1").await();
  }

  /** A strict fake on {@code vertx}: a request without a queued answer or script gets 599. */
  public static FakeProvider start(Vertx vertx) {
    return new FakeProvider(
        vertx, false, c -> new Reply(599, "no scripted answer", Map.of(), null), null);
  }

  /**
   * A WhatsApp Cloud API on its own Vert.x: unscripted sends succeed, each with a fresh wamid, and
   * every answer is JSON.
   */
  public static FakeProvider whatsApp() {
    AtomicInteger wamids = new AtomicInteger();
    return new FakeProvider(
        Vertx.vertx(),
        true,
        c -> Reply.ok("wamid.FAKE" + wamids.incrementAndGet()),
        "application/json");
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Answers the next request with this status, body and {@code name, value} header pairs. */
  public FakeProvider answer(int status, String body, String... headers) {
    Map<String, String> h = new LinkedHashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    answers.add(new Queued(new Reply(status, body, h, null), false, false));
    return this;
  }

  /** Answers the next request with this JSON and any {@code name, value} header pairs. */
  public FakeProvider answer(int status, JsonObject body, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Content-Type";
    all[1] = "application/json";
    System.arraycopy(headers, 0, all, 2, headers.length);
    return answer(status, body.encode(), all);
  }

  /** Reads the next request and never answers it. */
  public FakeProvider hang() {
    answers.add(new Queued(null, true, false));
    return this;
  }

  /** Reads the next request and closes the connection without answering. */
  public FakeProvider drop() {
    answers.add(new Queued(null, false, true));
    return this;
  }

  /**
   * Scripts the answers to requests for one WhatsApp phone number id (one channel); a script that
   * returns {@code null} leaves the request to the fallback.
   */
  public void script(String phoneNumberId, Function<Call, Reply> script) {
    scripts.put(phoneNumberId, script);
  }

  /** Every request so far, in arrival order. */
  public List<Call> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  /** The requests so far for one WhatsApp phone number id. */
  public List<Call> callsFor(String phoneNumberId) {
    return calls().stream().filter(c -> phoneNumberId.equals(c.phoneNumberId())).toList();
  }

  /** The next request not yet taken by this method, waiting up to 5 s for it. */
  public Call received() {
    try {
      Call r = received.poll(5, TimeUnit.SECONDS);
      assertThat(r).as("a request reached the fake provider").isNotNull();
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Requests received and not yet taken by {@link #received()}. */
  public int pending() {
    return received.size();
  }

  /** Forgets queued answers and received requests. */
  public void reset() {
    answers.clear();
    received.clear();
    calls.clear();
  }

  private void handle(HttpServerRequest request) {
    request
        .body()
        .onSuccess(
            body -> {
              Call call =
                  new Call(
                      request.method(),
                      request.path(),
                      MultiMap.caseInsensitiveMultiMap().addAll(request.headers()),
                      body,
                      System.currentTimeMillis(),
                      request.remoteAddress().port());
              calls.add(call);
              received.add(call);
              Queued queued = answers.poll();
              if (queued != null && queued.drop()) {
                request.connection().close();
                return;
              }
              if (queued != null && queued.hang()) {
                return;
              }
              Reply reply = queued != null ? queued.reply() : scripted(call);
              Future<?> before = reply.before() == null ? Future.succeededFuture() : reply.before();
              before.onComplete(
                  ar -> {
                    if (contentType != null) {
                      request.response().putHeader("Content-Type", contentType);
                    }
                    reply.headers().forEach(request.response()::putHeader);
                    request.response().setStatusCode(reply.status()).end(reply.body());
                  });
            });
  }

  private Reply scripted(Call call) {
    Function<Call, Reply> script = scripts.get(String.valueOf(call.phoneNumberId()));
    Reply reply = script == null ? null : script.apply(call);
    return reply != null ? reply : fallback.apply(call);
  }

  /** A local port nothing listens on. */
  public static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (ownsVertx) {
      vertx.close().await();
    } else {
      server.close().await();
    }
  }
}
