package dev.sluice.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code sluice_admit_nx} (what this gateway calls) against {@code sluice_admit} (kept for older
 * gateways in a rolling upgrade): the same arguments give the same answers and the same writes. On
 * a redis-server of this class's own (loading libraries is server-wide).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdmitFunctionsIT {
  private static final int TTL_SECONDS = 600;

  private static RedisServerProcess server;
  private static Vertx vertx;
  private static RedisBackend backend;
  private static Redis raw;

  @BeforeAll
  static void start() {
    server = new RedisServerProcess().start();
    vertx = Vertx.vertx();
    backend =
        RedisBackend.create(
            vertx, ConfigLoader.load(Map.of("redis.url", server.url()), Map.of()).config().redis());
    backend.loadFunctions().await();
    raw = Redis.createClient(vertx, server.url());
  }

  @AfterAll
  static void stop() throws Exception {
    raw.close();
    backend.close().await();
    vertx.close().await();
    server.close();
  }

  /** One event of a call: its id, its end user, and its GCRA interval (0 = not limited). */
  private record Event(String id, String user, long interval) {}

  @Test
  void bothFunctionsAnswerAndWriteTheSameForDuplicatesLimitsAndAFullBacklog() {
    // Bound 6; one per minute per user with a burst of one more; a repeat inside a batch.
    List<List<Event>> calls =
        List.of(
            List.of(ev("a", "u1"), ev("b", "u1"), ev("a", "u1"), ev("c", "u1")),
            List.of(ev("b", "u1"), ev("d", "u2"), new Event("s1", "u1", 0)),
            List.of(ev("e", "u3"), ev("f", "u3"), ev("g", "u3"), ev("d", "u2")));
    List<List<Long>> old = new ArrayList<>();
    List<List<Long>> lean = new ArrayList<>();
    for (List<Event> call : calls) {
      old.add(admit("sluice_admit", "old", call));
      lean.add(admit(Admission.FUNCTION, "new", call));
    }

    assertThat(lean).isEqualTo(old);
    assertThat(old)
        .containsExactly(
            List.of(0L, 0L, 1L, 2L), // c: over u1's burst, quarantined
            List.of(1L, 0L, 0L), // the status event is not limited
            List.of(0L, 3L, 3L, 1L)); // bound 6 reached after e; d is still a duplicate
    for (String side : List.of("old", "new")) {
      assertThat(len("{t:" + side + ":0}:in")).isEqualTo(5);
      assertThat(len("{t:" + side + ":0}:in:q")).isEqualTo(1);
      // A refused event leaves no dedup marker: the provider's redelivery is admitted later.
      assertThat(exists("{t:" + side + ":0}:dd:ch:f")).isFalse();
      assertThat(ttl("{t:" + side + ":0}:dd:ch:e")).isBetween(TTL_SECONDS - 5L, (long) TTL_SECONDS);
      assertThat(exists("{t:" + side + ":0}:dd:ch:c")).isTrue();
    }
  }

  @Test
  void anEventWhoseEnqueueFailsLeavesNoDedupMarkerSoItsRedeliveryIsAdmitted() {
    for (String function : List.of("sluice_admit", Admission.FUNCTION)) {
      String tenant = "full-" + function;
      // A stream whose last id is the largest possible: XADD '*' fails on it.
      send(
          Request.cmd(Command.XADD)
              .arg("{t:" + tenant + ":0}:in")
              .arg("18446744073709551615-18446744073709551615")
              .arg("f")
              .arg("v"));

      assertThatThrownBy(() -> admit(function, tenant, List.of(ev("x", "u1"))))
          .hasMessageContaining("exhausted");
      assertThat(exists("{t:" + tenant + ":0}:dd:ch:x")).as(function).isFalse();
    }
  }

  private static Event ev(String id, String user) {
    return new Event(id, user, 60_000);
  }

  private static List<Long> admit(String function, String tenant, List<Event> events) {
    String tag = "{t:" + tenant + ":0}";
    Request call =
        Request.cmd(Command.FCALL)
            .arg(function)
            .arg(2 + 2 * events.size())
            .arg(tag + ":in")
            .arg(tag + ":in:q");
    for (Event e : events) {
      call.arg(tag + ":dd:ch:" + e.id()).arg(tag + ":rl:ch:" + e.user());
    }
    call.arg(TTL_SECONDS).arg(6);
    for (Event e : events) {
      call.arg("{\"id\":\"" + e.id() + "\"}")
          .arg("{}")
          .arg("ch:" + e.user())
          .arg(e.interval())
          .arg(e.interval());
    }
    List<Long> out = new ArrayList<>();
    send(call).forEach(r -> out.add(r.toLong()));
    return out;
  }

  private static long len(String stream) {
    return send(Request.cmd(Command.XLEN).arg(stream)).toLong();
  }

  private static boolean exists(String key) {
    return send(Request.cmd(Command.EXISTS).arg(key)).toLong() == 1;
  }

  private static long ttl(String key) {
    return send(Request.cmd(Command.TTL).arg(key)).toLong();
  }

  private static Response send(Request request) {
    return raw.send(request).await();
  }
}
