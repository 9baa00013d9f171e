package dev.sluice.gateway.privacy.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.privacy.jobs.PrivacyHarness.Line;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An export of one person, P, next to another, Q: the document lists exactly P's messages both ways
 * (inbound events with their texts, outbound messages with their statuses, times and history, and
 * what is still queued with its content) and P's campaign rows, and it can be downloaded once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExportIT {
  private static PrivacyHarness ph;

  @BeforeAll
  static void start() {
    ph = new PrivacyHarness(Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    if (ph != null) {
      ph.close();
    }
  }

  /** One person's messages. */
  private record Sent(String e164, String sent, String failed, String held) {
    Set<String> ids() {
      return Set.of(sent, failed, held);
    }
  }

  @Test
  void anExportListsExactlyThePersonsMessagesBothWaysAndIsDownloadedOnce() {
    String token = TestBackends.uniqueId("x").substring(2);
    Line line = ph.line("export");
    String p = "+4915112345611";
    String q = "+4915112345612";
    List<Sent> both = new ArrayList<>();
    for (String who : List.of(p, q)) {
      String digits = who.substring(1);
      ph.inbound(line, digits, who + " says one " + token);
      ph.inbound(line, digits, who + " says two " + token);
      String sent = ph.send(line, who, who + " hears " + token, null);
      String failed = ph.send(line, who, who + PrivacyHarness.REFUSED + token, null);
      String providerId =
          ph.awaitStatus(line.tenant(), sent, "sent").getString("providerMessageId");
      ph.status(line, digits, providerId, "delivered");
      ph.awaitStatus(line.tenant(), failed, "failed");
      String held = ph.send(line, who, who + PrivacyHarness.HELD + token, null);
      both.add(new Sent(who, sent, failed, held));
    }
    for (Sent s : both) {
      ph.awaitStatus(line.tenant(), s.sent(), "delivered");
      Await.until(
          "the held message in the history",
          PrivacyHarness.WAIT,
          () -> ph.message(line.tenant(), s.held()) != null);
    }
    JsonArray audience = new JsonArray();
    for (String who : List.of(p, q)) {
      audience.add(new JsonObject().put("phone", who).put("name", "name of " + who));
    }
    HttpResponse<Buffer> campaign =
        ph.api(
            line.tenant(),
            HttpMethod.POST,
            "/v1/campaigns",
            new JsonObject()
                .put("name", "later")
                .put("channel", line.channel())
                .put("message", new JsonObject().put("text", "Hi {{name}}"))
                .put("sendAt", Instant.now().plusSeconds(86_400).toString())
                .put("audience", audience));
    assertThat(campaign.statusCode()).as(campaign.bodyAsString()).isEqualTo(201);
    Await.until(
        "the ledger written",
        PrivacyHarness.WAIT,
        () ->
            ph.redis(Request.cmd(Command.XLEN).arg(ph.h.keyPrefix() + "{ledger}:events")).toLong()
                == 0);

    String id = ph.request(line.tenant(), "export", new JsonObject().put("phone", p));
    JsonObject status = ph.awaitCompleted(line.tenant(), "export", id);
    HttpResponse<Buffer> download =
        ph.api(line.tenant(), HttpMethod.GET, "/v1/privacy/exports/" + id + "/download", null);

    assertThat(download.statusCode()).as(download.bodyAsString()).isEqualTo(200);
    assertThat(download.getHeader("Content-Type")).startsWith("application/json");
    assertThat(download.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject doc = download.bodyAsJsonObject();
    assertThat(doc.getJsonObject("subject").getString("phone")).isEqualTo(p);
    assertThat(doc.encode()).doesNotContain(q, q.substring(1));

    // Inbound: P's two messages, and the status events of P's messages, nothing else.
    List<String> texts = new ArrayList<>();
    for (Object o : doc.getJsonArray("inbound")) {
      JsonObject e = (JsonObject) o;
      assertThat(e.getString("held")).isEqualTo("queued");
      assertThat(e.getString("receivedAt")).isNotNull();
      if ("message".equals(e.getString("kind"))) {
        assertThat(e.getString("from")).isEqualTo(p);
        assertThat(e.getJsonObject("raw")).isNotNull();
        texts.add(e.getString("text"));
      } else {
        assertThat(e.getString("kind")).isEqualTo("status");
        assertThat(e.getString("to")).endsWith(p.substring(1));
      }
    }
    assertThat(texts).containsExactly(p + " says one " + token, p + " says two " + token);

    // Outbound: exactly P's three messages, with their statuses, times and history.
    Sent mine = both.get(0);
    Set<String> ids = new HashSet<>();
    for (Object o : doc.getJsonArray("outbound")) {
      JsonObject m = (JsonObject) o;
      ids.add(m.getString("id"));
      assertThat(m.getString("createdAt")).isNotNull();
      assertThat(m.getString("channel")).isEqualTo(line.channel());
      List<String> history = new ArrayList<>();
      m.getJsonArray("history").forEach(h -> history.add(((JsonObject) h).getString("status")));
      if (m.getString("id").equals(mine.sent())) {
        assertThat(m.getString("status")).isEqualTo("delivered");
        assertThat(history).contains("accepted", "sent", "delivered");
        // Sent and gone from the queue: its text comes from the body the history keeps.
        assertThat(m.getJsonObject("content").getString("text")).isEqualTo(p + " hears " + token);
        assertThat(m.containsKey("held")).isFalse();
      } else if (m.getString("id").equals(mine.failed())) {
        assertThat(m.getString("status")).isEqualTo("failed");
        assertThat(m.getJsonObject("error").getString("code")).isEqualTo("130429");
        assertThat(m.getString("held")).isEqualTo("deadLettered");
        assertThat(m.getJsonObject("content").getString("text"))
            .isEqualTo(p + PrivacyHarness.REFUSED + token);
      } else {
        assertThat(m.getString("held")).isEqualTo("queued");
        assertThat(m.getJsonObject("content").getString("text"))
            .isEqualTo(p + PrivacyHarness.HELD + token);
        assertThat(history).contains("accepted");
      }
    }
    assertThat(ids).isEqualTo(mine.ids());
    assertThat(doc.getJsonArray("campaignRows")).hasSize(1);
    assertThat(doc.getJsonArray("campaignRows").getJsonObject(0).getJsonObject("variables"))
        .isEqualTo(new JsonObject().put("name", "name of " + p));
    JsonObject counts = status.getJsonObject("counts");
    assertThat(counts.getLong("inbound")).isEqualTo(doc.getJsonArray("inbound").size());
    assertThat(counts.getLong("outbound")).isEqualTo(3);
    assertThat(counts.getLong("campaignRows")).isEqualTo(1);

    // Once only.
    HttpResponse<Buffer> again =
        ph.api(line.tenant(), HttpMethod.GET, "/v1/privacy/exports/" + id + "/download", null);
    assertThat(again.statusCode()).isEqualTo(410);
    assertThat(again.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("export_gone");
    HttpResponse<Buffer> shown =
        ph.api(line.tenant(), HttpMethod.GET, "/v1/privacy/exports/" + id, null);
    assertThat(shown.bodyAsJsonObject().getBoolean("downloaded")).isTrue();
  }

  @Test
  void anExportNotDownloadedInTimeIsGone() throws Exception {
    Line line = ph.line("expire");
    String id =
        ph.request(line.tenant(), "export", new JsonObject().put("phone", "+4915112345613"));
    ph.awaitCompleted(line.tenant(), "export", id);
    ph.sql(
        "UPDATE privacy_jobs SET result_expires_at = now() - interval '1 second' WHERE id = '"
            + id
            + "'");

    HttpResponse<Buffer> late =
        ph.api(line.tenant(), HttpMethod.GET, "/v1/privacy/exports/" + id + "/download", null);

    assertThat(late.statusCode()).isEqualTo(410);
    assertThat(late.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("export_gone");
  }
}
