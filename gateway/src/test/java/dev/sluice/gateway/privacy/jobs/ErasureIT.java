package dev.sluice.gateway.privacy.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.privacy.jobs.PrivacyHarness.Endpoint;
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
import io.vertx.redis.client.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An erasure of one person, P, whose data is in every store a tenant's data lives in, next to
 * another person, Q, with the same kinds of data: afterwards no byte of P's number or texts is left
 * in Redis (every key of the namespace, every value) or PostgreSQL (every row), P stays suppressed,
 * Q's data is all there, and the receipt counts what was removed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ErasureIT {
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

  /** A person of the test: their number and the texts to and from them, unique to this run. */
  record Person(String name, String e164, String token) {
    String digits() {
      return e164.substring(1);
    }

    String text(String what) {
      return name + "-" + what + "-" + token;
    }
  }

  /** What one person left, and where. */
  static final class Traces {
    final Person person;
    final List<String> kept = new ArrayList<>(); // texts Redis still holds
    String sent;
    String sentProviderId;
    String keyed;
    String dead;
    String held;
    String queued;
    final String legacy = java.util.UUID.randomUUID().toString(); // a row without a keyed hash

    Traces(Person person) {
      this.person = person;
    }

    List<String> messages() {
      return List.of(sent, keyed, dead, held, queued, legacy);
    }
  }

  @Test
  void anErasureIsRecordedInTheAuditTrailWhenAskedAndWhenDone() {
    Tenant t = ph.h.tenant("audited");
    String phone = "+4915112345699";
    String id = ph.request(t, "erasure", new JsonObject().put("phone", phone));
    ph.awaitCompleted(t, "erasure", id);

    JsonObject page =
        ph.admin(HttpMethod.GET, "/admin/audit?tenant=" + t.id() + "&limit=500", null)
            .bodyAsJsonObject();
    List<String> actions = new ArrayList<>();
    for (Object o : page.getJsonArray("entries")) {
      JsonObject e = (JsonObject) o;
      if (id.equals(e.getString("subject"))) {
        actions.add(e.getString("action") + " by " + e.getString("actor"));
      }
    }
    assertThat(actions)
        .containsExactly("erasure.requested by tenant:" + t.id(), "erasure.completed by system");
    assertThat(page.encode()).doesNotContain("15112345699");
    assertThat(
            ph.admin(HttpMethod.GET, "/admin/audit/verify", null)
                .bodyAsJsonObject()
                .getBoolean("ok"))
        .isTrue();
  }

  @Test
  void anErasureLeavesNoByteOfThePersonKeepsTheirSuppressionAndEveryoneElsesData()
      throws Exception {
    String token = TestBackends.uniqueId("t").substring(2);
    Person p = new Person("P", "+4915112345601", token);
    Person q = new Person("Q", "+4915112345602", token);
    Line line = ph.line("erase");
    Traces tp = new Traces(p);
    Traces tq = new Traces(q);
    List<Traces> both = List.of(tp, tq);
    String hashP = ph.h.phoneHash(p.digits());

    // Push mode: an event delivered and archived for replay, one dead-lettered.
    Endpoint endpoint = ph.push(line.tenant(), body -> body.contains("-in-dead-") ? 500 : 200);
    for (Traces t : both) {
      ph.inbound(line, t.person.digits(), t.person.text("in-archived"));
      t.kept.add(t.person.text("in-archived"));
    }
    await(
        "the archived events delivered",
        () -> both.stream().allMatch(t -> endpoint.got(t.person.text("in-archived"))));
    for (Traces t : both) {
      t.sent = ph.send(line, t.person.e164(), t.person.text("out-sent"), null);
      t.keyed =
          ph.send(line, t.person.e164(), t.person.text("out-keyed"), "key-" + t.person.text("k"));
    }
    for (Traces t : both) {
      t.sentProviderId =
          ph.awaitStatus(line.tenant(), t.sent, "sent").getString("providerMessageId");
      ph.awaitStatus(line.tenant(), t.keyed, "sent");
      ph.status(line, t.person.digits(), t.sentProviderId, "delivered");
      ph.inbound(line, t.person.digits(), t.person.text("in-dead"));
      t.kept.add(t.person.text("in-dead"));
      t.dead = ph.send(line, t.person.e164(), t.person.text("out" + PrivacyHarness.REFUSED), null);
      t.kept.add(t.person.text("out" + PrivacyHarness.REFUSED));
    }
    for (Traces t : both) {
      ph.awaitStatus(line.tenant(), t.sent, "delivered");
      ph.awaitStatus(line.tenant(), t.dead, "failed");
    }
    await(
        "both inbound events dead-lettered",
        () -> {
          String dead =
              ph.api(line.tenant(), HttpMethod.GET, "/v1/dead-letters", null).bodyAsString();
          return dead.contains(p.text("in-dead")) && dead.contains(q.text("in-dead"));
        });

    // Pull mode: an event pulled and acknowledged, one left queued; outbound: one message waiting
    // for its retry in an hour, one queued behind it.
    assertThat(ph.api(line.tenant(), HttpMethod.DELETE, "/v1/endpoint", null).statusCode())
        .isEqualTo(204);
    for (Traces t : both) {
      ph.inbound(line, t.person.digits(), t.person.text("in-pulled"));
    }
    assertThat(ph.drain(line.tenant())).contains(p.text("in-pulled"), q.text("in-pulled"));
    for (Traces t : both) {
      ph.inbound(line, t.person.digits(), t.person.text("in-queued"));
      t.kept.add(t.person.text("in-queued"));
      t.held = ph.send(line, t.person.e164(), t.person.text("out" + PrivacyHarness.HELD), null);
      t.kept.add(t.person.text("out" + PrivacyHarness.HELD));
    }
    await(
        "the held messages tried once",
        () ->
            both.stream()
                .allMatch(
                    t ->
                        ph.fake.callsFor(line.phoneNumberId()).stream()
                            .anyMatch(
                                c -> t.person.text("out" + PrivacyHarness.HELD).equals(c.text()))));
    for (Traces t : both) {
      t.queued = ph.send(line, t.person.e164(), t.person.text("out-queued"), null);
      t.kept.add(t.person.text("out-queued"));
    }

    // A campaign for later, with both in its audience; an event each parked in the ledger's dead
    // lane; P suppressed on every channel.
    JsonArray audience = new JsonArray();
    for (Traces t : both) {
      audience.add(
          new JsonObject().put("phone", t.person.e164()).put("name", t.person.text("name")));
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
    for (Traces t : both) {
      parkInLedger(line, t);
      // A message row as the ledger wrote it before rows kept their recipient's keyed hash.
      ph.sql(
          "INSERT INTO messages (id, tenant_id, channel_id, provider, recipient, lane, status,"
              + " status_rank, created_at) VALUES ('"
              + t.legacy
              + "', '"
              + line.tenant().id()
              + "', '"
              + line.channel()
              + "', 'whatsapp', '"
              + t.person.e164()
              + "', 'high', 'sent', 2, now())");
    }
    HttpResponse<Buffer> suppressed =
        ph.api(
            line.tenant(),
            HttpMethod.PUT,
            "/v1/suppressions/" + PrivacyHarness.encoded(p.e164()),
            null);
    assertThat(suppressed.statusCode()).as(suppressed.bodyAsString()).isEqualTo(201);

    // Everything written: the ledger has reached PostgreSQL, every message is in the history.
    await(
        "the ledger written",
        () ->
            ph.redis(Request.cmd(Command.XLEN).arg(ph.h.keyPrefix() + "{ledger}:events")).toLong()
                == 0);
    for (Traces t : both) {
      for (String id : t.messages()) {
        await("message " + id + " in the history", () -> ph.message(line.tenant(), id) != null);
      }
    }
    String before = ph.redisDump();
    String rowsBefore = ph.pgDump();
    for (Traces t : both) {
      for (String text : t.kept) {
        assertThat(before).as("Redis holds %s before", text).contains(text);
      }
      assertThat(rowsBefore).contains(t.person.e164(), t.person.text("name"));
    }

    Map<String, Long> expected = expectedReceipt(line, tp, hashP);
    ph.sql(
        "CREATE TABLE test_cancelled AS SELECT message_id, error_code, source FROM message_events"
            + " WHERE false");
    ph.sql(
        "CREATE FUNCTION test_cancelled() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " INSERT INTO test_cancelled VALUES (NEW.message_id, NEW.error_code, NEW.source);"
            + " RETURN NEW; END $$");
    ph.sql(
        "CREATE TRIGGER test_cancelled AFTER INSERT ON message_events FOR EACH ROW"
            + " WHEN (NEW.status = 'cancelled') EXECUTE FUNCTION test_cancelled()");

    String job = ph.request(line.tenant(), "erasure", new JsonObject().put("phone", p.e164()));
    JsonObject receipt = ph.awaitCompleted(line.tenant(), "erasure", job);

    assertThat(counts(receipt.getJsonObject("removed"))).isEqualTo(expected);
    assertThat(receipt.getString("finishedAt")).isNotNull();

    // No byte of P: not the number in any form, not one of the texts, in Redis or PostgreSQL.
    String redis = ph.redisDump();
    String rows = ph.pgDump();
    for (String trace : traces(tp)) {
      assertThat(redis).as("Redis still holds %s", trace).doesNotContain(trace);
      assertThat(rows).as("PostgreSQL still holds %s", trace).doesNotContain(trace);
    }
    // Q's data is all there.
    for (String text : tq.kept) {
      assertThat(redis).as("Redis lost Q's %s", text).contains(text);
    }
    assertThat(rows).contains(q.e164(), q.text("name"));
    for (String id : tq.messages()) {
      assertThat(ph.message(line.tenant(), id)).as("Q's message %s", id).isNotNull();
    }
    for (String id : tp.messages()) {
      assertThat(ph.message(line.tenant(), id)).as("P's message %s", id).isNull();
    }
    // P's queued messages were cancelled (code erased) before their history was deleted, and never
    // sent.
    assertThat(cancelled()).containsExactlyInAnyOrder(tp.held, tp.queued);
    assertThat(ph.fake.callsFor(line.phoneNumberId()))
        .noneMatch(c -> p.text("out-queued").equals(c.text()));
    // P stays suppressed.
    HttpResponse<Buffer> refused =
        ph.api(
            line.tenant(),
            HttpMethod.POST,
            "/v1/messages",
            new JsonObject().put("channel", line.channel()).put("to", p.e164()).put("text", "x"));
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("recipient_opted_out");

    // Erasing again finds nothing: a run repeated from the start removes and counts nothing more.
    String again = ph.request(line.tenant(), "erasure", new JsonObject().put("phone", p.e164()));
    JsonObject second = ph.awaitCompleted(line.tenant(), "erasure", again);
    assertThat(counts(second.getJsonObject("removed")).values()).containsOnly(0L);
    assertThat(ph.redisDump()).contains(tq.kept.get(0));
  }

  /** Every form P can be found in: the number (with and without +) and every text. */
  private static List<String> traces(Traces t) {
    List<String> out = new ArrayList<>(List.of(t.person.e164(), t.person.digits()));
    out.addAll(t.kept);
    out.add(t.person.text("in-pulled"));
    out.add(t.person.text("name"));
    return out;
  }

  /**
   * An event about the person's sent message, parked in the ledger's dead lane as the writer parks
   * one PostgreSQL refused (its recipient in clear).
   */
  private static void parkInLedger(Line line, Traces t) {
    JsonArray events =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("id", t.sent)
                    .put("tenant", line.tenant().id())
                    .put("channel", line.channel())
                    .put("provider", "whatsapp")
                    .put("recipient", t.person.e164())
                    .put("lane", "high")
                    .put("clientRef", null)
                    .put("createdAt", System.currentTimeMillis())
                    .put("status", "sent")
                    .put("at", System.currentTimeMillis())
                    .put("providerMessageId", t.sentProviderId)
                    .put("errorCode", null)
                    .put("errorMessage", null)
                    .put("source", "dispatcher"));
    ph.redis(
        Request.cmd(Command.XADD)
            .arg(ph.h.keyPrefix() + "{ledger}:dead")
            .arg("*")
            .arg("id")
            .arg("1-0")
            .arg("e")
            .arg(events.encode())
            .arg("reason")
            .arg("22P02 test")
            .arg("recorded")
            .arg("status"));
  }

  /**
   * What the receipt must say, counted here from what was set up: the entries of P's partition
   * whose conversation is P's (or, for outbound dead letters, whose message is to P), and the rows
   * of the history.
   */
  private static Map<String, Long> expectedReceipt(Line line, Traces t, String hashP)
      throws Exception {
    int partition = ph.h.partition(t.person.digits());
    String tag = ph.h.keyPrefix() + "{t:" + line.tenant().id() + ":" + partition + "}";
    Map<String, Long> expected = new LinkedHashMap<>();
    expected.put("inbound", conversations(tag + ":in", hashP));
    expected.put("quarantine", conversations(tag + ":in:q", hashP));
    expected.put("inboundDeadLetters", conversations(tag + ":in:dlq", hashP));
    expected.put("replayArchive", conversations(tag + ":in:done", hashP));
    expected.put(
        "outboundQueued",
        conversations(tag + ":out:hi", hashP) + conversations(tag + ":out:lo", hashP));
    expected.put("outboundDeadLetters", deadLettersTo(tag + ":dlq", hashP));
    expected.put("idempotencyKeys", 1L);
    expected.put("rateKeys", 2L);
    expected.put("ledgerDeadLetters", 1L);
    expected.put("messages", 6L);
    expected.put(
        "messageEvents",
        ((Number)
                    ph.sql(
                        "SELECT count(*) FROM message_events WHERE message_id IN ("
                            + String.join(
                                ",", t.messages().stream().map(id -> "'" + id + "'").toList())
                            + ")"))
                .longValue()
            + 2); // the cancelled status of the two queued messages, written by the erasure
    expected.put(
        "messageBodies",
        ((Number)
                ph.sql(
                    "SELECT count(*) FROM message_bodies WHERE message_id IN ("
                        + String.join(",", t.messages().stream().map(id -> "'" + id + "'").toList())
                        + ")"))
            .longValue());
    expected.put("providerStatuses", 1L);
    expected.put("campaignRows", 1L);

    // What the set-up put where, to be sure the counts above count something.
    assertThat(expected.get("inboundDeadLetters")).isGreaterThanOrEqualTo(1);
    assertThat(expected.get("replayArchive")).isGreaterThanOrEqualTo(2); // event + status events
    assertThat(expected.get("inbound")).isGreaterThanOrEqualTo(1);
    assertThat(expected.get("outboundQueued")).isEqualTo(2);
    assertThat(expected.get("outboundDeadLetters")).isEqualTo(1);
    assertThat(exists(tag + ":rl:" + line.channel() + ":" + hashP)).isTrue();
    assertThat(exists(ph.h.keyPrefix() + "{c:" + line.channel() + "}:r:" + hashP)).isTrue();
    return expected;
  }

  /** Entries of a stream whose conversation (field c) is the person's. */
  private static long conversations(String stream, String hash) {
    return count(stream, "c", value -> value.endsWith(":" + hash));
  }

  /** Outbound dead letters (field m only) whose message is to the person. */
  private static long deadLettersTo(String stream, String hash) {
    return count(
        stream, "m", value -> hash.equals(new JsonObject(value).getString("recipientHash")));
  }

  private static long count(
      String stream, String field, java.util.function.Predicate<String> matches) {
    long n = 0;
    for (Response entry : ph.redis(Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+"))) {
      Response flat = entry.get(1);
      for (int i = 0; i + 1 < flat.size(); i += 2) {
        if (flat.get(i).toString().equals(field) && matches.test(flat.get(i + 1).toString())) {
          n++;
        }
      }
    }
    return n;
  }

  private static boolean exists(String key) {
    return ph.redis(Request.cmd(Command.EXISTS).arg(key)).toLong() == 1;
  }

  private static List<String> cancelled() throws Exception {
    List<String> out = new ArrayList<>();
    try (var c = ph.connection();
        var s = c.createStatement();
        var rs = s.executeQuery("SELECT message_id, error_code, source FROM test_cancelled")) {
      while (rs.next()) {
        assertThat(rs.getString(2)).isEqualTo("erased");
        assertThat(rs.getString(3)).isEqualTo("privacy");
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static Map<String, Long> counts(JsonObject removed) {
    Map<String, Long> out = new LinkedHashMap<>();
    removed.forEach(e -> out.put(e.getKey(), ((Number) e.getValue()).longValue()));
    return out;
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) {
    Await.until(what, PrivacyHarness.WAIT, condition);
  }
}
