package dev.sluice.loadtest.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.loadtest.Signatures;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WrkRequestsTest {
  private static final String SECRET = "s3cr3t";

  @TempDir Path dir;

  private record Entry(boolean redelivery, String head, byte[] body) {}

  @Test
  void everyRequestIsACompleteSignedMetaWebhookOfAtLeastTheBodySize() throws Exception {
    write(400, 0.1);
    for (int t = 0; t < 2; t++) {
      for (Entry e : read(dir.resolve("req." + t))) {
        assertThat(e.head()).startsWith("POST /webhooks/meta/app1 HTTP/1.1\r\n");
        assertThat(e.head())
            .contains("X-Hub-Signature-256: " + Signatures.meta(SECRET, e.body()) + "\r\n")
            .contains("Content-Length: " + e.body().length + "\r\n")
            .endsWith("\r\n\r\n");
        assertThat(e.body().length).isGreaterThanOrEqualTo(600);
        assertThat(new JsonObject(new String(e.body(), StandardCharsets.UTF_8)).getString("object"))
            .isEqualTo("whatsapp_business_account");
      }
    }
  }

  @Test
  void threadTSendsFirstDeliveriesTPlusKTimesThreadsInOrderAndRedeliveriesRepeatThem()
      throws Exception {
    write(1000, 0.2);
    for (int t = 0; t < 2; t++) {
      List<Long> firsts = new ArrayList<>();
      Set<String> sent = new HashSet<>();
      int redeliveries = 0;
      for (Entry e : read(dir.resolve("req." + t))) {
        String body = new String(e.body(), StandardCharsets.UTF_8);
        if (e.redelivery()) {
          redeliveries++;
          assertThat(sent).contains(body);
        } else {
          assertThat(sent.add(body)).isTrue();
          String wamid = body.replaceAll(".*\"id\":\"wamid\\.run1\\.(\\d+)\".*", "$1");
          firsts.add(Long.parseLong(wamid));
        }
      }
      assertThat(redeliveries).isBetween(50, 150);
      for (int k = 0; k < firsts.size(); k++) {
        assertThat(firsts.get(k)).isEqualTo(t + 2L * k);
      }
    }
  }

  @Test
  void ackedSetHoldsTheFirstDeliveriesEachThreadSent() throws Exception {
    Path acked = dir.resolve("x.acked");
    WrkRequests.main(
        new String[] {"--acked-out", acked.toString(), "--threads", "2", "--unique", "3,2"});
    BitSet set = BitSet.valueOf(Files.readAllBytes(acked));
    assertThat(set.stream().boxed().toList()).containsExactly(0, 1, 2, 3, 4);
  }

  private void write(int count, double share) throws Exception {
    WrkRequests.main(
        new String[] {
          "--out",
          dir.resolve("req").toString(),
          "--tag",
          "run1",
          "--count",
          Integer.toString(count),
          "--app-secret",
          SECRET,
          "--path",
          "/webhooks/meta/app1",
          "--tenants",
          "2",
          "--users",
          "50",
          "--redelivery-share",
          Double.toString(share)
        });
  }

  private static List<Entry> read(Path file) throws IOException {
    List<Entry> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      while (true) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
          if (c < 0) {
            return out;
          }
          line.write(c);
        }
        int n = Integer.parseInt(line.toString(StandardCharsets.US_ASCII));
        byte[] request = in.readNBytes(Math.abs(n));
        String text = new String(request, StandardCharsets.UTF_8);
        int split = text.indexOf("\r\n\r\n") + 4;
        out.add(
            new Entry(
                n < 0,
                text.substring(0, split),
                text.substring(split).getBytes(StandardCharsets.UTF_8)));
      }
    }
  }
}
