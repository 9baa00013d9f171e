package dev.sluice.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.gateway.connector.smpp.SmscSimulator;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The operator's kit in {@code ops/}: the alerting rules pass {@code promtool check rules} and
 * their own unit tests ({@code promtool test rules}), and every metric and label that the rules and
 * the Grafana dashboard name is one a running gateway exports, once it has seen a little of every
 * kind of traffic (a webhook, a send through a provider, a push delivery).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpsKitIT {
  /** The test runs in gateway/; the kit is beside it. */
  private static final Path OPS = Path.of("..", "ops").toAbsolutePath().normalize();

  private static final Path ALERTS = OPS.resolve("prometheus/alerts.yml");
  private static final Path DASHBOARD = OPS.resolve("grafana/sluice.json");

  /** Series Prometheus makes itself for every target ({@code up}) and the labels it adds. */
  private static final Set<String> PROMETHEUS_SERIES = Set.of("up");

  private static final Set<String> TARGET_LABELS = Set.of("job", "instance", "__name__");

  private static final String APP_SECRET = "meta-app-secret-opskit";
  private static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\(\\s*([^,\\s]+)\\s*,\\s*(\\w+)\\s*\\)");

  private static FakeProvider provider;
  private static SmscSimulator smsc;
  private static IngressHarness h;
  private static final Vertx vertx = Vertx.vertx();
  private static final AtomicInteger delivered = new AtomicInteger();
  private static HttpServer endpoint;

  @BeforeAll
  static void start() {
    provider = FakeProvider.whatsApp();
    smsc = SmscSimulator.start("ops", "ops-pw");
    h =
        IngressHarness.start(
            Map.of(
                "whatsapp.baseUrl", provider.baseUrl(),
                "providers.allowHttp", "true",
                "delivery.allowHttp", "true",
                "delivery.allowPrivate", "true",
                "delivery.idlePollMs", "20",
                "pg.directoryPollMs", "200"));
    endpoint =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              delivered.incrementAndGet();
                              req.response().setStatusCode(200).end();
                            }))
            .listen(0, "127.0.0.1")
            .await();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (h != null) {
        h.close();
      }
      if (provider != null) {
        provider.close();
      }
      if (smsc != null) {
        smsc.close();
      }
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void alertRulesPassPromtoolAndTheirUnitTests() throws Exception {
    assertThat(promtool("check", "rules", ALERTS.toString())).isEmpty();
    assertThat(promtool("test", "rules", OPS.resolve("prometheus/alerts_test.yml").toString()))
        .isEmpty();
  }

  @Test
  void dashboardAndAlertsNameOnlyWhatTheGatewayExports() throws Exception {
    Map<String, String> expressions = expressions();
    assertThat(expressions).hasSizeGreaterThan(20);
    Set<String> wanted = new TreeSet<>();
    expressions.values().forEach(e -> wanted.addAll(PromQlNames.of(e).metrics()));
    wanted.removeAll(PROMETHEUS_SERIES);

    traffic();
    Map<String, Set<String>> exported = new HashMap<>();
    try {
      Await.until(
          "every metric the kit names in /metrics",
          Duration.ofSeconds(60),
          () -> {
            exported.clear();
            exported.putAll(scrape());
            return exported.keySet().containsAll(wanted);
          });
    } catch (AssertionError e) {
      Set<String> missing = new TreeSet<>(wanted);
      missing.removeAll(exported.keySet());
      throw new AssertionError("not in /metrics: " + missing, e);
    }

    List<String> problems = new ArrayList<>();
    expressions.forEach(
        (where, expr) -> {
          PromQlNames names = PromQlNames.of(expr);
          Set<String> labels = new HashSet<>(TARGET_LABELS);
          for (String metric : names.metrics()) {
            if (PROMETHEUS_SERIES.contains(metric)) {
              continue;
            }
            Set<String> has = exported.get(metric);
            if (has == null) {
              problems.add(where + ": no metric " + metric);
            } else {
              labels.addAll(has);
            }
          }
          for (String label : names.labels()) {
            if (!labels.contains(label)) {
              problems.add(where + ": no label " + label + " on " + names.metrics());
            }
          }
        });
    assertThat(problems).isEmpty();
  }

  /** The tokenizer and the check together: a misspelt metric or label is reported. */
  @Test
  void aNameTheGatewayDoesNotExportIsFound() {
    PromQlNames names =
        PromQlNames.of("sum by (tenant) (rate(sluice_ingress_event_total{lane=\"x\"}[5m]))");

    assertThat(names.metrics()).containsExactly("sluice_ingress_event_total");
    assertThat(names.labels()).containsExactlyInAnyOrder("tenant", "lane");
  }

  // ---- the kit ----

  /** Every expression of the kit, keyed by where it is (for the failure message). */
  private static Map<String, String> expressions() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile());
    for (JsonNode group : rules.get("groups")) {
      for (JsonNode rule : group.get("rules")) {
        String name = rule.has("alert") ? rule.get("alert").asText() : rule.get("record").asText();
        out.put("alerts.yml " + name, rule.get("expr").asText());
      }
    }
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    collectPanels(dashboard.getJsonArray("panels"), out);
    for (Object o : dashboard.getJsonObject("templating").getJsonArray("list")) {
      JsonObject variable = (JsonObject) o;
      if ("query".equals(variable.getString("type"))) {
        Object query = variable.getValue("query");
        String text = query instanceof JsonObject q ? q.getString("query") : String.valueOf(query);
        Matcher m = LABEL_VALUES.matcher(text);
        assertThat(m.matches()).as("variable %s: %s", variable.getString("name"), text).isTrue();
        // label_values(metric, label) is Grafana's, not PromQL: ask for the label on the metric.
        out.put(
            "sluice.json variable " + variable.getString("name"),
            "count by (" + m.group(2) + ") (" + m.group(1) + ")");
      }
    }
    return out;
  }

  private static void collectPanels(JsonArray panels, Map<String, String> out) {
    if (panels == null) {
      return;
    }
    for (Object o : panels) {
      JsonObject panel = (JsonObject) o;
      collectPanels(panel.getJsonArray("panels"), out); // a collapsed row holds its panels
      JsonArray targets = panel.getJsonArray("targets");
      if (targets == null) {
        continue;
      }
      for (Object t : targets) {
        JsonObject target = (JsonObject) t;
        out.put(
            "sluice.json \"" + panel.getString("title") + "\" " + target.getString("refId"),
            target.getString("expr"));
      }
    }
  }

  /** Runs promtool; its complaint, or empty when it exits 0. */
  private static String promtool(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool %s ended", command).isTrue();
    return p.exitValue() == 0 ? "" : "promtool exited " + p.exitValue() + ":\n" + output;
  }

  // ---- the gateway ----

  /**
   * A tenant with a WhatsApp channel in push mode: one event in (admitted, then pushed to the
   * endpoint) and one message out (sent through the fake provider, then written to history).
   */
  private static void traffic() {
    String app = TestBackends.uniqueId("app");
    h.metaApp(app, APP_SECRET, "verify");
    Tenant t = h.tenant("ops");
    String address = "66" + System.nanoTime() % 1_000_000_000L;
    String channel = TestBackends.uniqueId("ops-wa");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "whatsapp")
            .put("address", address)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-ops")));
    HttpResponse<Buffer> put =
        h.client
            .put("/v1/endpoint")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put("url", "http://127.0.0.1:" + endpoint.actualPort() + "/hook")
                    .put("batchSize", 1))
            .await();
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(201);

    assertThat(
            h.postMeta(
                    app,
                    APP_SECRET,
                    IngressHarness.whatsappText(address, "15550001111", "wamid.OPS1", "hello"))
                .statusCode())
        .isEqualTo(200);
    HttpResponse<Buffer> sent =
        h.client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + t.apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put("channel", channel)
                    .put("to", "+4915112340002")
                    .put("type", "text")
                    .put("text", "hi"))
            .await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    Await.until(
        "the event pushed to the endpoint", Duration.ofSeconds(30), () -> delivered.get() > 0);
    Await.until("the message sent", Duration.ofSeconds(30), () -> !provider.calls().isEmpty());
    smppTraffic(t);
    // jvm_gc_pause_seconds appears at the first collection after the gateway started.
    System.gc();
  }

  /** An smpp channel bound to the SMSC simulator (its meters exist while it is bound). */
  private static void smppTraffic(Tenant t) {
    String channel = TestBackends.uniqueId("ops-smpp");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "smpp")
            .put("smpp", new JsonObject().put("host", "127.0.0.1").put("port", smsc.port()))
            .put("credentials", new JsonObject().put("systemId", "ops").put("password", "ops-pw")));
    Await.until("the smpp bind", Duration.ofSeconds(30), () -> smsc.boundConnections() == 1);
  }

  /** Every series name in /metrics with the label names it carries. */
  private static Map<String, Set<String>> scrape() {
    HttpResponse<Buffer> r = h.client.get("/metrics").send().await();
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Set<String>> out = new HashMap<>();
    for (String line : r.bodyAsString().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      boolean labelled = brace >= 0 && brace < space;
      String name = line.substring(0, labelled ? brace : space);
      Set<String> labels = out.computeIfAbsent(name, n -> new HashSet<>());
      if (labelled) {
        // Label values are quoted strings: {a="x",b="y"}; the scanner's matchers() reads the names.
        labels.addAll(PromQlNames.of(line.substring(brace, line.lastIndexOf('}') + 1)).labels());
      }
    }
    return out;
  }
}
