package dev.sluice.gateway.connector.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.connector.smpp.protocol.BindMode;
import dev.sluice.gateway.connector.smpp.protocol.DeliveryReceipt;
import dev.sluice.gateway.connector.smpp.protocol.MobileOriginated;
import dev.sluice.gateway.connector.smpp.protocol.SmppAddress;
import dev.sluice.gateway.connector.smpp.protocol.SmppClient;
import dev.sluice.gateway.connector.smpp.protocol.SmppListener;
import dev.sluice.gateway.connector.smpp.protocol.SmppSettings;
import dev.sluice.gateway.connector.smpp.protocol.SubmitResult;
import dev.sluice.gateway.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The SMPP client against jsmpp's server (SmscSimulator): an implementation that is not ours. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SmppClientTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final SmppAddress PHONE = new SmppAddress(1, 1, "4915112345678");

  private Vertx vertx;
  private SmscSimulator smsc;
  private final List<SmppClient> clients = new ArrayList<>();
  private final Recorder listener = new Recorder();

  /** Records what the client hands up and answers with the scripted future. */
  static final class Recorder implements SmppListener {
    final List<DeliveryReceipt> receipts = new CopyOnWriteArrayList<>();
    final List<MobileOriginated> messages = new CopyOnWriteArrayList<>();
    volatile Function<Object, Future<Void>> answer = x -> Future.succeededFuture();

    @Override
    public Future<Void> onReceipt(DeliveryReceipt receipt) {
      receipts.add(receipt);
      return answer.apply(receipt);
    }

    @Override
    public Future<Void> onMessage(MobileOriginated message) {
      messages.add(message);
      return answer.apply(message);
    }
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    smsc = SmscSimulator.start("sluice", "secret");
  }

  @AfterEach
  void stop() {
    for (SmppClient c : clients) {
      c.close().await();
    }
    smsc.close();
    vertx.close().await();
  }

  private SmppSettings settings(int binds, int window) {
    return settings(binds, window, BindMode.TRANSCEIVER, Duration.ofSeconds(30), null);
  }

  private SmppSettings settings(
      int binds, int window, BindMode mode, Duration enquireLink, Duration responseTimeout) {
    return new SmppSettings(
        "127.0.0.1",
        smsc.port(),
        false,
        false,
        "sluice",
        "secret",
        "",
        mode,
        binds,
        window,
        new SmppAddress(5, 0, "SLUICE"),
        enquireLink,
        responseTimeout,
        Duration.ofMillis(50),
        Duration.ofMillis(400),
        Duration.ofMillis(50),
        Duration.ofSeconds(20));
  }

  /** One transceiver bind of the given window whose submits wait 300 ms at most. */
  private SmppSettings impatient(int window) {
    SmppSettings patient = settings(1, window);
    return new SmppSettings(
        patient.host(),
        patient.port(),
        false,
        false,
        "sluice",
        "secret",
        "",
        BindMode.TRANSCEIVER,
        1,
        window,
        patient.source(),
        null,
        null,
        Duration.ofMillis(50),
        Duration.ofMillis(400),
        Duration.ofMillis(50),
        Duration.ofMillis(300));
  }

  private SmppClient bound(SmppSettings settings) {
    SmppClient client = SmppClient.start(vertx, settings, listener);
    clients.add(client);
    int expected =
        settings.bindMode() == BindMode.TRANSCEIVER ? settings.binds() : settings.binds();
    Await.until("binds up", WAIT, () -> client.bindsUp() == expected);
    return client;
  }

  private static List<SubmitResult> all(List<Future<SubmitResult>> futures) {
    return Future.all(futures).await().list();
  }

  @Test
  void bindsAndRebindsAfterTheServerDropsTheConnections() {
    SmppClient client = bound(settings(2, 5));
    assertThat(smsc.binds()).isEqualTo(2);

    smsc.dropConnections();

    Await.until("rebound", WAIT, () -> smsc.binds() == 4 && client.bindsUp() == 2);
    assertThat(client.submit(PHONE, "after the drop").await().status())
        .isEqualTo(SubmitResult.Status.OK);
  }

  @Test
  void aWrongPasswordNeverBindsAndSubmitsAreNotBound() {
    SmppSettings wrong =
        new SmppSettings(
            "127.0.0.1",
            smsc.port(),
            false,
            false,
            "sluice",
            "nope",
            "",
            BindMode.TRANSCEIVER,
            1,
            1,
            new SmppAddress(5, 0, "SLUICE"),
            null,
            null,
            Duration.ofMillis(50),
            Duration.ofMillis(100),
            null,
            null);
    SmppClient client = SmppClient.start(vertx, wrong, listener);
    clients.add(client);

    SubmitResult result = client.submit(PHONE, "hello").await();

    assertThat(result.status()).isEqualTo(SubmitResult.Status.NOT_BOUND);
    assertThat(smsc.binds()).isZero();
  }

  @Test
  void aThreePartGsmMessageIsReassembledByTheSmsc() {
    SmppClient client = bound(settings(1, 5));
    String text = ("Grüße aus Berlin {ok} € [x] ~ ^ | \\ " + "x".repeat(20)).repeat(7);

    SubmitResult result = client.submit(PHONE, text).await();

    assertThat(result.status()).isEqualTo(SubmitResult.Status.OK);
    assertThat(result.messageIds()).hasSize(3);
    assertThat(smsc.texts()).containsExactly(text);
    assertThat(smsc.accepted())
        .allSatisfy(
            s -> {
              assertThat(s.dataCoding()).isZero();
              assertThat(s.esmClass()).isEqualTo(0x40);
              assertThat(s.registeredDelivery()).isEqualTo(1);
              assertThat(s.destination()).isEqualTo(PHONE.address());
            });
  }

  @Test
  void aTwoPartUcs2MessageIsReassembledByTheSmsc() {
    SmppClient client = bound(settings(1, 5));
    String text = "Привет 😀 " + "мир ".repeat(25);

    SubmitResult result = client.submit(PHONE, text).await();

    assertThat(result.status()).isEqualTo(SubmitResult.Status.OK);
    assertThat(result.messageIds()).hasSize(2);
    assertThat(smsc.texts()).containsExactly(text);
    assertThat(smsc.accepted()).allSatisfy(s -> assertThat(s.dataCoding()).isEqualTo(8));
  }

  @Test
  void throttlingAnswersSlowTheClientAndEveryMessageStillEndsOk() {
    SmppClient client = bound(settings(1, 4));
    smsc.refuseNext(6, 0x58);
    List<Future<SubmitResult>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(client.submit(PHONE, "message " + i));
    }

    List<SubmitResult> results = all(sent);

    assertThat(results).allSatisfy(r -> assertThat(r.status()).isEqualTo(SubmitResult.Status.OK));
    assertThat(client.throttles()).isEqualTo(6);
    assertThat(smsc.accepted()).hasSize(20);
    assertThat(smsc.submitsReceived()).isEqualTo(26);
  }

  @Test
  void aMessageThrottledForLongerThanTheMaxWaitEndsThrottled() {
    SmppClient client = bound(impatient(2));
    smsc.refuseNext(1_000, 0x14);

    SubmitResult result = client.submit(PHONE, "queue full").await();

    assertThat(result.status()).isEqualTo(SubmitResult.Status.THROTTLED);
    assertThat(result.commandStatus()).isEqualTo(0x14);
    assertThat(result.messageIds()).isEmpty();
    assertThat(smsc.accepted()).isEmpty();
  }

  @Test
  void aWindowOfThreeIsNeverExceeded() {
    SmppClient client = bound(settings(2, 3));
    smsc.delayAnswers(Duration.ofMillis(100));
    List<Future<SubmitResult>> sent = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      sent.add(client.submit(PHONE, "windowed " + i));
    }
    Await.until("window filled", WAIT, () -> client.windowInUse() > 0);

    List<SubmitResult> results = all(sent);

    assertThat(results).allSatisfy(r -> assertThat(r.status()).isEqualTo(SubmitResult.Status.OK));
    assertThat(smsc.maxWindowSeen()).isEqualTo(3);
    assertThat(client.windowInUse()).isZero();
  }

  @Test
  void aResponseTimeoutIsUnknownAndNeverResent() {
    SmppClient client =
        bound(settings(1, 5, BindMode.TRANSCEIVER, Duration.ofSeconds(30), Duration.ofMillis(300)));
    smsc.delayAnswers(Duration.ofMillis(1200));

    SubmitResult late = client.submit(PHONE, "slow").await();

    assertThat(late.status()).isEqualTo(SubmitResult.Status.UNKNOWN);
    Await.until("the late answer sent", WAIT, () -> smsc.submitsAnswered() == 1);
    smsc.delayAnswers(Duration.ZERO);
    assertThat(client.submit(PHONE, "quick").await().status()).isEqualTo(SubmitResult.Status.OK);
    assertThat(smsc.submitsReceived()).isEqualTo(2);
    assertThat(client.bindsUp()).isEqualTo(1);
  }

  @Test
  void aLostConnectionMakesTheWrittenPartUnknownAndTheQueuedOnesNotBound() {
    SmppClient client = bound(settings(1, 1));
    smsc.delayAnswers(Duration.ofSeconds(2));
    List<Future<SubmitResult>> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(client.submit(PHONE, "in the window " + i));
    }
    Await.until("one written", WAIT, () -> smsc.submitsReceived() == 1);

    smsc.dropConnections();

    assertThat(Future.join(sent).await().list())
        .extracting(r -> ((SubmitResult) r).status())
        .containsExactly(
            SubmitResult.Status.UNKNOWN,
            SubmitResult.Status.NOT_BOUND,
            SubmitResult.Status.NOT_BOUND);
    smsc.delayAnswers(Duration.ZERO);
    Await.until("rebound", WAIT, () -> client.bindsUp() == 1);
    assertThat(client.submit(PHONE, "again").await().status()).isEqualTo(SubmitResult.Status.OK);
  }

  @Test
  void aPermanentRefusalIsClassifiedWithItsStatus() {
    SmppClient client = bound(settings(1, 5));
    smsc.refuseNext(1, 0x0B);

    SubmitResult result = client.submit(PHONE, "to a bad number").await();

    assertThat(result.status()).isEqualTo(SubmitResult.Status.PERMANENT);
    assertThat(result.commandStatus()).isEqualTo(0x0B);
    assertThat(result.detail()).contains("ESME_RINVDSTADR");
  }

  @Test
  void aMessageThatCannotBeWrittenIsPermanentAndNothingIsSent() {
    SmppClient client = bound(settings(1, 5));

    SubmitResult longAddress =
        client.submit(new SmppAddress(1, 1, "1".repeat(21)), "hello").await();
    SubmitResult noText = client.submit(PHONE, null).await();

    assertThat(longAddress.status()).isEqualTo(SubmitResult.Status.PERMANENT);
    assertThat(longAddress.detail()).contains("destination_addr");
    assertThat(noText.status()).isEqualTo(SubmitResult.Status.PERMANENT);
    assertThat(client.submit(PHONE, "still bound").await().status())
        .isEqualTo(SubmitResult.Status.OK);
    assertThat(smsc.submitsReceived()).isEqualTo(1);
  }

  @Test
  void receiptsReachTheListenerWithHexAndDecimalIds() {
    SmppClient client = bound(settings(1, 5));
    String id = client.submit(PHONE, "receipt me").await().messageIds().get(0);

    int textDecimal = join(smsc.sendReceipt(id, "DELIVRD", SmscSimulator.ReceiptForm.TEXT, true));
    int tlvs = join(smsc.sendReceipt(id, "UNDELIV", SmscSimulator.ReceiptForm.TLVS, false));

    assertThat(textDecimal).isZero();
    assertThat(tlvs).isZero();
    assertThat(listener.receipts).hasSize(2);
    DeliveryReceipt delivered = listener.receipts.get(0);
    assertThat(delivered.state()).isEqualTo("DELIVRD");
    assertThat(delivered.messageId()).isEqualTo(Long.toString(Long.parseLong(id, 16)));
    assertThat(delivered.idCandidates()).contains(id);
    assertThat(delivered.source().address()).isEqualTo(PHONE.address());
    assertThat(delivered.doneAt()).isNotNull();
    DeliveryReceipt undelivered = listener.receipts.get(1);
    assertThat(undelivered.state()).isEqualTo("UNDELIV");
    assertThat(undelivered.idCandidates()).contains(id);
  }

  @Test
  void automaticReceiptsFollowEveryAcceptedPart() {
    SmppClient client = bound(settings(1, 5));
    smsc.autoReceipts("DELIVRD");

    SubmitResult result = client.submit(PHONE, "x".repeat(200)).await();

    Await.until("two receipts", WAIT, () -> listener.receipts.size() == 2);
    assertThat(listener.receipts)
        .extracting(DeliveryReceipt::messageId)
        .containsExactlyInAnyOrderElementsOf(result.messageIds());
  }

  @Test
  void deliverSmRespWaitsForTheListenerAndAFailureAsksForRedelivery() {
    SmppClient client = bound(settings(1, 5));
    String id = client.submit(PHONE, "hold my receipt").await().messageIds().get(0);
    Promise<Void> stored = Promise.promise();
    listener.answer = x -> stored.future();

    CompletableFuture<Integer> held =
        smsc.sendReceipt(id, "DELIVRD", SmscSimulator.ReceiptForm.BOTH, false);
    Await.until("the receipt handed up", WAIT, () -> listener.receipts.size() == 1);

    assertThat(held).isNotDone();
    stored.complete();
    assertThat(join(held)).isZero();

    listener.answer = x -> Future.failedFuture("store down");
    int refused = join(smsc.sendReceipt(id, "DELIVRD", SmscSimulator.ReceiptForm.TEXT, false));
    assertThat(refused).isEqualTo(0x64);
  }

  /**
   * Transceiver: one connection both ways; transmitter + receiver: the hold crosses connections.
   */
  @ParameterizedTest
  @EnumSource(BindMode.class)
  void deliveriesBackedUpToTheWindowLetOneSubmitThroughPerAnswer(BindMode mode) {
    SmppClient client = bound(settings(1, 3, mode, Duration.ofSeconds(30), null));
    Await.until(
        "every connection bound",
        WAIT,
        () -> smsc.boundConnections() == (mode == BindMode.TRANSCEIVER ? 1 : 2));
    String id = client.submit(PHONE, "before").await().messageIds().get(0);
    List<Promise<Void>> stores = new CopyOnWriteArrayList<>();
    listener.answer =
        x -> {
          Promise<Void> stored = Promise.promise();
          stores.add(stored);
          return stored.future();
        };
    List<CompletableFuture<Integer>> receipts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      receipts.add(smsc.sendReceipt(id, "DELIVRD", SmscSimulator.ReceiptForm.BOTH, false));
    }
    Await.until("a window of deliveries unanswered", WAIT, () -> stores.size() == 3);
    assertThat(client.deliveriesOpen()).isEqualTo(3);
    assertThat(client.submitHolds()).isEqualTo(1);

    List<Future<SubmitResult>> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(client.submit(PHONE, "after " + i));
    }
    stores.get(0).complete();

    assertThat(held.get(0).await().status()).isEqualTo(SubmitResult.Status.OK);
    assertThat(held.get(1).isComplete()).isFalse();
    assertThat(held.get(2).isComplete()).isFalse();
    assertThat(smsc.submitsReceived()).isEqualTo(2);

    stores.get(1).complete();
    stores.get(2).complete();
    assertThat(all(held)).allSatisfy(r -> assertThat(r.status()).isEqualTo(SubmitResult.Status.OK));
    assertThat(receipts).allSatisfy(r -> assertThat(join(r)).isZero());
    assertThat(client.deliveriesOpen()).isZero();
  }

  @Test
  void deliveriesThatAreNeverAnsweredHoldTheSubmitsForASecondAtMost() {
    SmppClient client = bound(settings(1, 2));
    String id = client.submit(PHONE, "before").await().messageIds().get(0);
    listener.answer = x -> Promise.<Void>promise().future();
    smsc.sendReceipt(id, "DELIVRD", SmscSimulator.ReceiptForm.BOTH, false);
    smsc.sendReceipt(id, "DELIVRD", SmscSimulator.ReceiptForm.BOTH, false);
    Await.until("two deliveries unanswered", WAIT, () -> client.deliveriesOpen() == 2);

    long start = System.nanoTime();
    SubmitResult result = client.submit(PHONE, "stuck behind receipts").await();

    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(result.status()).isEqualTo(SubmitResult.Status.OK);
    assertThat(waitedMs).isBetween(300L, 5_000L);
  }

  @Test
  void aSubmitHeldPastItsMaxWaitEndsThrottledAndIsNeverWritten() {
    SmppClient client = bound(impatient(2));
    String id = client.submit(PHONE, "before").await().messageIds().get(0);
    listener.answer = x -> Promise.<Void>promise().future();
    smsc.sendReceipt(id, "DELIVRD", SmscSimulator.ReceiptForm.BOTH, false);
    smsc.sendReceipt(id, "DELIVRD", SmscSimulator.ReceiptForm.BOTH, false);
    Await.until("two deliveries unanswered", WAIT, () -> client.deliveriesOpen() == 2);

    SubmitResult result = client.submit(PHONE, "held too long").await();

    assertThat(result.status()).isEqualTo(SubmitResult.Status.THROTTLED);
    assertThat(result.detail()).contains("not sent: waited longer than 300 ms");
    assertThat(result.messageIds()).isEmpty();
    assertThat(smsc.texts()).containsExactly("before");
  }

  @Test
  void concatenatedMoMessagesAreReassembledAndAcknowledgedTogether() {
    bound(settings(1, 5));
    String text = "STOP please, this is a long reply from a phone. ".repeat(5);

    for (SmscSimulator.Concatenation how : SmscSimulator.Concatenation.values()) {
      List<Integer> answers = join(smsc.sendMo(PHONE.address(), "SLUICE", text, how));
      assertThat(answers).as(how.name()).containsOnly(0).hasSize(2);
    }

    assertThat(listener.messages).hasSize(3);
    assertThat(listener.messages).extracting(MobileOriginated::text).containsOnly(text);
    assertThat(listener.messages.get(0).source().address()).isEqualTo(PHONE.address());
    assertThat(listener.messages.get(0).dedupKey()).hasSize(32);
  }

  @Test
  void aSingleUcs2MoMessageIsDecoded() {
    bound(settings(1, 5));

    List<Integer> answers =
        join(
            smsc.sendMo(
                PHONE.address(), "SLUICE", "Стоп 😀", SmscSimulator.Concatenation.UDH_8BIT));

    assertThat(answers).containsExactly(0);
    assertThat(listener.messages).extracting(MobileOriginated::text).containsExactly("Стоп 😀");
  }

  @Test
  void transmitterAndReceiverBindsSplitTheWork() {
    SmppClient client =
        bound(settings(1, 5, BindMode.TRANSMITTER_RECEIVER, Duration.ofSeconds(30), null));
    Await.until("both connections bound", WAIT, () -> smsc.boundConnections() == 2);

    String id = client.submit(PHONE, "over the transmitter").await().messageIds().get(0);
    int answer = join(smsc.sendReceipt(id, "DELIVRD", SmscSimulator.ReceiptForm.TEXT, false));

    assertThat(client.bindsUp()).isEqualTo(1);
    assertThat(answer).isZero();
    assertThat(listener.receipts).extracting(DeliveryReceipt::messageId).containsExactly(id);
  }

  @Test
  void anUnansweredEnquireLinkClosesAndReconnects() {
    bound(settings(1, 5, BindMode.TRANSCEIVER, Duration.ofMillis(200), Duration.ofMillis(300)));
    smsc.ignoreEnquireLinks();

    Await.until("a new bind", WAIT, () -> smsc.binds() >= 2);
    smsc.answerEnquireLinks();
  }

  @Test
  void closeUnbindsEveryConnection() {
    SmppClient client = bound(settings(2, 5));

    client.close().await();
    clients.remove(client);

    assertThat(client.bindsUp()).isZero();
    // jsmpp counts an unbind once it has answered it: by then the client may have returned.
    Await.until("both unbinds seen", WAIT, () -> smsc.unbinds() == 2);
    assertThat(client.submit(PHONE, "too late").await().status())
        .isEqualTo(SubmitResult.Status.NOT_BOUND);
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("SMSC side failed: " + e, e);
    }
  }
}
