package dev.sluice.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.gateway.GatewayProcess;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Call;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.BufferedWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway killed with SIGKILL while it expands a campaign. Two gateways run as child processes on
 * one Redis namespace and one PostgreSQL database, both expanding campaigns and both dispatching,
 * in front of one fake WhatsApp Cloud API that answers at once. A 20,000-row campaign with a rate
 * cap runs for several seconds; once a quarter of it is out, the gateway holding the campaign's
 * claim (in the middle of a step: rows read, maybe queued, maybe not yet marked) is killed. The
 * survivor takes the campaign up when the claim runs out and finishes it: every row reaches the
 * provider, the report shows every row sent with one message each, and a number reaches the
 * provider twice only if the dead gateway had its send in flight when it died.
 *
 * <p>Which gateway holds the claim is read from the claim itself: a claim's score in the work set
 * is the claimer's time plus its {@code campaigns.claimMs}, and the two gateways are given claims
 * of different lengths.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CampaignCrashIT {
  private static final int ROWS = 20_000;

  /** The campaign's cap: several seconds of sending. */
  private static final int RATE_PER_SECOND = 2_000;

  /** The claim lengths of A's and B's campaign runners; far enough apart to tell them apart. */
  private static final long CLAIM_A_MS = 3_000;

  private static final long CLAIM_B_MS = 5_000;

  /** A step holds its claim for less than this (a few PostgreSQL and Redis calls). */
  private static final long STEP_MOST_MS = 1_500;

  /** The kill is tried once this share of the rows has reached the provider. */
  private static final double KILL_AFTER = 0.25;

  /** How long a frozen claim holder's queued rows are given to reach the provider. */
  private static final long WINDOW_WAIT_MS = 500;

  /**
   * Claims found held before the kill stops waiting for the moment queued rows are unmarked. An
   * instance keeps a campaign for a third of its claim, step after step, so a run of this test sees
   * only a handful of claims: few tries, or the campaign ends before the kill.
   */
  private static final int WINDOW_TRIES = 2;

  /** How long after a provider's answer a gateway may die and still have that send repeated. */
  private static final long RECORD_GRACE_MS = 500;

  /** How long after the freeze a request written before it may still reach the fake. */
  private static final long IN_TRANSIT_MS = 1_000;

  /** Short deadlines, claims and leases, so a dead instance's work comes back within seconds. */
  private static final Map<String, String> FAST_RECOVERY =
      Map.of(
          "providers.requestTimeoutMs", "2000",
          "dispatch.claimMs", "3000",
          "dispatch.unitsPerClaim", "2",
          "ledger.claimMs", "3000",
          "http.shutdownGraceMs", "1000",
          "pg.directoryPollMs", "100",
          // The in-queue bound is not what this test is about: every step it may land in expands.
          "campaigns.maxQueued", Integer.toString(ROWS));

  private static final String APP_SECRET = "campaign-crash-app-secret";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final String database = TestBackends.uniqueId("sluice_cmpcrash").replace('-', '_');
  private final Vertx vertx = Vertx.vertx();
  private final WebClient client = WebClient.create(vertx);
  private Redis redis;
  private FakeProvider fake;

  /** When the fake answered each call (it answers at once). */
  private final Map<Call, Long> answeredAt = new ConcurrentHashMap<>();

  private GatewayProcess a;
  private GatewayProcess b;
  private final List<GatewayProcess> gateways = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    fake = FakeProvider.whatsApp();
    redis = Redis.createClient(vertx, TestBackends.redisOptions());
    a = gateway("a", CLAIM_A_MS);
    b = gateway("b", CLAIM_B_MS);
    for (GatewayProcess g : gateways) {
      g.awaitReady(START_TIMEOUT);
    }
  }

  private GatewayProcess gateway(String name, long claimMs) throws Exception {
    Map<String, String> settings = TestGateways.settings(FreePorts.find(), database);
    settings.putAll(FAST_RECOVERY);
    settings.put("whatsapp.baseUrl", fake.baseUrl());
    settings.put("campaigns.claimMs", Long.toString(claimMs));
    GatewayProcess g = GatewayProcess.start(name, settings, dir);
    gateways.add(g);
    return g;
  }

  @AfterEach
  void stop() throws Exception {
    try {
      for (GatewayProcess g : gateways) {
        g.close();
      }
      redis.close();
      vertx.close().await();
      if (fake != null) {
        fake.close();
      }
    } finally {
      TestGateways.dropDatabase(database);
    }
  }

  @Test
  void aGatewayKilledMidStepLeavesNoRowSkippedAndSendsNoneTwice() throws Exception {
    // Given a tenant with a WhatsApp channel that both gateways know
    Tenant t = tenantThroughA();
    awaitChannelKnownBy(b, t);

    // and a 20,000-row campaign with a rate cap, created through A
    long createdAt = System.currentTimeMillis();
    String id = createCampaign(t);

    // When, a quarter of the way in, the gateway in the middle of a step is killed
    awaitCalls(t, (int) (ROWS * KILL_AFTER));
    Kill kill = killTheClaimHolder(t, id);
    GatewayProcess survivor = kill.victim() == a ? b : a;
    long takenUpAt = awaitTakeover(id, kill);

    // Then the survivor finishes the campaign
    JsonObject done = awaitCompleted(survivor, t, id);
    long completedAt = System.currentTimeMillis();
    JsonObject counts = done.getJsonObject("counts");
    assertThat(counts.getInteger("total")).isEqualTo(ROWS);
    assertThat(counts.getInteger("sent")).isEqualTo(ROWS);
    assertThat(counts.getInteger("pending")).isZero();
    assertThat(counts.getInteger("queued")).isZero();
    assertThat(counts.getInteger("failed")).isZero();

    // every row's number reached the provider, and with its own row's text
    Map<Integer, List<Call>> callsByRow = callsByRow(t);
    List<Integer> skipped = new ArrayList<>();
    for (int r = 1; r <= ROWS; r++) {
      if (!callsByRow.containsKey(r)) {
        skipped.add(r);
      }
    }
    assertThat(skipped).as("rows that never reached the provider").isEmpty();
    assertThat(callsByRow).hasSize(ROWS);

    // a row reached it twice only if the dead gateway had that send in flight when it died
    int sentAgain = 0;
    for (Map.Entry<Integer, List<Call>> e : callsByRow.entrySet()) {
      List<Call> calls = e.getValue();
      if (calls.size() > 1) {
        sentAgain++;
        assertThat(calls.stream().filter(kill::inFlight).count())
            .as(
                "row %d went to the provider %d times; only sends %s had in flight when it died"
                    + " may be repeated: %s",
                e.getKey(), calls.size(), kill.victim().name(), describe(calls, kill))
            .isGreaterThanOrEqualTo(calls.size() - 1L);
      }
    }

    // and the report shows every row sent, each with one message of its own
    List<String> report = report(survivor, t, id);
    assertThat(report.get(0)).isEqualTo("row,phone,message_id,status,error_code");
    assertThat(report).hasSize(ROWS + 1);
    Set<String> messageIds = new HashSet<>();
    for (int r = 1; r <= ROWS; r++) {
      String line = report.get(r);
      assertThat(line).matches(r + "," + "\\" + phone(r) + ",[0-9a-f-]{36},sent,");
      messageIds.add(line.split(",")[2]);
    }
    assertThat(messageIds).hasSize(ROWS);
    Map<String, Integer> sentInHistory = sentInHistory(id);
    assertThat(sentInHistory.keySet()).isEqualTo(messageIds);
    assertThat(sentInHistory.entrySet().stream().filter(e -> e.getValue() != 1).toList())
        .as("messages with other than one sent in their history")
        .isEmpty();

    long queuedNotMarked =
        kill.pendingAtFreeze().stream()
            .filter(r -> callsByRow.get(r).stream().anyMatch(c -> c.atMs() < takenUpAt))
            .count();
    long oldestRepeatAnswerMs =
        callsByRow.values().stream()
            .filter(calls -> calls.size() > 1)
            .flatMap(List::stream)
            .filter(kill::inFlight)
            .map(c -> kill.answeredAt().get(c))
            .filter(at -> at != null)
            .mapToLong(at -> kill.atMs() - at)
            .max()
            .orElse(0);
    System.out.printf(
        "CampaignCrashIT: %,d rows, cap %,d/s; %s killed mid-step (held step %d, queued rows not"
            + " yet marked: %s) after %,d sends (%,d of them its own) at +%,d ms; before the kill"
            + " %,.0f sends/s with both gateways expanding; %s took the campaign up %,d ms after"
            + " the kill (claim to +%,d ms); completed at +%,d ms. At the kill %s had %d provider"
            + " calls open and %d answered within %d ms before (the repeat bound); sent again: %d"
            + " (answered up to %d ms before the kill). Rows pending at the kill but already"
            + " queued by %s (sent before the takeover): %d%n",
        ROWS,
        RATE_PER_SECOND,
        kill.victim().name(),
        kill.heldSteps(),
        kill.queuedNotMarked(),
        kill.callsBefore(),
        kill.victimCallsBefore(),
        kill.atMs() - createdAt,
        kill.rateBefore(),
        survivor.name(),
        takenUpAt - kill.atMs(),
        kill.claimedUntilMs() - kill.atMs(),
        completedAt - createdAt,
        kill.victim().name(),
        kill.openAtFreeze(),
        kill.inFlightCount(),
        RECORD_GRACE_MS,
        sentAgain,
        oldestRepeatAnswerMs,
        kill.victim().name(),
        queuedNotMarked);
  }

  // ---- the kill ----

  /**
   * The kill of one gateway, for judging repeated sends.
   *
   * @param atMs when it stopped running (SIGSTOP, then SIGKILL)
   * @param claimedUntilMs the campaign's score in the work set then: the end of its claim
   * @param providerPorts its connections to the provider then, as client ports
   * @param pendingAtFreeze the campaign's rows still pending then
   * @param queuedNotMarked whether some of them were in the outbound queue already
   * @param heldSteps how many times a frozen gateway was found holding the claim
   * @param calls every provider call by then
   */
  private record Kill(
      GatewayProcess victim,
      long atMs,
      long claimedUntilMs,
      Set<Integer> providerPorts,
      List<Integer> pendingAtFreeze,
      boolean queuedNotMarked,
      int heldSteps,
      List<Call> calls,
      Map<Call, Long> answeredAt) {

    /**
     * A call from the victim, open when it died or answered so shortly before that it may not have
     * been recorded.
     */
    boolean inFlight(Call call) {
      Long answered = answeredAt.get(call);
      return providerPorts.contains(call.remotePort())
          && call.atMs() <= atMs + IN_TRANSIT_MS
          && (answered == null || answered > atMs - RECORD_GRACE_MS);
    }

    long inFlightCount() {
      return calls.stream().filter(this::inFlight).count();
    }

    long openAtFreeze() {
      return calls.stream()
          .filter(
              c ->
                  providerPorts.contains(c.remotePort())
                      && (answeredAt.get(c) == null || answeredAt.get(c) >= atMs))
          .count();
    }

    int callsBefore() {
      return (int) calls.stream().filter(c -> c.atMs() <= atMs).count();
    }

    int victimCallsBefore() {
      return (int)
          calls.stream()
              .filter(c -> c.atMs() <= atMs && providerPorts.contains(c.remotePort()))
              .count();
    }

    double rateBefore() {
      long first = calls.stream().mapToLong(Call::atMs).min().orElse(atMs);
      return callsBefore() * 1000.0 / Math.max(1, atMs - first);
    }
  }

  /**
   * Freezes A or B in turn until the one frozen is found holding the campaign's claim (in the
   * middle of a step), then kills it. Its claim names it: the claim ends its own {@code claimMs}
   * after the step began, and a step is shorter than {@link #STEP_MOST_MS}.
   *
   * <p>The kill waits for the step's worst moment: rows already in the outbound queue but not yet
   * marked queued in PostgreSQL. While the holder is frozen, the other gateway's dispatchers send
   * what it queued, so a pending row reaching the provider within {@link #WINDOW_WAIT_MS} shows it.
   * If that moment is not caught in {@link #WINDOW_TRIES} steps found held, the next held step is
   * killed wherever it is.
   */
  private Kill killTheClaimHolder(Tenant t, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int held = 0;
    // A step found held and let go is not taken again: each freeze makes it longer, and past
    // STEP_MOST_MS its claim would no longer name its holder.
    Set<Long> letGo = new HashSet<>();
    for (int attempt = 0; ; attempt++) {
      GatewayProcess g = attempt % 2 == 0 ? a : b;
      long claimMs = g == a ? CLAIM_A_MS : CLAIM_B_MS;
      g.freeze();
      long frozenAt = System.currentTimeMillis();
      Long score = claimEnd(id);
      if (score != null
          && !letGo.contains(score)
          && score - frozenAt > claimMs - STEP_MOST_MS
          && score - frozenAt <= claimMs + 50) {
        held++;
        letGo.add(score);
        Set<Integer> ports = g.portsConnectedTo(providerPort());
        List<Integer> pending = pendingRows(id);
        boolean queuedNotMarked = sentWithin(t, pending, WINDOW_WAIT_MS);
        if (queuedNotMarked || held > WINDOW_TRIES) {
          g.kill();
          return new Kill(
              g, frozenAt, score, ports, pending, queuedNotMarked, held, fake.calls(), answeredAt);
        }
      }
      g.thaw();
      if (System.nanoTime() > deadline || callsOf(t).size() > ROWS * 0.9) {
        fail("never found a gateway in the middle of a step in " + attempt + " tries");
      }
      TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(5, 40)); // next try
    }
  }

  /** Whether one of {@code rows} reaches the provider within {@code ms}. */
  private boolean sentWithin(Tenant t, List<Integer> rows, long ms) throws Exception {
    Set<String> texts = new HashSet<>();
    rows.forEach(r -> texts.add("row " + r));
    long deadline = System.currentTimeMillis() + ms;
    int seen = 0;
    do {
      List<Call> calls = callsOf(t);
      for (Call c : calls.subList(seen, calls.size())) {
        if (texts.contains(c.text())) {
          return true;
        }
      }
      seen = calls.size();
      TimeUnit.MILLISECONDS.sleep(20); // poll interval
    } while (System.currentTimeMillis() < deadline);
    return false;
  }

  /** The campaign's score in the work set (due time, or a claim's end), or null. */
  private Long claimEnd(String id) {
    Response r =
        redis
            .send(
                Request.cmd(Command.ZSCORE)
                    .arg(CampaignRunner.work(TestGateways.keyPrefix(database)))
                    .arg(id))
            .await();
    return r == null ? null : (long) Double.parseDouble(r.toString());
  }

  /**
   * Waits until another gateway claims the campaign (its score moves off the dead one's claim).
   *
   * @return when that was seen
   */
  private long awaitTakeover(String id, Kill kill) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Long score = claimEnd(id);
      if (score == null || score != kill.claimedUntilMs()) {
        long now = System.currentTimeMillis();
        assertThat(now)
            .as("the campaign taken up only once the dead gateway's claim ran out")
            .isGreaterThanOrEqualTo(kill.claimedUntilMs());
        return now;
      }
      if (System.nanoTime() > deadline) {
        fail("the campaign was not taken up within 30 s of the kill\n" + warnings());
      }
      TimeUnit.MILLISECONDS.sleep(10); // poll interval
    }
  }

  private int providerPort() {
    return URI.create(fake.baseUrl()).getPort();
  }

  private static String describe(List<Call> calls, Kill kill) {
    List<String> out = new ArrayList<>();
    for (Call call : calls) {
      Long answered = kill.answeredAt().get(call);
      out.add(
          (kill.providerPorts().contains(call.remotePort()) ? kill.victim().name() : "other")
              + " at kill"
              + signed(call.atMs() - kill.atMs())
              + "ms, answered "
              + (answered == null ? "never" : "at kill" + signed(answered - kill.atMs()) + "ms"));
    }
    return String.join("; ", out);
  }

  private static String signed(long ms) {
    return (ms >= 0 ? "+" : "") + ms;
  }

  // ---- the scenario ----

  private record Tenant(String id, String apiKey, String address) {}

  /** Meta app, tenant and WhatsApp channel, created through A. */
  private Tenant tenantThroughA() {
    String app = TestBackends.uniqueId("app");
    admin(
        "/admin/meta-apps",
        new JsonObject().put("id", app).put("appSecret", APP_SECRET).put("verifyToken", "v"));
    String tenantId = TestBackends.uniqueId("cmpcrash");
    String apiKey =
        admin("/admin/tenants", new JsonObject().put("id", tenantId).put("name", tenantId))
            .getString("apiKey");
    String address = "6" + Math.abs(System.nanoTime() % 1_000_000_000L);
    fake.script(
        address,
        call -> {
          answeredAt.put(call, System.currentTimeMillis());
          return null; // the fallback's success, at once
        });
    admin(
        "/admin/tenants/" + tenantId + "/channels",
        new JsonObject()
            .put("id", "wa")
            .put("provider", "whatsapp")
            .put("address", address)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "t"))
            // The sender pacing must not be what the test waits for.
            .put(
                "limits",
                new JsonObject()
                    .put(
                        "outbound",
                        new JsonObject().put("perSecond", 100_000).put("burst", 1000))));
    return new Tenant(tenantId, apiKey, address);
  }

  /**
   * Waits until {@code g}'s directory has the channel: a send to a bad number through it is refused
   * for the number, no longer for the channel (nothing is queued either way).
   */
  private void awaitChannelKnownBy(GatewayProcess g, Tenant t) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      HttpResponse<Buffer> r =
          client
              .post(g.port(), "127.0.0.1", "/v1/messages")
              .putHeader("Authorization", "Bearer " + t.apiKey())
              .sendJsonObject(
                  new JsonObject()
                      .put("channel", "wa")
                      .put("to", "not-a-number")
                      .put("type", "text")
                      .put("text", "probe"))
              .await();
      if (r.statusCode() == 422 && r.bodyAsString().contains("E.164")) {
        return;
      }
      assertThat(r.statusCode()).as(r.bodyAsString()).isIn(401, 422);
      if (System.nanoTime() > deadline) {
        fail(g.name() + " did not learn of the channel within 10 s: " + r.bodyAsString());
      }
      TimeUnit.MILLISECONDS.sleep(50); // poll interval
    }
  }

  /** Row {@code r}'s number (1-based rows). */
  private static String phone(int r) {
    return String.format("+4915113%06d", r);
  }

  private String createCampaign(Tenant t) throws Exception {
    Path csv = dir.resolve("audience.csv");
    try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
      w.write("phone,row\n");
      for (int r = 1; r <= ROWS; r++) {
        w.write(phone(r) + "," + r + "\n");
      }
    }
    HttpResponse<Buffer> created =
        client
            .post(a.port(), "127.0.0.1", "/v1/campaigns")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendMultipartForm(
                MultipartForm.create()
                    .attribute(
                        "campaign",
                        new JsonObject()
                            .put("name", "crash")
                            .put("channel", "wa")
                            .put("message", new JsonObject().put("text", "row {{row}}"))
                            .put("ratePerSecond", RATE_PER_SECOND)
                            .encode())
                    .textFileUpload("audience", "audience.csv", csv.toString(), "text/csv"))
            .await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("id");
  }

  private List<Call> callsOf(Tenant t) {
    return fake.callsFor(t.address());
  }

  private void awaitCalls(Tenant t, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (callsOf(t).size() < n) {
      if (System.nanoTime() > deadline) {
        fail("only " + callsOf(t).size() + " of " + n + " sends within 60 s\n" + warnings());
      }
      TimeUnit.MILLISECONDS.sleep(20); // poll interval
    }
  }

  /** Row → its calls; a call's row is read from its text and must match its number. */
  private Map<Integer, List<Call>> callsByRow(Tenant t) {
    Map<Integer, List<Call>> out = new HashMap<>();
    for (Call c : callsOf(t)) {
      int row = Integer.parseInt(c.text().substring("row ".length()));
      assertThat("+" + c.json().getString("to")).as("number of row %d", row).isEqualTo(phone(row));
      out.computeIfAbsent(row, k -> new ArrayList<>()).add(c);
    }
    return out;
  }

  private JsonObject awaitCompleted(GatewayProcess g, Tenant t, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      HttpResponse<Buffer> r =
          client
              .get(g.port(), "127.0.0.1", "/v1/campaigns/" + id)
              .putHeader("Authorization", "Bearer " + t.apiKey())
              .send()
              .await();
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      JsonObject c = r.bodyAsJsonObject();
      if ("completed".equals(c.getString("status"))) {
        return c;
      }
      if (System.nanoTime() > deadline) {
        fail("the campaign did not complete within 90 s: " + c + "\n" + warnings());
      }
      TimeUnit.MILLISECONDS.sleep(100); // poll interval
    }
  }

  private List<String> report(GatewayProcess g, Tenant t, String id) {
    HttpResponse<Buffer> r =
        client
            .get(g.port(), "127.0.0.1", "/v1/campaigns/" + id + "/report")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .send()
            .await();
    assertThat(r.statusCode()).isEqualTo(200);
    return r.bodyAsString().lines().toList();
  }

  private JsonObject admin(String path, JsonObject body) {
    HttpResponse<Buffer> r =
        client
            .request(HttpMethod.POST, a.port(), "127.0.0.1", path)
            .putHeader("Authorization", "Bearer " + IngressHarness.ADMIN_TOKEN)
            .sendJsonObject(body)
            .await();
    assertThat(r.statusCode()).as("POST %s → %s", path, r.bodyAsString()).isBetween(200, 299);
    return r.bodyAsJsonObject();
  }

  /** The warnings and errors in the gateways' logs, for failure messages. */
  private String warnings() {
    StringBuilder out = new StringBuilder("database and key prefix: " + database + "\n");
    for (GatewayProcess g : gateways) {
      out.append("--- gateway ").append(g.name()).append(":\n");
      g.logTail(5_000)
          .lines()
          .filter(l -> l.contains("WARN") || l.contains("ERROR"))
          .forEach(l -> out.append(l).append('\n'));
    }
    return out.toString();
  }

  // ---- PostgreSQL ----

  private Connection pg() throws SQLException {
    GatewayConfig.Postgres pg =
        TestGateways.config(Map.of("pg.url", TestGateways.pgUrl(database))).pg();
    return DriverManager.getConnection(
        "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + database,
        pg.user(),
        pg.password().reveal());
  }

  /** The campaign's pending rows. */
  private List<Integer> pendingRows(String id) throws SQLException {
    List<Integer> out = new ArrayList<>();
    try (Connection conn = pg();
        PreparedStatement s =
            conn.prepareStatement(
                "SELECT row_no FROM campaign_rows WHERE campaign_id = ? AND state = 'pending'")) {
      s.setObject(1, UUID.fromString(id));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getInt(1));
        }
      }
    }
    return out;
  }

  /** Message id → how many {@code sent} entries its history holds, for the campaign's messages. */
  private Map<String, Integer> sentInHistory(String id) throws SQLException {
    Map<String, Integer> out = new HashMap<>();
    try (Connection conn = pg();
        PreparedStatement s =
            conn.prepareStatement(
                "SELECT m.id::text, count(e.message_id) FROM messages m"
                    + " LEFT JOIN message_events e ON e.message_id = m.id AND e.status = 'sent'"
                    + " WHERE m.campaign_id = ? GROUP BY 1")) {
      s.setObject(1, UUID.fromString(id));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getInt(2));
        }
      }
    }
    return out;
  }
}
