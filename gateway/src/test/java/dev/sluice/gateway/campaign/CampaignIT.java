package dev.sluice.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Call;
import dev.sluice.gateway.testing.RunsAlone;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Campaigns from the API to a fake WhatsApp Cloud API: a CSV audience sent once per valid row with
 * its rejected and duplicate rows reported, per-row variables, the rate cap, pause within a second
 * and resume, cancel, and refusals that leave nothing behind.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@RunsAlone
class CampaignIT {
  private static final String SECRET = "meta-app-secret-campaign";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static FakeProvider fake;
  private static IngressHarness h;
  private static String app;

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    fake = FakeProvider.whatsApp();
    h =
        IngressHarness.start(
            Map.of(
                "whatsapp.baseUrl", fake.baseUrl(),
                "providers.requestTimeoutMs", "2000",
                "providers.allowHttp", "true"));
    app = TestBackends.uniqueId("app");
    h.metaApp(app, SECRET, "verify");
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  private record Line(Tenant tenant, String channel, String phoneNumberId) {}

  private static Line line(String name) {
    return line(name, 5000);
  }

  /** A tenant with one WhatsApp channel sending {@code perSecond} messages a second at most. */
  private static Line line(String name, int perSecond) {
    Tenant t = h.tenant(name);
    String phoneNumberId = "7" + Math.abs(System.nanoTime() % 1_000_000_000L);
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
                            .put("perSecond", perSecond)
                            .put("burst", Math.max(1, perSecond / 10))
                            .put("perRecipientPerMinute", 6000)
                            .put("recipientBurst", 100))));
    return new Line(t, channel, phoneNumberId);
  }

  /** Raises the channel's pacing in place (the queued messages stay queued). */
  private static void faster(Line line) {
    h.admin(
        HttpMethod.PATCH,
        "/admin/tenants/" + line.tenant().id() + "/channels/" + line.channel(),
        new JsonObject()
            .put(
                "limits",
                new JsonObject()
                    .put("outbound", new JsonObject().put("perSecond", 5000).put("burst", 500))));
  }

  private static JsonObject settings(Line line, String text) {
    return new JsonObject()
        .put("name", "spring sale")
        .put("channel", line.channel())
        .put("message", new JsonObject().put("text", text));
  }

  private static HttpResponse<Buffer> createCsv(Line line, JsonObject settings, String csv)
      throws IOException {
    Path file = Files.createTempFile(dir, "audience", ".csv");
    Files.writeString(file, csv, StandardCharsets.UTF_8);
    return h.client
        .post("/v1/campaigns")
        .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
        .sendMultipartForm(
            MultipartForm.create()
                .attribute("campaign", settings.encode())
                .textFileUpload("audience", "audience.csv", file.toString(), "text/csv"))
        .await();
  }

  private static HttpResponse<Buffer> call(Line line, String method, String path, JsonObject body) {
    var req =
        h.client
            .request(io.vertx.core.http.HttpMethod.valueOf(method), path)
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey());
    return (body == null ? req.send() : req.sendJsonObject(body)).await();
  }

  private static JsonObject campaign(Line line, String id) {
    HttpResponse<Buffer> r = call(line, "GET", "/v1/campaigns/" + id, null);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static JsonObject awaitStatus(Line line, String id, String status) {
    JsonObject[] last = new JsonObject[1];
    try {
      Await.until(
          "campaign " + id + " to be " + status,
          WAIT,
          () -> status.equals((last[0] = campaign(line, id)).getString("status")));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
    }
    return last[0];
  }

  private static List<Call> callsOf(Line line) {
    return fake.callsFor(line.phoneNumberId());
  }

  /** Recipient → how many times the fake was asked to send to it. */
  private static Map<String, Integer> sendsPerRecipient(Line line) {
    Map<String, Integer> out = new HashMap<>();
    for (Call c : callsOf(line)) {
      out.merge(c.json().getString("to"), 1, Integer::sum);
    }
    return out;
  }

  private static String phone(int i) {
    return String.format("+1415555%04d", i);
  }

  @Test
  void csvCampaignSendsEachValidRowOnceAndReportsRejectedAndDuplicateRows() throws IOException {
    Line line = line("csv");
    StringBuilder csv = new StringBuilder("phone,first_name\r\n");
    int rows = 1_500;
    for (int i = 0; i < rows; i++) {
      csv.append(phone(i)).append(",Ann").append(i).append("\r\n");
    }
    csv.append("not-a-phone,Bob\r\n"); // row 1501: rejected
    csv.append(phone(7)).append(",Again\r\n"); // row 1502: duplicate of row 8
    csv.append(phone(9_999)).append(",\r\n"); // row 1503: no value for first_name

    HttpResponse<Buffer> created =
        createCsv(line, settings(line, "Hi {{first_name}}, 20% off today"), csv.toString());

    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject c = created.bodyAsJsonObject();
    String id = c.getString("id");
    assertThat(c.getJsonObject("counts").getInteger("total")).isEqualTo(rows + 3);
    JsonObject done = awaitStatus(line, id, "completed");
    JsonObject counts = done.getJsonObject("counts");
    assertThat(counts.getInteger("sent")).isEqualTo(rows);
    assertThat(counts.getInteger("rejected")).isEqualTo(2);
    assertThat(counts.getInteger("duplicates")).isEqualTo(1);

    Map<String, Integer> sends = sendsPerRecipient(line);
    assertThat(sends).hasSize(rows);
    assertThat(sends.values()).allMatch(n -> n == 1);
    assertThat(
            callsOf(line).stream()
                .filter(x -> x.json().getString("to").equals("14155550042"))
                .map(Call::text))
        .containsExactly("Hi Ann42, 20% off today");

    HttpResponse<Buffer> rejected = call(line, "GET", "/v1/campaigns/" + id + "/rejected", null);
    assertThat(rejected.statusCode()).isEqualTo(200);
    assertThat(rejected.getHeader("Content-Type")).startsWith("text/csv");
    List<String> lines = rejected.bodyAsString().lines().toList();
    assertThat(lines.get(0)).isEqualTo("row,phone,state,reason");
    assertThat(lines).hasSize(4);
    assertThat(lines.get(1)).startsWith("1501,not-a-phone,rejected,");
    assertThat(lines.get(2)).startsWith("1502,+14155550007,duplicate,");
    assertThat(lines.get(3)).startsWith("1503,+14155559999,rejected,no value for first_name");

    HttpResponse<Buffer> report = call(line, "GET", "/v1/campaigns/" + id + "/report", null);
    List<String> reportLines = report.bodyAsString().lines().toList();
    assertThat(reportLines).hasSize(rows + 4);
    assertThat(reportLines.get(1)).matches("1,\\+14155550000,[0-9a-f-]{36},sent,");

    // Each message is an ordinary one, with its campaign.
    String messageId = reportLines.get(1).split(",")[2];
    JsonObject m = call(line, "GET", "/v1/messages/" + messageId, null).bodyAsJsonObject();
    assertThat(m.getString("status")).isEqualTo("sent");
    assertThat(m.getString("lane")).isEqualTo("low");
  }

  @Test
  void jsonCampaignWithInlineAudienceRendersEveryRow() {
    Line line = line("json");
    JsonArray audience = new JsonArray();
    for (int i = 0; i < 20; i++) {
      audience.add(new JsonObject().put("phone", phone(100 + i)).put("code", "C" + i));
    }
    HttpResponse<Buffer> created =
        call(
            line,
            "POST",
            "/v1/campaigns",
            settings(line, "Your code is {{code}}").put("audience", audience));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");
    awaitStatus(line, id, "completed");
    Set<String> texts = callsOf(line).stream().map(Call::text).collect(Collectors.toSet());
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      expected.add("Your code is C" + i);
    }
    assertThat(texts).isEqualTo(expected);
    // Each audience row can be found by its number's keyed hash alone (erasure, export).
    for (int i = 0; i < 20; i++) {
      assertThat(
              countRows(
                  "SELECT count(*) FROM campaign_rows WHERE campaign_id = ?::uuid AND phone_hash = ?",
                  id,
                  h.phoneHash(phone(100 + i).substring(1))))
          .isEqualTo(1);
    }
  }

  private static long countRows(String sql, Object... params) {
    GatewayConfig.Postgres pg =
        TestGateways.config(Map.of("pg.url", TestGateways.pgUrl(h.database))).pg();
    try (java.sql.Connection c =
            java.sql.DriverManager.getConnection(
                "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + h.database,
                pg.user(),
                pg.password().reveal());
        java.sql.PreparedStatement q = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        q.setObject(i + 1, params[i]);
      }
      try (java.sql.ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void sendRateStaysWithinFivePercentOfTheCap() throws IOException {
    Line line = line("rate");
    int rows = 1_200;
    int rate = 200;
    StringBuilder csv = new StringBuilder("phone\n");
    for (int i = 0; i < rows; i++) {
      csv.append(phone(2_000 + i)).append('\n');
    }
    HttpResponse<Buffer> created =
        createCsv(line, settings(line, "rate test").put("ratePerSecond", rate), csv.toString());
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    awaitStatus(line, created.bodyAsJsonObject().getString("id"), "completed");

    List<Long> at = callsOf(line).stream().map(Call::atMs).sorted().toList();
    assertThat(at).hasSize(rows);
    // The steady rate, past the first step's burst: from the 100th send to the last.
    double measured = (at.size() - 100) * 1000.0 / (at.get(at.size() - 1) - at.get(99));
    assertThat(measured).isBetween(rate * 0.95, rate * 1.05);
  }

  @Test
  void theRateCapHoldsWithTwoInstancesRunningCampaigns() throws Exception {
    Gateway second = h.anotherInstance(Map.of());
    try {
      Line line = line("rate2");
      int rows = 1_200;
      int rate = 200;
      StringBuilder csv = new StringBuilder("phone\n");
      for (int i = 0; i < rows; i++) {
        csv.append(phone(3_300 + i)).append('\n');
      }
      HttpResponse<Buffer> created =
          createCsv(
              line,
              settings(line, "rate test, two instances").put("ratePerSecond", rate),
              csv.toString());
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      awaitStatus(line, created.bodyAsJsonObject().getString("id"), "completed");

      List<Long> at = callsOf(line).stream().map(Call::atMs).sorted().toList();
      assertThat(at).hasSize(rows);
      double measured = (at.size() - 100) * 1000.0 / (at.get(at.size() - 1) - at.get(99));
      assertThat(measured).isBetween(rate * 0.95, rate * 1.05);
    } finally {
      second.close().await();
    }
  }

  @Test
  void pauseHoldsQueuedMessagesWithinASecondAndResumeSendsTheRest() throws IOException {
    // A slow channel and no campaign cap: most of the audience is in the queue when it pauses.
    Line line = line("pause", 100);
    int rows = 1_000;
    StringBuilder csv = new StringBuilder("phone\n");
    for (int i = 0; i < rows; i++) {
      csv.append(phone(4_000 + i)).append('\n');
    }
    HttpResponse<Buffer> created = createCsv(line, settings(line, "pause test"), csv.toString());
    String id = created.bodyAsJsonObject().getString("id");
    Await.until("some sends", WAIT, () -> callsOf(line).size() >= 100);
    assertThat(campaign(line, id).getJsonObject("counts").getLong("queued")).isGreaterThan(500);

    HttpResponse<Buffer> paused = call(line, "POST", "/v1/campaigns/" + id + "/pause", null);
    long pausedAt = System.currentTimeMillis();
    assertThat(paused.statusCode()).as(paused.bodyAsString()).isEqualTo(200);
    assertThat(paused.bodyAsJsonObject().getString("status")).isEqualTo("paused");

    // Nothing starts more than a second after the pause, queued messages included.
    Await.until(
        "the campaign to be quiet",
        Duration.ofSeconds(5),
        () -> {
          List<Call> calls = callsOf(line);
          return calls.isEmpty()
              || calls.get(calls.size() - 1).atMs() < System.currentTimeMillis() - 1500;
        });
    int atPause = callsOf(line).size();
    assertThat(callsOf(line).stream().filter(x -> x.atMs() > pausedAt + 1_000)).isEmpty();
    assertThat(atPause).isLessThan(rows);

    // The rest need not crawl at the slow rate that let the queue fill.
    faster(line);
    HttpResponse<Buffer> resumed = call(line, "POST", "/v1/campaigns/" + id + "/resume", null);
    assertThat(resumed.statusCode()).isEqualTo(200);
    awaitStatus(line, id, "completed");
    Map<String, Integer> sends = sendsPerRecipient(line);
    assertThat(sends).hasSize(rows);
    assertThat(sends.values()).allMatch(n -> n == 1);
  }

  @Test
  void cancelSendsNothingAfterAndMarksTheRestCancelled() throws IOException {
    Line line = line("cancel", 100);
    int rows = 1_000;
    StringBuilder csv = new StringBuilder("phone\n");
    for (int i = 0; i < rows; i++) {
      csv.append(phone(6_000 + i)).append('\n');
    }
    String id =
        createCsv(line, settings(line, "cancel test"), csv.toString())
            .bodyAsJsonObject()
            .getString("id");
    Await.until("some sends", WAIT, () -> callsOf(line).size() >= 100);
    assertThat(campaign(line, id).getJsonObject("counts").getLong("queued")).isGreaterThan(500);

    HttpResponse<Buffer> cancelled = call(line, "POST", "/v1/campaigns/" + id + "/cancel", null);
    long cancelledAt = System.currentTimeMillis();
    assertThat(cancelled.statusCode()).isEqualTo(200);
    JsonObject after = awaitStatus(line, id, "cancelled");
    Await.until(
        "every unsent row to be cancelled",
        WAIT,
        () -> {
          JsonObject n = campaign(line, id).getJsonObject("counts");
          return n.getLong("sent") + n.getLong("cancelled") == rows && n.getLong("queued") == 0;
        });
    assertThat(callsOf(line).stream().filter(x -> x.atMs() > cancelledAt + 1_000)).isEmpty();
    assertThat(after.getString("finishedAt")).isNotNull();
    assertThat(call(line, "POST", "/v1/campaigns/" + id + "/resume", null).statusCode())
        .isEqualTo(409);
  }

  @Test
  void templatePausedByMetaPausesTheCampaignAndApprovedResumesIt() throws IOException {
    Line line = line("template", 100);
    int rows = 1_000;
    StringBuilder csv = new StringBuilder("phone,first_name\n");
    for (int i = 0; i < rows; i++) {
      csv.append(phone(8_000 + i)).append(",Zoe").append(i).append('\n');
    }
    JsonObject template =
        new JsonObject()
            .put("name", "spring_sale")
            .put("language", "en_US")
            .put(
                "components",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("type", "body")
                            .put(
                                "parameters",
                                new JsonArray()
                                    .add(
                                        new JsonObject()
                                            .put("type", "text")
                                            .put("text", "{{first_name}}")))));
    JsonObject settings =
        new JsonObject()
            .put("name", "template campaign")
            .put("channel", line.channel())
            .put("message", new JsonObject().put("type", "template").put("template", template));
    HttpResponse<Buffer> created = createCsv(line, settings, csv.toString());
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");
    Await.until("some sends", WAIT, () -> callsOf(line).size() >= 50);

    assertThat(h.postMeta(app, SECRET, templateStatus("spring_sale", "PAUSED")).statusCode())
        .isEqualTo(200);
    long pausedAt = System.currentTimeMillis();
    JsonObject paused = awaitStatus(line, id, "paused");
    assertThat(paused.getString("reason")).startsWith("template_paused");
    Await.until(
        "the campaign to go quiet",
        Duration.ofSeconds(5),
        () -> {
          List<Call> calls = callsOf(line);
          return calls.get(calls.size() - 1).atMs() < System.currentTimeMillis() - 1_500;
        });
    assertThat(callsOf(line).stream().filter(x -> x.atMs() > pausedAt + 1_500)).isEmpty();
    assertThat(callsOf(line).size()).isLessThan(rows);

    faster(line);
    assertThat(h.postMeta(app, SECRET, templateStatus("spring_sale", "APPROVED")).statusCode())
        .isEqualTo(200);
    awaitStatus(line, id, "completed");
    Map<String, Integer> sends = sendsPerRecipient(line);
    assertThat(sends).hasSize(rows);
    assertThat(sends.values()).allMatch(n -> n == 1);
    Call one =
        callsOf(line).stream()
            .filter(x -> x.json().getString("to").equals("14155558007"))
            .findFirst()
            .orElseThrow();
    assertThat(
            one.json()
                .getJsonObject("template")
                .getJsonArray("components")
                .getJsonObject(0)
                .getJsonArray("parameters")
                .getJsonObject(0)
                .getString("text"))
        .isEqualTo("Zoe7");
  }

  private static String templateStatus(String name, String event) {
    return new JsonObject()
        .put("object", "whatsapp_business_account")
        .put(
            "entry",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("id", "102290129340398")
                        .put("time", 1_750_000_000)
                        .put(
                            "changes",
                            new JsonArray()
                                .add(
                                    new JsonObject()
                                        .put("field", "message_template_status_update")
                                        .put(
                                            "value",
                                            new JsonObject()
                                                .put("event", event)
                                                .put("message_template_id", 594425479261596L)
                                                .put("message_template_name", name)
                                                .put("message_template_language", "en_US")
                                                .put("reason", "NONE"))))))
        .encode();
  }

  @Test
  void aRunningCampaignDelaysNeitherItsTenantsHighLaneNorAnotherTenant() throws IOException {
    Line busy = line("busy", 100);
    Line other = line("other");
    StringBuilder csv = new StringBuilder("phone\n");
    for (int i = 0; i < 1_000; i++) {
      csv.append(phone(i)).append('\n');
    }
    String id =
        createCsv(busy, settings(busy, "bulk"), csv.toString()).bodyAsJsonObject().getString("id");
    Await.until("the campaign to fill its queue", WAIT, () -> callsOf(busy).size() >= 50);
    // Hundreds queued (how many the loader has written by now varies): seconds of sending at 100/s.
    assertThat(campaign(busy, id).getJsonObject("counts").getLong("queued"))
        .isGreaterThanOrEqualTo(300);

    long sentAt = System.currentTimeMillis();
    assertThat(
            call(
                    busy,
                    "POST",
                    "/v1/messages",
                    new JsonObject()
                        .put("channel", busy.channel())
                        .put("to", "+14155559001")
                        .put("text", "your one-time code")
                        .put("lane", "high"))
                .statusCode())
        .isEqualTo(202);
    assertThat(
            call(
                    other,
                    "POST",
                    "/v1/messages",
                    new JsonObject()
                        .put("channel", other.channel())
                        .put("to", "+14155559002")
                        .put("text", "hello from another tenant"))
                .statusCode())
        .isEqualTo(202);
    Await.until(
        "both single messages to be sent",
        Duration.ofSeconds(10),
        () ->
            callsOf(busy).stream().anyMatch(c -> "14155559001".equals(c.json().getString("to")))
                && !callsOf(other).isEmpty());
    long highAt =
        callsOf(busy).stream()
            .filter(c -> "14155559001".equals(c.json().getString("to")))
            .findFirst()
            .orElseThrow()
            .atMs();
    // Hundreds of the campaign's messages were ahead in the queue: at 100 a second they would take
    // seconds; the high lane and the other tenant go first.
    assertThat(highAt - sentAt).isLessThan(1_000);
    assertThat(callsOf(other).get(0).atMs() - sentAt).isLessThan(1_000);
    call(busy, "POST", "/v1/campaigns/" + id + "/cancel", null);
  }

  @Test
  void refusalsLeaveNothingBehind() throws IOException {
    Line line = line("bad");
    HttpResponse<Buffer> noPhone = createCsv(line, settings(line, "x"), "name\nAnn\n");
    assertThat(noPhone.statusCode()).isEqualTo(400);
    assertThat(noPhone.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("invalid_audience");

    HttpResponse<Buffer> badChannel =
        call(
            line,
            "POST",
            "/v1/campaigns",
            new JsonObject()
                .put("name", "x")
                .put("channel", "nope")
                .put("message", new JsonObject().put("text", "hi"))
                .put("audience", new JsonArray()));
    assertThat(badChannel.statusCode()).isEqualTo(422);

    HttpResponse<Buffer> badWindow =
        call(
            line,
            "POST",
            "/v1/campaigns",
            settings(line, "hi")
                .put("window", new JsonObject().put("from", "8am").put("to", "21:00"))
                .put("audience", new JsonArray()));
    assertThat(badWindow.statusCode()).isEqualTo(422);
    assertThat(badWindow.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("invalid_window");

    JsonObject list = call(line, "GET", "/v1/campaigns", null).bodyAsJsonObject();
    assertThat(list.getJsonArray("campaigns")).isEmpty();
    assertThat(call(line, "GET", "/v1/campaigns/" + java.util.UUID.randomUUID(), null).statusCode())
        .isEqualTo(404);
  }
}
