package dev.sluice.loadtest.smsc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.loadtest.Args;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.AlertNotification;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DataCodings;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.session.BindParameter;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.MessageReceiverListener;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The SMSC simulator on real sockets, driven by jsmpp's own client. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SmscSimulatorIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private final BlockingQueue<DeliverSm> receipts = new LinkedBlockingQueue<>();
  private final List<SMPPSession> clients = new ArrayList<>();
  private SmscSimulator smsc;

  @TempDir Path dir;

  @BeforeEach
  void start() throws IOException {
    smsc =
        SmscSimulator.start(
            Args.parse(new String[] {"--system-id", "bench", "--password", "s3cr3t"}));
  }

  @AfterEach
  void stop() throws IOException {
    clients.forEach(SMPPSession::unbindAndClose);
    smsc.close();
  }

  @Test
  void answersEverySubmitAndSendsAReceiptForEachThenCountsPerDestination() throws Exception {
    SMPPSession client = bind(BindType.BIND_TRX, "s3cr3t");
    control("/round?name=test");

    String first = submit(client, "+12025550001");
    submit(client, "12025550002");
    submit(client, "12025550002");

    // Receipts go out from a pool of senders: in any order.
    Map<String, DeliverSm> byId = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      DeliverSm r = receipts.poll(10, TimeUnit.SECONDS);
      assertThat(r).isNotNull();
      byId.put(
          r.getOptionalParameter(OptionalParameter.Receipted_message_id.class).getValueAsString(),
          r);
    }
    assertThat(byId).hasSize(3).containsKey(first);
    DeliverSm receipt = byId.get(first);
    assertThat(receipt.getEsmClass()).isEqualTo((byte) 0x04);
    assertThat(receipt.getSourceAddr()).isEqualTo("+12025550001");
    assertThat(receipt.getDestAddress()).isEqualTo("14155550000");
    String text = new String(receipt.getShortMessage(), StandardCharsets.US_ASCII);
    assertThat(text)
        .startsWith("id:" + first + " sub:001 dlvrd:001 ")
        .contains(" stat:DELIVRD err:000");
    assertThat(receipt.getOptionalParameter(OptionalParameter.Message_state.class).getValue())
        .isEqualTo((byte) 2);

    Path expected = dir.resolve("expected.numbers");
    Files.writeString(expected, "12025550001\n12025550002\n12025550003\n");
    JsonObject summary = control("/summary?out=" + dir.resolve("test") + "&expect=" + expected);
    assertThat(summary.getLong("submits")).isEqualTo(3);
    assertThat(summary.getLong("destinations")).isEqualTo(2);
    assertThat(summary.getLong("duplicates")).isEqualTo(1);
    assertThat(summary.getLong("missing")).isEqualTo(1);
    assertThat(summary.getLong("unexpected")).isZero();
    assertThat(summary.getLong("receiptsSent")).isEqualTo(3);
    assertThat(summary.getLong("receiptsFailed")).isZero();
    // Second by second: every submit counted once, in the seconds since the round began.
    JsonArray timeline = summary.getJsonArray("timeline");
    long submitsInTimeline = 0;
    for (int i = 0; i < timeline.size(); i++) {
      JsonObject second = timeline.getJsonObject(i);
      assertThat(second.fieldNames())
          .containsExactlyInAnyOrder(
              "submits", "receiptsAcked", "answerMeanMs", "answerMaxMs", "receiptMaxMs");
      submitsInTimeline += second.getLong("submits");
    }
    assertThat(submitsInTimeline).isEqualTo(3);
    assertThat(Files.readAllLines(dir.resolve("test.destinations")))
        .containsExactlyInAnyOrder("12025550001 1", "12025550002 2");
  }

  @Test
  void sendsTheReceiptsOfATransmitterToTheReceiverOfTheSameSystemId() throws Exception {
    SMPPSession transmitter = bind(BindType.BIND_TX, "s3cr3t");
    bind(BindType.BIND_RX, "s3cr3t");

    String id = submit(transmitter, "12025550009");

    DeliverSm receipt = receipts.poll(10, TimeUnit.SECONDS);
    assertThat(receipt).isNotNull();
    assertThat(
            receipt
                .getOptionalParameter(OptionalParameter.Receipted_message_id.class)
                .getValueAsString())
        .isEqualTo(id);
  }

  @Test
  void rejectsABindWithAnotherPassword() {
    assertThatThrownBy(() -> bind(BindType.BIND_TRX, "wrong")).isInstanceOf(IOException.class);
  }

  private SMPPSession bind(BindType type, String password) throws IOException {
    SMPPSession session = new SMPPSession();
    session.setMessageReceiverListener(
        new MessageReceiverListener() {
          @Override
          public void onAcceptDeliverSm(DeliverSm deliverSm) {
            receipts.add(deliverSm);
          }

          @Override
          public void onAcceptAlertNotification(AlertNotification alertNotification) {}

          @Override
          public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) {
            return null;
          }
        });
    session.connectAndBind(
        "127.0.0.1",
        smsc.smppPort(),
        new BindParameter(
            type,
            "bench",
            password,
            "",
            TypeOfNumber.UNKNOWN,
            NumberingPlanIndicator.UNKNOWN,
            null),
        10_000);
    clients.add(session);
    return session;
  }

  private static String submit(SMPPSession client, String to) throws Exception {
    return client
        .submitShortMessage(
            "",
            TypeOfNumber.INTERNATIONAL,
            NumberingPlanIndicator.ISDN,
            "14155550000",
            TypeOfNumber.INTERNATIONAL,
            NumberingPlanIndicator.ISDN,
            to,
            new ESMClass(),
            (byte) 0,
            (byte) 1,
            null,
            null,
            new RegisteredDelivery(SMSCDeliveryReceipt.SUCCESS_FAILURE),
            (byte) 0,
            DataCodings.ZERO,
            (byte) 0,
            "hello".getBytes(StandardCharsets.US_ASCII))
        .getMessageId();
  }

  private JsonObject control(String pathAndQuery) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + smsc.controlPort() + pathAndQuery))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }
}
