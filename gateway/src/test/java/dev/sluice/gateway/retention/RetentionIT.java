package dev.sluice.gateway.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.ledger.HistoryPartitions;
import dev.sluice.gateway.ledger.LedgerEvent;
import dev.sluice.gateway.ledger.LedgerRepository;
import dev.sluice.gateway.ledger.MessageStatus;
import dev.sluice.gateway.privacy.AuditLog;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.tenant.TestDatabase;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Retention: per-tenant settings on the operator API, and a sweep on an injected clock that removes
 * expired history, campaign variables and Redis archives/dead letters, and nothing younger.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RetentionIT {
  private static final String TOKEN = "retention-admin-" + UUID.randomUUID();
  private static final Duration DAY = Duration.ofDays(1);

  private static TestDatabase db;
  private static GatewayConfig config;
  private static Gateway gateway;
  private static int port;
  private static Vertx vertx;
  private static WebClient client;
  private static Pool pool;
  private static RedisBackend redis;
  private static LedgerRepository ledger;

  @BeforeAll
  static void start() {
    db = TestDatabase.create();
    port = FreePorts.find();
    Map<String, String> settings = TestGateways.settings(port, db.name());
    settings.put("pg.url", db.url());
    settings.put("admin.token", TOKEN);
    settings.put("retention.historyDays", "365");
    settings.put("retention.bodyDays", "30");
    settings.put("retention.payloadDays", "30");
    settings.put("retention.sweepMinutes", "10080");
    config = TestGateways.config(settings);
    gateway = Gateway.start(config);
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    pool = db.pool(vertx);
    redis = RedisBackend.create(vertx, config.redis());
    ledger = TestGateways.ledgerRepository(pool);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close().await();
    }
    if (redis != null) {
      redis.close().await();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (db != null) {
      db.close();
    }
  }

  @Test
  void operatorSetsAndClearsATenantsRetention() {
    String tenant = tenant();
    JsonObject shown = call(HttpMethod.GET, "/admin/tenants/" + tenant + "/retention", null, 200);
    assertThat(shown.getInteger("historyDays")).isEqualTo(365);
    assertThat(shown.getInteger("bodyDays")).isEqualTo(30);
    assertThat(shown.getJsonObject("own").getValue("historyDays")).isNull();

    JsonObject set =
        call(
            HttpMethod.PUT,
            "/admin/tenants/" + tenant + "/retention",
            new JsonObject().put("historyDays", 90).put("bodyDays", 7),
            200);
    assertThat(set.getInteger("historyDays")).isEqualTo(90);
    assertThat(set.getInteger("bodyDays")).isEqualTo(7);
    assertThat(set.getInteger("payloadDays")).isEqualTo(30);
    assertThat(set.getJsonObject("own").getInteger("historyDays")).isEqualTo(90);
    assertThat(call(HttpMethod.GET, "/admin/tenants/" + tenant + "/retention", null, 200))
        .isEqualTo(set);

    // Bodies may not outlive the history, counting the default for what is left out.
    JsonObject refused =
        call(
            HttpMethod.PUT,
            "/admin/tenants/" + tenant + "/retention",
            new JsonObject().put("historyDays", 20),
            422);
    assertThat(refused.getJsonObject("error").getString("message")).contains("bodyDays");
    call(
        HttpMethod.PUT,
        "/admin/tenants/" + tenant + "/retention",
        new JsonObject().put("historyDays", 0),
        422);
    call(
        HttpMethod.PUT,
        "/admin/tenants/" + tenant + "/retention",
        new JsonObject().put("history", 10),
        422);
    // The refusals left the settings as they were.
    assertThat(call(HttpMethod.GET, "/admin/tenants/" + tenant + "/retention", null, 200))
        .isEqualTo(set);

    JsonObject cleared =
        call(HttpMethod.PUT, "/admin/tenants/" + tenant + "/retention", new JsonObject(), 200);
    assertThat(cleared.getInteger("historyDays")).isEqualTo(365);
    assertThat(cleared.getJsonObject("own").getValue("bodyDays")).isNull();

    call(HttpMethod.GET, "/admin/tenants/no-such-tenant/retention", null, 404);
    call(
        HttpMethod.PUT,
        "/admin/tenants/no-such-tenant/retention",
        new JsonObject().put("historyDays", 10).put("bodyDays", 5),
        404);
    HttpResponse<Buffer> anonymous =
        client
            .request(HttpMethod.GET, port, "127.0.0.1", "/admin/tenants/" + tenant + "/retention")
            .send()
            .await();
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  @Test
  void aSweepRemovesWhatHasExpiredAndNothingYounger() {
    Instant now = Instant.now();
    MutableClock clock = new MutableClock(now);
    String a = tenant();
    String b = tenant();
    // b keeps history only 7 days; a follows the defaults (365 / 30 / 30).
    call(
        HttpMethod.PUT,
        "/admin/tenants/" + b + "/retention",
        new JsonObject().put("historyDays", 7).put("bodyDays", 7).put("payloadDays", 7),
        200);

    // The month of a's oldest message exists: retention drops it whole.
    HistoryPartitions months = new HistoryPartitions(pool);
    Instant longAgo = now.minus(DAY.multipliedBy(400));
    months.ensure(longAgo, 0).await();
    String aOld = message(a, longAgo);
    String aMid = message(a, now.minus(DAY.multipliedBy(40)));
    String aNew = message(a, now);
    String bMid = message(b, now.minus(DAY.multipliedBy(10)));
    String bNew = message(b, now.minus(DAY.multipliedBy(2)));
    UUID oldCampaign = campaign(a, now.minus(DAY.multipliedBy(400)), 12_000);
    UUID midCampaign = campaign(a, now.minus(DAY.multipliedBy(40)), 12_000);
    UUID newCampaign = campaign(a, now.minus(DAY), 10);

    TenantQueueKeys aKeys = new TenantQueueKeys(redis.keyPrefix(), a, 3);
    List<String> stale = new ArrayList<>();
    List<String> fresh = new ArrayList<>();
    for (String key : List.of(aKeys.delivered(), aKeys.inboundDeadLetters(), aKeys.deadLetters())) {
      stale.add(xadd(key, now.minus(DAY.multipliedBy(31))));
      fresh.add(xadd(key, now.minus(DAY.multipliedBy(29))));
    }
    TenantQueueKeys bKeys = new TenantQueueKeys(redis.keyPrefix(), b, 0);
    String bStale = xadd(bKeys.deadLetters(), now.minus(DAY.multipliedBy(8)));
    String bFresh = xadd(bKeys.deadLetters(), now.minus(DAY.multipliedBy(6)));

    assertThat(bodyPresent(aMid)).as("a body kept, sealed, until its retention ends").isTrue();
    RetentionSweeper sweeper = sweeper(clock);
    RetentionSweeper.Swept swept = sweepOnce(sweeper);

    assertThat(messagePresent(aOld)).isFalse();
    assertThat(swept.monthsDropped()).isGreaterThanOrEqualTo(1);
    assertThat(months.months().await())
        .doesNotContain(YearMonth.from(longAgo.atZone(ZoneOffset.UTC)));
    assertThat(db.count("SELECT count(*) FROM message_events WHERE message_id = ?::uuid", aOld))
        .isZero();
    assertThat(messagePresent(aMid)).isTrue();
    assertThat(messagePresent(aNew)).isTrue();
    // Bodies go before the history: a's 40-day-old message keeps its statuses, not its text.
    assertThat(bodyPresent(aMid)).isFalse();
    assertThat(bodyPresent(aNew)).isTrue();
    assertThat(bodyPresent(bNew)).isTrue();
    assertThat(messagePresent(bMid)).isFalse();
    assertThat(messagePresent(bNew)).isTrue();
    assertThat(db.count("SELECT count(*) FROM message_events WHERE message_id = ?::uuid", aMid))
        .isEqualTo(1);

    assertThat(rows(oldCampaign)).isZero();
    assertThat(db.count("SELECT count(*) FROM campaigns WHERE id = ?", oldCampaign)).isZero();
    assertThat(rows(midCampaign)).isEqualTo(12_000);
    assertThat(rowsWithVars(midCampaign)).isZero();
    assertThat(rowsWithVars(newCampaign)).isEqualTo(10);

    for (int i = 0; i < stale.size(); i++) {
      List<String> ids =
          ids(List.of(aKeys.delivered(), aKeys.inboundDeadLetters(), aKeys.deadLetters()).get(i));
      assertThat(ids).containsExactly(fresh.get(i)).doesNotContain(stale.get(i));
    }
    assertThat(ids(bKeys.deadLetters())).containsExactly(bFresh).doesNotContain(bStale);

    assertThat(swept.historyRows()).isGreaterThanOrEqualTo(1); // b's, row by row
    assertThat(swept.campaignRows()).isGreaterThanOrEqualTo(12_000);
    assertThat(swept.bodiesRedacted()).isGreaterThanOrEqualTo(12_000);

    // A year later on the injected clock, a's history and the campaigns go too.
    clock.set(now.plus(DAY.multipliedBy(366)));
    sweepOnce(sweeper);
    assertThat(messagePresent(aMid)).isFalse();
    assertThat(messagePresent(aNew)).isFalse();
    assertThat(rows(midCampaign)).isZero();
    assertThat(rows(newCampaign)).isZero();
    assertThat(ids(aKeys.delivered())).isEmpty();
  }

  @Test
  void noPassStartsWhileAnotherInstanceSweeps() {
    RetentionSweeper sweeper = sweeper(MutableClock.system());
    io.vertx.sqlclient.SqlConnection other = pool.getConnection().await();
    try {
      // What another instance's sweep holds while it runs (the gateway's own may hold it briefly).
      Await.until(
          "the sweep lock",
          Duration.ofSeconds(20),
          () ->
              other
                  .preparedQuery("SELECT pg_try_advisory_lock($1) AS taken")
                  .execute(io.vertx.sqlclient.Tuple.of(RetentionSweeper.LOCK))
                  .await()
                  .iterator()
                  .next()
                  .getBoolean("taken"));
      assertThat(sweeper.sweep().await().swept()).isFalse();
    } finally {
      other.close().await(); // a dead instance's session ends, and its lock with it
    }
    assertThat(sweepOnce(sweeper).swept()).isTrue();
  }

  private static RetentionSweeper sweeper(java.time.Clock clock) {
    return new RetentionSweeper(
        pool,
        redis,
        new RetentionRepository(pool, new AuditLog(pool)),
        Retention.of(config.retention()),
        config.ingress().partitions(),
        new SimpleMeterRegistry(),
        clock);
  }

  /** One pass that was not skipped (the gateway's own sweeper may hold the lock for a moment). */
  private static RetentionSweeper.Swept sweepOnce(RetentionSweeper sweeper) {
    RetentionSweeper.Swept[] result = new RetentionSweeper.Swept[1];
    Await.until(
        "a retention sweep that is not skipped",
        Duration.ofSeconds(20),
        () -> (result[0] = sweeper.sweep().await()).swept());
    return result[0];
  }

  private static String tenant() {
    String id = "ret-" + UUID.randomUUID().toString().substring(0, 8);
    call(
        HttpMethod.POST,
        "/admin/tenants",
        new JsonObject().put("id", id).put("name", "Retention " + id),
        201);
    return id;
  }

  /** A sent message of the tenant created at {@code created}, with one history row. */
  private static String message(String tenant, Instant created) {
    String id = UUID.randomUUID().toString();
    long at = created.toEpochMilli();
    ledger
        .write(
            List.of(
                event(id, tenant, MessageStatus.ACCEPTED, at, null, "api"),
                event(id, tenant, MessageStatus.SENT, at + 1_000, "wamid." + id, "dispatcher")))
        .await();
    return id;
  }

  private static LedgerEvent event(
      String id, String tenant, MessageStatus status, long at, String pmid, String source) {
    return new LedgerEvent(
        id,
        tenant,
        tenant + "-wa",
        "whatsapp",
        "+15555550100",
        "high",
        null,
        at - (status == MessageStatus.ACCEPTED ? 0 : 1_000),
        status,
        at,
        pmid,
        null,
        null,
        source,
        null,
        status == MessageStatus.ACCEPTED
            ? "{\"type\":\"text\",\"text\":\"body of " + id + "\"}"
            : null);
  }

  private static boolean bodyPresent(String id) {
    return db.count("SELECT count(*) FROM message_bodies WHERE message_id = ?::uuid", id) == 1;
  }

  private static boolean messagePresent(String id) {
    return db.count("SELECT count(*) FROM messages WHERE id = ?::uuid", id) == 1;
  }

  /** A completed campaign finished at {@code finished} with {@code rows} audience rows. */
  private static UUID campaign(String tenant, Instant finished, int rows) {
    UUID id = UUID.randomUUID();
    db.execute(
        "INSERT INTO campaigns (id, tenant_id, name, channel_id, message, lane, status, total,"
            + " created_at, started_at, finished_at) VALUES (?, ?, 'c', ?, '{\"text\":\"Hi {{n}}\"}'::jsonb,"
            + " 'low', 'completed', ?, ?::timestamptz, ?::timestamptz, ?::timestamptz)",
        id,
        tenant,
        tenant + "-wa",
        rows,
        finished.toString(),
        finished.toString(),
        finished.toString());
    db.execute(
        "INSERT INTO campaign_rows (campaign_id, row_no, phone, vars, state)"
            + " SELECT ?, n, '+1555' || lpad(n::text, 7, '0'), jsonb_build_object('n', 'name' || n),"
            + " 'queued' FROM generate_series(1, ?) n",
        id,
        rows);
    return id;
  }

  private static long rows(UUID campaign) {
    return db.count("SELECT count(*) FROM campaign_rows WHERE campaign_id = ?", campaign);
  }

  private static long rowsWithVars(UUID campaign) {
    return db.count(
        "SELECT count(*) FROM campaign_rows WHERE campaign_id = ? AND vars IS NOT NULL", campaign);
  }

  private static String xadd(String key, Instant at) {
    return redis
        .send(Request.cmd(Command.XADD).arg(key).arg(at.toEpochMilli() + "-*").arg("e").arg("x"))
        .await()
        .toString();
  }

  private static List<String> ids(String key) {
    List<String> out = new ArrayList<>();
    redis
        .send(Request.cmd(Command.XRANGE).arg(key).arg("-").arg("+"))
        .await()
        .forEach(entry -> out.add(entry.get(0).toString()));
    return out;
  }

  private static JsonObject call(HttpMethod method, String path, JsonObject body, int status) {
    HttpRequest<Buffer> request =
        client
            .request(method, port, "127.0.0.1", path)
            .putHeader("Authorization", "Bearer " + TOKEN);
    HttpResponse<Buffer> response =
        body == null ? request.send().await() : request.sendJsonObject(body).await();
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    String text = response.bodyAsString();
    return text == null || text.isEmpty() ? new JsonObject() : new JsonObject(text);
  }
}
