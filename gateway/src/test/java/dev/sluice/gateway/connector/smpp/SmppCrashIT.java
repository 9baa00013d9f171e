package dev.sluice.gateway.connector.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.GatewayProcess;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.connector.smpp.SmscSimulator.ReceiptForm;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The only gateway bound to an SMSC is killed with SIGKILL while its window is full: a child-JVM
 * gateway sends accepted messages to the jsmpp SMSC simulator, which holds every answer a while, so
 * up to a window of submit_sm is written and unanswered when the process dies. A second gateway
 * binds, takes the dead one's partitions and leased messages over once their claim and lease run
 * out, and sends them. Every accepted message reaches the SMSC at least once and ends delivered;
 * the duplicates are only what the dead gateway had in flight: its window, and the answers it had
 * read but not yet recorded.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SmppCrashIT {
  private static final int MESSAGES = 60;
  private static final int WINDOW = 5;
  private static final String SYSTEM_ID = "crash";
  private static final String PASSWORD = "pw-crash";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration WAIT = Duration.ofSeconds(90);

  /** Short deadlines, claims and leases, so a dead instance's work comes back within seconds. */
  private static final Map<String, String> FAST_RECOVERY =
      Map.of(
          "providers.requestTimeoutMs", "2000",
          "smpp.responseTimeoutMs", "2000",
          "smpp.throttleWaitMs", "1000",
          "dispatch.claimMs", "3000",
          "dispatch.retryBaseMs", "200",
          "dispatch.retryMaxMs", "1000",
          "ledger.claimMs", "3000",
          "http.shutdownGraceMs", "1000",
          "pg.directoryPollMs", "100");

  @TempDir Path dir;

  private final String channel = TestBackends.uniqueId("smppcrash");
  private IngressHarness h;
  private SmscSimulator smsc;
  private final List<GatewayProcess> gateways = new ArrayList<>();

  @BeforeEach
  void start() {
    smsc = SmscSimulator.start(SYSTEM_ID, PASSWORD);
    // The in-process gateway serves the API only: it never binds or sends.
    Map<String, String> apiOnly = new HashMap<>(FAST_RECOVERY);
    apiOnly.put("dispatch.enabled", "false");
    h = IngressHarness.start(apiOnly);
  }

  @AfterEach
  void stop() throws Exception {
    for (GatewayProcess g : gateways) {
      g.close();
    }
    if (h != null) {
      h.close();
    }
    if (smsc != null) {
      smsc.close();
    }
  }

  @Test
  void aGatewayKilledMidWindowLosesNothingAccepted() throws Exception {
    // Given a channel whose only bind is a child gateway's, and an SMSC slow to answer
    Tenant t = h.tenant("smppcrash");
    SmppLines lines = new SmppLines(h, t);
    lines.create(channel, smsc, new JsonObject().put("windowSize", WINDOW), SYSTEM_ID, PASSWORD);
    GatewayProcess doomed = gateway("doomed");
    doomed.awaitReady(START_TIMEOUT);
    Await.until("the doomed gateway's bind", WAIT, () -> smsc.boundConnections() == 1);
    smsc.delayAnswers(Duration.ofMillis(150));

    // and messages accepted through the API
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      String text = "crash " + i;
      texts.add(text);
      ids.add(lines.send(channel, "+49151" + (20_000_000 + i), text));
    }

    // When the gateway is killed with its window full
    Await.until(
        "a full window at the SMSC",
        WAIT,
        () -> smsc.submitsReceived() >= MESSAGES / 4 && unanswered() >= WINDOW - 1);
    doomed.kill();
    int writtenBeforeKill = smsc.submitsReceived();
    assertThat(writtenBeforeKill).isLessThan(MESSAGES);

    // and another gateway comes up
    smsc.delayAnswers(Duration.ZERO);
    GatewayProcess survivor = gateway("survivor");
    survivor.awaitReady(START_TIMEOUT);

    // Then every accepted message reaches the SMSC at least once
    Await.until("every text at the SMSC", WAIT, () -> smsc.texts().containsAll(texts));
    for (String id : ids) {
      Await.until(
          "message " + id + " sent", WAIT, () -> status(lines, id).rank >= Status.SENT.rank);
    }
    // and ends with a final status once the SMSC reports delivery of everything it accepted
    Set<String> receipted = new HashSet<>();
    for (SmscSimulator.Submit s : smsc.accepted()) {
      if (receipted.add(s.messageId())) {
        assertThat(smsc.sendReceipt(s.messageId(), "DELIVRD", ReceiptForm.TEXT, false).join())
            .isZero();
      }
    }
    for (String id : ids) {
      Await.until(
          "message " + id + " delivered", WAIT, () -> status(lines, id) == Status.DELIVERED);
    }
    // and only what the dead gateway had in flight went twice: its window of unanswered submit_sm,
    // and answers it had read but not yet recorded (a dispatcher records outcomes within
    // Dispatcher.RECORD_WAIT_MS, and a window's answers come back together): two windows at most
    int duplicates = smsc.texts().size() - new HashSet<>(smsc.texts()).size();
    assertThat(duplicates).as("texts sent twice").isLessThanOrEqualTo(2 * WINDOW);
  }

  private GatewayProcess gateway(String name) throws Exception {
    Map<String, String> settings = TestGateways.settings(FreePorts.find(), h.database);
    settings.putAll(FAST_RECOVERY);
    GatewayProcess g = GatewayProcess.start(name, settings, dir);
    gateways.add(g);
    return g;
  }

  private int unanswered() {
    return smsc.submitsReceived() - smsc.submitsAnswered();
  }

  private enum Status {
    UNKNOWN(-1),
    ACCEPTED(0),
    QUEUED(1),
    SENT(2),
    FAILED(3),
    DELIVERED(4);

    final int rank;

    Status(int rank) {
      this.rank = rank;
    }
  }

  private static Status status(SmppLines lines, String id) {
    String status = lines.message(id).getString("status");
    return status == null ? Status.UNKNOWN : Status.valueOf(status.toUpperCase(Locale.ROOT));
  }
}
