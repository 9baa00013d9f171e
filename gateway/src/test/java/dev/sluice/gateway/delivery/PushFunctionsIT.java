package dev.sluice.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.queue.Lane;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
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

/** The push-delivery Redis functions, called directly on the real Redis. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushFunctionsIT {
  /** A key namespace of this class's own: no gateway claims from its work set. */
  private static final String PREFIX = TestBackends.uniqueId("pf") + ":";

  private static Vertx vertx;
  private static RedisBackend redis;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    redis =
        RedisBackend.create(
            vertx, ConfigLoader.load(TestBackends.redisSettings(), Map.of()).config().redis());
    redis.awaitReadyAndLoadFunctions(5_000);
  }

  @AfterAll
  static void stop() {
    redis.close().await();
    vertx.close().await();
  }

  private static Response call(Request r) {
    return redis.send(r).await();
  }

  private static String add(TenantQueueKeys k, String conv, String text) {
    return call(Request.cmd(Command.XADD)
            .arg(k.inbound())
            .arg("*")
            .arg("c")
            .arg(conv)
            .arg("e")
            .arg("{\"text\":\"" + text + "\"}")
            .arg("r")
            .arg(""))
        .toString();
  }

  private static Response pull(TenantQueueKeys k, int max, long oldestMs) {
    return call(
        Request.cmd(Command.FCALL)
            .arg("sluice_push_pull")
            .arg(4)
            .arg(k.inbound())
            .arg(k.leases(Lane.INBOUND))
            .arg(k.inboundAttempts())
            .arg(k.inboundDeadLetters())
            .arg(max)
            .arg(60_000)
            .arg(1000)
            .arg(oldestMs));
  }

  /** The entry ids a pull handed out. */
  private static List<String> ids(Response pulled) {
    List<String> ids = new ArrayList<>();
    for (int i = 2; i + 4 < pulled.size(); i += 5) {
      ids.add(pulled.get(i).toString());
    }
    return ids;
  }

  private static Request done(TenantQueueKeys k, String action) {
    return Request.cmd(Command.FCALL)
        .arg("sluice_push_done")
        .arg(4)
        .arg(k.inbound())
        .arg(k.leases(Lane.INBOUND))
        .arg(k.inboundAttempts())
        .arg(k.delivered())
        .arg(action);
  }

  @Test
  void oneEventPerConversationAndAFailedOneHoldsBackOnlyItsConversation() {
    TenantQueueKeys k = new TenantQueueKeys(PREFIX, TestBackends.uniqueId("pf"), 0);
    String a1 = add(k, "a", "a1");
    String a2 = add(k, "a", "a2");
    String b1 = add(k, "b", "b1");

    Response first = pull(k, 10, 0);
    assertThat(ids(first)).containsExactly(a1, b1);
    assertThat(first.get(6).toInteger()).isZero(); // attempts so far

    long due = System.currentTimeMillis() + 60_000;
    assertThat(call(done(k, "retry").arg(a1).arg(due)).toInteger()).isEqualTo(1);
    assertThat(call(done(k, "ok").arg(100).arg(0).arg(b1)).toInteger()).isEqualTo(1);

    Response second = pull(k, 10, 0);
    assertThat(ids(second)).isEmpty(); // a1 waits for its retry, a2 behind it; b is done
    assertThat(second.get(0).toLong()).isEqualTo(due);
    assertThat(call(Request.cmd(Command.XLEN).arg(k.delivered())).toInteger()).isEqualTo(1);
    assertThat(call(Request.cmd(Command.HGET).arg(k.inboundAttempts()).arg(a1)).toInteger())
        .isEqualTo(1);

    call(Request.cmd(Command.ZADD).arg(k.leases(Lane.INBOUND)).arg(0).arg(a1)); // retry due now
    Response third = pull(k, 10, 0);
    assertThat(ids(third)).containsExactly(a1);
    assertThat(third.get(6).toInteger()).isEqualTo(1);
    call(done(k, "ok").arg(100).arg(0).arg(a1));
    assertThat(ids(pull(k, 10, 0))).containsExactly(a2);
  }

  @Test
  void eventsOlderThanTheMaximumAgeGoToTheDeadLetterLaneInsteadOfOut() {
    TenantQueueKeys k = new TenantQueueKeys(PREFIX, TestBackends.uniqueId("pf"), 1);
    String old = add(k, "a", "old");
    long cutoff = Long.parseLong(old.substring(0, old.indexOf('-'))) + 1;
    String young =
        call(Request.cmd(Command.XADD)
                .arg(k.inbound())
                .arg(cutoff + "-0")
                .arg("c")
                .arg("b")
                .arg("e")
                .arg("{}")
                .arg("r")
                .arg(""))
            .toString();

    Response pulled = pull(k, 10, cutoff);
    assertThat(pulled.get(1).toInteger()).isEqualTo(1); // dead-lettered
    assertThat(ids(pulled)).containsExactly(young);
    Response dead = call(Request.cmd(Command.XRANGE).arg(k.inboundDeadLetters()).arg("-").arg("+"));
    assertThat(dead.size()).isEqualTo(1);
    List<String> fields = new ArrayList<>();
    dead.get(0).get(1).forEach(f -> fields.add(f.toString()));
    assertThat(fields).containsSubsequence("id", old).containsSubsequence("reason", "expired");
    assertThat(call(Request.cmd(Command.XLEN).arg(k.inbound())).toInteger()).isEqualTo(1);
  }

  @Test
  void aReleasedUnitKeepsAnEarlierTimeSetWhileItWasWorked() {
    String unit = TestBackends.uniqueId("pf") + ":0";
    long now = System.currentTimeMillis();
    Request release =
        Request.cmd(Command.FCALL)
            .arg("sluice_release")
            .arg(1)
            .arg(DeliveryWork.key(PREFIX))
            .arg(unit);
    call(
        Request.cmd(Command.ZADD)
            .arg(DeliveryWork.key(PREFIX))
            .arg(now + 30_000)
            .arg(unit)); // claimed
    call(
        Request.cmd(Command.ZADD)
            .arg(DeliveryWork.key(PREFIX))
            .arg("LT")
            .arg(now)
            .arg(unit)); // new event
    call(release.arg(now + 60_000));
    assertThat(call(Request.cmd(Command.ZSCORE).arg(DeliveryWork.key(PREFIX)).arg(unit)).toLong())
        .isEqualTo(now);

    call(
        Request.cmd(Command.ZADD)
            .arg(DeliveryWork.key(PREFIX))
            .arg(now + 30_000)
            .arg(unit)); // claimed
    call(
        Request.cmd(Command.FCALL)
            .arg("sluice_release")
            .arg(1)
            .arg(DeliveryWork.key(PREFIX))
            .arg(unit)
            .arg(now + 60_000));
    assertThat(call(Request.cmd(Command.ZSCORE).arg(DeliveryWork.key(PREFIX)).arg(unit)).toLong())
        .isEqualTo(now + 60_000);
  }
}
