package dev.sluice.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.db.Database;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ledger writer of a running gateway, fed through its Redis stream: an event PostgreSQL refuses
 * is isolated from its batch, its status still advances, and it is parked in {@code {ledger}:dead},
 * counted, and shown by {@code sluice_ledger_dead_entries}. The gateway has a Redis server of its
 * own, so the dead lane holds exactly what these tests parked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LedgerWriterIT {
  /** The replay command of the operations notes (docs/decisions.md), as an operator runs it. */
  static final String REPLAY =
      "local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]"
          + " if not e then return 0 end"
          + " for i = 1, #e[2], 2 do"
          + " if e[2][i] == 'e' then redis.call('XADD', KEYS[2], '*', 'e', e[2][i + 1]) end"
          + " end"
          + " return redis.call('XDEL', KEYS[1], ARGV[1])";

  private static RedisServerProcess redisServer;
  private static IngressHarness h;
  private static Vertx vertx;
  private static Redis redis;
  private static Pool pool;
  private static LedgerRepository ledger;

  @BeforeAll
  static void start() {
    redisServer = new RedisServerProcess().start();
    h =
        IngressHarness.start(
            Map.of(
                "redis.url", redisServer.url(),
                "dispatch.enabled", "false",
                "delivery.enabled", "false"));
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, redisServer.url());
    GatewayConfig.Postgres pg =
        TestGateways.config(Map.of("pg.url", TestGateways.pgUrl(h.database))).pg();
    pool = Database.pool(vertx, pg);
    ledger = TestGateways.ledgerRepository(pool);
  }

  @AfterAll
  static void stop() throws Exception {
    if (pool != null) {
      pool.close().await();
    }
    if (redis != null) {
      redis.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (h != null) {
      h.close();
    }
    if (redisServer != null) {
      redisServer.close();
    }
  }

  private static LedgerEvent event(String id, MessageStatus status, long at, String pmid) {
    return new LedgerEvent(
        id,
        "acme",
        "acme-wa",
        "whatsapp",
        "4915112345678",
        "high",
        "ref-" + id,
        1_700_000_000_000L,
        status,
        at,
        pmid,
        null,
        null,
        status == MessageStatus.ACCEPTED ? "api" : "dispatcher");
  }

  private static String append(List<LedgerEvent> events) {
    return append(LedgerCodec.encode(events));
  }

  private static String append(byte[] entry) {
    return send(Request.cmd(Command.XADD)
            .arg(Ledger.stream(h.keyPrefix()))
            .arg("*")
            .arg("e")
            .arg(entry))
        .toString();
  }

  private static Response send(Request request) {
    return redis.send(request).await();
  }

  /** The dead lane's entries, each as its field map. */
  private static List<Map<String, String>> dead() {
    return send(Request.cmd(Command.XRANGE).arg(LedgerWriter.dead(h.keyPrefix())).arg("-").arg("+"))
        .stream()
        .map(
            entry -> {
              Map<String, String> fields = new HashMap<>();
              fields.put("deadId", entry.get(0).toString());
              Response f = entry.get(1);
              for (int i = 0; i + 1 < f.size(); i += 2) {
                fields.put(f.get(i).toString(), f.get(i + 1).toString());
              }
              return fields;
            })
        .toList();
  }

  private static Map<String, String> parkedFrom(String entryId) {
    return await(
        "entry " + entryId + " parked in the dead lane",
        () -> dead().stream().filter(d -> entryId.equals(d.get("id"))).findFirst());
  }

  private static MessageRecord message(String id, String status) {
    return await(
        "message " + id + " in PostgreSQL with status " + status,
        () ->
            ledger
                .find("acme", UUID.fromString(id))
                .await()
                .filter(m -> m.status().equals(status)));
  }

  private static <T> T await(String what, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      Optional<T> found = probe.get();
      if (found.isPresent()) {
        return found.get();
      }
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      pause();
    }
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(50); // poll interval
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String metrics() {
    HttpResponse<Buffer> r = h.client.get("/metrics").send().await();
    assertThat(r.statusCode()).isEqualTo(200);
    return r.bodyAsString();
  }

  /**
   * The value of the one sample of {@code name} without labels, or of the one with {@code labels}.
   */
  private static Optional<Double> sample(String text, String series) {
    List<String> lines = text.lines().filter(l -> l.startsWith(series + " ")).toList();
    assertThat(lines).as("samples of " + series).hasSizeLessThanOrEqualTo(1);
    return lines.stream()
        .findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1)));
  }

  @Test
  void eventsTricklingInShareTransactions() throws Exception {
    double before = sample(metrics(), "sluice_ledger_batch_size_events_count").orElseThrow();
    List<String> ids = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 40; i++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      append(List.of(event(id, MessageStatus.ACCEPTED, 1_700_000_000_000L + i, null)));
      TimeUnit.MILLISECONDS.sleep(10); // a trickle: one entry every 10 ms or so
    }
    long trickleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    ids.forEach(id -> message(id, "accepted"));

    // A transaction per read would be one per entry (40). Waiting a little after a batch that was
    // not full gathers what arrives meanwhile: at most one transaction per linger of the trickle.
    double batches =
        sample(metrics(), "sluice_ledger_batch_size_events_count").orElseThrow() - before;
    assertThat(batches).isBetween(1.0, (double) trickleMs / LedgerWriter.LINGER_MS + 5);
    assertThat(batches).isLessThan(40);
  }

  @Test
  void aRefusedEventDoesNotHoldBackItsNeighboursAndItsStatusStillAdvances() {
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    long now = System.currentTimeMillis();
    // One entry, as one dispatcher turn writes it: A's outcome carries a time PostgreSQL cannot
    // hold (year 3,170,843), B's is fine.
    String entry =
        append(
            List.of(
                event(a, MessageStatus.ACCEPTED, now, null),
                event(a, MessageStatus.SENT, 100_000_000_000_000_000L, "wamid.A"),
                event(b, MessageStatus.ACCEPTED, now, null),
                event(b, MessageStatus.SENT, now + 1, "wamid.B")));

    MessageRecord written = message(b, "sent");
    assertThat(written.providerMessageId()).isEqualTo("wamid.B");
    assertThat(written.clientRef()).isEqualTo("ref-" + b);
    MessageRecord advanced = message(a, "sent");
    assertThat(advanced.clientRef()).isEqualTo("ref-" + a); // from its accepted event
    assertThat(advanced.providerMessageId()).isNull(); // the refused event's details are parked

    Map<String, String> parked = parkedFrom(entry);
    assertThat(parked.get("recorded")).isEqualTo("status");
    assertThat(parked.get("reason")).contains("time");
    List<LedgerEvent> events = LedgerCodec.decode(parked.get("e").getBytes(StandardCharsets.UTF_8));
    assertThat(events).hasSize(1);
    assertThat(events.get(0).messageId()).isEqualTo(a);
    assertThat(events.get(0).status()).isEqualTo(MessageStatus.SENT);
    assertThat(events.get(0).providerMessageId()).isEqualTo("wamid.A");
    assertThat(dead()).filteredOn(d -> entry.equals(d.get("id"))).hasSize(1);
    assertThat(send(Request.cmd(Command.XLEN).arg(Ledger.stream(h.keyPrefix()))).toLong())
        .as("the entry left the ledger stream")
        .isZero();
    await(
        "sluice_ledger_parked_events_total{recorded=\"status\"} counted",
        () ->
            sample(metrics(), "sluice_ledger_parked_events_total{recorded=\"status\"}")
                .filter(v -> v >= 1));
  }

  @Test
  void anEventThatCannotBeWrittenEvenAsAStatusIsParkedAloneAndCounted() {
    String b = UUID.randomUUID().toString();
    long now = System.currentTimeMillis();
    String entry =
        append(
            List.of(
                event("not-a-message-id", MessageStatus.SENT, now, "wamid.X"),
                event(b, MessageStatus.SENT, now, "wamid.BB")));

    assertThat(message(b, "sent").providerMessageId()).isEqualTo("wamid.BB");
    Map<String, String> parked = parkedFrom(entry);
    assertThat(parked.get("recorded")).isEqualTo("none");
    assertThat(parked.get("reason")).contains("UUID");
    await(
        "sluice_ledger_parked_events_total{recorded=\"none\"} counted",
        () ->
            sample(metrics(), "sluice_ledger_parked_events_total{recorded=\"none\"}")
                .filter(v -> v >= 1));
  }

  @Test
  void anUnreadableEntryIsParkedAsItIsAndTheEntriesAfterItAreWritten() {
    String b = UUID.randomUUID().toString();
    String garbage = append("[{\"id\":".getBytes(StandardCharsets.UTF_8));
    append(List.of(event(b, MessageStatus.SENT, System.currentTimeMillis(), "wamid.AFTER")));

    message(b, "sent");
    Map<String, String> parked = parkedFrom(garbage);
    assertThat(parked.get("e")).isEqualTo("[{\"id\":");
    assertThat(parked.get("reason")).isEqualTo("unreadable");
  }

  @Test
  void theDeadLanesLengthIsAGaugeInMetricsRegisteredOnce() {
    append(
        List.of(event("still-not-a-uuid", MessageStatus.FAILED, System.currentTimeMillis(), null)));
    await(
        "sluice_ledger_dead_entries to show the dead lane's length",
        () -> {
          long length =
              send(Request.cmd(Command.XLEN).arg(LedgerWriter.dead(h.keyPrefix()))).toLong();
          return sample(metrics(), "sluice_ledger_dead_entries")
              .filter(v -> length > 0 && v == length);
        });
    String text = metrics();
    assertThat(text.lines().filter(l -> l.startsWith("# TYPE sluice_ledger_dead_entries ")))
        .containsExactly("# TYPE sluice_ledger_dead_entries gauge");
  }

  @Test
  void aParkedEventReplayedWithTheDocumentedCommandIsWritten() {
    // What an operator finds after the cause was fixed: a parked event PostgreSQL now takes.
    String id = UUID.randomUUID().toString();
    String deadId =
        send(Request.cmd(Command.XADD)
                .arg(LedgerWriter.dead(h.keyPrefix()))
                .arg("*")
                .arg("id")
                .arg("1-1")
                .arg("e")
                .arg(
                    LedgerCodec.encode(
                        List.of(event(id, MessageStatus.SENT, System.currentTimeMillis(), "w.R"))))
                .arg("reason")
                .arg("22021 invalid byte sequence")
                .arg("recorded")
                .arg("status"))
            .toString();

    Response moved =
        send(
            Request.cmd(Command.EVAL)
                .arg(REPLAY)
                .arg(2)
                .arg(LedgerWriter.dead(h.keyPrefix()))
                .arg(Ledger.stream(h.keyPrefix()))
                .arg(deadId));

    assertThat(moved.toLong()).isEqualTo(1);
    assertThat(message(id, "sent").providerMessageId()).isEqualTo("w.R");
    assertThat(dead()).noneMatch(d -> deadId.equals(d.get("deadId")));
  }

  @Test
  void theOperationsNotesShowTheReplayCommandTestedHere() throws Exception {
    assertThat(Files.readString(Path.of("../docs/decisions.md"))).contains(REPLAY);
  }
}
