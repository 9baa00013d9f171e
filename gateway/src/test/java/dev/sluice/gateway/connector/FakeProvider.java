package dev.sluice.gateway.connector;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A provider API as a real HTTP server on port 0: records every request and answers each with the
 * next scripted answer (or never, for deadline tests). Unscripted requests get 599.
 */
public final class FakeProvider implements AutoCloseable {

  /** A scripted answer; {@code hang} answers never, {@code drop} closes the connection. */
  private record Answer(int status, MultiMap headers, String body, boolean hang, boolean drop) {}

  /** One request as the provider saw it. */
  public record Received(HttpMethod method, String path, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return body.toJsonObject();
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

    private static String decode(String s) {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
  }

  private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final HttpServer server;

  private FakeProvider(Vertx vertx) {
    this.server = vertx.createHttpServer().requestHandler(this::handle);
    server.listen(0, "127.0.0.1").await();
  }

  public static FakeProvider start(Vertx vertx) {
    return new FakeProvider(vertx);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Answers the next request with this status, body and {@code name, value} header pairs. */
  public FakeProvider answer(int status, String body, String... headers) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1]);
    }
    answers.add(new Answer(status, h, body, false, false));
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
    answers.add(new Answer(0, null, null, true, false));
    return this;
  }

  /** Reads the next request and closes the connection without answering. */
  public FakeProvider drop() {
    answers.add(new Answer(0, null, null, false, true));
    return this;
  }

  /** The next request received, waiting briefly for it. */
  public Received received() {
    try {
      Received r = received.poll(5, TimeUnit.SECONDS);
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

  /** Forgets scripted answers and received requests. */
  public void reset() {
    answers.clear();
    received.clear();
  }

  private void handle(HttpServerRequest request) {
    request
        .body()
        .onSuccess(
            body -> {
              received.add(
                  new Received(
                      request.method(),
                      request.path(),
                      MultiMap.caseInsensitiveMultiMap().addAll(request.headers()),
                      body));
              Answer a = answers.poll();
              if (a == null) {
                request.response().setStatusCode(599).end("no scripted answer");
              } else if (a.drop()) {
                request.connection().close();
              } else if (!a.hang()) {
                request.response().setStatusCode(a.status()).headers().addAll(a.headers());
                request.response().end(a.body());
              }
            });
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
    server.close().await();
  }
}
