package dev.sluice.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Call;
import dev.sluice.gateway.testing.FakeProvider.Reply;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Messages from the API through the dispatcher to a fake WhatsApp Cloud API and back through the
 * ledger: request shapes, retries on the provider's wait, permanent failures, the breaker, order
 * under retries, a dispatcher dying mid-flight, early status webhooks, and fairness.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DispatchIT {
  private static final String SECRET = "meta-app-secret-dispatch";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static FakeProvider fake;
  private static IngressHarness h;
  private static String app;

  @BeforeAll
  static void start() {
    fake = FakeProvider.whatsApp();
    h =
        IngressHarness.start(
            Map.of(
                "whatsapp.baseUrl", fake.baseUrl(),
                "providers.requestTimeoutMs", "2000",
                "dispatch.claimMs", "3000",
                "dispatch.retryBaseMs", "100",
                "dispatch.retryMaxMs", "2000",
                "dispatch.breakerOpenMs", "500",
                "dispatch.maxAttempts", "10",
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

  /** A tenant with one WhatsApp channel whose limits do not get in the way unless given. */
  private static Line line(String name, JsonObject outbound) {
    return line(h.tenant(name), name, outbound);
  }

  /** Another WhatsApp channel of the tenant. */
  private static Line line(Tenant t, String name, JsonObject outbound) {
    String phoneNumberId = "5" + Math.abs(System.nanoTime() % 1_000_000_000L);
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
                        outbound != null
                            ? outbound
                            : new JsonObject()
                                .put("perSecond", 1000)
                                .put("burst", 100)
                                .put("perRecipientPerMinute", 6000)
                                .put("recipientBurst", 100))));
    return new Line(t, channel, phoneNumberId);
  }

  private static String send(Line line, JsonObject message) {
    HttpResponse<Buffer> r =
        h.client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
            .sendJsonObject(message.put("channel", line.channel()))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    return r.bodyAsJsonObject().getString("id");
  }

  private static String text(Line line, String to, String text) {
    return send(line, new JsonObject().put("to", to).put("type", "text").put("text", text));
  }

  /** Polls GET /v1/messages/{id} until the message has {@code status}. */
  private static JsonObject awaitStatus(Line line, String id, String status) {
    return awaitMessage(line, id, m -> status.equals(m.getString("status")));
  }

  /** Polls {@code GET /v1/messages/{id}} until the message satisfies the condition. */
  private static JsonObject awaitMessage(Line line, String id, Predicate<JsonObject> condition) {
    AtomicReference<JsonObject> found = new AtomicReference<>();
    Await.until(
        "message " + id + " to reach the awaited state",
        WAIT,
        () -> {
          HttpResponse<Buffer> r =
              h.client
                  .get("/v1/messages/" + id)
                  .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
                  .send()
                  .await();
          found.set(
              r.statusCode() == 200 && condition.test(r.bodyAsJsonObject())
                  ? r.bodyAsJsonObject()
                  : null);
          return found.get() != null;
        });
    return found.get();
  }

  private static List<String> statuses(JsonObject message) {
    List<String> out = new ArrayList<>();
    message.getJsonArray("history").forEach(e -> out.add(((JsonObject) e).getString("status")));
    return out;
  }

  @Test
  void theDispatcherStampsItsOutcomeWithTheGatewaysClock() {
    Line line = line("clock", null);
    Instant pinned = Instant.parse("2031-05-06T07:08:09Z");
    h.clock.set(pinned);
    try {
      String id = text(line, "+4915112340001", "on the clock");
      JsonObject sent = awaitStatus(line, id, "sent");
      JsonObject entry =
          sent.getJsonArray("history").stream()
              .map(JsonObject.class::cast)
              .filter(e -> "sent".equals(e.getString("status")))
              .findFirst()
              .orElseThrow();
      assertThat(entry.getString("at")).isEqualTo(pinned.toString());
    } finally {
      h.clock.reset();
    }
  }

  @Test
  void textTemplateAndMediaGoOutInTheCloudApiShape() {
    Line line = line("shape", null);
    String textId = text(line, "+4915112345678", "hello there");
    JsonArray components =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("type", "body")
                    .put(
                        "parameters",
                        new JsonArray()
                            .add(new JsonObject().put("type", "text").put("text", "42"))));
    String templateId =
        send(
            line,
            new JsonObject()
                .put("to", "+4915112345679")
                .put("type", "template")
                .put(
                    "template",
                    new JsonObject()
                        .put("name", "order_update")
                        .put("language", "en_US")
                        .put("components", components)));
    String mediaId =
        send(
            line,
            new JsonObject()
                .put("to", "+4915112345670")
                .put("type", "media")
                .put(
                    "media",
                    new JsonObject()
                        .put("kind", "image")
                        .put("link", "https://example.com/a.png")
                        .put("caption", "look")));

    JsonObject sent = awaitStatus(line, textId, "sent");
    awaitStatus(line, templateId, "sent");
    awaitStatus(line, mediaId, "sent");

    List<Call> calls = fake.callsFor(line.phoneNumberId());
    assertThat(calls).hasSize(3);
    assertThat(calls)
        .allSatisfy(
            c -> {
              assertThat(c.path()).isEqualTo("/v23.0/" + line.phoneNumberId() + "/messages");
              assertThat(c.authorization()).isEqualTo("Bearer EAAG-shape");
              assertThat(c.json().getString("messaging_product")).isEqualTo("whatsapp");
            });
    JsonObject text = find(calls, "4915112345678");
    assertThat(text.getString("type")).isEqualTo("text");
    assertThat(text.getJsonObject("text").getString("body")).isEqualTo("hello there");
    JsonObject template = find(calls, "4915112345679");
    assertThat(template.getString("type")).isEqualTo("template");
    assertThat(template.getJsonObject("template").getString("name")).isEqualTo("order_update");
    assertThat(template.getJsonObject("template").getJsonObject("language").getString("code"))
        .isEqualTo("en_US");
    assertThat(template.getJsonObject("template").getJsonArray("components")).isEqualTo(components);
    JsonObject media = find(calls, "4915112345670");
    assertThat(media.getString("type")).isEqualTo("image");
    assertThat(media.getJsonObject("image").getString("link"))
        .isEqualTo("https://example.com/a.png");
    assertThat(media.getJsonObject("image").getString("caption")).isEqualTo("look");

    assertThat(sent.getString("providerMessageId")).startsWith("wamid.FAKE");
    assertThat(sent.getString("to")).isEqualTo("+4915112345678");
    assertThat(statuses(sent)).containsExactly("accepted", "sent");

    // Each status change also reaches the tenant's event queue, carrying our message id.
    JsonObject event =
        h.drain(line.tenant().apiKey(), "inbound").stream()
            .map(JsonObject.class::cast)
            .filter(e -> textId.equals(e.getString("messageId")))
            .findFirst()
            .orElseThrow();
    assertThat(event.getString("kind")).isEqualTo("status");
    assertThat(event.getString("status")).isEqualTo("sent");
    assertThat(event.getString("providerMessageId")).isEqualTo(sent.getString("providerMessageId"));
  }

  private static JsonObject find(List<Call> calls, String to) {
    return calls.stream()
        .map(Call::json)
        .filter(b -> to.equals(b.getString("to")))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aRateLimitedSendIsRetriedOnlyAfterTheProvidersWait() {
    Line line = line("wait", null);
    AtomicInteger seen = new AtomicInteger();
    fake.script(
        line.phoneNumberId(),
        c ->
            seen.incrementAndGet() == 1
                ? Reply.error(429, 130429, "Rate limit hit", Map.of("Retry-After", "1"))
                : null);

    String id = text(line, "+4915112340001", "patience");
    JsonObject sent = awaitStatus(line, id, "sent");

    List<Call> calls = fake.callsFor(line.phoneNumberId());
    assertThat(calls).hasSize(2);
    assertThat(calls.get(1).atMs() - calls.get(0).atMs()).isGreaterThanOrEqualTo(1000);
    // The retry is in the history: queued by the dispatcher, with the provider's code.
    assertThat(statuses(sent)).containsExactly("accepted", "queued", "sent");
    JsonObject queued = sent.getJsonArray("history").getJsonObject(1);
    assertThat(queued.getString("source")).isEqualTo("dispatcher");
    assertThat(queued.getJsonObject("error").getString("code")).isEqualTo("130429");
  }

  /**
   * While a message waits for a retry, {@code GET /v1/messages/{id}} says how many calls asked for
   * one, when the next is due and what the last error was; once sent, the attempts stay and nothing
   * is due.
   */
  @Test
  void aRetryingMessageShowsItsAttemptsNextAttemptAndLastError() {
    Line line = line("retrying", null);
    AtomicInteger seen = new AtomicInteger();
    fake.script(
        line.phoneNumberId(),
        c ->
            switch (seen.incrementAndGet()) {
              case 1 -> Reply.error(400, 130429, "Rate limit hit", Map.of());
              case 2 -> Reply.error(429, 130429, "Slow down", Map.of("Retry-After", "6"));
              default -> null;
            });

    String id = text(line, "+4915112340090", "try, try again");
    JsonObject waiting = awaitMessage(line, id, m -> m.getInteger("attempts", 0) == 2);

    List<Call> calls = fake.callsFor(line.phoneNumberId());
    assertThat(calls).hasSize(2);
    assertThat(waiting.getString("status")).isEqualTo("queued");
    assertThat(Instant.parse(waiting.getString("nextAttemptAt")).toEpochMilli())
        .isGreaterThanOrEqualTo(calls.get(1).atMs() + 5_000);
    assertThat(waiting.getJsonObject("lastError").getString("code")).isEqualTo("130429");
    assertThat(waiting.getJsonObject("lastError").getString("message")).contains("Slow down");

    JsonObject sent = awaitStatus(line, id, "sent");
    assertThat(sent.getInteger("attempts")).isEqualTo(2);
    assertThat(sent.getValue("nextAttemptAt")).isNull();
    assertThat(sent.getJsonObject("lastError").getString("message")).contains("Slow down");
    assertThat(sent.getValue("error")).isNull();
  }

  /** A failure WhatsApp reports in a status webhook keeps its code, title and details. */
  @Test
  void aProviderReportedFailureKeepsItsCodeTitleAndDetails() {
    Line line = line("reported", null);
    String wamid = "wamid.FAILED" + System.nanoTime();
    fake.script(line.phoneNumberId(), c -> Reply.ok(wamid));
    String id = text(line, "+4915112340091", "off it goes");
    awaitStatus(line, id, "sent");

    JsonObject failed =
        new JsonObject()
            .put("id", wamid)
            .put("status", "failed")
            .put("timestamp", Long.toString(Instant.now().getEpochSecond()))
            .put("recipient_id", "4915112340091")
            .put(
                "errors",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("code", 131026)
                            .put("title", "Message undeliverable")
                            .put("message", "Message undeliverable")
                            .put(
                                "error_data",
                                new JsonObject()
                                    .put(
                                        "details",
                                        "The recipient's phone number is not on WhatsApp."))));
    assertThat(h.postMeta(app, SECRET, statusWebhook(line.phoneNumberId(), failed)).statusCode())
        .isEqualTo(200);

    JsonObject m = awaitStatus(line, id, "failed");
    JsonObject expected =
        new JsonObject()
            .put("code", "131026")
            .put(
                "message",
                "Message undeliverable: The recipient's phone number is not on WhatsApp.");
    assertThat(m.getJsonObject("error")).isEqualTo(expected);
    JsonObject reported =
        m.getJsonArray("history").stream()
            .map(JsonObject.class::cast)
            .filter(e -> "provider".equals(e.getString("source")))
            .findFirst()
            .orElseThrow();
    assertThat(reported.getString("status")).isEqualTo("failed");
    assertThat(reported.getJsonObject("error")).isEqualTo(expected);
  }

  @Test
  void throughputErrorWithoutRetryAfterIsRetriedWithBackoff() {
    Line line = line("tput", null);
    AtomicInteger seen = new AtomicInteger();
    fake.script(
        line.phoneNumberId(),
        c ->
            seen.incrementAndGet() <= 2
                ? Reply.error(400, 130429, "Rate limit hit", Map.of())
                : null);

    String id = text(line, "+4915112340002", "again");

    awaitStatus(line, id, "sent");
    assertThat(fake.callsFor(line.phoneNumberId())).hasSize(3);
  }

  @Test
  void aPermanentErrorFailsWithTheProvidersCode() {
    Line line = line("perm", null);
    fake.script(
        line.phoneNumberId(), c -> Reply.error(400, 131026, "Message Undeliverable", Map.of()));

    String id = text(line, "+4915112340003", "nobody home");
    JsonObject failed = awaitStatus(line, id, "failed");

    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("131026");
    assertThat(fake.callsFor(line.phoneNumberId())).hasSize(1);
    assertThat(statuses(failed)).containsExactly("accepted", "failed");
  }

  @Test
  void aPairRateLimitHoldsBackOnlyThatRecipientsMessages() {
    Line line = line("pair", null);
    String limited = "4915112340300";
    int partition = h.partition(limited);
    String other = null;
    for (int i = 1; other == null; i++) {
      String digits = "49151123" + (60_000 + i);
      if (h.partition(digits) == partition) {
        other = digits; // same partition: only the conversation tells them apart
      }
    }
    AtomicBoolean limiting = new AtomicBoolean(true);
    fake.script(
        line.phoneNumberId(),
        c ->
            limiting.get() && limited.equals(c.json().getString("to"))
                ? Reply.error(
                    400,
                    131056,
                    "(Business Account, Consumer Account) pair rate limit hit",
                    Map.of())
                : null);

    String first = text(line, "+" + limited, "p1");
    String second = text(line, "+" + limited, "p2");
    String unrelated = text(line, "+" + other, "other");
    awaitStatus(line, unrelated, "sent");
    Await.until(
        "the limited recipient's first message to be tried again",
        WAIT,
        () -> callsTo(line, limited).size() >= 2);
    // While the pair is limited, its first message waits for a retry (not failed) and holds back
    // only the later message to the same person: the other recipient's went out in the meantime.
    assertThat(callsTo(line, limited)).containsOnly("p1");
    String otherDigits = other;
    long otherSentAt =
        fake.callsFor(line.phoneNumberId()).stream()
            .filter(c -> otherDigits.equals(c.json().getString("to")))
            .findFirst()
            .orElseThrow()
            .atMs();
    long retriedAt =
        fake.callsFor(line.phoneNumberId()).stream()
            .filter(c -> limited.equals(c.json().getString("to")))
            .skip(1)
            .findFirst()
            .orElseThrow()
            .atMs();
    assertThat(otherSentAt).isLessThan(retriedAt);

    limiting.set(false);
    JsonObject sent = awaitStatus(line, first, "sent");
    awaitStatus(line, second, "sent");
    List<String> tries = callsTo(line, limited);
    assertThat(tries.get(tries.size() - 1)).isEqualTo("p2");
    assertThat(tries.subList(0, tries.size() - 1)).containsOnly("p1");
    // Its retries are in the history: one queued entry, the dispatcher's, with the pair limit.
    assertThat(statuses(sent)).containsExactly("accepted", "queued", "sent");
    assertThat(sent.getInteger("attempts")).isEqualTo(tries.size() - 2);
  }

  private static List<String> callsTo(Line line, String digits) {
    return fake.callsFor(line.phoneNumberId()).stream()
        .filter(c -> digits.equals(c.json().getString("to")))
        .map(Call::text)
        .toList();
  }

  @Test
  void aSlowAnswerDoesNotHoldBackTheRecordOfTheFastOnesOfItsClaim() {
    Line line = line("slow", null);
    String slow = "4915112349000";
    int partition = h.partition(slow);
    List<String> fast = new ArrayList<>();
    for (int i = 1; fast.size() < 3; i++) {
      String digits = "49151123" + (50_000 + i);
      if (h.partition(digits) == partition) {
        fast.add(digits);
      }
    }
    Promise<Void> gate = Promise.promise();
    fake.script(
        line.phoneNumberId(),
        c ->
            slow.equals(c.json().getString("to"))
                ? new Reply(200, Reply.ok("wamid.SLOW").body(), Map.of(), gate.future())
                : null);
    JsonArray batch = new JsonArray();
    for (String to : List.of(slow, fast.get(0), fast.get(1), fast.get(2))) {
      batch.add(
          new JsonObject()
              .put("channel", line.channel())
              .put("to", "+" + to)
              .put("type", "text")
              .put("text", "to " + to));
    }
    HttpResponse<Buffer> accepted =
        h.client
            .post("/v1/messages/batch")
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
            .sendJsonObject(new JsonObject().put("messages", batch))
            .await();
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(200);

    // One claim carries all four (one partition, one call): the three fast answers are recorded
    // while the slow call is still open, well within its 2 s deadline.
    String stream = h.keyPrefix() + "{t:" + line.tenant().id() + ":" + partition + "}:out:hi";
    Redis redis = Redis.createClient(fake.vertx(), h.redisOptions());
    try {
      Await.until(
          "the fast outcomes recorded (one message left in the stream)",
          WAIT,
          () -> redis.send(Request.cmd(Command.XLEN).arg(stream)).await().toLong() == 1);
    } finally {
      redis.close();
    }
    gate.complete();

    String slowId =
        accepted.bodyAsJsonObject().getJsonArray("results").getJsonObject(0).getString("id");
    assertThat(awaitStatus(line, slowId, "sent").getString("providerMessageId"))
        .isEqualTo("wamid.SLOW");
    // Answered within its deadline: sent once, not retried after a timeout.
    assertThat(
            fake.callsFor(line.phoneNumberId()).stream()
                .filter(c -> slow.equals(c.json().getString("to")))
                .count())
        .isEqualTo(1);
  }

  @Test
  void statusEventsFollowTheTenantsOutboundEventsSetting() {
    // Which statuses reach the tenant's queue, for a message sent then reported delivered by
    // Meta, and a message failed by the provider's answer.
    Map<String, List<String>> expected =
        Map.of(
            "final", List.of("delivered", "failed"),
            "failures", List.of("failed"),
            "none", List.of());
    for (Map.Entry<String, List<String>> setting : expected.entrySet()) {
      Tenant t = h.tenant(setting.getKey());
      h.admin(
          HttpMethod.PATCH,
          "/admin/tenants/" + t.id(),
          new JsonObject().put("outboundEvents", setting.getKey()));
      Line ok = line(t, t.id() + "-ok", null);
      Line bad = line(t, t.id() + "-bad", null);
      fake.script(
          bad.phoneNumberId(), c -> Reply.error(400, 131026, "Message Undeliverable", Map.of()));
      String sent = text(ok, "+4915112340201", "fine");
      String failed = text(bad, "+4915112340202", "nobody home");
      String wamid = awaitStatus(ok, sent, "sent").getString("providerMessageId");
      awaitStatus(bad, failed, "failed");
      HttpResponse<Buffer> webhook =
          h.postMeta(app, SECRET, statusWebhook(ok.phoneNumberId(), wamid, "delivered"));
      assertThat(webhook.statusCode()).isEqualTo(200);
      awaitStatus(ok, sent, "delivered"); // the ledger has it whatever the setting
      // Both recorded: nothing more can be queued for them.
      Await.until("both messages recorded", WAIT, () -> outboundBacklog(t) == 0);

      List<String> statuses = new ArrayList<>();
      h.drain(t.apiKey(), "inbound")
          .forEach(e -> statuses.add(((JsonObject) e).getString("status")));
      assertThat(statuses)
          .as("status events of a tenant with outboundEvents %s", setting.getKey())
          .containsExactlyInAnyOrderElementsOf(setting.getValue());
    }
  }

  @Test
  void aProviderStatusEventNamesOurMessageAndSpeaksE164() {
    Tenant t = h.tenant("echo");
    Line line = line(t, "echo", null);
    String id = text(line, "+4915112340301", "which one?");
    String wamid = awaitStatus(line, id, "sent").getString("providerMessageId");
    // What Meta echoes in the status is what the connector put in the request.
    String reference =
        fake.callsFor(line.phoneNumberId()).get(0).json().getString("biz_opaque_callback_data");
    JsonObject delivered =
        new JsonObject()
            .put("id", wamid)
            .put("status", "delivered")
            .put("timestamp", "1750857384")
            .put("recipient_id", "4915112340301")
            .put("biz_opaque_callback_data", reference);

    assertThat(h.postMeta(app, SECRET, statusWebhook(line.phoneNumberId(), delivered)).statusCode())
        .isEqualTo(200);

    awaitStatus(line, id, "delivered");
    List<JsonObject> events = new ArrayList<>();
    Await.until(
        "the provider's status event",
        WAIT,
        () -> {
          h.drain(t.apiKey(), "inbound").forEach(e -> events.add((JsonObject) e));
          return events.stream().anyMatch(e -> "delivered".equals(e.getString("status")));
        });
    JsonObject event =
        events.stream().filter(e -> "delivered".equals(e.getString("status"))).findFirst().get();
    assertThat(event.getString("messageId")).isEqualTo(id);
    assertThat(event.getString("to")).isEqualTo("+4915112340301");
  }

  @Test
  void rotatingATokenAndRaisingTheLimitLosesNoQueuedMessage() {
    // One message a second: most of the ten are still queued when the channel changes.
    Line line =
        line(
            "rotate",
            new JsonObject()
                .put("perSecond", 1)
                .put("burst", 1)
                .put("perRecipientPerMinute", 6000)
                .put("recipientBurst", 100));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(text(line, "+49151123404" + String.format("%02d", i), "queued " + i));
    }
    Await.until(
        "the first message sent", WAIT, () -> !fake.callsFor(line.phoneNumberId()).isEmpty());

    h.admin(
        HttpMethod.PATCH,
        "/admin/tenants/" + line.tenant().id() + "/channels/" + line.channel(),
        new JsonObject()
            .put("credentials", new JsonObject().put("accessToken", "EAAG-rotated"))
            .put(
                "limits",
                new JsonObject()
                    .put("outbound", new JsonObject().put("perSecond", 1000).put("burst", 100))));

    // The rest go at the new rate (well inside the 10 s the old one needed) with the new token.
    Await.until(
        "every queued message sent",
        Duration.ofSeconds(6),
        () -> fake.callsFor(line.phoneNumberId()).size() >= ids.size());
    ids.forEach(id -> awaitStatus(line, id, "sent"));
    List<Call> calls = fake.callsFor(line.phoneNumberId());
    assertThat(calls).hasSize(ids.size());
    assertThat(calls.stream().map(c -> c.json().getString("to")).distinct()).hasSize(ids.size());
    assertThat(calls.get(calls.size() - 1).authorization()).isEqualTo("Bearer EAAG-rotated");
    assertThat(calls.stream().filter(c -> c.authorization().equals("Bearer EAAG-rotate")))
        .as("sent with the old token")
        .hasSizeLessThan(ids.size() / 2);
  }

  @Test
  void infobipMessagesOfAPartitionGoOutTogetherEachWithItsOwnId() {
    Tenant t = h.tenant("bulk");
    String account = "ib" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String channel = TestBackends.uniqueId("bulk-ib");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "infobip")
            .put("address", "InfoSMS")
            .put(
                "credentials",
                new JsonObject()
                    .put("apiKey", "ib-key")
                    .put("webhookSecret", "ib-hook-secret")
                    .put("baseUrl", fake.baseUrl() + "/ib/" + account))
            .put(
                "limits",
                new JsonObject()
                    .put(
                        "outbound",
                        new JsonObject()
                            .put("perSecond", 100_000)
                            .put("burst", 10_000)
                            .put("perRecipientPerMinute", 6000)
                            .put("recipientBurst", 100))));
    // The answer lists each entry's destination and an id made from its text.
    fake.script(
        account,
        c -> {
          JsonArray answered = new JsonArray();
          for (Object o : c.json().getJsonArray("messages")) {
            JsonObject sms = (JsonObject) o;
            answered.add(
                new JsonObject()
                    .put(
                        "destination",
                        sms.getJsonArray("destinations").getJsonObject(0).getString("to"))
                    .put("messageId", "ib-" + sms.getJsonObject("content").getString("text"))
                    .put(
                        "status",
                        new JsonObject().put("groupName", "PENDING").put("name", "ACCEPTED")));
          }
          return new Reply(
              200, new JsonObject().put("messages", answered).encode(), Map.of(), null);
        });
    JsonArray batch = new JsonArray();
    for (int i = 0; i < 200; i++) {
      batch.add(
          new JsonObject()
              .put("channel", channel)
              .put("to", "+1202555" + String.format("%04d", i))
              .put("type", "text")
              .put("text", "bulk-" + i));
    }
    HttpResponse<Buffer> accepted =
        h.client
            .post("/v1/messages/batch")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(new JsonObject().put("messages", batch))
            .await();
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(200);
    Line line = new Line(t, channel, account);

    for (int i = 0; i < 200; i++) {
      String id =
          accepted.bodyAsJsonObject().getJsonArray("results").getJsonObject(i).getString("id");
      JsonObject sent = awaitStatus(line, id, "sent");
      assertThat(sent.getString("providerMessageId")).isEqualTo("ib-bulk-" + i);
    }
    List<Call> calls = fake.callsFor(account);
    int carried = 0;
    for (Call c : calls) {
      JsonArray entries = c.json().getJsonArray("messages");
      carried += entries.size();
      assertThat(c.authorization()).isEqualTo("App ib-key");
    }
    assertThat(carried).isEqualTo(200); // each message once
    assertThat(calls.size()).isLessThan(200); // and several per request
  }

  /** Messages of the tenant not yet finished, over all partitions and both lanes. */
  private static long outboundBacklog(Tenant t) {
    Redis redis = Redis.createClient(fake.vertx(), h.redisOptions());
    try {
      long n = 0;
      for (int p = 0; p < 16; p++) {
        for (String lane : List.of("hi", "lo")) {
          n +=
              redis
                  .send(
                      Request.cmd(Command.XLEN)
                          .arg(h.keyPrefix() + "{t:" + t.id() + ":" + p + "}:out:" + lane))
                  .await()
                  .toLong();
        }
      }
      return n;
    } finally {
      redis.close();
    }
  }

  @Test
  void aMessageOutOfAttemptsIsDeadLetteredAndFailsWithTheLastCode() {
    Line line = line("dead", null);
    // Throttled on every try: not an outage, so the breaker stays closed and attempts are spent.
    fake.script(line.phoneNumberId(), c -> Reply.error(429, 4, "API Too Many Calls", Map.of()));

    String id = text(line, "+4915112340080", "never");
    JsonObject failed = awaitStatus(line, id, "failed");

    assertThat(fake.callsFor(line.phoneNumberId())).hasSize(10);
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("4");
    assertThat(failed.getJsonObject("error").getString("message")).contains("retry budget spent");
    Redis redis = Redis.createClient(fake.vertx(), h.redisOptions());
    try {
      long deadLetters = 0;
      for (int p = 0; p < 16; p++) {
        deadLetters +=
            redis
                .send(
                    Request.cmd(Command.XLEN)
                        .arg(h.keyPrefix() + "{t:" + line.tenant().id() + ":" + p + "}:dlq"))
                .await()
                .toLong();
      }
      assertThat(deadLetters).isEqualTo(1);
    } finally {
      redis.close();
    }
    String metrics = h.client.get("/metrics").send().await().bodyAsString();
    assertThat(metrics)
        .containsPattern("sluice_dispatch_dead_letters_total\\{provider=\"whatsapp\"\\} [1-9]");
  }

  @Test
  void theOutboundBacklogIsExportedPerTenantLane() {
    Line line = line("backlog", null);
    // The provider asks for a minute's wait: the message stays queued while the gauge is read.
    fake.script(
        line.phoneNumberId(),
        c -> Reply.error(429, 130429, "Rate limit hit", Map.of("Retry-After", "60")));
    text(line, "+4915112340090", "stuck for now");

    String high =
        "sluice_dispatch_backlog_messages{lane=\"high\",tenant=\"" + line.tenant().id() + "\"} 1.0";
    Await.until(
        "the backlog gauge to show the high lane's message",
        WAIT,
        () -> h.client.get("/metrics").send().await().bodyAsString().contains(high));
    fake.script(line.phoneNumberId(), c -> null);
  }

  @Test
  void anOutageOpensTheBreakerFailsNothingAndEverythingGoesAfterRecovery() {
    Line line = line("outage", null);
    AtomicBoolean down = new AtomicBoolean(true);
    fake.script(
        line.phoneNumberId(),
        c -> down.get() ? new Reply(503, "{\"error\":\"down\"}", Map.of(), null) : null);

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(text(line, "+49151123410" + (10 + i), "o" + i));
    }
    String open =
        "resilience4j_circuitbreaker_state{name=\"" + line.channel() + "\",state=\"open\"} 1.0";
    Await.until(
        "the channel's breaker to open",
        WAIT,
        () -> h.client.get("/metrics").send().await().bodyAsString().contains(open));
    int callsWhileOpen = fake.callsFor(line.phoneNumberId()).size();

    down.set(false);
    for (String id : ids) {
      JsonObject sent = awaitStatus(line, id, "sent");
      assertThat(statuses(sent)).doesNotContain("failed");
    }
    // The breaker held messages back instead of letting each burn its attempts.
    assertThat(callsWhileOpen).isLessThan(10 * 10);
  }

  @Test
  void messagesToOneRecipientKeepTheirOrderUnderRetries() {
    Line line = line("order", null);
    AtomicBoolean failedOnce = new AtomicBoolean();
    fake.script(
        line.phoneNumberId(),
        c ->
            "r2".equals(c.text()) && failedOnce.compareAndSet(false, true)
                ? new Reply(500, "{}", Map.of(), null)
                : null);

    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      ids.add(text(line, "+4915112340050", "r" + i));
    }
    ids.forEach(id -> awaitStatus(line, id, "sent"));

    List<String> attempts = new ArrayList<>();
    fake.callsFor(line.phoneNumberId()).forEach(c -> attempts.add(c.text()));
    // r2 was tried twice; nothing after it went out before its retry succeeded.
    assertThat(attempts).containsExactly("r1", "r2", "r2", "r3", "r4", "r5");
  }

  @Test
  void aStatusWebhookArrivingBeforeTheSendResponseStillEndsInTheRightStatus() {
    Line line = line("early", null);
    String wamid = "wamid.EARLY" + System.nanoTime();
    fake.script(
        line.phoneNumberId(),
        c -> {
          // Meta's "delivered" reaches the gateway before the send call has returned.
          Promise<Void> webhookDone = Promise.promise();
          fake.vertx()
              .executeBlocking(
                  () ->
                      h.postMeta(
                          app, SECRET, statusWebhook(line.phoneNumberId(), wamid, "delivered")))
              .onComplete(ar -> webhookDone.complete());
          Reply ok = Reply.ok(wamid);
          return new Reply(ok.status(), ok.body(), Map.of(), webhookDone.future());
        });

    String id = text(line, "+4915112340060", "early bird");

    JsonObject delivered = awaitStatus(line, id, "delivered");
    assertThat(delivered.getString("providerMessageId")).isEqualTo(wamid);
    // The send response ("sent", recorded by the dispatcher) lands after "delivered": once it is
    // in the history, the message must still be delivered.
    JsonObject settled =
        awaitMessage(
            line,
            id,
            m ->
                m.getJsonArray("history").stream()
                    .map(JsonObject.class::cast)
                    .anyMatch(
                        e ->
                            "sent".equals(e.getString("status"))
                                && "dispatcher".equals(e.getString("source"))));
    assertThat(settled.getString("status")).isEqualTo("delivered");
    assertThat(settled.getString("providerMessageId")).isEqualTo(wamid);
    assertThat(statuses(settled)).containsExactlyInAnyOrder("accepted", "sent", "delivered");
  }

  private static String statusWebhook(String phoneNumberId, String wamid, String status) {
    return statusWebhook(
        phoneNumberId,
        new JsonObject()
            .put("id", wamid)
            .put("status", status)
            .put("timestamp", "1750857384")
            .put("recipient_id", "4915112340060"));
  }

  private static String statusWebhook(String phoneNumberId, JsonObject statusObject) {
    return new JsonObject()
        .put("object", "whatsapp_business_account")
        .put(
            "entry",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("id", "1")
                        .put(
                            "changes",
                            new JsonArray()
                                .add(
                                    new JsonObject()
                                        .put("field", "messages")
                                        .put(
                                            "value",
                                            new JsonObject()
                                                .put("messaging_product", "whatsapp")
                                                .put(
                                                    "metadata",
                                                    new JsonObject()
                                                        .put("phone_number_id", phoneNumberId))
                                                .put(
                                                    "statuses",
                                                    new JsonArray().add(statusObject)))))))
        .encode();
  }

  @Test
  void oneTenantsFloodDoesNotDelayAnotherTenantsReply() {
    Line flood =
        line(
            "flood",
            new JsonObject()
                .put("perSecond", 20)
                .put("burst", 5)
                .put("perRecipientPerMinute", 600)
                .put("recipientBurst", 10));
    Line reply = line("reply", null);
    postBatch(flood, "+4915113", 400, "campaign ");
    Await.until(
        "the flood's first send", WAIT, () -> !fake.callsFor(flood.phoneNumberId()).isEmpty());

    String id = text(reply, "+4915112340070", "your order shipped");
    awaitStatus(reply, id, "sent");

    // Both on the high lane, so only fairness between tenants can put the reply first: at 20/s
    // the campaign needs 20 s, and the reply went out while most of it still waited.
    assertThat(fake.callsFor(flood.phoneNumberId()).size()).isLessThan(200);
  }

  @Test
  void aPacedBacklogIsNotPulledOverAndOver() {
    Line paced =
        line(
            "paced",
            new JsonObject()
                .put("perSecond", 20)
                .put("burst", 5)
                .put("perRecipientPerMinute", 600)
                .put("recipientBurst", 10));
    int n = 40;
    double before = pacedCount();
    postBatch(paced, "+4915114", n, "paced ");
    Await.until(
        "all " + n + " paced messages sent",
        WAIT,
        () -> fake.callsFor(paced.phoneNumberId()).size() >= n);

    // 40 messages at 20/s take 2 s, spread over the tenant's partitions. A message made to wait
    // gets a turn of its own (booked up to a second ahead) or is looked at again when it is due:
    // about once each (47 here), not on every pull of every partition meanwhile (595 before).
    assertThat(pacedCount() - before).isLessThanOrEqualTo(2.0 * n);
  }

  /** Posts {@code n} texts on the line's channel in one batch request, to prefix + 000000.. */
  private static void postBatch(Line line, String prefix, int n, String text) {
    JsonArray batch = new JsonArray();
    for (int i = 0; i < n; i++) {
      batch.add(
          new JsonObject()
              .put("channel", line.channel())
              .put("to", prefix + String.format("%06d", i))
              .put("text", text + i));
    }
    HttpResponse<Buffer> r =
        h.client
            .post("/v1/messages/batch")
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
            .sendJsonObject(new JsonObject().put("messages", batch))
            .await();
    assertThat(r.statusCode()).isEqualTo(200);
  }

  /** sluice_dispatch_paced_total for WhatsApp, as the gateway exports it. */
  private static double pacedCount() {
    String metrics = h.client.get("/metrics").send().await().bodyAsString();
    Matcher m =
        Pattern.compile("(?m)^sluice_dispatch_paced_total\\{provider=\"whatsapp\"\\} (\\S+)$")
            .matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
