package dev.sluice.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Call;
import dev.sluice.gateway.testing.RunsAlone;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A campaign of 100,000 CSV rows, one in a hundred an invalid number and one in a hundred a number
 * seen on an earlier row, sent through one gateway to a fake WhatsApp Cloud API: each valid row's
 * number reaches the provider exactly once, no rejected or duplicate row does, the campaign's
 * counts say so, and the rejected CSV lists exactly the bad rows by row number. Prints how long the
 * upload and the sending took (the closing note's numbers); the speed itself is not asserted.
 *
 * <p>Runs only in the standalone pass (left out of the {@code redis-cluster} execution): it is
 * about volume, which the cluster pass would only repeat more slowly.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@RunsAlone
class CampaignScaleIT {
  private static final int ROWS = 100_000;

  /** Rows {@code ≡ INVALID_AT (mod 100)} hold a number that is not one. */
  private static final int INVALID_AT = 50;

  /**
   * Rows {@code ≡ DUPLICATE_AT (mod 100)} repeat an earlier valid row's number: the row before
   * (same batch of a thousand) on even hundreds, the row 1,001 before (an earlier batch) on odd
   * ones.
   */
  private static final int DUPLICATE_AT = 75;

  /** The channel's own limit: high enough that the sender pacing is not what the test waits for. */
  private static final int CHANNEL_PER_SECOND = 20_000;

  private static final Duration CREATE_WAIT = Duration.ofSeconds(120);
  private static final Duration SEND_WAIT = Duration.ofSeconds(240);

  private static FakeProvider fake;
  private static IngressHarness h;

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

  /** Row {@code r}'s own number (1-based rows): a German mobile number, unique per row. */
  private static String phone(int r) {
    return String.format("+4915112%06d", r);
  }

  private static boolean invalid(int r) {
    return r % 100 == INVALID_AT;
  }

  private static boolean duplicate(int r) {
    return r % 100 == DUPLICATE_AT;
  }

  /** The earlier row whose number duplicate row {@code r} repeats (a valid, unique row). */
  private static int original(int r) {
    return (r / 100) % 2 == 1 && r > 1_001 ? r - 1_001 : r - 1;
  }

  private static Path audience() throws IOException {
    Path file = dir.resolve("audience-100k.csv");
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("phone,first_name\r\n");
      for (int r = 1; r <= ROWS; r++) {
        String number =
            invalid(r) ? "not-a-number-" + r : duplicate(r) ? phone(original(r)) : phone(r);
        w.write(number + ",Ann" + r + "\r\n");
      }
    }
    return file;
  }

  @Test
  void aHundredThousandRowCsvReachesEachValidNumberOnceAndReportsEveryBadRow() throws IOException {
    // Given a tenant with a WhatsApp channel and a 100,000-row audience with known bad rows
    Tenant t = h.tenant("scale");
    String app = TestBackends.uniqueId("app");
    h.metaApp(app, "meta-app-secret-scale", "verify");
    String phoneNumberId = "7" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String channel = TestBackends.uniqueId("scale-wa");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "whatsapp")
            .put("address", phoneNumberId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-scale"))
            .put(
                "limits",
                new JsonObject()
                    .put(
                        "outbound",
                        new JsonObject()
                            .put("perSecond", CHANNEL_PER_SECOND)
                            .put("burst", CHANNEL_PER_SECOND / 10))));
    Path csv = audience();

    // When it is uploaded as a campaign
    long startedAt = System.nanoTime();
    HttpResponse<Buffer> created =
        h.client
            .post("/v1/campaigns")
            .timeout(CREATE_WAIT.toMillis())
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendMultipartForm(
                MultipartForm.create()
                    .attribute(
                        "campaign",
                        new JsonObject()
                            .put("name", "scale")
                            .put("channel", channel)
                            .put("message", new JsonObject().put("text", "Hi {{first_name}}"))
                            .encode())
                    .textFileUpload("audience", "audience.csv", csv.toString(), "text/csv"))
            .await();
    long createMs = millisSince(startedAt);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");

    // and sent to the end
    JsonObject[] last = new JsonObject[1];
    try {
      Await.until(
          "the campaign to complete",
          SEND_WAIT,
          () -> "completed".equals((last[0] = campaign(t, id)).getString("status")));
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage() + "; last seen: " + last[0] + "; provider calls: " + calls(phoneNumberId),
          e);
    }
    long totalMs = millisSince(startedAt);
    int valid = ROWS - ROWS / 100 * 2;
    List<Long> at = fake.callsFor(phoneNumberId).stream().map(Call::atMs).sorted().toList();
    long longestGapMs = 0;
    for (int i = 1; i < at.size(); i++) {
      longestGapMs = Math.max(longestGapMs, at.get(i) - at.get(i - 1));
    }
    System.out.printf(
        "CampaignScaleIT: %,d rows (%,d valid): 201 after %,d ms (%,.0f rows/s stored), completed"
            + " after %,d ms in all (%,.0f messages/s from the 201 to completion, %,.0f rows/s"
            + " end to end); first send to last %,d ms, longest pause between two sends %,d ms%n",
        ROWS,
        valid,
        createMs,
        ROWS * 1000.0 / createMs,
        totalMs,
        valid * 1000.0 / Math.max(1, totalMs - createMs),
        ROWS * 1000.0 / totalMs,
        at.isEmpty() ? 0 : at.get(at.size() - 1) - at.get(0),
        longestGapMs);

    // Then every valid row's number reached the provider exactly once, and no bad row's did
    Map<String, Integer> sends = new HashMap<>();
    for (Call c : fake.callsFor(phoneNumberId)) {
      sends.merge("+" + c.json().getString("to"), 1, Integer::sum);
    }
    List<String> missing = new ArrayList<>();
    for (int r = 1; r <= ROWS; r++) {
      if (!invalid(r) && !duplicate(r) && sends.getOrDefault(phone(r), 0) != 1) {
        missing.add(r + "=" + sends.getOrDefault(phone(r), 0));
      }
    }
    assertThat(missing).as("valid rows not sent exactly once (row=sends)").isEmpty();
    assertThat(sends).hasSize(valid);
    assertThat(fake.callsFor(phoneNumberId)).hasSize(valid);

    // the counts match
    JsonObject counts = last[0].getJsonObject("counts");
    assertThat(counts.getInteger("total")).isEqualTo(ROWS);
    assertThat(counts.getInteger("rejected")).isEqualTo(ROWS / 100);
    assertThat(counts.getInteger("duplicates")).isEqualTo(ROWS / 100);
    assertThat(counts.getInteger("sent")).isEqualTo(valid);
    assertThat(counts.getInteger("pending")).isZero();
    assertThat(counts.getInteger("queued")).isZero();
    assertThat(counts.getInteger("failed")).isZero();

    // and the rejected CSV lists exactly the bad rows, each with its row number and number
    HttpResponse<Buffer> rejected =
        h.client
            .get("/v1/campaigns/" + id + "/rejected")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .send()
            .await();
    assertThat(rejected.statusCode()).isEqualTo(200);
    List<String> lines = rejected.bodyAsString().lines().toList();
    assertThat(lines.get(0)).isEqualTo("row,phone,state,reason");
    Map<Integer, String> listed = new TreeMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", 4);
      listed.put(Integer.parseInt(f[0]), f[1] + "," + f[2]);
    }
    Map<Integer, String> expected = new TreeMap<>();
    for (int r = 1; r <= ROWS; r++) {
      if (invalid(r)) {
        expected.put(r, "not-a-number-" + r + ",rejected");
      } else if (duplicate(r)) {
        expected.put(r, phone(original(r)) + ",duplicate");
      }
    }
    assertThat(lines).hasSize(expected.size() + 1);
    assertThat(listed).isEqualTo(expected);
  }

  private static JsonObject campaign(Tenant t, String id) {
    HttpResponse<Buffer> r =
        h.client
            .get("/v1/campaigns/" + id)
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .send()
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static int calls(String phoneNumberId) {
    return fake.callsFor(phoneNumberId).size();
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
