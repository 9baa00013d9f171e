package dev.sluice.gateway.suppression;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The suppression API over HTTP, on the real Redis and PostgreSQL: one number on one channel or on
 * every channel ({@code PUT}, {@code GET}, {@code DELETE /v1/suppressions/{phone}}), and what the
 * send API then refuses; CSV import and export; a provider's opt-out shown with its source.
 * Messages accepted here go to Infobip channels whose base URL is a closed port (they wait for a
 * retry), except in the provider test, whose Twilio is a {@link FakeProvider}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SuppressionApiIT {
  private static final AtomicLong IDS = new AtomicLong(System.nanoTime() % 1_000_000_000L);
  private static final String PHONE = "+4915112345678";
  private static final String OTHER = "+14155552671";

  private static Vertx vertx;
  private static FakeProvider twilio;
  private static IngressHarness h;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    twilio = FakeProvider.start(vertx);
    h =
        IngressHarness.start(
            Map.of(
                "twilio.baseUrl", twilio.baseUrl(),
                "providers.allowHttp", "true",
                "dispatch.retryBaseMs", "60000"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (twilio != null) {
      twilio.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  // ---- one number ----

  @Test
  void aNumberSuppressedOnEveryChannelIsRefusedOnEachUntilItIsDeleted() {
    Tenant t = h.tenant("sup-all");
    String a = infobipChannel(t);
    String b = infobipChannel(t);

    HttpResponse<Buffer> put =
        call(t, HttpMethod.PUT, "/v1/suppressions/%2B4915112345678", "{\"reason\":\"by phone\"}");
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(201);
    assertThat(put.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject entry = put.bodyAsJsonObject();
    assertThat(entry.getString("phone")).isEqualTo(PHONE);
    assertThat(entry.getValue("channel")).isNull();
    assertThat(entry.getString("hash")).isEqualTo(h.phoneHash(PHONE.substring(1)));
    assertThat(entry.getString("source")).isEqualTo("api");
    assertThat(entry.getString("reason")).isEqualTo("by phone");
    assertThat(entry.getString("at")).isNotBlank();

    assertRefused(send(t, a, PHONE));
    assertRefused(send(t, b, "+49 151 1234-5678")); // the same number, written another way
    JsonArray results = batch(t, text(a, PHONE), text(b, OTHER));
    assertThat(results.getJsonObject(0).getJsonObject("error").getString("code"))
        .isEqualTo("recipient_opted_out");
    assertThat(results.getJsonObject(1).getString("status")).isEqualTo("accepted");

    // The entry is the tenant-wide one: no entry of its own on a channel.
    assertThat(call(t, HttpMethod.GET, "/v1/suppressions/+4915112345678", null).bodyAsJsonObject())
        .isEqualTo(entry);
    assertThat(
            call(t, HttpMethod.GET, "/v1/suppressions/+4915112345678?channel=" + a, null)
                .statusCode())
        .isEqualTo(404);
    // Another tenant has its own list.
    Tenant other = h.tenant("sup-other");
    assertThat(call(other, HttpMethod.GET, "/v1/suppressions/%2B4915112345678", null).statusCode())
        .isEqualTo(404);

    assertThat(call(t, HttpMethod.DELETE, "/v1/suppressions/+4915112345678", null).statusCode())
        .isEqualTo(204);
    HttpResponse<Buffer> again =
        call(t, HttpMethod.DELETE, "/v1/suppressions/%2B4915112345678", null);
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(again.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("not_found");
    accepted(send(t, a, PHONE));
    accepted(send(t, b, PHONE));
  }

  @Test
  void anEntryForOneChannelLeavesTheOthersAndAddingItAgainKeepsItsFirstNote() {
    Tenant t = h.tenant("sup-one");
    String a = infobipChannel(t);
    String b = infobipChannel(t);
    String path = "/v1/suppressions/%2B4915112345678";

    HttpResponse<Buffer> first =
        call(
            t,
            HttpMethod.PUT,
            path,
            new JsonObject().put("channel", a).put("reason", "r1").encode());
    HttpResponse<Buffer> second =
        call(
            t,
            HttpMethod.PUT,
            path,
            new JsonObject().put("channel", a).put("reason", "r2").encode());

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    assertThat(second.bodyAsJsonObject().getString("reason")).isEqualTo("r1");
    assertThat(second.bodyAsJsonObject().getString("channel")).isEqualTo(a);
    assertRefused(send(t, a, PHONE));
    accepted(send(t, b, PHONE));
    accepted(send(t, a, OTHER));
    assertThat(call(t, HttpMethod.GET, path, null).statusCode()).isEqualTo(404); // not tenant-wide

    // No body at all: every channel, no reason.
    HttpResponse<Buffer> bare = call(t, HttpMethod.PUT, "/v1/suppressions/%2B14155552671", null);
    assertThat(bare.statusCode()).as(bare.bodyAsString()).isEqualTo(201);
    assertThat(bare.bodyAsJsonObject().getValue("reason")).isNull();
    assertRefused(send(t, a, OTHER));

    assertThat(call(t, HttpMethod.DELETE, path + "?channel=" + a, null).statusCode())
        .isEqualTo(204);
    accepted(send(t, a, PHONE));
  }

  @Test
  void badNumbersAre400AndBadChannelsOrFields422AndNothingIsStored() {
    Tenant t = h.tenant("sup-bad");
    String a = infobipChannel(t);
    String telegram = TestBackends.uniqueId("sup-tg");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", telegram)
            .put("provider", "telegram")
            .put(
                "credentials",
                new JsonObject().put("botToken", "123:abc").put("secretToken", "tg_secret")));
    Tenant other = h.tenant("sup-bad-o");
    String foreign = infobipChannel(other);

    for (String phone :
        List.of("4915112345678", "%2B123", "abc", "%2B1415555267100000", "%20", "%2B49%200")) {
      for (HttpMethod m : List.of(HttpMethod.PUT, HttpMethod.GET, HttpMethod.DELETE)) {
        HttpResponse<Buffer> r = call(t, m, "/v1/suppressions/" + phone, null);
        assertThat(r.statusCode()).as("%s %s → %s", m, phone, r.bodyAsString()).isEqualTo(400);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
            .isEqualTo("invalid_phone");
      }
    }
    String path = "/v1/suppressions/%2B4915112345678";
    Map<String, Integer> bodies =
        Map.of(
            new JsonObject().put("channel", foreign).encode(),
            422,
            new JsonObject().put("channel", "no-such-channel").encode(),
            422,
            new JsonObject().put("channel", telegram).encode(),
            422,
            new JsonObject().put("channel", a).put("phone", PHONE).encode(),
            422,
            new JsonObject().put("reason", "x".repeat(501)).encode(),
            422,
            new JsonObject().put("reason", 7).encode(),
            400,
            "[1]",
            400,
            "{not json",
            400);
    bodies.forEach(
        (body, status) -> {
          HttpResponse<Buffer> r = call(t, HttpMethod.PUT, path, body);
          assertThat(r.statusCode()).as("%s → %s", body, r.bodyAsString()).isEqualTo(status);
          assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).isNotBlank();
        });
    assertThat(call(t, HttpMethod.GET, path + "?channel=bad%20id", null).statusCode())
        .isEqualTo(400);
    HttpResponse<Buffer> noKey = h.client.put(path).sendBuffer(Buffer.buffer("{}")).await();
    assertThat(noKey.statusCode()).isEqualTo(401);

    assertThat(export(t)).containsExactly("hash,channel,reason,source,at"); // nothing stored
    accepted(send(t, a, PHONE));
  }

  // ---- import and export ----

  @Test
  void anImportAddsGoodRowsCountsRepeatsListsRefusedRowsAndTheExportListsTheirHashes() {
    Tenant t = h.tenant("sup-csv");
    String a = infobipChannel(t);
    String b = infobipChannel(t);
    call(t, HttpMethod.PUT, "/v1/suppressions/%2B33612345678", "{\"channel\":\"" + b + "\"}");
    String csv =
        "\uFEFFPhone,Channel,Reason\r\n"
            + "+4915112345678,,\"asked, twice\"\r\n" // row 2: every channel
            + "+1 415 555 2671,"
            + a
            + ",complaint\r\n" // row 3: one channel, spaces in the number
            + "4915112345678,,\r\n" // row 4: no +
            + "+4915112345678,"
            + "nope"
            + ",\r\n" // row 5: not a channel of the tenant
            + "\r\n" // row 6: blank
            + "+4915112345678,,again\r\n" // row 7: a repeat of row 2
            + "+33612345678,"
            + b
            + ",\r\n" // row 8: there already (put above)
            + "+447400123456,,"
            + "x".repeat(501)
            + "\r\n" // row 9: reason too long
            + "+447400123456"; // row 10: no line break at the end

    HttpResponse<Buffer> r = importCsv(t, csv);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject counts = r.bodyAsJsonObject();
    assertThat(counts.getLong("added")).as(counts.encode()).isEqualTo(3);
    assertThat(counts.getLong("alreadyPresent")).isEqualTo(2);
    assertThat(counts.getLong("rejectedCount")).isEqualTo(3);
    JsonArray rejected = counts.getJsonArray("rejected");
    assertThat(rejected.stream().map(o -> ((JsonObject) o).getLong("row")))
        .containsExactly(4L, 5L, 9L);
    assertThat(rejected.getJsonObject(0).getString("reason")).contains("phone", "+");
    assertThat(rejected.getJsonObject(1).getString("reason")).contains("channel");

    assertRefused(send(t, a, PHONE));
    assertRefused(send(t, b, PHONE));
    assertRefused(send(t, a, OTHER));
    accepted(send(t, b, OTHER));
    assertRefused(send(t, a, "+447400123456"));

    List<String> rows = export(t);
    assertThat(rows.get(0)).isEqualTo("hash,channel,reason,source,at");
    Set<String> found = new HashSet<>();
    for (String row : rows.subList(1, rows.size())) {
      List<String> f = fields(row);
      assertThat(f.get(4)).as(row).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
      found.add(String.join("|", f.subList(0, 4)));
    }
    assertThat(found)
        .containsExactlyInAnyOrder(
            h.phoneHash("4915112345678") + "||asked, twice|import",
            h.phoneHash("14155552671") + "|" + a + "|complaint|import",
            h.phoneHash("447400123456") + "|||import",
            h.phoneHash("33612345678") + "|" + b + "||api");
    assertThat(String.join("\n", rows)).doesNotContain("4915112345678,", "+49", "+1 415");
  }

  @Test
  void aLargeImportIsReadAsAStreamWithOrWithoutALength() {
    Tenant t = h.tenant("sup-big");
    StringBuilder csv = new StringBuilder("phone\n");
    for (int i = 0; i < 5_000; i++) {
      csv.append("+4915112").append(String.format("%06d", i)).append('\n');
    }
    JsonObject counts = importCsv(t, csv.toString()).bodyAsJsonObject();
    assertThat(counts.getLong("added")).as(counts.encode()).isEqualTo(5_000);

    // The same rows again, chunked (no Content-Length) in pieces of 1 KiB.
    HttpResponse<Buffer> chunked = importChunked(h.client, t, csv.toString(), 1024);
    assertThat(chunked.statusCode()).as(chunked.bodyAsString()).isEqualTo(200);
    assertThat(chunked.bodyAsJsonObject().getLong("alreadyPresent")).isEqualTo(5_000);
    assertThat(chunked.bodyAsJsonObject().getLong("added")).isZero();
    assertThat(export(t)).hasSize(5_001);
  }

  @Test
  void anImportThatIsNoCsvOrNamesNoPhoneColumnWritesNothing() {
    Tenant t = h.tenant("sup-nocsv");
    HttpResponse<Buffer> json =
        h.client
            .post("/v1/suppressions/import")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer("{\"phone\":\"+4915112345678\"}"))
            .await();
    assertThat(json.statusCode()).isEqualTo(400);
    assertThat(json.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("unsupported_media_type");

    for (String body :
        List.of("", "number\n+4915112345678\n", "phone,colour\n+4915112345678,red\n")) {
      HttpResponse<Buffer> r = importCsv(t, body);
      assertThat(r.statusCode()).as("%s → %s", body, r.bodyAsString()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("bad_request");
    }
    HttpResponse<Buffer> noKey =
        h.client
            .post("/v1/suppressions/import")
            .putHeader("Content-Type", "text/csv")
            .sendBuffer(Buffer.buffer("phone\n+4915112345678\n"))
            .await();
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(export(t)).hasSize(1);
  }

  @Test
  void anImportPastItsLimitIs413() throws Exception {
    Tenant t = h.tenant("sup-limit"); // before the instance starts: in its first directory
    Gateway small = h.anotherInstance(Map.of("http.maxImportBytes", "2048"));
    WebClient client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(small.config().http().port()));
    try {
      StringBuilder csv = new StringBuilder("phone\n");
      for (int i = 0; i < 1_000; i++) {
        csv.append("+4915112").append(String.format("%06d", i)).append('\n');
      }
      // With a length: refused before anything is read.
      HttpResponse<Buffer> declared =
          client
              .post("/v1/suppressions/import")
              .putHeader("Authorization", "Bearer " + t.apiKey())
              .putHeader("Content-Type", "text/csv")
              .sendBuffer(Buffer.buffer(csv.toString()))
              .await();
      assertThat(declared.statusCode()).isEqualTo(413);
      assertThat(export(t)).hasSize(1);

      // Chunked: cut off at the limit; what came before it is imported (and said so).
      HttpResponse<Buffer> chunked = importChunked(client, t, csv.toString(), 512);
      assertThat(chunked.statusCode()).isEqualTo(413);
      assertThat(chunked.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("body_too_large");
      assertThat(export(t).size()).isBetween(1, 2048 / 15);
    } finally {
      client.close();
      small.close().await();
    }
  }

  // ---- provider opt-outs ----

  @Test
  void aProvidersOptOutIsShownWithItsSourceAndCanBeLifted() {
    Tenant t = h.tenant("sup-prov");
    String channel = twilioChannel(t);
    twilio.reset();
    twilio.answer(
        400,
        new JsonObject()
            .put("code", 21610)
            .put("message", "Attempt to send to unsubscribed recipient")
            .put("status", 400));

    accepted(send(t, channel, PHONE));
    twilio.received();
    String path = "/v1/suppressions/%2B4915112345678?channel=" + channel;
    Await.until(
        "the dispatcher to record the opt-out",
        Duration.ofSeconds(15),
        () -> call(t, HttpMethod.GET, path, null).statusCode() == 200);

    JsonObject entry = call(t, HttpMethod.GET, path, null).bodyAsJsonObject();
    assertThat(entry.getString("source")).isEqualTo("provider");
    assertThat(entry.getString("reason")).contains("provider");
    assertThat(entry.getString("at")).isNotBlank();
    assertRefused(send(t, channel, PHONE));

    assertThat(call(t, HttpMethod.DELETE, path, null).statusCode()).isEqualTo(204);
    twilio.answer(201, new JsonObject().put("sid", "SM-lifted"));
    accepted(send(t, channel, PHONE));
    assertThat(twilio.received().form().get("To")).isEqualTo(PHONE);
  }

  // ---- helpers ----

  private static String infobipChannel(Tenant t) {
    String id = TestBackends.uniqueId("sup-ib");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", id)
            .put("provider", "infobip")
            .put("address", "InfoSMS-" + IDS.incrementAndGet())
            .put(
                "credentials",
                new JsonObject()
                    .put("apiKey", "ib-api-key")
                    .put("baseUrl", "http://127.0.0.1:" + FakeProvider.closedPort())
                    .put("webhookSecret", "ib-secret")));
    return id;
  }

  private static String twilioChannel(Tenant t) {
    String id = TestBackends.uniqueId("sup-tw");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", id)
            .put("provider", "twilio")
            .put("address", "+1555" + IDS.incrementAndGet())
            .put("publicUrl", "https://hooks.sluice.example/webhooks/twilio/" + id)
            .put(
                "credentials",
                new JsonObject()
                    .put("accountSid", "AC0123456789abcdef0123456789abcdef")
                    .put("authToken", "tw-auth")));
    return id;
  }

  private static HttpResponse<Buffer> call(Tenant t, HttpMethod method, String path, String body) {
    HttpRequest<Buffer> req =
        h.client.request(method, path).putHeader("Authorization", "Bearer " + t.apiKey());
    return body == null ? req.send().await() : req.sendBuffer(Buffer.buffer(body)).await();
  }

  private static JsonObject text(String channel, String to) {
    return new JsonObject().put("channel", channel).put("to", to).put("text", "hello");
  }

  private static HttpResponse<Buffer> send(Tenant t, String channel, String to) {
    return h.client
        .post("/v1/messages")
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .sendJsonObject(text(channel, to))
        .await();
  }

  private static JsonArray batch(Tenant t, JsonObject... messages) {
    HttpResponse<Buffer> r =
        h.client
            .post("/v1/messages/batch")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(new JsonObject().put("messages", new JsonArray(List.of(messages))))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getJsonArray("results");
  }

  private static void accepted(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
  }

  private static void assertRefused(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(422);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("recipient_opted_out");
  }

  private static HttpResponse<Buffer> importCsv(Tenant t, String csv) {
    return h.client
        .post("/v1/suppressions/import")
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .putHeader("Content-Type", "text/csv; charset=utf-8")
        .sendBuffer(Buffer.buffer(csv))
        .await();
  }

  /**
   * Sends the CSV with chunked transfer encoding (no Content-Length), in pieces of {@code piece}
   * bytes, to the gateway on {@code port}; the answer as a status and body.
   */
  private static HttpResponse<Buffer> importChunked(
      WebClient client, Tenant t, String csv, int piece) {
    byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
    List<Buffer> pieces = new ArrayList<>();
    for (int i = 0; i < bytes.length; i += piece) {
      pieces.add(Buffer.buffer(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + piece))));
    }
    return client
        .post("/v1/suppressions/import")
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .putHeader("Content-Type", "text/csv")
        .sendStream(new Pieces(pieces))
        .await();
  }

  /** A stream of buffers that honours pause and resume, as a file upload would. */
  private static final class Pieces implements ReadStream<Buffer> {
    private final List<Buffer> pieces;
    private int next;
    private long demand = Long.MAX_VALUE;
    private Handler<Buffer> handler;
    private Handler<Void> end;

    Pieces(List<Buffer> pieces) {
      this.pieces = pieces;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      this.handler = handler;
      if (handler != null) {
        later();
      }
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      demand = 0;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      demand = amount == Long.MAX_VALUE || demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      later();
      return this;
    }

    /** Hands pieces over from the caller's context, after the current call returned. */
    private void later() {
      Context context = Vertx.currentContext();
      if (context != null) {
        context.runOnContext(v -> drain());
      } else {
        drain();
      }
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
      this.end = endHandler;
      return this;
    }

    private void drain() {
      while (demand > 0 && next < pieces.size() && handler != null) {
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        handler.handle(pieces.get(next++));
      }
      if (next == pieces.size() && end != null) {
        Handler<Void> e = end;
        end = null;
        e.handle(null);
      }
    }
  }

  /** The export's lines (CRLF-separated), the header first. */
  private static List<String> export(Tenant t) {
    HttpResponse<Buffer> r =
        h.client
            .get("/v1/suppressions/export")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .send()
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("text/csv");
    List<String> lines = new ArrayList<>(List.of(r.bodyAsString().split("\r\n")));
    lines.removeIf(String::isEmpty);
    return lines;
  }

  /** The fields of one CSV line, read with the gateway's reader. */
  private static List<String> fields(String line) {
    List<List<String>> out = new ArrayList<>();
    CsvReader reader = new CsvReader((n, f, p) -> out.add(f), 4096, 16);
    reader.feed(line.getBytes(StandardCharsets.UTF_8));
    reader.finish();
    return out.get(0);
  }
}
