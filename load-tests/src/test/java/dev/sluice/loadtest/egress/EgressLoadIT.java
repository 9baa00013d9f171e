package dev.sluice.loadtest.egress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.loadtest.Args;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The egress generator against real HTTP servers on port 0 that answer like Sluice or Kannel. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EgressLoadIT {
  private static Vertx vertx;

  @TempDir Path dir;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @Test
  void sluiceAnswersAreCountedAndEveryAcceptedIdIsWrittenWithItsStart() throws Exception {
    Set<String> texts = ConcurrentHashMap.newKeySet();
    AtomicInteger n = new AtomicInteger();
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              JsonObject m = b.toJsonObject();
                              texts.add(m.getString("text"));
                              boolean authorized =
                                  "Bearer key-1".equals(req.getHeader("Authorization"))
                                      && req.path().equals("/v1/messages")
                                      && m.getString("to").matches("\\+14155\\d{6}")
                                      && m.getString("channel").equals("wa-1");
                              int i = n.incrementAndGet();
                              if (!authorized) {
                                req.response().setStatusCode(400).end();
                              } else if (i % 5 == 0) {
                                req.response().setStatusCode(503).end("{}");
                              } else {
                                req.response()
                                    .setStatusCode(202)
                                    .end(new JsonObject().put("id", "id-" + i).encode());
                              }
                            }))
            .listen(0, "127.0.0.1")
            .await();
    try {
      Files.writeString(dir.resolve("routes.txt"), "t1 key-1 wa-1\n");
      EgressSettings s =
          EgressSettings.from(
              Args.parse(
                  new String[] {
                    "--url",
                    "http://127.0.0.1:" + server.actualPort(),
                    "--routes",
                    dir.resolve("routes.txt").toString(),
                    "--mode",
                    "rate",
                    "--rate",
                    "100",
                    "--warmup-s",
                    "0",
                    "--duration-s",
                    "1",
                    "--tag",
                    "it1",
                    "--out",
                    dir.resolve("out").toString()
                  }));

      JsonObject summary = EgressLoad.run(s);

      assertThat(summary.getLong("issued")).isEqualTo(100);
      assertThat(summary.getJsonObject("outcomes").getLong("202")).isEqualTo(80);
      assertThat(summary.getJsonObject("outcomes").getLong("503")).isEqualTo(20);
      assertThat(summary.getLong("errors")).isEqualTo(20);
      assertThat(texts).hasSize(100).allMatch(t -> t.startsWith("lt-it1-"));
      List<String> accepted = Files.readAllLines(dir.resolve("out.accepted"));
      assertThat(accepted).hasSize(80).allMatch(l -> l.matches("\\d+ id-\\d+ \\d{16} 1"));
    } finally {
      server.close().await();
    }
  }

  @Test
  void kannelAcceptanceIs202AndTheTextTravelsInTheQuery() throws Exception {
    Set<String> texts = ConcurrentHashMap.newKeySet();
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  texts.add(req.getParam("text"));
                  boolean ok =
                      req.path().equals("/cgi-bin/sendsms")
                          && "bench".equals(req.getParam("username"))
                          && "pw".equals(req.getParam("password"))
                          && req.getParam("to").startsWith("+14155");
                  req.response()
                      .setStatusCode(ok ? 202 : 403)
                      .end(ok ? "0: Accepted for delivery" : "Authorization failed");
                })
            .listen(0, "127.0.0.1")
            .await();
    try {
      EgressSettings s =
          EgressSettings.from(
              Args.parse(
                  new String[] {
                    "--target",
                    "kannel",
                    "--url",
                    "http://127.0.0.1:" + server.actualPort(),
                    "--kannel-user",
                    "bench",
                    "--kannel-password",
                    "pw",
                    "--mode",
                    "max",
                    "--concurrency",
                    "4",
                    "--connections",
                    "4",
                    "--warmup-s",
                    "0",
                    "--duration-s",
                    "1",
                    "--tag",
                    "k",
                    "--out",
                    dir.resolve("k").toString()
                  }));

      JsonObject summary = EgressLoad.run(s);

      assertThat(summary.getLong("errors")).isZero();
      assertThat(summary.getLong("ok")).isPositive().isEqualTo(texts.size());
      assertThat(Files.readAllLines(dir.resolve("k.accepted")))
          .hasSize(texts.size())
          .allMatch(l -> l.matches("\\d+ - \\d{16} 1"));
    } finally {
      server.close().await();
    }
  }
}
