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
