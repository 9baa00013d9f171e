package dev.sluice.gateway.connector.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.connector.smpp.SmscSimulator.Concatenation;
import dev.sluice.gateway.connector.smpp.SmscSimulator.ReceiptForm;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.MetricsText;
import dev.sluice.gateway.testing.TestBackends;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An smpp channel end to end, on a full in-process gateway (real Redis and PostgreSQL) in front of
 * the jsmpp SMSC simulator: sends through {@code POST /v1/messages}, receipts and MO messages back
 * over the bind into the ledger and the tenant's queue.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SmppGatewayIT {
  private static final String SYSTEM_ID = "acme";
  private static final String PASSWORD = "pw-1234";
  private static final AtomicLong NUMBERS = new AtomicLong(System.nanoTime() % 1_000_000L);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static IngressHarness h;
  private SmscSimulator smsc;
  private Tenant tenant;
  private String channel;
  private SmppLines lines;

  @BeforeAll
  static void startGateway() {
    h =
        IngressHarness.start(
            Map.of(
                "pg.directoryPollMs", "100",
                "dispatch.retryBaseMs", "200",
                "dispatch.retryMaxMs", "1000",
                "dispatch.breakerOpenMs", "1000",
                "smpp.responseTimeoutMs", "2000",
                "smpp.throttleWaitMs", "5000"));
  }

  @AfterAll
  static void stopGateway() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @BeforeEach
  void channelOnItsOwnSmsc() {
    smsc = SmscSimulator.start(SYSTEM_ID, PASSWORD);
    tenant = h.tenant("smpp");
    channel = TestBackends.uniqueId("smpp");
    lines = new SmppLines(h, tenant);
    lines.create(
        channel,
        smsc,
        new JsonObject()
            .put("windowSize", 5)
            .put("sourceAddress", new JsonObject().put("address", "Acme")),
        SYSTEM_ID,
        PASSWORD);
    // Bound at once, before anything is sent: receipts and MO messages need the bind.
    Await.until("the channel's bind", WAIT, () -> smsc.boundConnections() == 1);
  }

  @org.junit.jupiter.api.AfterEach
  void stopSmsc() {
    h.admin(
        io.vertx.core.http.HttpMethod.DELETE,
        "/admin/tenants/" + tenant.id() + "/channels/" + channel,
        null);
    // A deleted channel is unbound.
    Await.until("the deleted channel's unbind", WAIT, () -> smsc.boundConnections() == 0);
    smsc.close();
  }

  @Test
  void aSentMessageReachesTheSmscAndItsReceiptsShowAsStatuses() {
    String to = number();
    String id = send(to, "Hello from Sluice");

    Await.until("the message at the SMSC", WAIT, () -> smsc.texts().contains("Hello from Sluice"));
    JsonObject sent = awaitStatus(id, "sent");
    String providerId = sent.getString("providerMessageId");
    String smscId = providerId.substring(providerId.indexOf(':') + 1);
    assertThat(providerId).isEqualTo(channel + ":" + smsc.accepted().get(0).messageId());
    assertThat(smsc.accepted().get(0).destination()).isEqualTo(to.substring(1));
    assertThat(smsc.accepted().get(0).registeredDelivery() & 1).isEqualTo(1);

    assertThat(smsc.sendReceipt(smscId, "DELIVRD", ReceiptForm.TEXT, false).join()).isZero();

    awaitStatus(id, "delivered");
    List<JsonObject> statuses = statusEvents();
    assertThat(statuses)
        .anySatisfy(
            e -> {
              assertThat(e.getString("provider")).isEqualTo("smpp");
              assertThat(e.getString("status")).isEqualTo("delivered");
              assertThat(e.getString("providerMessageId")).isEqualTo(providerId);
              assertThat(e.getString("to")).isEqualTo(to);
            });
  }

  @Test
  void aReceiptIsAnsweredWhileEveryOtherLoopOfTheGatewayIsBusy() throws Exception {
    String to = number();
    String id = send(to, "Answered on its own loop");
    JsonObject sent = awaitStatus(id, "sent");
    String providerId = sent.getString("providerMessageId");
    String smscId = providerId.substring(providerId.indexOf(':') + 1);

    // Every event loop of the gateway's Vert.x (HTTP, dispatch, delivery, the ledger writer) is
    // made to wait; the binds and their admission have a loop of their own.
    List<EventExecutor> loops = new ArrayList<>();
    ((VertxInternal) h.gatewayVertx()).nettyEventLoopGroup().forEach(loops::add);
    CountDownLatch busy = new CountDownLatch(loops.size());
    CountDownLatch release = new CountDownLatch(1);
    for (EventExecutor loop : loops) {
      loop.execute(
          () -> {
            busy.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    try {
      assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
      int status =
          smsc.sendReceipt(smscId, "DELIVRD", ReceiptForm.TEXT, false).get(5, TimeUnit.SECONDS);
      assertThat(status).isZero(); // answered, and durable: the ledger has it
    } finally {
      release.countDown();
    }
    awaitStatus(id, "delivered");
  }

  @Test
  void anUndeliverableReceiptFailsTheMessageWithTheErrCodeWhateverFormItsIdTakes() {
    String id = send(number(), "Nobody home");
    awaitStatus(id, "sent");
    String smscId = smsc.accepted().get(0).messageId();

    // The SMSC answered the submit with a hex id and writes the receipt's id in decimal.
    assertThat(smsc.sendReceipt(smscId, "UNDELIV", ReceiptForm.BOTH, true).join()).isZero();

    JsonObject failed = awaitStatus(id, "failed");
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("011");
    assertThat(failed.getJsonObject("error").getString("message")).isEqualTo("UNDELIV");
    assertThat(statusEvents())
        .anySatisfy(
            e -> {
              assertThat(e.getString("status")).isEqualTo("failed");
              assertThat(e.getString("errorCode")).isEqualTo("011");
            });
  }

  @Test
  void aReceiptBeforeTheSubmitsAnswerStillDeliversTheMessage() {
    // The SMSC holds its answer, and sends the receipt first: the ledger keeps the status of an id
    // no message has yet and applies it when the message gets that id.
    smsc.delayAnswers(Duration.ofMillis(1500));
    String id = send(number(), "Early receipt");
    Await.until("the submit at the SMSC", WAIT, () -> smsc.submitsReceived() == 1);
    // A fresh simulator's first message id (it counts up from 1A2B3C00, in hex).
    assertThat(smsc.sendReceipt("1A2B3C00", "DELIVRD", ReceiptForm.TLVS, false).join()).isZero();

    JsonObject delivered = awaitStatus(id, "delivered");
    assertThat(delivered.getString("providerMessageId")).isEqualTo(channel + ":1A2B3C00");
  }

  @Test
  void aChannelCreatedAgainWithOtherSettingsIsBoundAgainWithThem() {
    int bindsBefore = smsc.binds();
    h.admin(
        io.vertx.core.http.HttpMethod.DELETE,
        "/admin/tenants/" + tenant.id() + "/channels/" + channel,
        null);
    lines.create(
        channel, smsc, new JsonObject().put("binds", 2).put("windowSize", 3), SYSTEM_ID, PASSWORD);

    Await.until("the new settings' two binds", WAIT, () -> smsc.boundConnections() == 2);
    assertThat(smsc.binds()).isGreaterThanOrEqualTo(bindsBefore + 2);
    assertThat(smsc.unbinds()).isGreaterThanOrEqualTo(1);
    String id = send(number(), "after the change");
    awaitStatus(id, "sent");
  }

  @Test
  void theChannelIsPacedAtItsAccountsTpsWithTheSmppBurst() {
    // The dispatcher paces by Pacing.limits, in Redis, across instances: the status page shows
    // what a channel is paced by.
    JsonObject status =
        h.client
            .get("/admin/status")
            .putHeader("Authorization", "Bearer " + IngressHarness.ADMIN_TOKEN)
            .putHeader("Accept", "application/json")
            .send()
            .await()
            .bodyAsJsonObject();
    JsonObject pacing =
        status.getJsonArray("channels").stream()
            .map(JsonObject.class::cast)
            .filter(c -> c.getString("id").equals(channel))
            .findFirst()
            .orElseThrow()
            .getJsonObject("pacing");
    assertThat(pacing.getInteger("perSecond")).isEqualTo(1000);
    assertThat(pacing.getInteger("burst")).isEqualTo(10);
  }

  @Test
  void aLongMessageArrivesWhole() {
    String text = "Sluice long message. ".repeat(20); // 420 GSM characters: 3 parts
    String id = send(number(), text);

    Await.until("the whole text at the SMSC", WAIT, () -> smsc.texts().contains(text));
    awaitStatus(id, "sent");
    assertThat(smsc.accepted()).hasSize(3);
  }

  @Test
  void aLongUnicodeMessageArrivesWhole() {
    String text = "Grüße aus Sluice — ünïcödé ✓ ".repeat(4); // UCS-2, 2 parts
    send(number(), text);

    Await.until("the whole text at the SMSC", WAIT, () -> smsc.texts().contains(text));
    assertThat(smsc.accepted()).hasSize(2);
    assertThat(smsc.accepted().get(0).dataCoding()).isEqualTo(8);
  }

  @Test
  void throttlingSlowsSendingWithoutFailingAnything() {
    smsc.refuseNext(4, 0x58);
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      texts.add("throttled " + i);
      ids.add(send(number(), texts.get(i)));
    }

    for (String id : ids) {
      awaitStatus(id, "sent");
    }
    assertThat(smsc.texts()).containsAll(texts);
    assertThat(smsc.submitsReceived()).isGreaterThanOrEqualTo(9);
    String scrape = h.client.get("/metrics").send().await().bodyAsString();
    assertThat(
            MetricsText.value(scrape, "sluice_smpp_throttles_total{channel=\"" + channel + "\"}")
                .orElse(0))
        .isGreaterThanOrEqualTo(4);
  }

  @Test
  void aLostBindIsBoundAgainAndNothingIsLost() {
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      texts.add("rebind " + i);
      ids.add(send(number(), texts.get(i)));
      if (i == 5) {
        Await.until("a first message at the SMSC", WAIT, () -> !smsc.texts().isEmpty());
        smsc.dropConnections();
      }
    }

    for (String id : ids) {
      awaitStatus(id, "sent");
    }
    assertThat(smsc.texts()).containsAll(texts);
    assertThat(smsc.binds()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aMobileOriginatedStopSuppressesTheSender() {
    String from = number();
    assertThat(smsc.sendMo(from.substring(1), "Acme", "STOP", Concatenation.UDH_8BIT).join())
        .containsOnly(0);

    JsonObject mo = awaitMessageEvent();
    assertThat(mo.getString("from")).isEqualTo(from);
    assertThat(mo.getString("text")).isEqualTo("STOP");
    assertThat(mo.getBoolean("optOut")).isTrue();

    HttpResponse<Buffer> refused =
        h.client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + tenant.apiKey())
            .sendJsonObject(
                new JsonObject().put("channel", channel).put("to", from).put("text", "hi"))
            .await();
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("recipient_opted_out");
  }

  @Test
  void aMobileOriginatedTextArrivesWholeAsAnInboundEventFromAnE164Number() {
    String from = number();
    String text = "A reply long enough to need two parts. ".repeat(5);
    assertThat(smsc.sendMo(from.substring(1), "Acme", text, Concatenation.UDH_8BIT).join())
        .containsOnly(0);

    JsonObject mo = awaitMessageEvent();
    assertThat(mo.getString("provider")).isEqualTo("smpp");
    assertThat(mo.getString("channel")).isEqualTo(channel);
    assertThat(mo.getString("from")).isEqualTo(from);
    assertThat(mo.getString("text")).isEqualTo(text);
    assertThat(mo.getBoolean("optOut")).isFalse();
  }

  @Test
  void bindsThatKeepFailingOpenTheChannelsBreakerAndNothingFails() {
    // A second channel whose SMSC refuses its password: no bind ever comes up.
    String refused = TestBackends.uniqueId("smpp-refused");
    lines.create(refused, smsc, new JsonObject(), SYSTEM_ID, "wrong");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(sendThrough(refused, number(), "no bind " + i));
    }

    Await.until(
        "the refused channel's breaker open",
        WAIT,
        () -> {
          String scrape = h.client.get("/metrics").send().await().bodyAsString();
          return MetricsText.value(
                      scrape,
                      "resilience4j_circuitbreaker_state{name=\"" + refused + "\",state=\"open\"}")
                  .orElse(0)
              == 1.0;
        });
    for (String id : ids) {
      // Its history reaches PostgreSQL a moment after it is accepted: wait for it, then look.
      JsonObject[] m = new JsonObject[1];
      Await.until(
          "message " + id + " in the history",
          WAIT,
          () -> (m[0] = message(id)).containsKey("status"));
      assertThat(m[0].getString("status")).isIn("accepted", "queued");
    }
    h.admin(
        io.vertx.core.http.HttpMethod.DELETE,
        "/admin/tenants/" + tenant.id() + "/channels/" + refused,
        null);
  }

  // ---- helpers ----

  private static String number() {
    return "+4915" + (100_000_000L + NUMBERS.incrementAndGet());
  }

  private String send(String to, String text) {
    return lines.send(channel, to, text);
  }

  private String sendThrough(String channel, String to, String text) {
    return lines.send(channel, to, text);
  }

  private JsonObject message(String id) {
    return lines.message(id);
  }

  private JsonObject awaitStatus(String id, String status) {
    JsonObject[] last = new JsonObject[1];
    try {
      Await.until(
          "message " + id + " " + status,
          WAIT,
          () -> status.equals((last[0] = message(id)).getString("status")));
    } catch (AssertionError e) {
      throw new AssertionError("message " + id + " is not " + status + ": " + last[0], e);
    }
    return last[0];
  }

  private final List<JsonObject> events = new ArrayList<>();

  /** Every event pulled from the tenant's queue so far (status and message events). */
  private List<JsonObject> pulled() {
    JsonArray batch = h.drain(tenant.apiKey(), "inbound");
    batch.forEach(e -> events.add((JsonObject) e));
    return events;
  }

  private List<JsonObject> statusEvents() {
    List<JsonObject> out = new ArrayList<>();
    Await.until(
        "a receipt's status event",
        WAIT,
        () -> {
          out.clear();
          pulled().stream()
              .filter(e -> "status".equals(e.getString("kind")))
              .filter(e -> !"sent".equals(e.getString("status")))
              .forEach(out::add);
          return !out.isEmpty();
        });
    return out;
  }

  private JsonObject awaitMessageEvent() {
    JsonObject[] found = new JsonObject[1];
    Await.until(
        "the MO message event",
        WAIT,
        () -> {
          pulled().stream()
              .filter(e -> "message".equals(e.getString("kind")))
              .findFirst()
              .ifPresent(e -> found[0] = e);
          return found[0] != null;
        });
    return found[0];
  }
}
