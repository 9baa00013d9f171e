package dev.sluice.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberToTimeZonesMapper;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.outbound.CampaignHolds;
import dev.sluice.gateway.outbound.MessageCodec;
import dev.sluice.gateway.outbound.OutboundLane;
import dev.sluice.gateway.outbound.OutboundQueue;
import dev.sluice.gateway.outbound.OutboundStore;
import dev.sluice.gateway.outbound.OutboundStore.Enqueue;
import dev.sluice.gateway.outbound.OutboundStore.Enqueued;
import dev.sluice.gateway.outbound.QueuedMessage;
import dev.sluice.gateway.outbound.SendWindow;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.RedisCommands;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Reply;
import dev.sluice.gateway.testing.RunsAlone;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the dispatcher holds back instead of sending: messages of paused and cancelled campaigns
 * (the held-campaign hash), messages outside their send window in the recipient's local time (on
 * the gateway's pinned clock), and messages WhatsApp refused for its per-user marketing cap
 * (131049). A fake WhatsApp Cloud API answers; the campaign's messages are put in the queue the way
 * its expansion does (the queue's own function, then the work set), since no API queues them yet.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@RunsAlone
class HoldsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int PARTITIONS = 16;
  private static final PhoneHasher HASHER =
      new PhoneHasher(TestGateways.config(Map.of()).security().masterKey());

  /** Held before the gateway starts, so its first read of the hash, before any send, has them. */
  private static final String PAUSED = UUID.randomUUID().toString();

  private static final String CANCELLED = UUID.randomUUID().toString();

  private static String prefix;
  private static Vertx vertx;
  private static Redis redis;
  private static OutboundStore store;
  private static FakeProvider fake;
  private static IngressHarness h;
  private static String app;

  @BeforeAll
  static void start() {
    prefix = TestBackends.uniqueId("holds") + ":";
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, TestBackends.redisOptions());
    redis.send(CampaignHolds.holdRequest(prefix, PAUSED, CampaignHolds.Hold.PAUSED)).await();
    redis.send(CampaignHolds.holdRequest(prefix, CANCELLED, CampaignHolds.Hold.CANCELLED)).await();
    store =
        new OutboundStore(
            new RedisCommands() {
              @Override
              public Future<Response> send(Request request) {
                return redis.send(request);
              }

              @Override
              public String keyPrefix() {
                return prefix;
              }
            });
    fake = FakeProvider.whatsApp();
    h =
        IngressHarness.start(
            Map.of(
                "redis.keyPrefix",
                prefix,
                "ingress.partitions",
                Integer.toString(PARTITIONS),
                "whatsapp.baseUrl",
                fake.baseUrl(),
                "providers.requestTimeoutMs",
                "2000",
                "dispatch.claimMs",
                "3000",
                "providers.allowHttp",
                "true"));
    app = TestBackends.uniqueId("holds-app");
    h.metaApp(app, "meta-app-secret-holds", "verify");
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (fake != null) {
      fake.close();
    }
    if (redis != null) {
      redis.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  // ---- campaigns ----

  @Test
  void aPausedCampaignsQueuedMessagesWaitAndGoOnceItResumes() {
    Line line = line("paused");
    inQueue(PAUSED, 2); // what the expansion does after enqueueing
    String a = enqueue(line, "+4915112350001", "paused 1", PAUSED, null);
    String b = enqueue(line, "+4915112350002", "paused 2", PAUSED, null);

    double before = held("campaign");
    Await.until(
        "the dispatcher to hold both of the paused campaign's messages, more than once",
        WAIT,
        () -> held("campaign") >= before + 4);
    assertThat(fake.callsFor(line.phoneNumberId())).isEmpty();
    assertThat(inQueue(PAUSED)).isEqualTo(2);

    redis.send(CampaignHolds.releaseRequest(prefix, List.of(PAUSED))).await();
    JsonObject sent = awaitStatus(line, a, "sent");
    awaitStatus(line, b, "sent");
    assertThat(fake.callsFor(line.phoneNumberId())).hasSize(2);
    assertThat(sent.getString("campaignId")).isEqualTo(PAUSED);
    Await.until(
        "the campaign's in-queue count to come down as its messages finish",
        WAIT,
        () -> inQueue(PAUSED) == 0);
    JsonObject event = statusEvent(line, a);
    assertThat(event.getString("status")).isEqualTo("sent");
    assertThat(event.getString("campaignId")).isEqualTo(PAUSED);
  }

  @Test
  void aCancelledCampaignsQueuedMessageEndsCancelledAndIsNeverSent() {
    Line line = line("cancel");
    inQueue(CANCELLED, 1);
    String id = enqueue(line, "+4915112350011", "never", CANCELLED, null);

    JsonObject m = awaitStatus(line, id, "cancelled");
    assertThat(m.getJsonObject("error").getString("code")).isEqualTo("campaign_cancelled");
    assertThat(m.getString("campaignId")).isEqualTo(CANCELLED);
    assertThat(historyOf(m, "cancelled").getString("source")).isEqualTo("dispatcher");
    assertThat(fake.callsFor(line.phoneNumberId())).isEmpty();
    Await.until("the cancelled message to be counted out", WAIT, () -> inQueue(CANCELLED) == 0);
    JsonObject event = statusEvent(line, id);
    assertThat(event.getString("status")).isEqualTo("cancelled");
    assertThat(event.getString("errorCode")).isEqualTo("campaign_cancelled");
    assertThat(event.getString("campaignId")).isEqualTo(CANCELLED);
  }

  @Test
  void aWindowTheRecipientsZonesNeverShareFailsTheMessageUnsent() {
    // US toll-free numbers map to every US zone, Guam to Pago Pago: no hour is open in all.
    Line line = line("nowin");
    String campaign = UUID.randomUUID().toString();
    inQueue(campaign, 1);
    SendWindow narrow = SendWindow.daily(LocalTime.of(9, 0), LocalTime.of(10, 0), Optional.empty());
    String id = enqueue(line, "+18005550123", "nowhere", campaign, narrow);

    JsonObject failed = awaitStatus(line, id, "failed");
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("no_send_window");
    assertThat(fake.callsFor(line.phoneNumberId())).isEmpty();
    Await.until("the failed message to be counted out", WAIT, () -> inQueue(campaign) == 0);
  }

  // ---- send windows (quiet hours in the recipient's local time) ----

  @Test
  void newYorkQuietHoursHoldAMessageUntilTheWindowOpensThere() {
    heldUntilTheWindowOpens("+12125550123"); // 212: America/New_York
  }

  @Test
  void sydneyQuietHoursHoldAMessageUntilTheWindowOpensThere() {
    heldUntilTheWindowOpens("+61291234567"); // 02: Australia/Sydney
  }

  @Test
  void kolkataQuietHoursHoldAMessageUntilTheWindowOpensThereOnTheHalfHourOffset() {
    heldUntilTheWindowOpens("+919876543210"); // India: Asia/Kolkata, UTC+05:30
  }

  @Test
  void anAustralianMobileWaitsUntilTheWindowIsOpenInItsWesternmostZone() {
    // 04 mobiles map to every Australian zone, Cocos (UTC+06:30) to Lord Howe.
    heldUntilTheWindowOpens("+61412345678");
  }

  @Test
  void aRussianMobileWaitsUntilTheWindowIsOpenInItsWesternmostZone() {
    // 9xx mobiles map to every Russian zone, Kaliningrad's neighbour to Kamchatka.
    heldUntilTheWindowOpens("+79161234567");
  }

  /**
   * A window that opens at the start of this real minute in the recipient's zone that opens last
   * (the westernmost) and stays open 12 hours, which covers every zone of the number from then on.
   * The gateway's clock is set 30 s before that opening — behind real time, as due times meet
   * Redis's clock — so the window is shut there, still open in the number's other zones: the
   * message must wait. Once the clock follows real time again, it goes.
   */
  private static void heldUntilTheWindowOpens(String to) {
    Line line = line("win");
    Instant opening = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    List<ZoneId> zones = zonesOf(to);
    ZoneId westernmost =
        zones.stream()
            .min(Comparator.comparing(z -> z.getRules().getOffset(opening).getTotalSeconds()))
            .orElseThrow();
    ZoneId easternmost =
        zones.stream()
            .max(Comparator.comparing(z -> z.getRules().getOffset(opening).getTotalSeconds()))
            .orElseThrow();
    assertThat(
            easternmost.getRules().getOffset(opening).getTotalSeconds()
                - westernmost.getRules().getOffset(opening).getTotalSeconds())
        .as("the number's zones fit in a 12-hour window")
        .isLessThan(12 * 3600);
    LocalTime from = opening.atZone(westernmost).toLocalTime();
    JsonObject window =
        new JsonObject().put("from", from.toString()).put("to", from.plusHours(12).toString());

    String id;
    h.clock.set(opening.minusSeconds(30));
    try {
      double before = held("window");
      id = send(line, to, "quiet hours", window);
      Await.until(
          "the dispatcher to hold the message outside its window, more than once",
          WAIT,
          () -> held("window") >= before + 2);
      assertThat(fake.callsFor(line.phoneNumberId())).as("sent outside its window").isEmpty();
    } finally {
      h.clock.reset();
    }

    awaitStatus(line, id, "sent");
    assertThat(fake.callsFor(line.phoneNumberId())).hasSize(1);
  }

  // ---- WhatsApp's per-user marketing cap ----

  @Test
  void aMarketingCapAnswerKeepsTheMessageQueuedForADayWithoutSpendingAnAttempt() {
    Line line = line("cap");
    fake.script(
        line.phoneNumberId(),
        c ->
            Reply.error(
                400,
                131049,
                "This message was not delivered to maintain healthy ecosystem engagement.",
                Map.of()));
    String digits = "4915112350031";
    String id = send(line, "+" + digits, "offer of the week", null);

    JsonObject m =
        awaitMessage(
            line,
            id,
            found ->
                found.getJsonArray("history").stream()
                    .map(JsonObject.class::cast)
                    .anyMatch(e -> "queued".equals(e.getString("status"))));
    assertThat(m.getString("status")).isEqualTo("queued");
    JsonObject queued = historyOf(m, "queued");
    assertThat(queued.getString("source")).isEqualTo("dispatcher");
    assertThat(queued.getJsonObject("error").getString("code")).isEqualTo("131049");
    assertThat(queued.getJsonObject("error").getString("message")).contains("tried again at");
    assertThat(fake.callsFor(line.phoneNumberId())).hasSize(1);

    // Still queued, leased for a day, and no attempt counted against its retry budget.
    TenantQueueKeys keys = new TenantQueueKeys(prefix, line.tenant().id(), h.partition(digits));
    Response entries =
        redis.send(Request.cmd(Command.XRANGE).arg(keys.outbound("hi")).arg("-").arg("+")).await();
    assertThat(entries.size()).isEqualTo(1);
    String entry = entries.get(0).get(0).toString();
    double leasedUntil =
        Double.parseDouble(
            redis
                .send(Request.cmd(Command.ZSCORE).arg(keys.outboundLeases("hi")).arg(entry))
                .await()
                .toString());
    assertThat(leasedUntil)
        .isGreaterThan(System.currentTimeMillis() + (double) TimeUnit.HOURS.toMillis(23));
    assertThat(redis.send(Request.cmd(Command.HGET).arg(keys.attempts()).arg(entry)).await())
        .isNull();
    assertThat(held("marketing_cap")).isGreaterThanOrEqualTo(1);
    assertThat(fake.callsFor(line.phoneNumberId())).hasSize(1);
  }

  // ---- fixtures ----

  private record Line(Tenant tenant, String channel, String phoneNumberId) {}

  /** A tenant with one WhatsApp channel whose limits do not get in the way. */
  private static Line line(String name) {
    Tenant t = h.tenant(name);
    String phoneNumberId = "6" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String channel = TestBackends.uniqueId(name + "-wa");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-" + name))
            .put(
                "limits",
                new JsonObject()
                    .put(
                        "outbound",
                        new JsonObject()
                            .put("perSecond", 1000)
                            .put("burst", 100)
                            .put("perRecipientPerMinute", 6000)
                            .put("recipientBurst", 100))));
    return new Line(t, channel, phoneNumberId);
  }

  /** Sends a text through the API, with a send window when given; returns its id. */
  private static String send(Line line, String to, String text, JsonObject window) {
    JsonObject body =
        new JsonObject()
            .put("channel", line.channel())
            .put("to", to)
            .put("type", "text")
            .put("text", text);
    if (window != null) {
      body.put("window", window);
    }
    HttpResponse<Buffer> r =
        h.client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
            .sendJsonObject(body)
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    return r.bodyAsJsonObject().getString("id");
  }

  /**
   * Queues a campaign's message the way the campaign expansion does: the queue's enqueue function
   * on the recipient's partition, then the partition marked due in the work set.
   */
  private static String enqueue(
      Line line, String to, String text, String campaign, SendWindow window) {
    String digits = to.substring(1);
    String hash = HASHER.hash(digits);
    int partition = PhoneHasher.partition(hash, PARTITIONS);
    QueuedMessage m =
        new QueuedMessage(
                UUID.randomUUID().toString(),
                line.tenant().id(),
                line.channel(),
                Provider.WHATSAPP,
                to,
                digits,
                hash,
                OutboundLane.HIGH,
                null,
                System.currentTimeMillis(),
                new MessageContent.Text(text))
            .inCampaign(campaign, window);
    TenantQueueKeys keys = new TenantQueueKeys(prefix, line.tenant().id(), partition);
    List<Enqueued> queued =
        store
            .enqueueBounded(
                keys,
                3600,
                1000,
                List.of(
                    new Enqueue(
                        OutboundLane.HIGH,
                        m.id(),
                        line.channel() + ":" + hash,
                        MessageCodec.encodeBytes(m),
                        null)))
            .await();
    assertThat(queued).extracting(Enqueued::kind).containsExactly(Enqueued.Kind.QUEUED);
    redis
        .send(
            Request.cmd(Command.ZADD)
                .arg(OutboundQueue.work(prefix))
                .arg(System.currentTimeMillis())
                .arg(line.tenant().id() + ":" + partition))
        .await();
    return m.id();
  }

  private static List<ZoneId> zonesOf(String e164) {
    try {
      List<ZoneId> zones = new ArrayList<>();
      for (String id :
          PhoneNumberToTimeZonesMapper.getInstance()
              .getTimeZonesForNumber(PhoneNumberUtil.getInstance().parse(e164, null))) {
        zones.add(ZoneId.of(id));
      }
      return zones;
    } catch (NumberParseException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Raises a campaign's in-queue count, as its expansion does after enqueueing. */
  private static void inQueue(String campaign, long n) {
    redis
        .send(Request.cmd(Command.INCRBY).arg(CampaignHolds.inQueueKey(prefix, campaign)).arg(n))
        .await();
  }

  private static long inQueue(String campaign) {
    Response r =
        redis
            .send(Request.cmd(Command.GET).arg(CampaignHolds.inQueueKey(prefix, campaign)))
            .await();
    return r == null ? 0 : r.toLong();
  }

  private static final Pattern HELD =
      Pattern.compile("sluice_dispatch_held_total\\{reason=\"([a-z_]+)\"} ([0-9.E]+)");

  /** {@code sluice_dispatch_held_total} for one reason. */
  private static double held(String reason) {
    Matcher m = HELD.matcher(h.client.get("/metrics").send().await().bodyAsString());
    while (m.find()) {
      if (m.group(1).equals(reason)) {
        return Double.parseDouble(m.group(2));
      }
    }
    return 0;
  }

  private static JsonObject awaitStatus(Line line, String id, String status) {
    return awaitMessage(line, id, m -> status.equals(m.getString("status")));
  }

  private static JsonObject awaitMessage(Line line, String id, Predicate<JsonObject> condition) {
    AtomicReference<JsonObject> found = new AtomicReference<>();
    Await.until(
        "message " + id + " to reach the awaited state",
        WAIT,
        () -> {
          HttpResponse<Buffer> r =
              h.client
                  .get("/v1/messages/" + id)
                  .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
                  .send()
                  .await();
          found.set(
              r.statusCode() == 200 && condition.test(r.bodyAsJsonObject())
                  ? r.bodyAsJsonObject()
                  : null);
          return found.get() != null;
        });
    return found.get();
  }

  private static JsonObject historyOf(JsonObject message, String status) {
    return message.getJsonArray("history").stream()
        .map(JsonObject.class::cast)
        .filter(e -> status.equals(e.getString("status")))
        .findFirst()
        .orElseThrow();
  }

  /** The status event of one message on its tenant's queue (every other event is acknowledged). */
  private static JsonObject statusEvent(Line line, String messageId) {
    AtomicReference<JsonObject> found = new AtomicReference<>();
    Await.until(
        "the status event of message " + messageId,
        WAIT,
        () -> {
          h.drain(line.tenant().apiKey(), "inbound").stream()
              .map(JsonObject.class::cast)
              .filter(e -> messageId.equals(e.getString("messageId")))
              .findFirst()
              .ifPresent(found::set);
          return found.get() != null;
        });
    return found.get();
  }
}
