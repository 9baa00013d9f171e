package dev.sluice.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Loading the function library, and the work-set functions, on a redis-server of this class's own
 * (loading libraries is server-wide: never on the shared one). The other functions' contracts are
 * tested through their stores: InboundStoreIT, OutboundStoreIT, PushStoreIT.
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

  private static long unclaim(String member) {
    return send(Request.cmd(Command.FCALL)
            .arg("sluice_unclaim")
            .arg(1)
            .arg("{w}:work")
            .arg(member)
            .arg(15_000))
        .toLong();
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
