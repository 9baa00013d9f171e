package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Call;
import dev.sluice.gateway.testing.FakeProvider.Reply;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateways as a deployment runs them: child processes on one Redis namespace and one
 * PostgreSQL database, all serving the APIs, dispatching and delivering. A tenant and its channel
 * are created through A and messages sent through B at once; a steady stream of sends and inbound
 * webhooks runs through all three while a fake provider and the tenant's push endpoint answer
 * slowly; B is killed with SIGKILL while both hold requests from it. The other two finish the work
 * once B's claims and leases expire: every accepted message ends {@code sent} with one {@code sent}
 * in its history, reaches the provider (twice only if it was in flight at B when B died), and every
 * event reaches the endpoint.
 *
 * <p>C's tenant directory does not poll PostgreSQL within the test, so C learns of the new tenant,
 * channel and endpoint only by asking PostgreSQL when its dispatcher or deliverer meets work for
 * them: the message of a channel an instance does not know yet must wait, never fail as {@code
 * channel_deleted}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MultiInstanceIT {
  /** Messages sent through B right after the channel was created through A. */
  private static final int FIRST_BURST = 100;

  /** Messages of the steady stream after the first burst, across the gateways. */
  private static final int STREAM = 1_200;

  private static final int STREAM_BATCH = 40;

  /** Inbound webhooks per stream batch: events for the endpoint besides the status events. */
  private static final int WEBHOOKS_PER_BATCH = 4;

  /**
   * The provider answers each send after {@code PROVIDER_DELAY_MS} plus up to {@code
   * PROVIDER_JITTER_MS}: requests are open when the kill lands, and the answers of one dispatcher's
   * claim arrive at different times (an outcome must not wait for its neighbours' to be recorded).
   */
  private static final long PROVIDER_DELAY_MS = 100;

  private static final long PROVIDER_JITTER_MS = 600;

  /** How long the endpoint takes to answer a delivery. */
  private static final long ENDPOINT_DELAY_MS = 300;

  /** B is killed only while a request from it has at least this long to go before its answer. */
  private static final long STILL_OPEN_MS = 100;

  /**
   * How long after a provider's or endpoint's answer a gateway may die and still have that request
   * repeated by another: the answer reached it, but its outcome was not recorded yet.
   */
  private static final long RECORD_GRACE_MS = 500;

  /** Short deadlines, claims and leases, so a dead instance's work comes back within seconds. */
  private static final Map<String, String> FAST_RECOVERY =
      Map.of(
          "providers.requestTimeoutMs", "2000",
          "dispatch.claimMs", "3000",
          "delivery.requestTimeoutMs", "2000",
          "delivery.claimMs", "3000",
          "delivery.retryBaseMs", "100",
          "delivery.retryMaxMs", "1000",
          "delivery.allowHttp", "true",
          "delivery.allowPrivate", "true",
          "ledger.claimMs", "3000",
          "http.shutdownGraceMs", "1000");

  /**
   * Partitions one dispatcher works at once: A's and B's four dispatchers together hold 8 of the
   * tenant's 16 partitions, so C's dispatchers take some of the first burst before C's directory
   * knows the channel.
   */
  private static final String UNITS_PER_DISPATCHER = "2";

  /** A directory that sees other instances' changes by polling within a test. */
  private static final String FAST_POLL = "100";

  /** A directory that never polls within a test: it learns only by asking PostgreSQL. */
  private static final String NO_POLL = "600000";

  private static final String APP_SECRET = "multi-instance-app-secret";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final String database = TestBackends.uniqueId("sluice_multi").replace('-', '_');
  private final Vertx vertx = Vertx.vertx();
  private final WebClient client = WebClient.create(vertx);
  private FakeProvider fake;
  private PushEndpoint endpoint;

  /** When the fake provider is due to answer each call, and when it did. */
  private final Map<Call, Long> dueAt = new ConcurrentHashMap<>();

  private final Map<Call, Long> answeredAt = new ConcurrentHashMap<>();

  private final AtomicInteger wamids = new AtomicInteger();

  /** How many messages had been accepted when C first took the tenant's key (for the summary). */
  private int cJoinedAt = -1;

  private GatewayProcess a;
  private GatewayProcess b;
  private GatewayProcess c;
  private final List<GatewayProcess> gateways = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    fake = FakeProvider.whatsApp();
    endpoint = new PushEndpoint(vertx);
    a = gateway("a", FAST_POLL);
    b = gateway("b", FAST_POLL);
    c = gateway("c", NO_POLL);
    for (GatewayProcess g : gateways) {
      g.awaitReady(START_TIMEOUT);
    }
  }

  private GatewayProcess gateway(String name, String directoryPollMs) throws Exception {
    Map<String, String> settings = TestGateways.settings(FreePorts.find(), database);
    settings.putAll(FAST_RECOVERY);
    settings.put("whatsapp.baseUrl", fake.baseUrl());
    settings.put("pg.directoryPollMs", directoryPollMs);
    settings.put("dispatch.unitsPerClaim", UNITS_PER_DISPATCHER);
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
      vertx.close().await();
      if (fake != null) {
        fake.close();
      }
    } finally {
      TestGateways.dropDatabase(database);
    }
  }

  @Test
  void aGatewayKilledMidDispatchAndMidDeliveryLosesNothingAndSendsNothingTwice() throws Exception {
    // Given a tenant in push mode and a WhatsApp channel, created through A
    Tenant t = tenantThroughA();
    Map<String, String> idsByText = new LinkedHashMap<>();
    Set<String> inbound = new HashSet<>();

    // When messages are sent through B at once,
    sendFirstBurstThroughB(t, idsByText);
    // a steady stream runs through every gateway that knows the tenant, and B is killed while the
    // provider and the endpoint both hold requests from it,
    Kill kill = streamAndKill(t, idsByText, inbound);
    // and the other two have finished the work
    awaitEveryMessageFinal(t, idsByText);

    // Then every accepted message ends sent (not failed, say as channel_deleted),
    Map<String, String> statuses = statuses(t);
    assertThat(statuses.keySet()).containsExactlyInAnyOrderElementsOf(idsByText.values());
    assertThat(statuses.entrySet().stream().filter(e -> !e.getValue().equals("sent")).toList())
        .as("messages not sent (id=status/error code)")
        .isEmpty();
    // and every event reaches the endpoint,
    awaitEveryEventAcknowledged(idsByText.values(), inbound);

    // with exactly one sent in each message's history
    Map<String, Map<String, Integer>> history = historyCounts(t);
    for (String id : idsByText.values()) {
      assertThat(history.get(id))
          .as("history of message %s", id)
          .containsEntry("sent", 1)
          .doesNotContainKey("failed");
    }

    // and nothing is lost: each reached the provider; only what B had in flight went twice,
    Map<String, List<Call>> sentAgain = callsOfMessagesSentAgain(kill, idsByText.keySet());
    for (String text : sentAgain.keySet()) { // the API shows one sent, however often it went out
      assertThat(apiHistory(t, idsByText.get(text)))
          .as("history of %s, sent again after the kill", text)
          .containsOnlyOnce("sent");
    }
    // and only what B was delivering when it died went to the endpoint twice
    int deliveredAgain = eventsDeliveredAgain(kill);

    List<Long> answeredBeforeTheKill = new ArrayList<>(); // ms before, of calls made again
    sentAgain.values().stream()
        .flatMap(List::stream)
        .map(answeredAt::get)
        .filter(at -> at != null && at < kill.atMs())
        .forEach(at -> answeredBeforeTheKill.add(kill.atMs() - at));
    System.out.printf(
        "MultiInstanceIT: %d messages, %d inbound events; C knew the tenant after %d messages; at"
            + " the kill B had %d provider calls and %d deliveries (%d events) in flight; sent"
            + " again: %d messages (answered %s ms before the kill), delivered again: %d events%n",
        idsByText.size(),
        inbound.size(),
        cJoinedAt,
        kill.providerCallsInFlight(),
        kill.deliveriesInFlight(),
        kill.eventsInFlight(),
        sentAgain.size(),
        answeredBeforeTheKill,
        deliveredAgain);
  }

  /**
   * Asserts that every message reached the provider, and that each one that reached it more than
   * once had been in flight at B when B was killed (once per repeat).
   *
   * @return the calls of each message sent more than once, by text
   */
  private Map<String, List<Call>> callsOfMessagesSentAgain(Kill kill, Set<String> texts) {
    Map<String, List<Call>> callsByText = new HashMap<>();
    for (Call call : fake.calls()) {
      callsByText.computeIfAbsent(call.text(), k -> new ArrayList<>()).add(call);
    }
    assertThat(callsByText.keySet()).as("messages the provider got").containsAll(texts);
    Map<String, List<Call>> again = new HashMap<>();
    callsByText.forEach(
        (text, calls) -> {
          if (calls.size() > 1) {
            again.put(text, calls);
            assertThat(calls.stream().filter(kill::inFlightAtProvider).count())
                .as(
                    "%s went to the provider %d times; only calls B had in flight when it died may"
                        + " be repeated: %s",
                    text, calls.size(), describe(calls, kill))
                .isGreaterThanOrEqualTo(calls.size() - 1L);
          }
        });
    return again;
  }

  /**
   * Asserts that each event the endpoint got more than once had been in a request B had open when
   * it was killed (once per repeat).
   *
   * @return how many events the endpoint got more than once
   */
  private int eventsDeliveredAgain(Kill kill) {
    Map<String, List<PushEndpoint.Hit>> hitsByEvent = new HashMap<>();
    for (PushEndpoint.Hit hit : endpoint.hits) {
      for (Object e : hit.events()) {
        hitsByEvent
            .computeIfAbsent(((JsonObject) e).getString("id"), k -> new ArrayList<>())
            .add(hit);
      }
    }
    int again = 0;
    for (Map.Entry<String, List<PushEndpoint.Hit>> e : hitsByEvent.entrySet()) {
      List<PushEndpoint.Hit> hits = e.getValue();
      if (hits.size() > 1) {
        again++;
        assertThat(hits.stream().filter(kill::inFlightAtEndpoint).count())
            .as(
                "event %s was delivered %d times; only requests B had open when it died may be"
                    + " repeated: %s",
                e.getKey(), hits.size(), describeHits(hits, kill))
            .isGreaterThanOrEqualTo(hits.size() - 1L);
      }
    }
    return again;
  }

  // ---- the scenario ----

  private record Tenant(String id, String apiKey, String app, String channel, String address) {}

  /** Meta app, tenant, push endpoint and channel, each created through A. */
  private Tenant tenantThroughA() {
    String app = TestBackends.uniqueId("app");
    admin(
        "/admin/meta-apps",
        new JsonObject().put("id", app).put("appSecret", APP_SECRET).put("verifyToken", "v"));
    String tenantId = TestBackends.uniqueId("multi");
    String apiKey =
        admin("/admin/tenants", new JsonObject().put("id", tenantId).put("name", tenantId))
            .getString("apiKey");
    HttpResponse<Buffer> put =
        client
            .put(a.port(), "127.0.0.1", "/v1/endpoint")
            .putHeader("Authorization", "Bearer " + apiKey)
            .sendJsonObject(new JsonObject().put("url", endpoint.url()).put("batchSize", 20))
            .await();
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(201);

    String address = "5" + Math.abs(System.nanoTime() % 1_000_000_000L);
    fake.script(address, this::answerLate);
    String channel = TestBackends.uniqueId("multi-wa");
    admin(
        "/admin/tenants/" + tenantId + "/channels",
        new JsonObject()
            .put("id", channel)
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
    return new Tenant(tenantId, apiKey, app, channel, address);
  }

  /** A success, late (see {@link #PROVIDER_DELAY_MS}). */
  private Reply answerLate(Call call) {
    long delay = PROVIDER_DELAY_MS + ThreadLocalRandom.current().nextLong(PROVIDER_JITTER_MS + 1);
    dueAt.put(call, System.currentTimeMillis() + delay);
    Promise<Void> answer = Promise.promise();
    fake.vertx()
        .setTimer(
            delay,
            id -> {
              answeredAt.put(call, System.currentTimeMillis());
              answer.complete();
            });
    Reply ok = Reply.ok("wamid.OUT" + wamids.incrementAndGet());
    return new Reply(ok.status(), ok.body(), Map.of(), answer.future());
  }

  /**
   * Sends the first messages through B as soon as B takes them. B learns of the tenant and the
   * channel by polling PostgreSQL, so for up to a poll interval it answers 401 (unknown key) or 422
   * (unknown channel), as documented; a client sends again, and nothing was accepted by then.
   */
  private void sendFirstBurstThroughB(Tenant t, Map<String, String> idsByText)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      HttpResponse<Buffer> r =
          client
              .post(b.port(), "127.0.0.1", "/v1/messages")
              .putHeader("Authorization", "Bearer " + t.apiKey())
              .sendJsonObject(message(t, 0))
              .await();
      if (r.statusCode() == 202) {
        idsByText.put(text(0), r.bodyAsJsonObject().getString("id"));
        break;
      }
      assertThat(r.statusCode()).as(r.bodyAsString()).isIn(401, 422);
      if (System.nanoTime() > deadline) {
        fail("B did not take the tenant's first message within 10 s: " + r.bodyAsString());
      }
      TimeUnit.MILLISECONDS.sleep(10); // poll interval
    }
    sendBatch(b, t, 1, FIRST_BURST - 1, idsByText);
  }

  /**
   * The kill of B, for judging repeated requests.
   *
   * @param atMs when B stopped running (SIGSTOP, then SIGKILL)
   * @param providerPorts B's connections to the provider then, as client ports
   * @param endpointPorts B's connections to the endpoint then
   * @param owners the gateway of every connection to the provider and the endpoint then
   */
  /**
   * How long after B was frozen a request B had already written may still reach the fake: it was in
   * the socket, not yet read (seen: 6 ms). B's ports are not reused that soon.
   */
  private static final long IN_TRANSIT_MS = 1_000;

  private record Kill(
      long atMs,
      Set<Integer> providerPorts,
      Set<Integer> endpointPorts,
      Map<Integer, String> owners,
      Map<Call, Long> answeredAt,
      List<Call> calls,
      List<PushEndpoint.Hit> hits) {

    /** A call from B, open when B died or answered so shortly before that B may not have known. */
    boolean inFlightAtProvider(Call call) {
      Long answered = answeredAt.get(call);
      return providerPorts.contains(call.remotePort())
          && call.atMs() <= atMs + IN_TRANSIT_MS
          && (answered == null || answered > atMs - RECORD_GRACE_MS);
    }

    /** As {@link #inFlightAtProvider}, for a delivery request to the endpoint. */
    boolean inFlightAtEndpoint(PushEndpoint.Hit hit) {
      long answered = hit.answeredAtMs().get();
      return endpointPorts.contains(hit.remotePort())
          && hit.atMs() <= atMs + IN_TRANSIT_MS
          && (answered == 0 || answered > atMs - RECORD_GRACE_MS);
    }

    long providerCallsInFlight() {
      return calls.stream().filter(this::openCall).count();
    }

    long deliveriesInFlight() {
      return hits.stream().filter(this::openHit).count();
    }

    long eventsInFlight() {
      return hits.stream().filter(this::openHit).mapToLong(h -> h.events().size()).sum();
    }

    private boolean openCall(Call call) {
      Long answered = answeredAt.get(call);
      return providerPorts.contains(call.remotePort())
          && call.atMs() <= atMs + IN_TRANSIT_MS
          && (answered == null || answered >= atMs);
    }

    private boolean openHit(PushEndpoint.Hit hit) {
      long answered = hit.answeredAtMs().get();
      return endpointPorts.contains(hit.remotePort())
          && hit.atMs() <= atMs + IN_TRANSIT_MS
          && (answered == 0 || answered >= atMs);
    }
  }

  /**
   * Sends the stream in batches, each through the next gateway that knows the tenant, with a few
   * inbound webhooks between batches; once a third of it is out, kills B as soon as the provider
   * and the endpoint both hold a request from B.
   */
  private Kill streamAndKill(Tenant t, Map<String, String> idsByText, Set<String> inbound)
      throws Exception {
    List<GatewayProcess> live = new ArrayList<>(List.of(a, b));
    int total = FIRST_BURST + STREAM;
    int next = FIRST_BURST;
    int turn = 0;
    Kill kill = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (next < total || kill == null) {
      if (!live.contains(c) && knowsTenant(c, t)) {
        live.add(c);
        cJoinedAt = next;
      }
      if (next < total) {
        GatewayProcess via = live.get(turn++ % live.size());
        int n = Math.min(STREAM_BATCH, total - next);
        sendBatch(via, t, next, n, idsByText);
        next += n;
        for (int i = 0; i < WEBHOOKS_PER_BATCH; i++) {
          inbound.add(webhook(live.get((turn + i) % live.size()), t, inbound.size()));
        }
      } else {
        if (System.nanoTime() > deadline) {
          fail("the provider and the endpoint never both held a request from B");
        }
        TimeUnit.MILLISECONDS.sleep(10); // poll interval
      }
      if (kill == null && next >= FIRST_BURST + STREAM / 3) {
        kill = killIfBusy(b);
        if (kill != null) {
          live.remove(b);
        }
      }
    }
    assertThat(kill.providerCallsInFlight()).as("provider calls open at the kill").isPositive();
    assertThat(kill.deliveriesInFlight()).as("deliveries open at the kill").isPositive();
    return kill;
  }

  /**
   * Kills {@code g} with SIGKILL if the fake provider and the endpoint both hold a request from it
   * that is not due to be answered for {@link #STILL_OPEN_MS} yet (still open when the signal
   * lands). It is stopped (SIGSTOP) first, so that its connections are read as they were at the
   * instant it stopped running: every request from it came through one of them.
   *
   * @return what {@code g} had in flight, or {@code null} when it was not killed
   */
  private Kill killIfBusy(GatewayProcess g) throws Exception {
    Set<Integer> toProvider = g.portsConnectedTo(providerPort());
    Set<Integer> toEndpoint = g.portsConnectedTo(endpoint.port());
    long now = System.currentTimeMillis();
    boolean dispatching =
        fake.calls().stream()
            .anyMatch(
                call ->
                    dueAt.getOrDefault(call, 0L) > now + STILL_OPEN_MS
                        && !answeredAt.containsKey(call)
                        && toProvider.contains(call.remotePort()));
    boolean delivering =
        endpoint.hits.stream()
            .anyMatch(
                h ->
                    h.atMs() + ENDPOINT_DELAY_MS > now + STILL_OPEN_MS
                        && h.answeredAtMs().get() == 0
                        && toEndpoint.contains(h.remotePort()));
    if (!dispatching || !delivering) {
      return null;
    }
    g.freeze();
    long stoppedAt = System.currentTimeMillis();
    Set<Integer> providerPorts = g.portsConnectedTo(providerPort());
    Set<Integer> endpointPorts = g.portsConnectedTo(endpoint.port());
    g.kill();
    Map<Integer, String> owners = new HashMap<>(); // for failure messages: whose port was it
    for (GatewayProcess other : gateways) {
      if (other.isAlive()) {
        other.portsConnectedTo(providerPort()).forEach(port -> owners.put(port, other.name()));
        other.portsConnectedTo(endpoint.port()).forEach(port -> owners.put(port, other.name()));
      }
    }
    providerPorts.forEach(port -> owners.put(port, g.name()));
    endpointPorts.forEach(port -> owners.put(port, g.name()));
    return new Kill(
        stoppedAt, providerPorts, endpointPorts, owners, answeredAt, fake.calls(), endpoint.hits);
  }

  private int providerPort() {
    return URI.create(fake.baseUrl()).getPort();
  }

  /** Whether {@code g}'s directory knows the tenant yet (its API takes the key). */
  private boolean knowsTenant(GatewayProcess g, Tenant t) {
    return client
            .get(g.port(), "127.0.0.1", "/v1/endpoint")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .send()
            .await()
            .statusCode()
        != 401;
  }

  private void awaitEveryMessageFinal(Tenant t, Map<String, String> idsByText) throws Exception {
    await(
        "every message sent or failed in PostgreSQL",
        Duration.ofSeconds(60),
        () -> {
          Map<String, String> statuses = statuses(t);
          List<String> open = new ArrayList<>();
          idsByText.forEach(
              (text, id) -> {
                String status = statuses.getOrDefault(id, "no row");
                if (!status.startsWith("sent") && !status.startsWith("failed")) {
                  long calls = fake.calls().stream().filter(c -> text.equals(c.text())).count();
                  open.add(text + " " + id + " " + status + " (provider calls: " + calls + ")");
                }
              });
          return open.isEmpty()
              ? null
              : open.size()
                  + " of "
                  + idsByText.size()
                  + " not yet, e.g. "
                  + open.subList(0, Math.min(5, open.size()))
                  + "\n"
                  + warnings();
        });
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

  /** Waits until each message's sent event and each inbound event was answered 200. */
  private void awaitEveryEventAcknowledged(Collection<String> messageIds, Set<String> inbound)
      throws Exception {
    await(
        "every status and inbound event acknowledged by the endpoint",
        Duration.ofSeconds(60),
        () -> {
          Set<String> sent = new HashSet<>(messageIds);
          Set<String> texts = new HashSet<>(inbound);
          for (JsonObject e : endpoint.acknowledged()) {
            if ("sent".equals(e.getString("status"))) {
              sent.remove(e.getString("messageId"));
            } else if (e.getString("text") != null) {
              texts.remove(e.getString("text"));
            }
          }
          return sent.isEmpty() && texts.isEmpty()
              ? null
              : sent.size() + " sent events and " + texts.size() + " inbound events not yet";
        });
  }

  // ---- the APIs ----

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

  private static String text(int i) {
    return "m" + i;
  }

  private static JsonObject message(Tenant t, int i) {
    return new JsonObject()
        .put("channel", t.channel())
        .put("to", "+4915112" + String.format("%06d", i)) // one conversation each
        .put("type", "text")
        .put("text", text(i))
        .put("clientRef", text(i));
  }

  /** Sends messages {@code from} … {@code from + n - 1} in one batch call; each must be taken. */
  private void sendBatch(
      GatewayProcess via, Tenant t, int from, int n, Map<String, String> idsByText) {
    JsonArray messages = new JsonArray();
    for (int i = from; i < from + n; i++) {
      messages.add(message(t, i));
    }
    HttpResponse<Buffer> r =
        client
            .post(via.port(), "127.0.0.1", "/v1/messages/batch")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(new JsonObject().put("messages", messages))
            .await();
    assertThat(r.statusCode())
        .as("batch through %s: %s", via.name(), r.bodyAsString())
        .isEqualTo(200);
    JsonArray results = r.bodyAsJsonObject().getJsonArray("results");
    for (int k = 0; k < n; k++) {
      JsonObject result = results.getJsonObject(k);
      assertThat(result.getString("status")).as(result.encode()).isEqualTo("accepted");
      idsByText.put(text(from + result.getInteger("index")), result.getString("id"));
    }
  }

  /** One inbound WhatsApp message through {@code via}'s Meta webhook; returns its text. */
  private String webhook(GatewayProcess via, Tenant t, int i) {
    String text = "in" + i;
    byte[] body =
        IngressHarness.whatsappText(
                t.address(), "1555" + String.format("%07d", i), "wamid.IN" + t.id() + i, text)
            .getBytes(StandardCharsets.UTF_8);
    HttpResponse<Buffer> r =
        client
            .post(via.port(), "127.0.0.1", "/webhooks/meta/" + t.app())
            .putHeader("Content-Type", "application/json")
            .putHeader("X-Hub-Signature-256", "sha256=" + IngressHarness.hmacHex(APP_SECRET, body))
            .sendBuffer(Buffer.buffer(body))
            .await();
    assertThat(r.statusCode())
        .as("webhook through %s: %s", via.name(), r.bodyAsString())
        .isEqualTo(200);
    return text;
  }

  /** The statuses in {@code GET /v1/messages/{id}}'s history, asked of A. */
  private List<String> apiHistory(Tenant t, String id) {
    HttpResponse<Buffer> r =
        client
            .get(a.port(), "127.0.0.1", "/v1/messages/" + id)
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .send()
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    List<String> statuses = new ArrayList<>();
    r.bodyAsJsonObject()
        .getJsonArray("history")
        .forEach(h -> statuses.add(((JsonObject) h).getString("status")));
    return statuses;
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

  /** Message id → status (with {@code /error_code} when it has one), for the tenant's messages. */
  private Map<String, String> statuses(Tenant t) throws SQLException {
    Map<String, String> out = new HashMap<>();
    try (Connection conn = pg();
        PreparedStatement s =
            conn.prepareStatement(
                "SELECT id::text, status, error_code FROM messages WHERE tenant_id = ?")) {
      s.setString(1, t.id());
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          String error = rs.getString(3);
          out.put(rs.getString(1), rs.getString(2) + (error == null ? "" : "/" + error));
        }
      }
    }
    return out;
  }

  /** Message id → (status → how many history entries), from {@code message_events}. */
  private Map<String, Map<String, Integer>> historyCounts(Tenant t) throws SQLException {
    Map<String, Map<String, Integer>> out = new HashMap<>();
    try (Connection conn = pg();
        PreparedStatement s =
            conn.prepareStatement(
                "SELECT e.message_id::text, e.status, count(*) FROM message_events e"
                    + " JOIN messages m ON m.id = e.message_id WHERE m.tenant_id = ?"
                    + " GROUP BY 1, 2")) {
      s.setString(1, t.id());
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getString(1), k -> new HashMap<>())
              .put(rs.getString(2), rs.getInt(3));
        }
      }
    }
    return out;
  }

  // ---- waiting ----

  /** What is still missing, or {@code null} once nothing is. */
  private interface Missing {
    String now() throws Exception;
  }

  private static void await(String what, Duration timeout, Missing missing) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String left;
    while ((left = missing.now()) != null) {
      if (System.nanoTime() > deadline) {
        fail("gave up after " + timeout.toSeconds() + " s waiting for " + what + ": " + left);
      }
      TimeUnit.MILLISECONDS.sleep(100); // poll interval
    }
  }

  /** Each call: the gateway whose port it came from (at the kill), when, when answered. */
  private static String describe(List<Call> calls, Kill kill) {
    List<String> out = new ArrayList<>();
    for (Call call : calls) {
      Long answered = kill.answeredAt().get(call);
      out.add(describe(kill, call.remotePort(), call.atMs(), answered == null ? 0 : answered));
    }
    return String.join("; ", out);
  }

  /** As {@link #describe(List, Kill)}, for delivery requests. */
  private static String describeHits(List<PushEndpoint.Hit> hits, Kill kill) {
    List<String> out = new ArrayList<>();
    for (PushEndpoint.Hit hit : hits) {
      out.add(describe(kill, hit.remotePort(), hit.atMs(), hit.answeredAtMs().get()));
    }
    return String.join("; ", out);
  }

  private static String describe(Kill kill, int port, long atMs, long answeredAtMs) {
    return "from "
        + kill.owners().getOrDefault(port, "?")
        + " (port "
        + port
        + ") at kill"
        + (atMs - kill.atMs() >= 0 ? "+" : "")
        + (atMs - kill.atMs())
        + "ms, answered "
        + (answeredAtMs == 0
            ? "never"
            : "at kill"
                + (answeredAtMs - kill.atMs() >= 0 ? "+" : "")
                + (answeredAtMs - kill.atMs())
                + "ms");
  }

  /**
   * The tenant's push endpoint: a real HTTP server on loopback that records every request and
   * answers 200 after {@link #ENDPOINT_DELAY_MS}, unless the gateway has gone by then.
   */
  private static final class PushEndpoint {
    /** A delivery request: from which client port, when, its events, when it was answered. */
    record Hit(int remotePort, long atMs, JsonArray events, AtomicLong answeredAtMs) {}

    final List<Hit> hits = new CopyOnWriteArrayList<>();
    private final Vertx vertx;
    private final HttpServer server;

    PushEndpoint(Vertx vertx) {
      this.vertx = vertx;
      server =
          vertx
              .createHttpServer()
              .requestHandler(req -> req.body().onSuccess(body -> record(req, body)))
              .listen(0, "127.0.0.1")
              .await();
    }

    private void record(HttpServerRequest req, Buffer body) {
      Hit hit =
          new Hit(
              req.remoteAddress().port(),
              System.currentTimeMillis(),
              new JsonArray(body),
              new AtomicLong());
      hits.add(hit);
      vertx.setTimer(
          ENDPOINT_DELAY_MS,
          t -> {
            if (!req.response().closed()) {
              long now = System.currentTimeMillis();
              req.response().setStatusCode(200).end().onSuccess(v -> hit.answeredAtMs().set(now));
            }
          });
    }

    int port() {
      return server.actualPort();
    }

    String url() {
      return "http://127.0.0.1:" + port() + "/hooks/multi";
    }

    /** The events of every request answered 200. */
    List<JsonObject> acknowledged() {
      List<JsonObject> out = new ArrayList<>();
      for (Hit hit : hits) {
        if (hit.answeredAtMs().get() != 0) {
          hit.events().forEach(e -> out.add((JsonObject) e));
        }
      }
      return out;
    }
  }
}
