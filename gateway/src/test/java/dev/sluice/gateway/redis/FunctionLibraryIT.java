package dev.sluice.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.ConfigLoader;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Loading the function library, and the batched pacing function, on a redis-server of this class's
 * own (loading libraries is server-wide: never on the shared one).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FunctionLibraryIT {
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
    raw = Redis.createClient(vertx, server.url());
  }

  @AfterAll
  static void stop() throws Exception {
    raw.close();
    backend.close().await();
    vertx.close().await();
    server.close();
  }

  @BeforeEach
  void flush() {
    send(Request.cmd(Command.FUNCTION).arg("FLUSH"));
    send(Request.cmd(Command.FLUSHALL));
  }

  @Test
  void theLibraryIsLoadedOverNothingAndOverAnOlderVersion() {
    int ours = RedisBackend.libraryVersion(RedisBackend.library());
    backend.loadFunctions().await();
    assertThat(version()).isEqualTo(ours);

    loadFakeLibrary(ours - 1);
    backend.loadFunctions().await();
    assertThat(version()).isEqualTo(ours);
  }

  @Test
  void aNewerLibraryIsKeptSoARestartingOlderGatewayCannotTakeFunctionsAway() {
    int ours = RedisBackend.libraryVersion(RedisBackend.library());
    loadFakeLibrary(ours + 1);
    backend.loadFunctions().await();
    assertThat(version()).isEqualTo(ours + 1);
  }

  @Test
  void paceManyLetsTheBurstGoThenMakesTheRestWaitWithoutHoldingBackOtherRecipients() {
    backend.loadFunctions().await();
    // Sender: one per 100 ms, a burst of 2 (tolerance 200 ms). Recipients: one per minute, no
    // burst beyond the first.
    List<Long> first = paceMany("a", "b", "a", "c", "d");
    assertThat(first.get(0)).isZero(); // a
    assertThat(first.get(1)).isZero(); // b
    assertThat(first.get(2)).isBetween(59_000L, 60_000L); // a again: its recipient must wait
    assertThat(first.get(3)).isZero(); // c: the waiting "a" held back nothing
    assertThat(first.get(4)).isBetween(1L, 100L); // d: the sender's burst is spent
  }

  @Test
  void unclaimRemovesAnEmptyUnitButSparesOneMarkedDueSinceItsClaim() {
    backend.loadFunctions().await();
    long now = System.currentTimeMillis();
    send(Request.cmd(Command.ZADD).arg("{w}:work").arg(now + 30_000).arg("claimed"));
    send(Request.cmd(Command.ZADD).arg("{w}:work").arg(now).arg("marked"));

    assertThat(unclaim("claimed")).isEqualTo(1);
    assertThat(unclaim("marked")).isZero(); // a producer lowered it to its "now": work arrived
    assertThat(unclaim("absent")).isZero();
    assertThat(send(Request.cmd(Command.ZSCORE).arg("{w}:work").arg("claimed"))).isNull();
    assertThat(send(Request.cmd(Command.ZSCORE).arg("{w}:work").arg("marked"))).isNotNull();
  }

  @Test
  void unclaimManyRemovesOnlyTheUnitsStillUnderTheirClaim() {
    backend.loadFunctions().await();
    long now = System.currentTimeMillis();
    send(Request.cmd(Command.ZADD).arg("{w}:work").arg(now + 30_000).arg("a"));
    send(Request.cmd(Command.ZADD).arg("{w}:work").arg(now).arg("b"));
    send(Request.cmd(Command.ZADD).arg("{w}:work").arg(now + 30_000).arg("c"));

    long removed =
        send(Request.cmd(Command.FCALL)
                .arg("sluice_unclaim_many")
                .arg(1)
                .arg("{w}:work")
                .arg(15_000)
                .arg("a")
                .arg("b")
                .arg("c")
                .arg("absent"))
            .toLong();

    assertThat(removed).isEqualTo(2);
    assertThat(send(Request.cmd(Command.ZRANGE).arg("{w}:work").arg(0).arg(-1)).toString())
        .isEqualTo("[b]");
  }

  @Test
  void aFinishRecordedTwiceQueuesOneStatusEventAndLeavesNoMarkerBehind() {
    backend.loadFunctions().await();
    String id = enqueueAndPull("conv-1");

    List<Long> first = record(10, outcome("finish", id, "{\"status\":\"sent\"}"));
    List<Long> again = record(10, outcome("finish", id, "{\"status\":\"sent\"}"));

    assertThat(first).containsExactly(0L, 0L);
    assertThat(again).containsExactly(0L, 0L);
    assertThat(len("{t:x:0}:in")).isEqualTo(1); // one status event, not two
    assertThat(len("{t:x:0}:out:hi")).isZero();
    // No key per message is kept for days to make the second call harmless.
    assertThat(send(Request.cmd(Command.KEYS).arg("*dd*")).size()).isZero();
  }

  @Test
  void aRetryOrWaitRecordedAfterTheFinishCannotBringTheMessageBack() {
    backend.loadFunctions().await();
    String id = enqueueAndPull("conv-2");
    record(10, outcome("finish", id, ""));

    long due = System.currentTimeMillis() + 60_000;
    record(10, List.of("retry", "hi", id, Long.toString(due), "", "", "conv-2", "", ""));
    record(10, List.of("wait", "hi", id, Long.toString(due), "", "", "conv-2", "", ""));

    assertThat(send(Request.cmd(Command.ZSCORE).arg("{t:x:0}:out:hi:lease").arg(id))).isNull();
    assertThat(send(Request.cmd(Command.HEXISTS).arg("{t:x:0}:out:att").arg(id)).toInteger())
        .isZero();
  }

  @Test
  void statusEventsStopAtTheTenantsBacklogBoundAndAreCounted() {
    backend.loadFunctions().await();
    String a = enqueueAndPull("conv-a");
    String b = enqueueAndPull("conv-b");
    String c = enqueueAndPull("conv-c");

    List<String> outcomes = new ArrayList<>();
    for (String id : List.of(a, b, c)) {
      outcomes.addAll(outcome("finish", id, "{}"));
    }
    List<Long> reply = record(2, outcomes);

    assertThat(reply).containsExactly(0L, 1L); // nothing left; one event dropped
    assertThat(len("{t:x:0}:in")).isEqualTo(2);
    assertThat(len("{t:x:0}:out:hi")).isZero(); // every message finished all the same
  }

  /** Adds a message to partition {t:x:0}'s high lane and leases it as sluice_out_pull does. */
  private static String enqueueAndPull(String conversation) {
    String id =
        send(Request.cmd(Command.XADD)
                .arg("{t:x:0}:out:hi")
                .arg("*")
                .arg("c")
                .arg(conversation)
                .arg("m")
                .arg("{}"))
            .toString();
    send(
        Request.cmd(Command.ZADD)
            .arg("{t:x:0}:out:hi:lease")
            .arg(System.currentTimeMillis() + 60_000)
            .arg(id));
    return id;
  }

  private static List<String> outcome(String action, String id, String event) {
    return List.of(action, "hi", id, "0", event, event.isEmpty() ? "" : "{}", "c", "", "");
  }

  private static List<Long> record(long bound, List<String> outcomes) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_out_record")
            .arg(8)
            .arg("{t:x:0}:out:hi")
            .arg("{t:x:0}:out:hi:lease")
            .arg("{t:x:0}:out:lo")
            .arg("{t:x:0}:out:lo:lease")
            .arg("{t:x:0}:out:att")
            .arg("{t:x:0}:dlq")
            .arg("{t:x:0}:in")
            .arg("{t:x:0}:optout")
            .arg(bound);
    outcomes.forEach(call::arg);
    List<Long> out = new ArrayList<>();
    send(call).forEach(r -> out.add(r.toLong()));
    return out;
  }

  private static long len(String stream) {
    return send(Request.cmd(Command.XLEN).arg(stream)).toLong();
  }

  private static long unclaim(String member) {
    return send(Request.cmd(Command.FCALL)
            .arg("sluice_unclaim")
            .arg(1)
            .arg("{w}:work")
            .arg(member)
            .arg(15_000))
        .toLong();
  }

  private List<Long> paceMany(String... recipients) {
    Request call =
        Request.cmd(Command.FCALL)
            .arg("sluice_pace_many")
            .arg(1 + recipients.length)
            .arg("{c:ch}:rate");
    for (String r : recipients) {
      call.arg("{c:ch}:r:" + r);
    }
    call.arg("100").arg("200").arg("60000").arg("0");
    List<Long> waits = new ArrayList<>();
    send(call).forEach(w -> waits.add(w.toLong()));
    return waits;
  }

  private static void loadFakeLibrary(int version) {
    send(
        Request.cmd(Command.FUNCTION)
            .arg("LOAD")
            .arg("REPLACE")
            .arg(
                "#!lua name=sluice\n"
                    + "redis.register_function{ function_name = 'sluice_version',\n"
                    + "  callback = function(keys, args) return "
                    + version
                    + " end, flags = { 'no-writes' } }\n"));
  }

  private static int version() {
    return send(Request.cmd(Command.FCALL).arg("sluice_version").arg(0)).toInteger();
  }

  private static Response send(Request request) {
    return raw.send(request).await();
  }
}
