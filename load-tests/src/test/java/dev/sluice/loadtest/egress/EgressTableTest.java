package dev.sluice.loadtest.egress;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EgressTableTest {
  @TempDir Path dir;

  @Test
  void deliveredRateInterpolatesTheCounterAtBothEndsOfTheWindow() {
    List<long[]> samples =
        List.of(new long[] {1_000, 0}, new long[] {2_000, 100}, new long[] {4_000, 500});
    // 50 at 1.5 s, 300 at 3 s: 250 in 1.5 s.
    assertThat(EgressTable.deliveredPerSecond(samples, 1_500, 3_000))
        .isCloseTo(166.67, org.assertj.core.data.Offset.offset(0.01));
    assertThat(EgressTable.deliveredPerSecond(samples, 500, 3_000)).isZero();
    assertThat(EgressTable.deliveredPerSecond(samples.subList(0, 1), 1_000, 1_000)).isZero();
  }

  @Test
  void rssGrowthComparesTheFirstAndTheLastMinute() {
    List<long[]> samples =
        List.of(
            new long[] {0, 100},
            new long[] {30_000, 120},
            new long[] {200_000, 90},
            new long[] {290_000, 150});
    assertThat(EgressTable.rssGrowth(samples)).containsExactly(120, 150);
  }

  private void phase(
      String name, long startMs, double accepted, long[][] delivered, String provider)
      throws IOException {
    JsonObject load =
        new JsonObject()
            .put("mode", "max")
            .put("startEpochMs", startMs)
            .put("warmupS", 1)
            .put("durationS", 2)
            .put("throughputPerSec", accepted)
            .put("acceptedTotal", 30L)
            .put("latencyMs", new JsonObject().put("p50", 1.5).put("p99", 9.25));
    Files.writeString(dir.resolve(name + ".json"), load.encode());
    StringBuilder s = new StringBuilder();
    for (long[] d : delivered) {
      s.append(d[0]).append(' ').append(d[1]).append('\n');
    }
    Files.writeString(dir.resolve(name + ".delivered"), s);
    Files.writeString(dir.resolve(name + ".provider.json"), provider);
  }

  @Test
  void theComparisonTakesEachSidesBestRoundAndShowsLossAndDuplicates() throws IOException {
    String clean =
        "{\"accepted\":30,\"unique\":30,\"duplicates\":0,\"settled\":true,\"settleS\":2}";
    phase("kannel-max-r1", 0, 12, new long[][] {{0, 0}, {1_000, 10}, {3_000, 30}}, clean);
    phase("kannel-max-r2", 0, 12, new long[][] {{0, 0}, {1_000, 10}, {3_000, 50}}, clean);
    phase(
        "sluice-sms-max-r1",
        0,
        15,
        new long[][] {{0, 0}, {1_000, 5}, {3_000, 25}},
        "{\"accepted\":30,\"unique\":28,\"duplicates\":1,\"settled\":false,\"settleS\":180}");
    Files.writeString(
        dir.resolve("cpu-raw.txt"),
        "kannel-max-r1 100 0 99 0 0 1\nsluice-sms-max-r1 100 30 0 3 7 5\nkannel-max-r2 100 0 6 0 0 9\n");

    String t = EgressTable.build(dir);

    // Kannel's best round: 40 in 2 s = 20/s; Sluice: 20 in 2 s = 10/s.
    assertThat(t)
        .contains("| delivered to the fake provider (msg/s, best round) | 10.0 | 20.0 | 0.50 |")
        .contains("❌ missed")
        .contains("| lost (accepted, never delivered) | 2 | 0 |")
        .contains("| duplicates at the provider | 1 | 0 |")
        .contains("180.0 (not settled)")
        .contains("kannel-max: 10.0 20.0;")
        // (30 + 3) jiffies / 100 Hz / 30 messages = 11 ms; Kannel's best round: 6 / 100 / 30.
        .contains("smsbox) | 11000.0 | 2000.0 | 5.50 |");
  }

  @Test
  void theEndToEndTableReadsTheStatusDrainAndRss() throws IOException {
    phase(
        "sluice-wa-rate",
        0,
        10,
        new long[][] {{0, 0}, {3_000, 30}},
        "{\"accepted\":30,\"unique\":30,\"duplicates\":0,\"settled\":true,\"settleS\":1}");
    StatusMatcher m = new StatusMatcher("read");
    m.accepted("m1", 0, true);
    m.event(
        new JsonObject()
            .put("kind", "status")
            .put("messageId", "m1")
            .put("providerMessageId", "w1")
            .put("status", "sent")
            .put("receivedAt", 25L));
    Files.writeString(dir.resolve("sluice-wa-rate-status.json"), m.result().encode());
    Files.writeString(dir.resolve("gateway-rss.kb"), "1000\n2048\n");

    String t = EgressTable.build(dir);

    assertThat(t)
        .contains("| sent to the simulator (msg/s, in the window) | 10.0 |")
        .contains("| accepted→sent p50 (ms) | 25.0 |")
        .contains("| reached read / failed / missing | 0 / 0 / 1 |")
        .contains("| lost (accepted, never sent)  | 0 |")
        .contains("| peak over the whole run | 2 | ≤ 1024 ✅ met |");
  }
}
